/**
 * The console asks `planDecisions` what a person may do with a plan, so it can explain a
 * disabled button before anyone clicks; PlanService decides for real. Two places state the same
 * rules, so this test holds them together: for plans in every state the console shows, and for
 * every kind of caller, each decision the console is given must be the one the service makes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/ports/identity.ts';
import { planDecisions } from '../../shared/services/plan-review.ts';
import { embeddedBackend, type TestBackend } from '../support/backends.ts';
import { admin, agent, applyAndRun, approver, secondApprover, seed, wire, type Wiring } from '../support/scenario.ts';

const CASE = 'decisions-case';
type State = 'proposed' | 'invalid' | 'approved' | 'rejected' | 'succeeded' | 'expired';
type Action = 'approve' | 'reject' | 'apply' | 'validate' | 'rollback';
const STATES: State[] = ['proposed', 'invalid', 'approved', 'rejected', 'succeeded', 'expired'];
const ACTIONS: Action[] = ['approve', 'reject', 'apply', 'validate', 'rollback'];
const CALLERS: Array<[string, Principal]> = [
  ['the author (an agent)', agent],
  ['an approver', approver],
  ['an approver who already approved', secondApprover],
  ['an admin', admin],
];

async function planIn(wiring: Wiring, state: State): Promise<string> {
  const operations =
    state === 'invalid' ? [{ type: 'move', source: 'missing.pdf', destination: 'x.pdf' }] : [{ type: 'move', source: 'a.pdf', destination: 'filed/a.pdf' }];
  const proposed = await wiring.service.propose(agent, { case: CASE, description: 'file it', operations });
  const id = proposed.plan.id;
  const reviewed = { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash };
  if (state === 'approved' || state === 'succeeded' || state === 'expired') await wiring.service.approve(secondApprover, id, reviewed);
  if (state === 'rejected') await wiring.service.reject(approver, id, { reason: 'no' });
  if (state === 'succeeded') await applyAndRun(wiring, agent, id);
  if (state === 'expired') wiring.clock.advance(2 * 3600_000);
  return id;
}

async function attempt(wiring: Wiring, principal: Principal, action: Action, id: string): Promise<boolean> {
  const { plan, report } = await wiring.service.get(admin, id);
  const calls: Record<Action, () => Promise<unknown>> = {
    approve: () => wiring.service.approve(principal, id, { planHash: plan.planHash, snapshotHash: report.snapshotHash }),
    reject: () => wiring.service.reject(principal, id, { reason: 'not like this' }),
    apply: () => wiring.service.apply(principal, id),
    validate: () => wiring.service.validate(principal, id),
    rollback: () => wiring.service.rollback(principal, id),
  };
  return calls[action]().then(
    () => true,
    () => false,
  );
}

describe("the console's decisions and the service's agree", () => {
  let backend: TestBackend;
  beforeEach(async () => {
    backend = await embeddedBackend.make();
  });
  afterEach(async () => {
    await backend.cleanup();
  });

  for (const state of STATES) {
    it(`for a plan that is ${state}`, async () => {
      const disagreements: string[] = [];
      for (const [callerName, principal] of CALLERS) {
        for (const action of ACTIONS) {
          // Every attempt gets a plan of its own: attempts change what they succeed on.
          const wiring = wire(backend);
          await seed(backend.objects, CASE, { 'a.pdf': `a for ${callerName} ${action}` });
          const id = await planIn(wiring, state);
          const plan = (await wiring.service.get(admin, id)).plan;
          const decision = planDecisions(principal, plan, wiring.clock.now())[action];
          const done = await attempt(wiring, principal, action, id);
          if (decision.allowed !== done)
            disagreements.push(
              `${callerName} / ${action}: console says ${decision.allowed ? 'allowed' : `refused (${decision.reason})`}, service ${done ? 'did it' : 'refused'}`,
            );
          await backend.objects.delete(`projects/${CASE}/a.pdf`).catch(() => undefined);
          await backend.objects.delete(`projects/${CASE}/filed/a.pdf`).catch(() => undefined);
        }
      }
      expect(disagreements).toEqual([]);
    });
  }
});
