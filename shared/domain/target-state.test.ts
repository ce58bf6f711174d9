import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ObjectInfo } from '../ports/object-store.ts';
import { blobObjectName, objectName, parseBlobRef } from './paths.ts';
import type { Operation } from './plan.ts';
import { simulatePlan } from './simulate.ts';
import { computeTargetPlan, nameSimilarity, targetPlanInputSchema, type CurrentObject } from './target-state.ts';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const CASE = 'smith';

/** A current object holding `text`, at generation `g<path>`. */
const obj = (path: string, text: string): CurrentObject => ({ path, size: Buffer.byteLength(text), md5: md5(text), generation: `g-${path}` });
const marker = (path: string): CurrentObject => ({ path, size: 0, md5: md5(''), generation: `g-${path}` });
const want = (path: string, text: string, blob = true) => ({
  path,
  size: Buffer.byteLength(text),
  md5: md5(text),
  ...(blob ? { blob: `${CASE}/md5-${md5(text)}-${Buffer.byteLength(text)}` } : {}),
});
const baseOf = (current: CurrentObject[]) => current.map(({ path, generation }) => ({ path, generation }));

/** Applies operations to a path → content map the way the executor would; markers map to ''. */
function apply(state: Map<string, string>, operations: Operation[], blobs: Map<string, string>): Map<string, string> {
  const next = new Map(state);
  for (const operation of operations) {
    switch (operation.type) {
      case 'delete':
        if (operation.source.endsWith('/')) {
          for (const path of [...next.keys()]) if (path.startsWith(operation.source)) next.delete(path);
        } else {
          expect(next.has(operation.source), `delete ${operation.source}`).toBe(true);
          next.delete(operation.source);
        }
        break;
      case 'move':
      case 'copy': {
        expect(next.has(operation.source), `${operation.type} from ${operation.source}`).toBe(true);
        expect(next.has(operation.destination) && !operation.overwrite, `${operation.type} onto ${operation.destination}`).toBe(false);
        const content = next.get(operation.source)!;
        if (operation.type === 'move') next.delete(operation.source);
        next.set(operation.destination, content);
        break;
      }
      case 'write_file':
        expect(next.has(operation.destination) && !operation.overwrite, `write onto ${operation.destination}`).toBe(false);
        next.set(operation.destination, blobs.get(operation.blob!)!);
        break;
      case 'create_dir':
        next.set(`${operation.destination}/`, '');
        break;
      default:
        throw new Error(`unexpected ${operation.type}`);
    }
  }
  return next;
}

/** The dry run must accept the computed plan as it is (every operation possible, in order). */
function expectDryRunAccepts(current: CurrentObject[], operations: Operation[], blobs: Map<string, string>) {
  const blobObjects = new Map<string, ObjectInfo>();
  for (const [ref, text] of blobs) {
    const parsed = parseBlobRef(ref);
    if (!parsed.ok) throw new Error(parsed.reason);
    const name = blobObjectName(parsed.value);
    blobObjects.set(name, {
      name,
      size: Buffer.byteLength(text),
      generation: '1',
      updated: '',
      md5: Buffer.from(md5(text), 'hex').toString('base64'),
      metadata: {},
    });
  }
  const { report } = simulatePlan({
    planId: 'pln_test',
    caseName: CASE,
    operations,
    caseObjects: current.map((object) => ({
      name: objectName(CASE, object.path),
      size: object.size,
      generation: object.generation,
      updated: '',
      metadata: {},
    })),
    blobObjects,
    listing: { objects: current.length, pages: 1 },
    checkedAt: '2026-11-30T00:00:00.000Z',
  });
  expect(report.errors).toEqual([]);
}

describe('computeTargetPlan', () => {
  it('does nothing for unchanged content', () => {
    const current = [obj('a.pdf', 'A'), obj('b/c.txt', 'C')];
    const plan = computeTargetPlan({ base: baseOf(current), current, target: [want('a.pdf', 'A', false), want('b/c.txt', 'C', false)] });
    expect(plan.operations).toEqual([]);
    expect(plan.summary.unchanged).toBe(2);
    expect(plan.conflicts).toEqual([]);
  });

  it('turns content that left one path and appeared at another into a move, never delete + write', () => {
    const current = [obj('intake/scan1.pdf', 'scan one'), obj('intake/scan2.pdf', 'scan two')];
    const plan = computeTargetPlan({
      base: baseOf(current),
      current,
      target: [want('Medical Records/scan1.pdf', 'scan one'), want('Medical Records/Provider/scan2.pdf', 'scan two')],
    });
    expect(plan.operations).toEqual([
      { type: 'move', source: 'intake/scan1.pdf', destination: 'Medical Records/scan1.pdf', overwrite: false },
      { type: 'move', source: 'intake/scan2.pdf', destination: 'Medical Records/Provider/scan2.pdf', overwrite: false },
    ]);
  });

  it('pairs identical files by name similarity, deterministically', () => {
    const current = [obj('in/b.pdf', 'same'), obj('in/a.pdf', 'same')];
    const target = [want('out/a.pdf', 'same'), want('out/b.pdf', 'same')];
    const plan = computeTargetPlan({ base: baseOf(current), current, target });
    expect(plan.operations).toEqual([
      { type: 'move', source: 'in/a.pdf', destination: 'out/a.pdf', overwrite: false },
      { type: 'move', source: 'in/b.pdf', destination: 'out/b.pdf', overwrite: false },
    ]);
    expect(computeTargetPlan({ base: baseOf(current), current: [...current].reverse(), target: [...target].reverse() }).operations).toEqual(plan.operations);
    expect(nameSimilarity('x/report.pdf', 'y/report.pdf')).toBeGreaterThan(nameSimilarity('x/report.pdf', 'y/reports.pdf'));
  });

  it('copies extra copies, writes new content from its blob, deletes what the target lacks, creates empty folders', () => {
    const current = [obj('keep.txt', 'K'), obj('dup-1.pdf', 'D'), obj('dup-2.pdf', 'D'), obj('old.txt', 'O')];
    const plan = computeTargetPlan({
      base: baseOf(current),
      current,
      target: [
        want('keep.txt', 'K'),
        want('dup-1.pdf', 'D'),
        want('copy of keep.txt', 'K'),
        want('Reports/new.pdf', 'NEW'),
        { path: 'Empty/', size: 0, md5: md5('') },
      ],
    });
    expect(plan.operations).toEqual([
      { type: 'delete', source: 'dup-2.pdf' },
      { type: 'delete', source: 'old.txt' },
      { type: 'write_file', destination: 'Reports/new.pdf', blob: `${CASE}/md5-${md5('NEW')}-3`, encoding: 'utf8', overwrite: false },
      { type: 'copy', source: 'keep.txt', destination: 'copy of keep.txt', overwrite: false },
      { type: 'create_dir', destination: 'Empty' },
    ]);
    expect(plan.summary).toEqual({ unchanged: 2, moved: 0, copied: 1, written: 1, deleted: 2, foldersCreated: 1 });
  });

  it('overwrites changed content in place, and moves the old content first when it was renamed', () => {
    const current = [obj('report.md', 'v1'), obj('notes.txt', 'tpyo')];
    const plan = computeTargetPlan({
      base: baseOf(current),
      current,
      target: [want('report-v1.md', 'v1'), want('report.md', 'v2'), want('notes.txt', 'typo')],
    });
    expect(plan.operations).toEqual([
      { type: 'move', source: 'report.md', destination: 'report-v1.md', overwrite: false },
      { type: 'write_file', destination: 'notes.txt', blob: `${CASE}/md5-${md5('typo')}-4`, encoding: 'utf8', overwrite: true },
      { type: 'write_file', destination: 'report.md', blob: `${CASE}/md5-${md5('v2')}-2`, encoding: 'utf8', overwrite: false },
    ]);
  });

  it('swaps two files through a temporary name, and renames by letter case the same way', () => {
    const current = [obj('a.txt', 'A'), obj('b.txt', 'B'), obj('Report.PDF', 'R')];
    const target = [want('a.txt', 'B'), want('b.txt', 'A'), want('report.pdf', 'R')];
    const plan = computeTargetPlan({ base: baseOf(current), current, target });
    expect(plan.operations.every((operation) => operation.type === 'move')).toBe(true);
    expect(plan.operations).toHaveLength(5);
    const blobs = new Map<string, string>();
    const result = apply(
      new Map(current.map((object) => [object.path, object.path === 'a.txt' ? 'A' : object.path === 'b.txt' ? 'B' : 'R'])),
      plan.operations,
      blobs,
    );
    expect(Object.fromEntries(result)).toEqual({ 'a.txt': 'B', 'b.txt': 'A', 'report.pdf': 'R' });
    expectDryRunAccepts(current, plan.operations, blobs);
  });

  it('names every conflict with the base snapshot, and still computes the plan', () => {
    const current = [obj('a.txt', 'A'), obj('b.txt', 'B2'), obj('new.txt', 'N')];
    const base = [
      { path: 'a.txt', generation: 'g-a.txt' },
      { path: 'b.txt', generation: 'old' },
      { path: 'gone.txt', generation: 'g' },
    ];
    const plan = computeTargetPlan({ base, current, target: [want('a2.txt', 'A'), want('b.txt', 'B2'), want('new.txt', 'N')] });
    expect(plan.conflicts.map((issue) => [issue.code, issue.path])).toEqual([
      ['conflict_changed', 'b.txt'],
      ['conflict_deleted', 'gone.txt'],
      ['conflict_added', 'new.txt'],
    ]);
    expect(plan.conflicts[0]!.message).toMatch(/changed in the workspace since your snapshot/);
    expect(plan.operations).toEqual([{ type: 'move', source: 'a.txt', destination: 'a2.txt', overwrite: false }]);
  });

  it('asks for a blob when new content has none, and warns loudly when most of the case would go', () => {
    const current = ['1', '2', '3', '4', '5'].map((n) => obj(`f${n}.txt`, n));
    const plan = computeTargetPlan({ base: baseOf(current), current, target: [want('f1.txt', '1'), want('new.txt', 'fresh', false)] });
    expect(plan.conflicts).toEqual([expect.objectContaining({ code: 'blob_required', path: 'new.txt' })]);
    expect(plan.warnings).toEqual([
      expect.objectContaining({ code: 'target_deletes_most', message: expect.stringMatching(/DELETES 4 OF THE CASE'S 5 FILES/) }),
    ]);
  });

  it('turns a file into a folder and a folder into a file', () => {
    const current = [obj('notes', 'N'), obj('dir/x.txt', 'X'), marker('Old/'), marker('Old/Sub/')];
    const target = [want('notes/notes', 'N'), want('dir', 'X')];
    const plan = computeTargetPlan({ base: baseOf(current), current, target });
    const blobs = new Map<string, string>();
    const result = apply(
      new Map([
        ['notes', 'N'],
        ['dir/x.txt', 'X'],
        ['Old/', ''],
        ['Old/Sub/', ''],
      ]),
      plan.operations,
      blobs,
    );
    expect(Object.fromEntries(result)).toEqual({ 'notes/notes': 'N', dir: 'X' });
    expectDryRunAccepts(current, plan.operations, blobs);
  });

  it('property: applying the computed plan to the case gives exactly the target, and the dry run accepts it', () => {
    const names = ['a', 'b', 'c', 'A', 'x/a', 'x/b', 'y/z/a', 'Reports/r', 'x', 'y'];
    const contents = ['1', '2', '3', '4', ''];
    const entry = fc.tuple(fc.constantFrom(...names), fc.constantFrom(...contents));
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 8 }),
        fc.array(entry, { maxLength: 8 }),
        fc.array(fc.constantFrom('E/', 'x/E/', 'F/'), { maxLength: 2 }),
        (currentRaw, targetRaw, folders) => {
          const current = consistent(currentRaw);
          const target = consistent(targetRaw);
          const targetMarkers = [...new Set(folders)].filter(
            (folder) => ![...target.keys()].some((path) => path.startsWith(folder) || folder.startsWith(`${path}/`)),
          );
          const currentObjects = [...current].map(([path, text]) => obj(path, text));
          const blobs = new Map<string, string>();
          const targetEntries = [...target].map(([path, text]) => {
            const entryOut = want(path, text);
            blobs.set(entryOut.blob!, text);
            return entryOut;
          });
          const plan = computeTargetPlan({
            base: baseOf(currentObjects),
            current: currentObjects,
            target: [...targetEntries, ...targetMarkers.map((path) => ({ path, size: 0, md5: md5('') }))],
          });
          expect(plan.conflicts).toEqual([]);
          const result = apply(current, plan.operations, blobs);
          const expected = new Map(target);
          for (const folder of targetMarkers) expected.set(folder, '');
          expect(Object.fromEntries([...result].sort())).toEqual(Object.fromEntries([...expected].sort()));
          // Content that was in the case is never written again from a blob.
          const present = new Set(current.values());
          for (const operation of plan.operations) if (operation.type === 'write_file') expect(present.has(blobs.get(operation.blob!)!)).toBe(false);
          expectDryRunAccepts(currentObjects, plan.operations, blobs);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Keeps a random listing realisable: unique paths, no name twins, no file where a folder is. */
function consistent(entries: Array<[string, string]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, text] of entries) {
    const lower = path.toLowerCase();
    if ([...out.keys()].some((other) => other.toLowerCase() === lower || other.startsWith(`${path}/`) || path.startsWith(`${other}/`))) continue;
    out.set(path, text);
  }
  return out;
}

describe('target-state manifests', () => {
  const valid = { case: CASE, description: 'reorganise', base: [{ path: 'a.txt', generation: '1' }], target: [want('a.txt', 'A')] };
  const issues = (body: unknown) => {
    const result = targetPlanInputSchema.safeParse(body);
    return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('accepts a well-formed manifest', () => {
    expect(issues(valid)).toEqual([]);
  });

  it('refuses hostile manifests with the entry and the reason', () => {
    expect(issues({ ...valid, target: [want('a.txt', 'A'), want('a.txt', 'B')] })).toEqual(['target.1.path: `a.txt` appears twice (entries 0 and 1)']);
    expect(issues({ ...valid, target: [want('Report.pdf', 'A'), want('report.pdf', 'B')] })[0]).toMatch(
      /^target\.1\.path: `report\.pdf` and `Report\.pdf` \(entry 0\) differ only by letter case/,
    );
    expect(issues({ ...valid, target: [want('../other-case/x', 'A')] })[0]).toMatch(/^target\.0\.path: unsafe path: `\.\.` segments/);
    expect(issues({ ...valid, target: [want('/etc/passwd', 'A')] })[0]).toMatch(/^target\.0\.path: unsafe path: absolute/);
    expect(issues({ ...valid, target: [want('.bailiff/staging/x', 'A')] })[0]).toMatch(/^target\.0\.path: unsafe path: `\.bailiff` is reserved/);
    expect(issues({ ...valid, target: [want('notes', 'A'), want('notes/x', 'B')] })).toEqual([
      'target.1.path: `notes/x` lies inside `notes`, which is a file in the same manifest',
    ]);
    expect(
      issues({
        ...valid,
        base: [
          { path: 'a.txt', generation: '1' },
          { path: 'a.txt', generation: '2' },
        ],
      }),
    ).toEqual(['base.1.path: `a.txt` appears twice (entries 0 and 1)']);
    expect(issues({ ...valid, target: [{ ...want('a.txt', 'A'), blob: 'smith/md5-zz-1' }] })[0]).toMatch(/^target\.0\.blob: invalid blob reference/);
    expect(issues({ ...valid, target: [{ path: 'E/', size: 3, md5: md5('abc') }] })).toEqual([
      'target.0.size: a folder entry (ending in `/`) has size 0 and no blob',
    ]);
    expect(issues({ ...valid, target: [want('cafe\u0301.txt', 'A')] })[0]).toMatch(/not in normal form/);
  });

  it('refuses 100,001 entries, and takes 100,000', () => {
    const many = Array.from({ length: 100_001 }, (_, index) => ({ path: `f/${index}.txt`, size: 1, md5: md5('x') }));
    expect(issues({ ...valid, target: many })).toEqual(['target: at most 100,000 entries']);
    expect(issues({ ...valid, target: many.slice(0, 100_000) })).toEqual([]);
  });
});
