/**
 * The firm's policy, as data it edits: hard limits, protected paths no plan may touch, rules
 * that may approve harmless plans without a person, and when two distinct approvers are needed.
 * Evaluated at proposal (so the agent learns early), at approval, and again at execution.
 */
import { z } from 'zod';
import { touchedNames, type Action } from './actions.ts';
import { hashOf } from './hash.ts';
import { casePathOf } from './paths.ts';
import { canonicalPrincipalId } from './principal-id.ts';
import type { DryRunReport, Operation, ReportIssue } from './plan.ts';

const ruleName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes');

export const policySchema = z.strictObject({
  /** Recorded in every audit record that applied the policy. */
  version: z.string().min(1).max(64),
  limits: z
    .strictObject({
      maxOperations: z.number().int().positive().optional(),
      maxBytesWritten: z.number().int().nonnegative().optional(),
      maxObjectsDeleted: z.number().int().nonnegative().optional(),
    })
    .default({}),
  /** Globs over `<case>/<path>`: `*` within a name, `**` across folders. No plan may touch a match. */
  protectedPaths: z.array(z.strictObject({ pattern: z.string().min(1), reason: z.string().min(1) })).default([]),
  /** The first matching rule approves the plan on proposal; the audit names the rule. */
  autoApprove: z
    .array(
      z.strictObject({
        name: ruleName,
        /** Operation types the plan may contain; never `delete`, `move` or overwrites unless listed. */
        operations: z.array(z.enum(['create_dir', 'write_file', 'copy'])).min(1),
        maxOperations: z.number().int().positive(),
        maxBytesWritten: z.number().int().nonnegative(),
        cases: z.array(z.string()).optional(),
      }),
    )
    .default([]),
  /** When a plan needs two (or more) distinct approvers. */
  fourEyes: z
    .strictObject({
      approvals: z.number().int().min(2).max(5).default(2),
      whenDeletes: z.boolean().default(true),
      whenOverwrites: z.boolean().default(true),
      /**
       * Objects a plan removes from where people find them: deleted, overwritten, or moved away.
       * A move loses nothing, but a wrong mass move hides as much as a mass delete, and a
       * rollback of one is a mass move too.
       */
      whenObjectsRemovedOver: z.number().int().nonnegative().optional(),
      /** Bytes of those objects: deleted, overwritten and moved. */
      whenBytesRemovedOver: z.number().int().nonnegative().optional(),
    })
    .optional(),
  /**
   * Ethical walls: people conflicted out of matters. A principal in `exclude` may do nothing in
   * a case matching `cases` (`*` any run of characters, `?` one), whatever its roles and case
   * scope say; services/authorization.ts is where this is decided.
   */
  walls: z
    .array(
      z.strictObject({
        cases: z.string().min(1).max(200),
        /** Principal ids, compared canonically (domain/principal-id.ts). */
        exclude: z
          .array(z.string().min(1).max(320))
          .min(1)
          .transform((ids) => ids.map(canonicalPrincipalId)),
        /** Why: recorded with every refusal and withdrawal the wall causes ("conflict check 2026-114"). */
        reason: z.string().min(1).max(500),
      }),
    )
    .default([]),
});
export type Policy = z.infer<typeof policySchema>;
export type EthicalWall = Policy['walls'][number];

/**
 * Without a policy file: one approver, but two distinct approvers once a plan removes more than
 * 100 objects or 1 GiB (deleted, overwritten or moved away); nothing auto-approved, nothing
 * protected. One person should not be able to wipe or scatter a case alone.
 */
export const DEFAULT_POLICY: Policy = policySchema.parse({
  version: 'builtin-2',
  fourEyes: { approvals: 2, whenDeletes: false, whenOverwrites: false, whenObjectsRemovedOver: 100, whenBytesRemovedOver: 1024 ** 3 },
});

export interface PolicyVerdict {
  version: string;
  autoApproveRule?: string;
  approvalsRequired: number;
  violations: ReportIssue[];
}

export function policyFingerprint(policy: Policy): string {
  return hashOf(policy);
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i += 1) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i += 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'iu');
}

function matchesProtected(pattern: RegExp, casePath: string): boolean {
  // A protected folder is protected with everything in it, and its marker object too.
  const bare = casePath.endsWith('/') ? casePath.slice(0, -1) : casePath;
  return pattern.test(bare) || pattern.test(`${bare}/`);
}

/**
 * The policy's hard rules (limits and protected paths) over one plan, fed its actions page by
 * page so a 100,000-action plan is checked without holding it whole. `evaluatePolicy` uses it at
 * the dry run; the service and the executor use it again when a plan is applied and started.
 */
export class PolicyCheck {
  readonly violations: ReportIssue[] = [];
  private readonly caseName: string;
  private readonly protectedRules: Array<{ pattern: string; reason: string; regexp: RegExp }>;
  private readonly reported = new Set<string>();

  constructor(policy: Policy, plan: { case: string; operationCount: number; totals: DryRunReport['totals'] }) {
    this.caseName = plan.case;
    const { limits } = policy;
    const { totals } = plan;
    if (limits.maxOperations !== undefined && plan.operationCount > limits.maxOperations) {
      this.violations.push({ code: 'policy_limit', message: `${plan.operationCount} operations exceed the limit of ${limits.maxOperations}` });
    }
    if (limits.maxBytesWritten !== undefined && totals.bytesWritten > limits.maxBytesWritten) {
      this.violations.push({ code: 'policy_limit', message: `${totals.bytesWritten} bytes written exceed the limit of ${limits.maxBytesWritten}` });
    }
    if (limits.maxObjectsDeleted !== undefined && totals.objectsDeleted > limits.maxObjectsDeleted) {
      this.violations.push({ code: 'policy_limit', message: `${totals.objectsDeleted} objects deleted exceed the limit of ${limits.maxObjectsDeleted}` });
    }
    this.protectedRules = policy.protectedPaths.map((rule) => ({ ...rule, regexp: globToRegExp(rule.pattern) }));
  }

  /** Checks every object these actions touch against the protected paths (each rule reported once). */
  addActions(actions: Iterable<Action>): void {
    if (this.protectedRules.length === 0) return;
    for (const action of actions) {
      for (const name of touchedNames(action)) {
        const casePath = casePathOf(this.caseName, name);
        if (casePath === undefined) continue;
        const rule = this.protectedRules.find((candidate) => matchesProtected(candidate.regexp, `${this.caseName}/${casePath}`));
        if (rule && !this.reported.has(rule.pattern)) {
          this.reported.add(rule.pattern);
          this.violations.push({
            operation: action.operation,
            code: 'protected_path',
            path: casePath,
            message: `\`${casePath}\` is protected (${rule.reason})`,
          });
        }
      }
    }
  }
}

export function evaluatePolicy(
  policy: Policy,
  plan: { case: string; operations: readonly Operation[]; report: DryRunReport; actions: readonly Action[] },
): PolicyVerdict {
  const { totals } = plan.report;
  const check = new PolicyCheck(policy, { case: plan.case, operationCount: plan.operations.length, totals });
  check.addActions(plan.actions);
  const violations = check.violations;

  let approvalsRequired = 1;
  const fourEyes = policy.fourEyes;
  if (fourEyes) {
    const removedObjects = totals.objectsDeleted + totals.objectsOverwritten + totals.objectsMoved;
    // bytesDeleted already counts overwritten bytes.
    const removedBytes = totals.bytesDeleted + totals.bytesMoved;
    const destructive =
      (fourEyes.whenDeletes && (totals.objectsDeleted > 0 || plan.actions.some((action) => action.kind === 'move'))) ||
      (fourEyes.whenOverwrites && totals.objectsOverwritten > 0) ||
      (fourEyes.whenObjectsRemovedOver !== undefined && removedObjects > fourEyes.whenObjectsRemovedOver) ||
      (fourEyes.whenBytesRemovedOver !== undefined && removedBytes > fourEyes.whenBytesRemovedOver);
    if (destructive) approvalsRequired = fourEyes.approvals;
  }

  let autoApproveRule: string | undefined;
  if (violations.length === 0 && plan.report.valid && approvalsRequired === 1) {
    const rule = policy.autoApprove.find(
      (candidate) =>
        (candidate.cases === undefined || candidate.cases.some((pattern) => globToRegExp(pattern).test(plan.case))) &&
        plan.operations.length <= candidate.maxOperations &&
        totals.bytesWritten <= candidate.maxBytesWritten &&
        totals.objectsDeleted === 0 &&
        totals.objectsOverwritten === 0 &&
        plan.operations.every((operation) => (candidate.operations as string[]).includes(operation.type)),
    );
    autoApproveRule = rule?.name;
  }
  return { version: policy.version, autoApproveRule, approvalsRequired, violations };
}
