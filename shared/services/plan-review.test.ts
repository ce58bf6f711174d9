import { describe, expect, it } from 'vitest';
import type { PlanRecord } from '../domain/plan.ts';
import type { Principal } from '../ports/identity.ts';
import { describePolicyVerdict, planDecisions, summariseOperation } from './plan-review.ts';

const NOW = new Date('2026-11-30T12:00:00.000Z');
const agent: Principal = { id: 'agent@firm.example', roles: ['agent'] };
const alice: Principal = { id: 'alice@firm.example', roles: ['approver'] };
const bob: Principal = { id: 'bob@firm.example', roles: ['approver'] };
const admin: Principal = { id: 'root@firm.example', roles: ['admin'] };

function plan(overrides: Partial<PlanRecord> = {}, totals: Partial<PlanRecord['report']['totals']> = {}, approvalsRequired = 1): PlanRecord {
  return {
    id: 'pln_0000000001',
    case: 'smith',
    description: 'Sort intake',
    onError: 'stop',
    kind: 'change',
    author: agent.id,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    planHash: 'sha256:abc',
    status: 'proposed',
    revision: 1,
    operationCount: 3,
    report: {
      valid: true,
      checkedAt: NOW.toISOString(),
      snapshotHash: 'sha256:snap',
      listing: { objects: 10, pages: 1 },
      totals: {
        operations: 3,
        actions: 3,
        objectsCreated: 1,
        objectsOverwritten: 0,
        objectsDeleted: 0,
        objectsMoved: 2,
        objectsCopied: 0,
        objectsWritten: 0,
        foldersCreated: 0,
        bytesWritten: 10,
        bytesDeleted: 0,
        bytesMoved: 10,
        bytesCopied: 0,
        ...totals,
      },
      errors: [],
      warnings: [],
      operations: [
        { index: 0, type: 'move', effect: 'move a to b', objects: 2, bytes: 10 },
        { index: 1, type: 'delete', effect: 'delete c', objects: totals.objectsDeleted ?? 0, bytes: 0 },
      ],
      operationsTruncated: true,
      diff: { added: [], removed: [], changed: [], truncated: false },
      policy: { version: '2026-11-26', approvalsRequired, violations: [] },
    },
    ...overrides,
  };
}

describe('planDecisions', () => {
  it('lets another approver approve and reject a valid proposed plan', () => {
    const decisions = planDecisions(alice, plan(), NOW);
    expect(decisions.approve).toEqual({ allowed: true, offered: true });
    expect(decisions.reject).toEqual({ allowed: true, offered: true });
    expect(decisions.apply.allowed).toBe(false);
    expect(decisions.approvals).toEqual({ required: 1, given: [], remaining: 1 });
  });

  it('offers each action only in the states it belongs to, and says when the plan is in flight', () => {
    const offered = (status: PlanRecord['status']) => {
      const decisions = planDecisions(alice, plan({ status }), NOW);
      const names = (['approve', 'reject', 'apply', 'validate', 'rollback'] as const).filter((name) => decisions[name].offered);
      return { names, inFlight: decisions.inFlight };
    };
    expect(offered('proposed')).toEqual({ names: ['approve', 'reject', 'validate'], inFlight: false });
    expect(offered('approved')).toEqual({ names: ['reject', 'apply', 'validate'], inFlight: false });
    expect(offered('queued')).toEqual({ names: [], inFlight: true });
    expect(offered('running')).toEqual({ names: [], inFlight: true });
    expect(offered('succeeded')).toEqual({ names: ['rollback'], inFlight: false });
    expect(offered('rejected')).toEqual({ names: [], inFlight: false });
    // Offered but refused: the page shows the button disabled with this reason.
    const author = planDecisions({ id: agent.id, roles: ['agent', 'approver'] }, plan(), NOW).approve;
    expect(author).toMatchObject({ allowed: false, offered: true, code: 'forbidden' });
  });

  it('words the approvals still needed in the singular and the plural', () => {
    const needsTwo = plan(
      {
        approval: {
          approvers: [{ principal: alice.id, at: NOW.toISOString() }],
          planHash: 'h',
          snapshotHash: 's',
          approvalsRequired: 3,
          approvedAt: NOW.toISOString(),
        },
      },
      {},
      3,
    );
    expect(planDecisions(alice, needsTwo, NOW).approve.reason).toContain('it needs 2 more approvals from someone else');
    expect(planDecisions(agent, plan(), NOW).apply.reason).toBe('The plan needs 1 more approval before it can run.');
  });

  it('tells the author and an agent why they cannot approve', () => {
    const authorApprover: Principal = { id: agent.id, roles: ['agent', 'approver'] };
    expect(planDecisions(authorApprover, plan(), NOW).approve.reason).toMatch(/You proposed this plan/);
    expect(planDecisions(agent, plan(), NOW).approve.reason).toMatch(/approver role/);
    expect(planDecisions(agent, plan(), NOW).reject.allowed).toBe(false);
  });

  it('counts four-eyes approvals and refuses a second approval by the same person', () => {
    const halfway = plan(
      {
        approval: {
          approvers: [{ principal: alice.id, at: NOW.toISOString() }],
          planHash: 'sha256:abc',
          snapshotHash: 'sha256:snap',
          approvalsRequired: 2,
          approvedAt: NOW.toISOString(),
        },
      },
      { objectsDeleted: 3 },
      2,
    );
    expect(planDecisions(alice, halfway, NOW).approve.reason).toMatch(/already approved.*1 more/);
    expect(planDecisions(bob, halfway, NOW).approve.allowed).toBe(true);
    expect(planDecisions(bob, halfway, NOW).approvals).toMatchObject({ required: 2, remaining: 1 });
  });

  it('says an approval past its window needs validating again, before anything expires it', () => {
    const approved = plan({
      status: 'approved',
      approval: {
        approvers: [{ principal: alice.id, at: NOW.toISOString() }],
        planHash: 'sha256:abc',
        snapshotHash: 'sha256:snap',
        approvalsRequired: 1,
        approvedAt: NOW.toISOString(),
        expiresAt: '2026-11-30T11:00:00.000Z',
      },
    });
    const decisions = planDecisions(agent, approved, NOW);
    expect(decisions.approvalExpired).toBe(true);
    expect(decisions.apply.reason).toMatch(/validate the plan again/);
    expect(decisions.validate.allowed).toBe(true);
  });

  it('offers a rollback only for plans that ran, and audit verification only to admins', () => {
    expect(planDecisions(alice, plan({ status: 'succeeded' }), NOW).rollback.allowed).toBe(true);
    expect(planDecisions(alice, plan({ status: 'rejected' }), NOW).rollback.allowed).toBe(false);
    expect(planDecisions(alice, plan(), NOW).verifyAudit.allowed).toBe(false);
    expect(planDecisions(admin, plan(), NOW).verifyAudit.allowed).toBe(true);
  });
});

describe('describePolicyVerdict', () => {
  it('says why two approvals are needed', () => {
    expect(describePolicyVerdict(plan({}, { objectsDeleted: 12 }, 2))).toBe(
      'Needs 2 approvals from different people because it deletes 12 files and moves 2 files (policy version 2026-11-26).',
    );
  });

  it('names the rule that approved a plan automatically, and a violation in words', () => {
    const auto = plan();
    auto.report.policy = { version: 'v1', approvalsRequired: 1, autoApproveRule: 'notes-and-folders', violations: [] };
    expect(describePolicyVerdict(auto)).toMatch(/^Approved automatically by rule notes-and-folders/);
    const forbidden = plan();
    forbidden.report.valid = false;
    forbidden.report.policy = {
      version: 'v1',
      approvalsRequired: 1,
      violations: [{ code: 'protected_path', message: '`Settlement/x` is protected (legal hold)' }],
    };
    expect(describePolicyVerdict(forbidden)).toBe("The firm's policy (version v1) forbids this plan: `Settlement/x` is protected (legal hold).");
  });
});

describe('summariseOperation', () => {
  it('previews text and only sizes binary content', () => {
    expect(summariseOperation({ type: 'write_file', destination: 'notes.md', content: '# Notes\n', encoding: 'utf8', overwrite: false }, 4)).toEqual({
      index: 4,
      type: 'write_file',
      destination: 'notes.md',
      overwrite: false,
      content: { bytes: 8, encoding: 'utf8', mediaType: 'text/markdown', preview: '# Notes\n', previewTruncated: false },
    });
    const binary = summariseOperation(
      { type: 'write_file', destination: 'scan.pdf', content: Buffer.from([0, 1, 2, 255]).toString('base64'), encoding: 'base64', overwrite: false },
      0,
    );
    expect(binary.content).toEqual({ bytes: 4, encoding: 'base64', mediaType: 'application/pdf' });
    const long = summariseOperation({ type: 'write_file', destination: 'long.txt', content: 'a'.repeat(5000), encoding: 'utf8', overwrite: false }, 0);
    expect(long.content?.preview).toHaveLength(2048);
    expect(long.content?.previewTruncated).toBe(true);
  });
});
