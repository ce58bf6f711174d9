/**
 * The dry run against the workspace as it is now: one paged listing of the case (and of the
 * backups a restore reads), the simulation, the undo guards and the firm's policy. PlanService
 * runs it for every proposal, validation and rollback; the executor runs it to derive a
 * compensation. One function, so a plan and its undo are judged by the same rules.
 */
import type { Action } from '../domain/actions.ts';
import { brokenGuard, type UndoGuard } from '../domain/inverse.ts';
import { backupRootOf, blobObjectName, casePathOf, casePrefix, parseBlobRef } from '../domain/paths.ts';
import { evaluatePolicy, type Policy } from '../domain/policy.ts';
import type { DryRunReport, Operation, ReportIssue } from '../domain/plan.ts';
import { simulatePlan } from '../domain/simulate.ts';
import type { Clock } from '../ports/clock.ts';
import { listAll, type ObjectInfo, type ObjectStore, type RefusedEntry } from '../ports/object-store.ts';

export interface DryRunDeps {
  objects: ObjectStore;
  policy: Policy;
  clock: Clock;
  /** Objects per listing page. */
  listPageSize?: number;
}

/** One listing of a case: its objects (names, sizes, generations; no custom metadata). */
export interface CaseListing {
  objects: ObjectInfo[];
  /** Entries the store cannot touch (the embedded store's links and NFD names): the dry run refuses plans naming them. */
  refused?: RefusedEntry[];
  pages: number;
}

export interface DryRunRequest {
  planId: string;
  caseName: string;
  operations: readonly Operation[];
  /** Undo guards: each broken one is an error of the report. */
  guards?: readonly UndoGuard[];
  /** Compensation is judged by the policy the original plan was approved under, not again. */
  skipPolicy?: boolean;
  /** Conflicts a target-state plan met against its base snapshot: errors of the report, every time. */
  conflicts?: readonly ReportIssue[];
}

export interface DryRunOutcome {
  report: DryRunReport;
  actions: Action[];
}

export class DryRunner {
  private readonly deps: DryRunDeps;

  constructor(deps: DryRunDeps) {
    this.deps = deps;
  }

  async listCase(caseName: string): Promise<CaseListing> {
    const objects: ObjectInfo[] = [];
    const refused: RefusedEntry[] = [];
    let pages = 0;
    for await (const page of listAll(this.deps.objects, casePrefix(caseName), { pageSize: this.deps.listPageSize, withMetadata: false })) {
      pages += 1;
      objects.push(...page.objects);
      refused.push(...(page.refused ?? []));
    }
    return { objects, refused, pages };
  }

  /** Simulates `request` against `listing` (listed now when not given). Never touches storage otherwise. */
  async run(request: DryRunRequest, listing?: CaseListing): Promise<DryRunOutcome> {
    const { caseName, operations } = request;
    const caseListing = listing ?? (await this.listCase(caseName));
    const systemObjects = await this.listBackupsRestoredBy(operations);
    const blobObjects = await this.statBlobsWrittenBy(caseName, operations);
    const { report, actions } = simulatePlan({
      blobObjects,
      planId: request.planId,
      caseName,
      operations,
      caseObjects: caseListing.objects,
      refused: caseListing.refused,
      systemObjects: systemObjects?.objects,
      listing: { objects: caseListing.objects.length, pages: caseListing.pages + (systemObjects?.pages ?? 0) },
      checkedAt: this.deps.clock.now().toISOString(),
    });
    if (request.guards && request.guards.length > 0) {
      const current = new Map(caseListing.objects.map((object) => [casePathOf(caseName, object.name), object.generation]));
      for (const guard of request.guards) {
        const message = brokenGuard(guard, current.get(guard.path));
        if (message !== undefined) report.errors.push({ code: 'changed_since', path: guard.path, message });
      }
      report.valid = report.errors.length === 0;
    }
    if (request.conflicts && request.conflicts.length > 0) {
      report.errors.unshift(...request.conflicts);
      report.valid = false;
    }
    if (!request.skipPolicy) {
      const verdict = evaluatePolicy(this.deps.policy, { case: caseName, operations, report, actions });
      report.policy = verdict;
      if (verdict.violations.length > 0) report.valid = false;
    }
    return { report, actions };
  }

  /** The staged blobs the plan's `write_file`s name, looked up one by one (only this case's: others are refused unseen). */
  private async statBlobsWrittenBy(caseName: string, operations: readonly Operation[]): Promise<Map<string, ObjectInfo>> {
    const names = new Set<string>();
    for (const operation of operations) {
      if (operation.type !== 'write_file' || operation.blob === undefined) continue;
      const parsed = parseBlobRef(operation.blob);
      if (parsed.ok && parsed.value.case === caseName) names.add(blobObjectName(parsed.value));
    }
    const found = new Map<string, ObjectInfo>();
    const pending = [...names];
    await Promise.all(
      Array.from({ length: Math.min(16, pending.length) }, async () => {
        for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
          const object = await this.deps.objects.stat(name);
          if (object) found.set(name, object);
        }
      }),
    );
    return found;
  }

  /** The backup objects the plan's `restore` operations read, by name. */
  private async listBackupsRestoredBy(operations: readonly Operation[]): Promise<{ objects: Map<string, ObjectInfo>; pages: number } | undefined> {
    const roots = new Set(operations.flatMap((operation) => (operation.type === 'restore' ? [backupRootOf(operation.backup)] : [])));
    if (roots.size === 0) return undefined;
    const objects = new Map<string, ObjectInfo>();
    let pages = 0;
    for (const root of roots) {
      for await (const page of listAll(this.deps.objects, root, { pageSize: this.deps.listPageSize, withMetadata: false })) {
        pages += 1;
        for (const object of page.objects) objects.set(object.name, object);
      }
    }
    return { objects, pages };
  }
}
