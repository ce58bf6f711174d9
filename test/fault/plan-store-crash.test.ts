/**
 * The executor dies at every write it makes to the plan store (plan updates, journal and audit
 * appends, leases, progress), before the write or after it with the answer lost; a new delivery
 * then finishes the plan. Every status the plan record reaches must have its audit record, once:
 * a status change and its record are one write, so no instant of death separates them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Operation } from '../../shared/domain/plan.ts';
import { embeddedBackend, gcpBackend, type TestBackend } from '../support/backends.ts';
import { FaultyPlanStore } from '../support/faulty-plan-store.ts';
import { agent, applyAndRun, drain, proposeApproved, seed, wire } from '../support/scenario.ts';

const CASE = 'plan-store-crash';

function operations(): Operation[] {
  const list: Operation[] = [{ type: 'create_dir', destination: 'Sorted' }];
  for (let i = 0; i < 12; i += 1) list.push({ type: 'move', source: `intake/scan-${i}.pdf`, destination: `Sorted/scan-${i}.pdf`, overwrite: false });
  list.push({ type: 'write_file', destination: 'Sorted/index.md', content: 'twelve scans', encoding: 'utf8', overwrite: false });
  return list;
}

const files = () => Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`intake/scan-${i}.pdf`, `scan ${i}`]));

/** The status changes a plan's audit trail records, in order. */
const STATUS_RECORDS = new Map([
  ['plan.queued', 'queued'],
  ['plan.running', 'running'],
  ['plan.succeeded', 'succeeded'],
  ['plan.failed', 'failed'],
]);

for (const factory of [embeddedBackend, gcpBackend]) {
  describe(`the executor dying at every plan-store write, on ${factory.name}`, () => {
    let backend: TestBackend;
    beforeEach(async () => {
      backend = await factory.make();
    });
    afterEach(async () => {
      await backend.cleanup();
    });

    it('leaves every status the plan reaches with its one audit record', { timeout: 600_000 }, async () => {
      const reference = new FaultyPlanStore(backend.plans);
      const referenceWiring = wire(backend, { executorPlans: reference.store, executor: { journalBatch: 4 } });
      await seed(backend.objects, CASE, files());
      const referencePlan = await proposeApproved(referenceWiring, { case: CASE, description: 'sort', operations: operations() });
      reference.crashAtWrite(Number.POSITIVE_INFINITY, false);
      expect((await applyAndRun(referenceWiring, agent, referencePlan)).plan.status).toBe('succeeded');
      const totalWrites = reference.writes;
      expect(totalWrites).toBeGreaterThan(5);

      for (let crashAt = 1; crashAt <= totalWrites; crashAt += 1) {
        for (const afterSending of [false, true]) {
          const caseName = `${CASE}-${crashAt}-${afterSending ? 'sent' : 'lost'}`;
          const faulty = new FaultyPlanStore(backend.plans);
          const wiring = wire(backend, { executorPlans: faulty.store, executor: { journalBatch: 4 } });
          await seed(backend.objects, caseName, files());
          const planId = await proposeApproved(wiring, { case: caseName, description: 'sort', operations: operations() });
          await wiring.service.apply(agent, planId);
          const [message] = wiring.queue.take();
          faulty.crashAtWrite(crashAt, afterSending);
          await wiring.executor.handle(message!).catch(() => undefined);
          const where = `death at write ${crashAt} (${faulty.log.at(-1)}, ${afterSending ? 'after sending' : 'before sending'})`;
          faulty.revive();
          // The dead holder's lease expires; the message comes again (Pub/Sub redelivers it).
          wiring.clock.advance(60_000);
          await wiring.executor.handle(message!, { attempt: 2 });
          await drain(wiring);
          const final = await wiring.service.get(agent, planId);
          expect(final.plan.status, where).toBe('succeeded');
          const trail = await backend.plans.readPlanAudit(planId);
          const statuses = trail.flatMap((record) => (STATUS_RECORDS.has(record.type) ? [STATUS_RECORDS.get(record.type)] : []));
          expect(
            statuses.filter((status) => status === 'succeeded'),
            `${where}: ${trail.map((record) => record.type).join(', ')}`,
          ).toEqual(['succeeded']);
          expect(statuses.at(-1), where).toBe('succeeded');
          expect(statuses, where).toContain('running');
        }
      }
    });
  });
}
