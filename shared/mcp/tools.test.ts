/**
 * Tool behaviour that the end-to-end tests cannot reach quickly: waits are bounded by what the
 * transport allows, and argument errors name the field as the API does.
 */
import { describe, expect, it } from 'vitest';
import type { PlanViewBody } from '../client/index.ts';
import type { McpBackend } from './backend.ts';
import { callTool } from './server.ts';
import { TOOLS } from './tools.ts';

const PLAN_ID = 'pln_0000000000000000000000';

function recordingBackend(maxWaitSeconds: number): { backend: McpBackend; waits: number[] } {
  const waits: number[] = [];
  const view = {
    plan: { id: PLAN_ID, case: 'c', status: 'proposed', description: 'd' },
    report: {
      valid: true,
      totals: { operations: 0, actions: 0, objectsCreated: 0, objectsOverwritten: 0, objectsDeleted: 0 },
      operations: [],
      errors: [],
      warnings: [],
    },
    decisions: {
      approve: { allowed: false, offered: true, code: 'forbidden', reason: 'Approving needs the approver role.' },
      apply: { allowed: false, offered: false, code: 'conflict', reason: 'The plan needs 1 more approval before it can run.' },
      rollback: { allowed: false, offered: false },
      awaitingApproval: true,
      inFlight: false,
      finished: false,
      approvalExpired: false,
      nextStep: 'Awaiting 1 more approval',
    },
  } as unknown as PlanViewBody;
  const unused = () => Promise.reject(new Error('not used here'));
  const backend: McpBackend = {
    listFiles: unused,
    readFileText: unused,
    fileHistory: unused,
    propose: unused,
    proposeFromCommands: unused,
    getPlan: async () => view,
    apply: async () => view,
    rollback: unused,
    waitForPlan: async (_id, options) => {
      waits.push(options.timeoutMs);
      return { view, timedOut: true };
    },
    consoleUrl: (id) => `http://bailiff.test/ui/plans/${id}`,
    maxWaitSeconds,
  };
  return { backend, waits };
}

const tool = (name: string) => TOOLS.find((candidate) => candidate.name === name)!;

describe('MCP tool waits', () => {
  it('waits as long as asked over stdio, and at most the in-request limit over HTTP', async () => {
    const stdio = recordingBackend(Number.POSITIVE_INFINITY);
    await callTool(tool('wait_for_plan'), stdio.backend, { planId: PLAN_ID, timeoutSeconds: 300 });
    expect(stdio.waits).toEqual([300_000]);
    const http = recordingBackend(45);
    const waited = await callTool(tool('wait_for_plan'), http.backend, { planId: PLAN_ID, timeoutSeconds: 300 });
    const applied = await callTool(tool('apply_plan'), http.backend, { planId: PLAN_ID, timeoutSeconds: 120 });
    expect(http.waits).toEqual([45_000, 45_000]);
    expect(waited.content[0]).toMatchObject({ text: expect.stringMatching(/^Still proposed after 45s; call wait_for_plan again/) });
    expect(applied.structuredContent).toMatchObject({ timedOut: true });
  });

  it('refuses waits beyond the tool limit with the field named', async () => {
    const { backend } = recordingBackend(45);
    const result = await callTool(tool('wait_for_plan'), backend, { planId: PLAN_ID, timeoutSeconds: 301 });
    expect(result.isError).toBe(true);
    expect(result.content[0]).toEqual({
      type: 'text',
      text: 'Error invalid_input: invalid arguments for wait_for_plan\n  - timeoutSeconds: Too big: expected number to be <=300',
    });
  });
});
