import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ObjectInfo } from './objects.ts';
import type { JournalEntry } from './journal.ts';
import { isProducedBy, provenance, type Action, type Expect } from './actions.ts';
import { ABSENT, brokenGuard, deriveRollback, deriveUndo, holdBackChanged } from './inverse.ts';
import { casePrefix } from './paths.ts';
import { contentBuffer, storedOperationSchema, type Operation } from './plan.ts';
import { simulatePlan } from './simulate.ts';

const CASE = 'case-1';
const PLAN = 'plan-1';
const full = (path: string) => `projects/${CASE}/${path}`;
const backupOf = (action: number, path: string) => `.bailiff/backups/${PLAN}/${action}/${full(path)}`;
const absent: Expect = { state: 'absent' };
const generation = (value: string): Expect => ({ state: 'generation', generation: value });

function done(action: Action, extra: Partial<JournalEntry> = {}): { action: Action; entry: JournalEntry } {
  return { action, entry: { action: action.index, outcome: 'done', at: '2025-01-01T00:00:00.000Z', ...extra } };
}
const put = (index: number, path: string, expect: Expect = absent, backup?: string): Action => ({
  kind: 'put',
  index,
  operation: index,
  destination: full(path),
  expect,
  size: 1,
  backup,
});
const transfer = (kind: 'copy' | 'move', index: number, from: string, to: string, expect: Expect = absent, backup?: string): Action => ({
  kind,
  index,
  operation: index,
  source: full(from),
  sourceExpect: generation('s'),
  destination: full(to),
  expect,
  size: 1,
  backup,
});
const remove = (index: number, path: string, expect: Expect = generation('old'), operation = index): Action => ({
  kind: 'delete',
  index,
  operation,
  target: full(path),
  expect,
  size: 1,
  backup: backupOf(index, path),
});

/** Every derived operation must be one a stored plan may hold. */
const parsesAsStored = (operations: readonly Operation[]) => operations.every((operation) => storedOperationSchema.safeParse(operation).success);

describe('deriveRollback, action by action', () => {
  it('deletes a new file a put wrote, guarding the generation it wrote', () => {
    const derived = deriveRollback(CASE, [done(put(0, 'a.md'), { generation: 'g1' })]);
    expect(derived).toEqual({ operations: [{ type: 'delete', source: 'a.md' }], guards: [{ path: 'a.md', generation: 'g1' }] });
  });

  it('restores what a put overwrote, over the new content', () => {
    const derived = deriveRollback(CASE, [
      done(put(0, 'a.md', generation('g0'), backupOf(0, 'a.md')), { generation: 'g1', backup: backupOf(0, 'a.md'), backupGeneration: 'b1' }),
    ]);
    expect(derived).toEqual({
      operations: [{ type: 'restore', backup: backupOf(0, 'a.md'), destination: 'a.md', overwrite: true }],
      guards: [{ path: 'a.md', generation: 'g1' }],
    });
    expect(parsesAsStored(derived.operations)).toBe(true);
  });

  it('removes a folder marker a put created, only as a folder marker', () => {
    const derived = deriveRollback(CASE, [done(put(0, 'Records/'), { generation: 'g1' })]);
    expect(derived).toEqual({ operations: [{ type: 'remove_folder', destination: 'Records/' }], guards: [{ path: 'Records/', generation: 'g1' }] });
    expect(parsesAsStored(derived.operations)).toBe(true);
  });

  it('deletes a new copy, and restores what a copy overwrote', () => {
    expect(deriveRollback(CASE, [done(transfer('copy', 0, 'a', 'b'), { generation: 'g1' })]).operations).toEqual([{ type: 'delete', source: 'b' }]);
    expect(
      deriveRollback(CASE, [done(transfer('copy', 0, 'a', 'b', generation('g0'), backupOf(0, 'b')), { generation: 'g1', backup: backupOf(0, 'b') })])
        .operations,
    ).toEqual([{ type: 'restore', backup: backupOf(0, 'b'), destination: 'b', overwrite: true }]);
  });

  it('moves a file back, then restores what the move overwrote', () => {
    expect(deriveRollback(CASE, [done(transfer('move', 0, 'a', 'b'), { generation: 'g1' })])).toEqual({
      operations: [{ type: 'move', source: 'b', destination: 'a', overwrite: false }],
      // The plan left b with its copy and a empty: a person's change to either stops the undo.
      guards: [
        { path: 'b', generation: 'g1' },
        { path: 'a', generation: ABSENT },
      ],
    });
    expect(
      deriveRollback(CASE, [done(transfer('move', 0, 'a', 'b', generation('g0'), backupOf(0, 'b')), { generation: 'g1', backup: backupOf(0, 'b') })])
        .operations,
    ).toEqual([
      { type: 'move', source: 'b', destination: 'a', overwrite: false },
      { type: 'restore', backup: backupOf(0, 'b'), destination: 'b', overwrite: false },
    ]);
  });

  it('recreates a moved folder marker and removes the new one', () => {
    const derived = deriveRollback(CASE, [done(transfer('move', 0, 'src/', 'dst/'), { generation: 'g1' })]);
    expect(derived.operations).toEqual([
      { type: 'remove_folder', destination: 'dst/' },
      { type: 'create_dir', destination: 'src/' },
    ]);
    expect(parsesAsStored(derived.operations)).toBe(true);
  });

  it('keeps a folder marker that replaced one the folder already had', () => {
    const replaced = { generation: 'g1', backup: backupOf(0, 'dst/'), backupGeneration: 'b1' };
    expect(deriveRollback(CASE, [done(transfer('copy', 0, 'src/', 'dst/', generation('m0'), backupOf(0, 'dst/')), replaced)]).operations).toEqual([]);
    expect(deriveRollback(CASE, [done(transfer('move', 0, 'src/', 'dst/', generation('m0'), backupOf(0, 'dst/')), replaced)]).operations).toEqual([
      { type: 'create_dir', destination: 'src/' },
    ]);
  });

  it('restores a deleted file from its backup and recreates a deleted folder marker', () => {
    // One folder delete: marker and file are actions of operation 0.
    const derived = deriveRollback(CASE, [
      done(remove(0, 'd/', generation('m'), 0)),
      done(remove(1, 'd/x.pdf', generation('x'), 0), { backup: backupOf(1, 'd/x.pdf'), backupGeneration: 'b1' }),
    ]);
    // The plan left both paths empty: something new there would be a person's.
    expect(derived.guards).toEqual([
      { path: 'd/x.pdf', generation: ABSENT },
      { path: 'd/', generation: ABSENT },
    ]);
    expect(derived.operations).toEqual([
      { type: 'restore', backup: backupOf(1, 'd/x.pdf'), destination: 'd/x.pdf', overwrite: false },
      { type: 'create_dir', destination: 'd/' },
    ]);
    expect(parsesAsStored(derived.operations)).toBe(true);
  });

  it('undoes the newest action first', () => {
    const derived = deriveRollback(CASE, [
      done(put(0, 'A/'), { generation: 'g0' }),
      done(transfer('move', 1, 'x', 'A/x'), { generation: 'g1' }),
      done(put(2, 'A/new.md'), { generation: 'g2' }),
    ]);
    expect(derived.operations).toEqual([
      { type: 'delete', source: 'A/new.md' },
      { type: 'move', source: 'A/x', destination: 'x', overwrite: false },
      { type: 'remove_folder', destination: 'A/' },
    ]);
    expect(derived.guards).toEqual([
      { path: 'A/new.md', generation: 'g2' },
      { path: 'A/x', generation: 'g1' },
      { path: 'x', generation: ABSENT },
      { path: 'A/', generation: 'g0' },
    ]);
  });

  it('guards only the generation a plan left on a path, not the ones it replaced', () => {
    const derived = deriveRollback(CASE, [
      done(put(0, 'r.md'), { generation: 'g1' }),
      done(put(1, 'r.md', { state: 'producedBy', action: 0 }, backupOf(1, 'r.md')), { generation: 'g2', backup: backupOf(1, 'r.md') }),
    ]);
    expect(derived).toEqual({
      operations: [
        { type: 'restore', backup: backupOf(1, 'r.md'), destination: 'r.md', overwrite: true },
        { type: 'delete', source: 'r.md' },
      ],
      guards: [{ path: 'r.md', generation: 'g2' }],
    });
  });

  it('adds no guard for an entry without a generation', () => {
    expect(deriveRollback(CASE, [done(put(0, 'a.md'))]).guards).toEqual([]);
  });

  it('refuses an action outside the case', () => {
    const foreign: Action = { kind: 'put', index: 0, operation: 0, destination: 'projects/case-12/a.md', expect: absent, size: 1 };
    expect(() => deriveRollback('case-1', [done(foreign)])).toThrow('outside case case-1');
  });
});

/**
 * A bucket that behaves as the executor's ObjectStore does for one uncontended execution:
 * every action's preconditions must hold (the dry run promised they would), every removal is
 * first copied to the action's backup name, and every write gets a fresh generation.
 */
class ModelBucket {
  readonly objects = new Map<string, { generation: string; content: string; metadata: Record<string, string> }>();
  private nextGeneration = 1;

  constructor(initial: ReadonlyMap<string, string>) {
    for (const [name, content] of initial) this.write(name, content, {});
  }

  write(name: string, content: string, metadata: Record<string, string>): string {
    const generation = `g${this.nextGeneration++}`;
    this.objects.set(name, { generation, content, metadata });
    return generation;
  }

  listing(prefix: string): ObjectInfo[] {
    return [...this.objects]
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, object]) => ({
        name,
        size: Buffer.byteLength(object.content),
        generation: object.generation,
        updated: '2025-01-01T00:00:00.000Z',
        metadata: object.metadata,
      }));
  }

  contents(prefix: string): Map<string, string> {
    return new Map([...this.objects].filter(([name]) => name.startsWith(prefix)).map(([name, object]) => [name, object.content]));
  }

  private check(planId: string, name: string, expected: Expect): void {
    const current = this.objects.get(name);
    const holds =
      expected.state === 'absent'
        ? current === undefined
        : expected.state === 'generation'
          ? current?.generation === expected.generation
          : current !== undefined && isProducedBy(current.metadata, planId, expected.action);
    if (!holds) throw new Error(`precondition ${JSON.stringify(expected)} on ${name} does not hold (found ${JSON.stringify(current)})`);
  }

  private backUp(planId: string, action: Action, name: string): Pick<JournalEntry, 'backup' | 'backupGeneration'> {
    const backup = action.backup!;
    if (this.objects.has(backup)) throw new Error(`backup ${backup} written twice`);
    return { backup, backupGeneration: this.write(backup, this.objects.get(name)!.content, provenance(planId, action.index)) };
  }

  apply(planId: string, action: Action, operations: readonly Operation[]): JournalEntry {
    const at = '2025-01-01T00:00:00.000Z';
    const meta = provenance(planId, action.index);
    switch (action.kind) {
      case 'put': {
        this.check(planId, action.destination, action.expect);
        const backup = action.expect.state !== 'absent' ? this.backUp(planId, action, action.destination) : {};
        const operation = operations[action.operation]!;
        const content = action.destination.endsWith('/') ? '' : operation.type === 'write_file' ? contentBuffer(operation).toString('utf8') : 'unexpected';
        return { action: action.index, outcome: 'done', at, generation: this.write(action.destination, content, meta), ...backup };
      }
      case 'copy':
      case 'move': {
        this.check(planId, action.source, action.sourceExpect);
        this.check(planId, action.destination, action.expect);
        const backup = action.expect.state !== 'absent' ? this.backUp(planId, action, action.destination) : {};
        const content = this.objects.get(action.source)!.content;
        const written = this.write(action.destination, content, meta);
        if (action.kind === 'move') this.objects.delete(action.source);
        return { action: action.index, outcome: 'done', at, generation: written, ...backup };
      }
      case 'delete': {
        this.check(planId, action.target, action.expect);
        const backup = this.backUp(planId, action, action.target);
        this.objects.delete(action.target);
        return { action: action.index, outcome: 'done', at, ...backup };
      }
    }
  }
}

// Small name pools, so random operations collide with each other and with the listing often.
// Same-named nesting (`d1/d1`) makes folder moves into an ancestor overlap themselves.
describe("guards and compensation's hold-back", () => {
  it('says how a guarded path changed, and nothing when it did not', () => {
    expect(brokenGuard({ path: 'a', generation: 'g1' }, 'g1')).toBeUndefined();
    expect(brokenGuard({ path: 'a', generation: ABSENT }, undefined)).toBeUndefined();
    expect(brokenGuard({ path: 'a', generation: 'g1' }, 'g2')).toMatch(/`a` was changed after the plan wrote it/);
    expect(brokenGuard({ path: 'a', generation: 'g1' }, undefined)).toMatch(/`a` was removed after the plan wrote it/);
    expect(brokenGuard({ path: 'a', generation: ABSENT }, 'g9')).toMatch(/`a` was created after the plan moved or deleted/);
    expect(brokenGuard({ path: 'Folder/', generation: 'g1' }, undefined)).toBeUndefined();
  });

  it('holds back a step whose object a person changed, and the older steps that depend on it', () => {
    // The plan wrote x, then moved it to y, and separately wrote z.
    const steps = deriveUndo(CASE, [
      done(put(0, 'x'), { generation: 'gx' }),
      done(transfer('move', 1, 'x', 'y'), { generation: 'gy' }),
      done(put(2, 'z'), { generation: 'gz' }),
    ]);
    const untouched = holdBackChanged(
      steps,
      new Map([
        ['y', 'gy'],
        ['z', 'gz'],
      ]),
    );
    expect(untouched.heldBack).toEqual([]);
    expect(untouched.kept.map((step) => step.action)).toEqual([2, 1, 0]);

    // A person edits y: moving it back would carry their edit away, and deleting x after that
    // would delete it; z is independent and is still undone.
    const edited = holdBackChanged(
      steps,
      new Map([
        ['y', 'person'],
        ['z', 'gz'],
      ]),
    );
    expect(edited.kept.map((step) => step.action)).toEqual([2]);
    expect(edited.heldBack).toEqual([
      { action: 1, path: 'y', message: expect.stringMatching(/`y` was changed after the plan wrote it/) },
      // x stays empty: putting it back needed y. Both are reported.
      { action: 1, path: 'x', message: expect.stringMatching(/undoing it needs `y`/) },
      { action: 0, path: 'x', message: expect.stringMatching(/depends on `x`/) },
    ]);
  });
});

const FOLDERS = ['d1', 'd2', 'd1/d3', 'd4', 'd1/d1', 'd1/d1/d1', 'd2/d1'];
const FILES = ['f1', 'f2', ...FOLDERS.flatMap((folder) => [`${folder}/f1`, `${folder}/f2`])];
const CONTENTS = ['', 'a', 'bb', 'ccc', 'dddd'];

const listingArbitrary = fc
  .record({
    files: fc.subarray(FILES.filter((file) => !file.startsWith('d4/'))),
    markers: fc.subarray(FOLDERS.filter((folder) => folder !== 'd4')),
    contents: fc.array(fc.constantFrom(...CONTENTS), { minLength: FILES.length, maxLength: FILES.length }),
  })
  .map(({ files, markers, contents }) => {
    const initial = new Map<string, string>();
    for (const [i, file] of files.entries()) initial.set(full(file), contents[i]!);
    for (const folder of markers) initial.set(full(`${folder}/`), '');
    return initial;
  });

const pathArbitrary = fc.oneof(fc.constantFrom(...FILES), fc.constantFrom(...FOLDERS), fc.constantFrom(...FOLDERS.map((folder) => `${folder}/`)));
// Copies and moves fail most often on random names, so they are drawn most often.
const operationArbitrary: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ type: fc.constant('create_dir'), destination: fc.constantFrom(...FOLDERS) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('write_file'),
      destination: fc.constantFrom(...FILES),
      content: fc.constantFrom(...CONTENTS),
      overwrite: fc.boolean(),
    }),
  },
  { weight: 5, arbitrary: fc.record({ type: fc.constantFrom('copy', 'move'), source: pathArbitrary, destination: pathArbitrary, overwrite: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('delete'), source: pathArbitrary }) },
);

function simulateOn(bucket: ModelBucket, planId: string, operations: readonly Operation[], systemObjects?: Map<string, ObjectInfo>) {
  const caseObjects = bucket.listing(casePrefix(CASE));
  return simulatePlan({
    planId,
    caseName: CASE,
    operations,
    caseObjects,
    systemObjects,
    listing: { objects: caseObjects.length, pages: 1 },
    checkedAt: '2025-01-01T00:00:00.000Z',
  });
}

/** Keeps, in order, the candidate operations that leave the plan valid: random plans, all of them valid. */
function validPlan(initial: ReadonlyMap<string, string>, candidates: ReadonlyArray<Record<string, unknown>>): Operation[] {
  const bucket = new ModelBucket(initial);
  const kept: Operation[] = [];
  for (const candidate of candidates) {
    const operation = storedOperationSchema.parse(candidate);
    if (simulateOn(bucket, PLAN, [...kept, operation]).report.valid) kept.push(operation);
  }
  return kept;
}

/**
 * Plan P on listing L, applied action by action (all of them, or the prefix a failed execution
 * got through), then the derived rollback dry-run and applied on what P left: the case must be
 * L again. Returns whether P had any action, so callers can tell empty runs from real ones.
 */
function roundTrip(initial: ReadonlyMap<string, string>, candidates: ReadonlyArray<Record<string, unknown>>, appliedFraction = 1): boolean {
  const operations = validPlan(initial, candidates);
  const bucket = new ModelBucket(initial);
  const before = bucket.contents(casePrefix(CASE));

  const plan = simulateOn(bucket, PLAN, operations);
  expect(plan.report.errors).toEqual([]);
  const done = plan.actions.slice(0, Math.round(plan.actions.length * appliedFraction));
  const applied = done.map((action) => ({ action, entry: bucket.apply(PLAN, action, operations) }));

  const derived = deriveRollback(CASE, applied);
  expect(derived.operations.every((operation) => storedOperationSchema.safeParse(operation).success)).toBe(true);
  const systemObjects = new Map(bucket.listing(`.bailiff/backups/${PLAN}/`).map((object) => [object.name, object]));
  const rollback = simulateOn(bucket, 'rollback-1', derived.operations, systemObjects);
  expect(rollback.report.errors).toEqual([]);
  // PlanService refuses a rollback whose guarded paths changed since; nothing changed here.
  const current = new Map(bucket.listing(casePrefix(CASE)).map((object) => [object.name.slice(casePrefix(CASE).length), object.generation]));
  for (const guard of derived.guards) expect([undefined, guard.generation]).toContain(current.get(guard.path));

  for (const action of rollback.actions) bucket.apply('rollback-1', action, derived.operations);
  expect(bucket.contents(casePrefix(CASE))).toEqual(before);
  return applied.length > 0;
}

describe('rollback round trip', () => {
  const planArbitrary = fc.array(operationArbitrary, { minLength: 1, maxLength: 8 });

  it('puts the case back exactly as it was, by name and content', () => {
    let runs = 0;
    let nonTrivial = 0;
    fc.assert(
      fc.property(listingArbitrary, planArbitrary, (initial, candidates) => {
        runs += 1;
        if (roundTrip(initial, candidates)) nonTrivial += 1;
      }),
      { numRuns: 1000 },
    );
    expect(runs).toBe(1000);
    // Most random plans keep at least one operation; without that the property would be empty.
    expect(nonTrivial).toBeGreaterThanOrEqual(200);
  });

  it('undoes the actions a failed execution got through, and only those', () => {
    let runs = 0;
    let nonTrivial = 0;
    fc.assert(
      fc.property(
        listingArbitrary,
        planArbitrary,
        fc.integer({ min: 1, max: 100 }).map((percent) => percent / 100),
        (initial, candidates, fraction) => {
          runs += 1;
          if (roundTrip(initial, candidates, fraction)) nonTrivial += 1;
        },
      ),
      { numRuns: 500 },
    );
    expect(runs).toBe(500);
    expect(nonTrivial).toBeGreaterThanOrEqual(200);
  });
});
