/**
 * One plan view for every status a plan can be in, as two callers see it (an approver who did
 * not write the plan, and the agent that did), plus the states a status alone does not tell
 * apart (a proposed plan whose dry run failed, an approved plan past its window). The decisions
 * come from domain/lifecycle.ts, the one owner. Every surface that words a plan (MCP, CLI,
 * Python) is held to these views: shared/domain/lifecycle-surfaces.test.ts and
 * agent/tests/test_lifecycle_surfaces.py read them from test/corpus/plan-views.json.
 *
 *   npx node test/support/record-plan-views.ts   (re-record after a lifecycle change; review the diff)
 */
import { decide, type LifecycleCaller } from '../../shared/domain/lifecycle.ts';
import { planStatusSchema, type PlanRecord, type PlanStatus } from '../../shared/domain/plan.ts';
import type { PlanViewBody } from '../../shared/client/index.ts';

export const CORPUS_URL = new URL('../corpus/plan-views.json', import.meta.url);

const NOW = new Date('2026-12-01T12:00:00.000Z');
const AGENT = 'agent@firm.example';
const CALLERS: Record<'approver' | 'agent', LifecycleCaller> = {
  approver: { id: 'alice@firm.example', approver: true, reader: true, admin: false },
  agent: { id: AGENT, approver: false, reader: true, admin: false },
};

export interface LifecycleView {
  name: string;
  view: PlanViewBody;
}

function record(status: PlanStatus, variant: 'plain' | 'invalid' | 'window-passed'): PlanRecord {
  const at = NOW.toISOString();
  const approved = ['approved', 'queued', 'running', 'succeeded', 'failed', 'rolled_back'].includes(status) || status === 'expired';
  const ran = ['running', 'succeeded', 'failed', 'rolled_back'].includes(status);
  const failed = status === 'failed';
  return {
    id: 'pln_0mx3lifecycle0001',
    case: 'smith',
    description: 'Sort intake',
    onError: 'stop',
    kind: 'change',
    author: AGENT,
    createdAt: at,
    updatedAt: at,
    planHash: 'sha256:plan',
    status,
    revision: 3,
    operationCount: 2,
    report: {
      valid: variant !== 'invalid',
      checkedAt: at,
      snapshotHash: 'sha256:snapshot',
      listing: { objects: 2, pages: 1 },
      totals: {
        operations: 2,
        actions: 2,
        objectsCreated: 0,
        objectsOverwritten: 0,
        objectsDeleted: 1,
        objectsMoved: 1,
        objectsCopied: 0,
        objectsWritten: 0,
        foldersCreated: 0,
        bytesWritten: 0,
        bytesDeleted: 3,
        bytesMoved: 3,
        bytesCopied: 0,
      },
      errors: variant === 'invalid' ? [{ code: 'source_missing', message: 'intake/b.pdf does not exist', operation: 1 }] : [],
      warnings: [],
      operations: [
        { index: 0, type: 'move', effect: 'move intake/a.pdf to Police/a.pdf (1 object, 3 B)', objects: 1, bytes: 3 },
        { index: 1, type: 'delete', effect: 'delete intake/b.pdf (1 object, 3 B)', objects: 1, bytes: 3 },
      ],
      operationsTruncated: false,
      diff: { added: [], removed: [], changed: [], truncated: false },
      policy: { version: '2026-11-26', approvalsRequired: 1, violations: [] },
    },
    ...(approved
      ? {
          approval: {
            approvers: [{ principal: 'bob@firm.example', at }],
            planHash: 'sha256:plan',
            snapshotHash: 'sha256:snapshot',
            approvalsRequired: 1,
            approvedAt: at,
            expiresAt: new Date(NOW.getTime() + (variant === 'window-passed' || status === 'expired' ? -60_000 : 3_600_000)).toISOString(),
          },
        }
      : {}),
    ...(status === 'rejected' ? { rejection: { by: 'bob@firm.example', at, reason: 'wrong folder' } } : {}),
    ...(status === 'queued' ? { execution: { attempt: 1, cursor: 0, actionCount: 2, done: 0, stale: 0, failed: 0, skipped: 0 } } : {}),
    ...(ran
      ? {
          execution: {
            attempt: 1,
            startedAt: at,
            ...(status === 'running' ? {} : { finishedAt: at }),
            cursor: status === 'running' ? 1 : 2,
            actionCount: 2,
            done: status === 'running' ? 1 : failed ? 1 : 2,
            stale: 0,
            failed: failed ? 1 : 0,
            skipped: 0,
            ...(failed ? { lastError: 'Police/a.pdf changed since the dry run' } : {}),
          },
        }
      : {}),
    ...(status === 'rolled_back' ? { rolledBackBy: 'pln_0mx3lifecycle0002' } : {}),
  };
}

/** Every status for both callers, then the states the status alone does not tell apart. */
export function lifecycleViews(): LifecycleView[] {
  const cases: Array<[PlanStatus, 'plain' | 'invalid' | 'window-passed']> = [
    ...planStatusSchema.options.map((status): [PlanStatus, 'plain'] => [status, 'plain']),
    ['proposed', 'invalid'],
    ['approved', 'window-passed'],
  ];
  const views: LifecycleView[] = [];
  for (const [status, variant] of cases) {
    for (const [who, caller] of Object.entries(CALLERS)) {
      const plan = record(status, variant);
      const view: PlanViewBody = {
        plan,
        report: plan.report,
        ...(plan.approval ? { approval: plan.approval } : {}),
        ...(plan.execution ? { execution: plan.execution } : {}),
        decisions: decide(caller, plan, NOW),
      };
      views.push({ name: `${status}${variant === 'plain' ? '' : ` (${variant})`} as the ${who}`, view });
    }
  }
  return views;
}
