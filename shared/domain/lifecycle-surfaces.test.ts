/**
 * The lifecycle is decided once (domain/lifecycle.ts) and every surface reads the decisions a
 * plan view carries. This test holds the MCP tools to that for every status, for an approver and
 * for the agent that wrote the plan: what each offers next matches the decisions, and stays the
 * same when the plan's status is swapped for any other (a surface that re-decided from the status
 * would change its answer). agent/tests/test_lifecycle_surfaces.py holds the Python package to
 * the same views, read from the corpus this test keeps current.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PlanViewBody } from '../client/index.ts';
import { planViewSchema } from '../http/schemas.ts';
import type { McpBackend } from '../mcp/backend.ts';
import { callTool } from '../mcp/server.ts';
import { describePlan, TOOLS } from '../mcp/tools.ts';
import { CORPUS_URL, lifecycleViews } from '../../test/support/lifecycle-views.ts';
import { planStatusSchema } from './plan.ts';
import { waitIsOver } from './lifecycle.ts';

const VIEWS = lifecycleViews();
const LINK = 'http://bailiff.test/ui/plans/x';

/** What a surface offers next, in the terms of the decisions. */
interface Offer {
  personApproves: boolean;
  agentApplies: boolean;
  executing: boolean;
  agentRollsBack: boolean;
}

function expectedOffer(view: PlanViewBody): Offer {
  const { decisions } = view;
  return {
    personApproves: decisions.awaitingApproval,
    agentApplies: decisions.apply.allowed,
    executing: decisions.inFlight,
    agentRollsBack: decisions.rollback.allowed,
  };
}

/** The MCP's guidance, read back: which tool or person it sends the agent to next. */
function mcpOffer(view: PlanViewBody): Offer {
  const next = describePlan(view, { consoleUrl: () => LINK })
    .split('\n')
    .at(-1)!;
  return {
    personApproves: next.includes('a person must review and approve it'),
    agentApplies: next.includes('Next: call apply_plan'),
    executing: next.includes('wait_for_plan with until "finished"'),
    agentRollsBack: next.includes('propose_rollback'),
  };
}

/** A backend that serves one view and records what the tools asked of it. */
function backendServing(view: PlanViewBody) {
  const seen = { applied: false, waited: false, stops: [] as boolean[] };
  const backend: McpBackend = {
    listFiles: () => Promise.reject(new Error('unused')),
    readFileText: () => Promise.reject(new Error('unused')),
    fileHistory: () => Promise.reject(new Error('unused')),
    propose: () => Promise.reject(new Error('unused')),
    proposeFromCommands: () => Promise.reject(new Error('unused')),
    rollback: () => Promise.reject(new Error('unused')),
    getPlan: async () => view,
    apply: async () => {
      seen.applied = true;
      return view;
    },
    waitForPlan: async (_id, options) => {
      seen.waited = true;
      seen.stops.push(options.done(view));
      return { view, timedOut: false };
    },
    consoleUrl: () => LINK,
    maxWaitSeconds: 45,
  };
  return { backend, seen };
}

async function mcpCalls(view: PlanViewBody) {
  const decided = backendServing(view);
  await callTool(TOOLS.find((tool) => tool.name === 'wait_for_plan')!, decided.backend, { planId: view.plan.id, until: 'decided' });
  const finished = backendServing(view);
  await callTool(TOOLS.find((tool) => tool.name === 'wait_for_plan')!, finished.backend, { planId: view.plan.id, until: 'finished' });
  const applying = backendServing(view);
  await callTool(TOOLS.find((tool) => tool.name === 'apply_plan')!, applying.backend, { planId: view.plan.id });
  return { decidedStops: decided.seen.stops[0], finishedStops: finished.seen.stops[0], applyCalled: applying.seen.applied, applyWaited: applying.seen.waited };
}

/** The same view with its status swapped, its decisions kept. */
function withStatus(view: PlanViewBody, status: PlanViewBody['plan']['status']): PlanViewBody {
  return { ...view, plan: { ...view.plan, status } };
}

describe('every surface reads the lifecycle from the decisions', () => {
  it('the shared corpus of plan views is current (re-record: npx node test/support/record-plan-views.ts)', () => {
    const recorded = JSON.parse(readFileSync(CORPUS_URL, 'utf8')) as { views: unknown };
    expect(recorded.views).toEqual(JSON.parse(JSON.stringify(VIEWS)));
    for (const { view } of VIEWS) planViewSchema.parse(view);
  });

  it.each(VIEWS.map(({ name, view }) => [name, view] as const))('MCP guidance for %s offers what the decisions allow', (_name, view) => {
    expect(mcpOffer(view)).toEqual(expectedOffer(view));
  });

  it.each(VIEWS.map(({ name, view }) => [name, view] as const))('MCP waits and applies %s as the decisions say', async (_name, view) => {
    const { decisions } = view;
    const calls = await mcpCalls(view);
    // A wait for a decision stops once no person's approval is awaited; a wait for the end once the
    // plan is finished, or once nothing an agent can call would run it (then it says why).
    expect(calls.decidedStops).toBe(waitIsOver('decided', decisions));
    expect(calls.finishedStops).toBe(decisions.finished || !(decisions.awaitingApproval || decisions.inFlight || decisions.apply.allowed));
    // apply_plan asks Bailiff to run what may run (and what awaits approval, so the refusal names the link).
    expect(calls.applyCalled).toBe(decisions.apply.allowed || decisions.awaitingApproval);
    expect(calls.applyWaited).toBe(decisions.apply.allowed || decisions.awaitingApproval || decisions.inFlight);
  });

  it('no MCP answer changes when only the status changes', async () => {
    for (const { name, view } of VIEWS) {
      const offer = mcpOffer(view);
      const calls = await mcpCalls(view);
      for (const status of planStatusSchema.options) {
        const swapped = withStatus(view, status);
        expect(mcpOffer(swapped), `${name}, status read as ${status}`).toEqual(offer);
        expect(await mcpCalls(swapped), `${name}, status read as ${status}`).toEqual(calls);
      }
    }
  });
});
