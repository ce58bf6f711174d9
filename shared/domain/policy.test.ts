import { describe, expect, it } from 'vitest';
import type { ObjectInfo } from './objects.ts';
import { storedOperationSchema } from './plan.ts';
import { DEFAULT_POLICY, evaluatePolicy, policyFingerprint, policySchema, type Policy } from './policy.ts';
import { simulatePlan } from './simulate.ts';

const CASE = 'case-1';

const object = (path: string, size = 10): ObjectInfo => ({
  name: `projects/${CASE}/${path}`,
  size,
  generation: '1',
  updated: '2025-01-01T00:00:00.000Z',
  metadata: {},
});

const listing = [
  object('Settlement/'),
  object('Settlement/offer.pdf', 100),
  object('Settlement/drafts/v1.docx', 50),
  object('Settlements/other.pdf'),
  object('draft.pdf', 20),
  object('intake/scan.pdf', 30),
  object('notes.md', 5),
];

/** Runs the dry run the way PlanService does and evaluates the policy on its result. */
function judge(policy: Policy, operations: unknown[], caseName = CASE) {
  const parsed = operations.map((operation) => storedOperationSchema.parse(operation));
  const { report, actions } = simulatePlan({
    planId: 'plan-1',
    caseName,
    operations: parsed,
    caseObjects: listing.map((o) => ({ ...o, name: o.name.replace(`projects/${CASE}/`, `projects/${caseName}/`) })),
    listing: { objects: listing.length, pages: 1 },
    checkedAt: '2025-01-01T00:00:00.000Z',
  });
  return { verdict: evaluatePolicy(policy, { case: caseName, operations: parsed, report, actions }), report };
}

const policy = (raw: Record<string, unknown>): Policy => policySchema.parse({ version: 'v1', ...raw });

describe('limits', () => {
  const limited = policy({ limits: { maxOperations: 2, maxBytesWritten: 10, maxObjectsDeleted: 1 } });

  it('accepts a plan exactly at every limit', () => {
    const { verdict } = judge(limited, [
      { type: 'write_file', destination: 'a.md', content: '0123456789' },
      { type: 'delete', source: 'notes.md' },
    ]);
    expect(verdict).toEqual({ version: 'v1', autoApproveRule: undefined, approvalsRequired: 1, violations: [] });
  });

  it('names every limit a plan exceeds', () => {
    const { verdict } = judge(limited, [
      { type: 'write_file', destination: 'a.md', content: '01234567890' },
      { type: 'delete', source: 'notes.md' },
      { type: 'delete', source: 'intake' },
    ]);
    expect(verdict.violations).toEqual([
      { code: 'policy_limit', message: '3 operations exceed the limit of 2' },
      { code: 'policy_limit', message: '11 bytes written exceed the limit of 10' },
      { code: 'policy_limit', message: '2 objects deleted exceed the limit of 1' },
    ]);
  });

  it('counts copied bytes as written', () => {
    const { verdict } = judge(limited, [{ type: 'copy', source: 'draft.pdf', destination: 'copy.pdf' }]);
    expect(verdict.violations).toEqual([{ code: 'policy_limit', message: '20 bytes written exceed the limit of 10' }]);
  });
});

describe('protected paths', () => {
  const settlement = policy({ protectedPaths: [{ pattern: '*/Settlement/**', reason: 'settlement documents are final' }] });
  const violation = (operation: number, path: string) => ({
    operation,
    code: 'protected_path',
    path,
    message: `\`${path}\` is protected (settlement documents are final)`,
  });

  it.each<[string, unknown, ReturnType<typeof violation>]>([
    ['a move out of it', { type: 'move', source: 'Settlement/offer.pdf', destination: 'offer.pdf' }, violation(0, 'Settlement/offer.pdf')],
    ['a move into it', { type: 'move', source: 'draft.pdf', destination: 'Settlement/draft.pdf' }, violation(0, 'Settlement/draft.pdf')],
    ['a copy into it', { type: 'copy', source: 'draft.pdf', destination: 'Settlement/drafts/v2.pdf' }, violation(0, 'Settlement/drafts/v2.pdf')],
    ['a copy out of it', { type: 'copy', source: 'Settlement/offer.pdf', destination: 'offer.pdf' }, violation(0, 'Settlement/offer.pdf')],
    ['a new file in it', { type: 'write_file', destination: 'Settlement/new.md', content: 'x' }, violation(0, 'Settlement/new.md')],
    ['a delete of its marker with the folder', { type: 'delete', source: 'Settlement' }, violation(0, 'Settlement/')],
    ['a move of the whole folder', { type: 'move', source: 'Settlement/', destination: 'Archive/Settlement' }, violation(0, 'Settlement/')],
  ])('blocks %s', (_label, operation, expected) => {
    const { verdict } = judge(settlement, [operation]);
    expect(verdict.violations).toEqual([expected]);
    expect(verdict.autoApproveRule).toBeUndefined();
  });

  it('blocks a lower-case spelling of it (which the dry run refuses anyway beside the folder itself)', () => {
    const fresh = policy({ protectedPaths: [{ pattern: '*/Closed/**', reason: 'closed' }] });
    expect(judge(fresh, [{ type: 'write_file', destination: 'closed/x.md', content: 'x' }]).verdict.violations).toEqual([
      { operation: 0, code: 'protected_path', path: 'closed/x.md', message: '`closed/x.md` is protected (closed)' },
    ]);
    const beside = judge(settlement, [{ type: 'write_file', destination: 'settlement/x.md', content: 'x' }]);
    expect(beside.report.errors.map((issue) => issue.code)).toEqual(['name_twin']);
  });

  it('blocks creating the folder marker itself', () => {
    const fresh = policy({ protectedPaths: [{ pattern: '*/Closed/**', reason: 'closed' }] });
    const { verdict } = judge(fresh, [{ type: 'create_dir', destination: 'Closed' }]);
    expect(verdict.violations).toEqual([{ operation: 0, code: 'protected_path', path: 'Closed/', message: '`Closed/` is protected (closed)' }]);
  });

  it('reports a rule once, at the first operation that breaks it', () => {
    const { verdict } = judge(settlement, [
      { type: 'write_file', destination: 'fine.md', content: 'x' },
      { type: 'move', source: 'draft.pdf', destination: 'Settlement/draft.pdf' },
      { type: 'delete', source: 'Settlement/offer.pdf' },
    ]);
    expect(verdict.violations).toEqual([violation(1, 'Settlement/draft.pdf')]);
  });

  it.each([
    ['a neighbour whose name starts the same', { type: 'delete', source: 'Settlements/other.pdf' }],
    ['a file named like the folder', { type: 'write_file', destination: 'Settlement.pdf', content: 'x' }],
    ['a folder of that name deeper down', { type: 'write_file', destination: 'old/Settlement/x.md', content: 'x' }],
    ['everything else', { type: 'move', source: 'draft.pdf', destination: 'intake/draft.pdf' }],
  ])('leaves %s alone', (_label, operation) => {
    const { verdict, report } = judge(settlement, [operation]);
    expect(report.valid).toBe(true);
    expect(verdict.violations).toEqual([]);
  });

  it('matches the case name in the pattern, so a rule can protect one case only', () => {
    const oneCase = policy({ protectedPaths: [{ pattern: 'case-9/**', reason: 'frozen' }] });
    expect(judge(oneCase, [{ type: 'delete', source: 'notes.md' }], 'case-9').verdict.violations).toHaveLength(1);
    expect(judge(oneCase, [{ type: 'delete', source: 'notes.md' }], 'case-90').verdict.violations).toEqual([]);
  });

  it('treats pattern text literally apart from `*`, `**` and `?`', () => {
    const literal = policy({ protectedPaths: [{ pattern: '*/Settlement (2024)/*.pdf', reason: 'r' }] });
    expect(judge(literal, [{ type: 'write_file', destination: 'Settlement (2024)/a.pdf', content: 'x' }]).verdict.violations).toHaveLength(1);
    // `*` stays within one folder, and the parentheses are not a regex group.
    expect(judge(literal, [{ type: 'write_file', destination: 'Settlement (2024)/sub/a.pdf', content: 'x' }]).verdict.violations).toEqual([]);
    expect(judge(literal, [{ type: 'write_file', destination: 'Settlement 2024/a.pdf', content: 'x' }]).verdict.violations).toEqual([]);
    const single = policy({ protectedPaths: [{ pattern: '*/v?.md', reason: 'r' }] });
    expect(judge(single, [{ type: 'write_file', destination: 'v1.md', content: 'x' }]).verdict.violations).toHaveLength(1);
    expect(judge(single, [{ type: 'write_file', destination: 'v10.md', content: 'x' }]).verdict.violations).toEqual([]);
  });
});

describe('auto-approval', () => {
  const harmless = policy({ autoApprove: [{ name: 'new-files', operations: ['create_dir', 'write_file'], maxOperations: 3, maxBytesWritten: 100 }] });

  it('approves a plan of new folders and new small files', () => {
    const { verdict } = judge(harmless, [
      { type: 'create_dir', destination: 'Reports' },
      { type: 'write_file', destination: 'Reports/summary.md', content: 'x'.repeat(100) },
    ]);
    expect(verdict).toEqual({ version: 'v1', autoApproveRule: 'new-files', approvalsRequired: 1, violations: [] });
  });

  it.each<[string, unknown[]]>([
    ['more bytes than the rule allows', [{ type: 'write_file', destination: 'big.md', content: 'x'.repeat(101) }]],
    ['more operations than the rule allows', [1, 2, 3, 4].map((i) => ({ type: 'write_file', destination: `f${i}.md`, content: 'x' }))],
    ['an overwrite', [{ type: 'write_file', destination: 'notes.md', content: 'x', overwrite: true }]],
    [
      'a delete',
      [
        { type: 'create_dir', destination: 'A' },
        { type: 'delete', source: 'notes.md' },
      ],
    ],
    ['a move', [{ type: 'move', source: 'draft.pdf', destination: 'd.pdf' }]],
    ['a copy, which the rule does not list', [{ type: 'copy', source: 'draft.pdf', destination: 'd.pdf' }]],
    ['an invalid plan', [{ type: 'write_file', destination: 'notes.md', content: 'x' }]],
  ])('does not approve %s', (_label, operations) => {
    expect(judge(harmless, operations).verdict.autoApproveRule).toBeUndefined();
  });

  it('never approves an overwrite or a delete, even when the rule lists the operation type', () => {
    const copies = policy({ autoApprove: [{ name: 'copies', operations: ['copy', 'write_file'], maxOperations: 10, maxBytesWritten: 10_000 }] });
    expect(judge(copies, [{ type: 'copy', source: 'draft.pdf', destination: 'd.pdf' }]).verdict.autoApproveRule).toBe('copies');
    expect(judge(copies, [{ type: 'copy', source: 'draft.pdf', destination: 'notes.md', overwrite: true }]).verdict.autoApproveRule).toBeUndefined();
    expect(judge(copies, [{ type: 'write_file', destination: 'notes.md', content: 'x', overwrite: true }]).verdict.autoApproveRule).toBeUndefined();
  });

  it('does not approve a plan that breaks a protected path', () => {
    const both = policy({ ...harmless, protectedPaths: [{ pattern: '*/Settlement/**', reason: 'final' }] });
    const { verdict } = judge(both, [{ type: 'write_file', destination: 'Settlement/x.md', content: 'x' }]);
    expect(verdict.autoApproveRule).toBeUndefined();
    expect(verdict.violations).toHaveLength(1);
  });

  it('limits a rule to the cases it names, and takes the first rule that matches', () => {
    const scoped = policy({
      autoApprove: [
        { name: 'intake-only', operations: ['write_file'], maxOperations: 1, maxBytesWritten: 10, cases: ['intake-*'] },
        { name: 'fallback', operations: ['write_file'], maxOperations: 1, maxBytesWritten: 10 },
      ],
    });
    const operation = { type: 'write_file', destination: 'a.md', content: 'x' };
    expect(judge(scoped, [operation], 'intake-7').verdict.autoApproveRule).toBe('intake-only');
    expect(judge(scoped, [operation], 'case-7').verdict.autoApproveRule).toBe('fallback');
  });
});

describe('four eyes', () => {
  const fourEyes = policy({ fourEyes: {} });

  it.each<[string, unknown[], number]>([
    ['a delete', [{ type: 'delete', source: 'notes.md' }], 2],
    ['an overwrite', [{ type: 'write_file', destination: 'notes.md', content: 'x', overwrite: true }], 2],
    ['a move, which removes its source', [{ type: 'move', source: 'draft.pdf', destination: 'd.pdf' }], 2],
    [
      'new files only',
      [
        { type: 'create_dir', destination: 'A' },
        { type: 'write_file', destination: 'A/x.md', content: 'x' },
      ],
      1,
    ],
    ['a copy to a new name', [{ type: 'copy', source: 'draft.pdf', destination: 'd.pdf' }], 1],
  ])('asks for the right number of approvers for %s', (_label, operations, approvals) => {
    expect(judge(fourEyes, operations).verdict.approvalsRequired).toBe(approvals);
  });

  it('counts removed objects and bytes against the thresholds, exclusive', () => {
    const thresholds = policy({ fourEyes: { approvals: 3, whenDeletes: false, whenOverwrites: false, whenObjectsRemovedOver: 1, whenBytesRemovedOver: 100 } });
    expect(judge(thresholds, [{ type: 'delete', source: 'notes.md' }]).verdict.approvalsRequired).toBe(1);
    expect(
      judge(thresholds, [
        { type: 'delete', source: 'notes.md' },
        { type: 'write_file', destination: 'draft.pdf', content: 'x', overwrite: true },
      ]).verdict.approvalsRequired,
    ).toBe(3);
    expect(judge(thresholds, [{ type: 'delete', source: 'Settlement/offer.pdf' }]).verdict.approvalsRequired).toBe(1);
    expect(judge(thresholds, [{ type: 'write_file', destination: 'Settlement/offer.pdf', content: '', overwrite: true }]).verdict.approvalsRequired).toBe(1);
    expect(
      judge(thresholds, [
        { type: 'delete', source: 'Settlement/offer.pdf' },
        { type: 'write_file', destination: 'x', content: '' },
      ]).verdict.approvalsRequired,
    ).toBe(1);
    const bytes = policy({ fourEyes: { whenDeletes: false, whenOverwrites: false, whenBytesRemovedOver: 99 } });
    expect(judge(bytes, [{ type: 'delete', source: 'Settlement/offer.pdf' }]).verdict.approvalsRequired).toBe(2);
  });

  it('asks for one approver without the section', () => {
    expect(judge(policy({}), [{ type: 'delete', source: 'intake' }]).verdict).toEqual({
      version: 'v1',
      autoApproveRule: undefined,
      approvalsRequired: 1,
      violations: [],
    });
  });
});

describe('policySchema', () => {
  it('keeps wall members as canonical principal ids, so a wall names a person however the firm typed it', () => {
    const walled = policy({ walls: [{ cases: 'doe-*', exclude: [' Alice@Firm.Example ', 'STRASSE@firm.example'], reason: 'conflict check 2026-114' }] });
    expect(walled.walls[0]!.exclude).toEqual(['alice@firm.example', 'strasse@firm.example']);
    expect(policySchema.safeParse({ version: 'v', walls: [{ cases: 'doe-*', exclude: [], reason: 'r' }] }).success).toBe(false);
    expect(policySchema.safeParse({ version: 'v', walls: [{ cases: 'doe-*', exclude: ['a@b'] }] }).success).toBe(false);
  });

  it('fills the defaults of a minimal policy', () => {
    expect(policy({})).toEqual({ version: 'v1', limits: {}, protectedPaths: [], autoApprove: [], walls: [] });
    expect(policy({ fourEyes: {} }).fourEyes).toEqual({ approvals: 2, whenDeletes: true, whenOverwrites: true });
  });

  it.each<[string, Record<string, unknown>]>([
    ['an unknown top-level key', { version: 'v', approvers: 2 }],
    ['an unknown limit', { version: 'v', limits: { maxFiles: 1 } }],
    ['an unknown protected-path key', { version: 'v', protectedPaths: [{ pattern: 'a', reason: 'b', except: 'c' }] }],
    ['an unknown rule key', { version: 'v', autoApprove: [{ name: 'r', operations: ['write_file'], maxOperations: 1, maxBytesWritten: 1, overwrite: true }] }],
    ['an unknown four-eyes key', { version: 'v', fourEyes: { approvers: 2 } }],
    ['a missing version', {}],
    ['an empty version', { version: '' }],
    ['a protected path without a reason', { version: 'v', protectedPaths: [{ pattern: 'a' }] }],
    ['a rule allowing deletes', { version: 'v', autoApprove: [{ name: 'r', operations: ['delete'], maxOperations: 1, maxBytesWritten: 1 }] }],
    ['a rule allowing moves', { version: 'v', autoApprove: [{ name: 'r', operations: ['move'], maxOperations: 1, maxBytesWritten: 1 }] }],
    ['a rule allowing nothing', { version: 'v', autoApprove: [{ name: 'r', operations: [], maxOperations: 1, maxBytesWritten: 1 }] }],
    ['four eyes with one approver', { version: 'v', fourEyes: { approvals: 1 } }],
    ['four eyes with six approvers', { version: 'v', fourEyes: { approvals: 6 } }],
    ['a negative limit', { version: 'v', limits: { maxObjectsDeleted: -1 } }],
  ])('rejects %s', (_label, raw) => {
    expect(policySchema.safeParse(raw).success).toBe(false);
  });

  const rule = (name: string) => ({ version: 'v', autoApprove: [{ name, operations: ['write_file'], maxOperations: 1, maxBytesWritten: 1 }] });
  it.each(['Bad Name', 'UPPER', '-leading-dash', '', 'under_score', 'dot.ted', 'a'.repeat(64), 'ümlaut'])('rejects the rule name %j', (name) => {
    const result = policySchema.safeParse(rule(name));
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['autoApprove', 0, 'name']);
  });

  it.each(['a', 'new-files', '0day', 'a'.repeat(63)])('accepts the rule name %j', (name) => {
    expect(policySchema.safeParse(rule(name)).success).toBe(true);
  });

  it('fingerprints a policy by content, not by key order', () => {
    const a = policy({ limits: { maxOperations: 5, maxBytesWritten: 6 } });
    const b = policySchema.parse({ limits: { maxBytesWritten: 6, maxOperations: 5 }, version: 'v1' });
    expect(policyFingerprint(a)).toBe(policyFingerprint(b));
    expect(policyFingerprint(a)).not.toBe(policyFingerprint(policy({ limits: { maxOperations: 6, maxBytesWritten: 6 } })));
  });
});

describe('the built-in default policy', () => {
  /** A dry run over `count` objects of `size` bytes each under `bulk/`, judged by the default policy. */
  function judgeBulk(operation: 'delete' | 'move' | 'copy', count: number, size = 10) {
    const objects = Array.from({ length: count }, (_, i) => object(`bulk/f${i}`, size));
    const parsed = [
      storedOperationSchema.parse(
        operation === 'delete' ? { type: 'delete', source: 'bulk/' } : { type: operation, source: 'bulk/', destination: 'elsewhere/' },
      ),
    ];
    const { report, actions } = simulatePlan({
      planId: 'plan-1',
      caseName: CASE,
      operations: parsed,
      caseObjects: objects,
      listing: { objects: count, pages: 1 },
      checkedAt: '2025-01-01T00:00:00.000Z',
    });
    return evaluatePolicy(DEFAULT_POLICY, { case: CASE, operations: parsed, report, actions }).approvalsRequired;
  }

  it('needs one approver up to 100 removed objects, and two beyond', () => {
    expect(judgeBulk('delete', 100)).toBe(1);
    expect(judgeBulk('delete', 101)).toBe(2);
  });

  it('counts objects moved away as removed, and copies not', () => {
    expect(judgeBulk('move', 101)).toBe(2);
    expect(judgeBulk('copy', 500)).toBe(1);
  });

  it('needs two approvers past 1 GiB removed, however few objects', () => {
    expect(judgeBulk('delete', 2, 512 * 1024 ** 2)).toBe(1);
    expect(judgeBulk('delete', 3, 512 * 1024 ** 2)).toBe(2);
  });

  it('approves nothing automatically and protects nothing', () => {
    expect(DEFAULT_POLICY.autoApprove).toEqual([]);
    expect(DEFAULT_POLICY.protectedPaths).toEqual([]);
  });
});
