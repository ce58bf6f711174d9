import { describe, expect, it } from 'vitest';
import type { ObjectInfo } from './objects.ts';
import type { Action } from './actions.ts';
import { hashOf } from './hash.ts';
import { backupObjectName } from './paths.ts';
import { storedOperationSchema, type Operation, type ReportIssue } from './plan.ts';
import { REPORT_LIST_LIMIT, simulatePlan, snapshotHashOf, type SimulationInput } from './simulate.ts';

const CASE = 'case-1';
const PLAN = 'plan-1';
const CHECKED_AT = '2025-01-01T00:00:00.000Z';

const full = (path: string) => `projects/${CASE}/${path}`;
const backup = (action: number, path: string) => backupObjectName(PLAN, action, full(path));

function object(path: string, generation = '1', size = 10, caseName = CASE): ObjectInfo {
  return { name: `projects/${caseName}/${path}`, size, generation, updated: CHECKED_AT, metadata: {} };
}

/** Operations go through the same schema as agents' input, so defaults and NFC apply as in production. */
const parse = (raw: readonly unknown[]): Operation[] => raw.map((operation) => storedOperationSchema.parse(operation));

function simulate(listing: readonly ObjectInfo[], operations: readonly unknown[], extra: Partial<SimulationInput> = {}) {
  return simulatePlan({
    planId: PLAN,
    caseName: CASE,
    operations: parse(operations),
    caseObjects: listing,
    listing: { objects: listing.length, pages: 1 },
    checkedAt: CHECKED_AT,
    ...extra,
  });
}

const codes = (issues: readonly ReportIssue[]) => issues.map((issue) => issue.code);
const indexesOf = (actions: readonly Action[]) => actions.map((action) => action.index);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('simulatePlan: operations see the ones before them', () => {
  it('creates a folder, then moves a file into it', () => {
    const listing = [object('intake/a.pdf', '5', 100)];
    const { report, actions } = simulate(listing, [
      { type: 'create_dir', destination: 'Records' },
      { type: 'move', source: 'intake/a.pdf', destination: 'Records/a.pdf' },
    ]);
    expect(actions).toEqual([
      { kind: 'put', index: 0, operation: 0, destination: full('Records/'), expect: { state: 'absent' }, size: 0 },
      {
        kind: 'move',
        index: 1,
        operation: 1,
        source: full('intake/a.pdf'),
        sourceExpect: { state: 'generation', generation: '5' },
        destination: full('Records/a.pdf'),
        expect: { state: 'absent' },
        size: 100,
      },
    ]);
    expect(report).toEqual({
      valid: true,
      checkedAt: CHECKED_AT,
      snapshotHash: snapshotHashOf(actions),
      listing: { objects: 1, pages: 1 },
      totals: {
        operations: 2,
        actions: 2,
        objectsCreated: 2,
        objectsOverwritten: 0,
        objectsDeleted: 0,
        bytesWritten: 100,
        bytesDeleted: 0,
        objectsMoved: 1,
        objectsCopied: 0,
        objectsWritten: 0,
        foldersCreated: 1,
        bytesMoved: 100,
        bytesCopied: 0,
      },
      errors: [],
      warnings: [],
      operations: [
        { index: 0, type: 'create_dir', effect: 'create folder Records', objects: 1, bytes: 0 },
        { index: 1, type: 'move', effect: 'move intake/a.pdf to Records/a.pdf (1 object, 100 B)', objects: 1, bytes: 100 },
      ],
      operationsTruncated: false,
      diff: { added: ['Records/', 'Records/a.pdf'], removed: ['intake/a.pdf'], changed: [], truncated: false },
    });
  });

  it('treats a folder created earlier in the plan as a folder', () => {
    const { report } = simulate(
      [object('intake/a.pdf'), object('loose.pdf')],
      [
        { type: 'create_dir', destination: 'Records' },
        { type: 'move', source: 'intake/', destination: 'Records' },
        { type: 'move', source: 'loose.pdf', destination: 'Records' },
      ],
    );
    expect(report.warnings).toEqual([
      { operation: 1, code: 'merge_into_folder', message: '`Records` already exists; the contents will be merged into it', path: 'Records' },
    ]);
    expect(report.errors).toEqual([{ operation: 2, code: 'file_folder_collision', message: '`Records` is a folder; name a file inside it', path: 'Records' }]);
  });

  it('chains moves: the second one expects what the first one produced', () => {
    const { report, actions } = simulate(
      [object('A', '7', 3)],
      [
        { type: 'move', source: 'A', destination: 'B' },
        { type: 'move', source: 'B', destination: 'C' },
      ],
    );
    expect(actions).toEqual([
      {
        kind: 'move',
        index: 0,
        operation: 0,
        source: full('A'),
        sourceExpect: { state: 'generation', generation: '7' },
        destination: full('B'),
        expect: { state: 'absent' },
        size: 3,
      },
      {
        kind: 'move',
        index: 1,
        operation: 1,
        source: full('B'),
        sourceExpect: { state: 'producedBy', action: 0 },
        destination: full('C'),
        expect: { state: 'absent' },
        size: 3,
      },
    ]);
    expect(report.diff).toEqual({ added: ['C'], removed: ['A'], changed: [], truncated: false });
  });

  it('reports a file moved away and back as changed, not as untouched', () => {
    const { report, actions } = simulate(
      [object('A', '7', 3)],
      [
        { type: 'move', source: 'A', destination: 'B' },
        { type: 'move', source: 'B', destination: 'A' },
      ],
    );
    expect(actions[1]).toMatchObject({
      source: full('B'),
      destination: full('A'),
      sourceExpect: { state: 'producedBy', action: 0 },
      expect: { state: 'absent' },
    });
    expect(report.diff).toEqual({ added: [], removed: [], changed: ['A'], truncated: false });
  });

  it('writes, then overwrites its own file: the second write expects the first', () => {
    const { report, actions } = simulate(
      [],
      [
        { type: 'write_file', destination: 'r.md', content: 'v1' },
        { type: 'write_file', destination: 'r.md', content: 'v22', overwrite: true },
      ],
    );
    expect(actions).toEqual([
      { kind: 'put', index: 0, operation: 0, destination: full('r.md'), expect: { state: 'absent' }, size: 2 },
      // The first version is kept too: the rollback walks back through every version.
      { kind: 'put', index: 1, operation: 1, destination: full('r.md'), expect: { state: 'producedBy', action: 0 }, size: 3, backup: backup(1, 'r.md') },
    ]);
    expect(report.totals).toEqual({
      operations: 2,
      actions: 2,
      objectsCreated: 1,
      objectsOverwritten: 1,
      objectsDeleted: 0,
      bytesWritten: 5,
      bytesDeleted: 2,
      objectsMoved: 0,
      objectsCopied: 0,
      objectsWritten: 2,
      foldersCreated: 0,
      bytesMoved: 0,
      bytesCopied: 0,
    });
    expect(report.diff).toEqual({ added: ['r.md'], removed: [], changed: [], truncated: false });
    expect(codes(report.warnings)).toEqual(['case_empty']);
  });

  it('lets a file written by the plan be deleted by it, leaving no trace in the diff', () => {
    const { report, actions } = simulate(
      [object('keep')],
      [
        { type: 'write_file', destination: 'tmp.txt', content: 'abc' },
        { type: 'delete', source: 'tmp.txt' },
      ],
    );
    expect(actions[1]).toEqual({
      kind: 'delete',
      index: 1,
      operation: 1,
      target: full('tmp.txt'),
      expect: { state: 'producedBy', action: 0 },
      size: 3,
      backup: backup(1, 'tmp.txt'),
    });
    expect(report.diff).toEqual({ added: [], removed: [], changed: [], truncated: false });
  });
});

describe('simulatePlan: folders', () => {
  const listing = [
    object('src/', 'm1', 0),
    object('src/a.pdf', '1', 10),
    object('src/sub/b.pdf', '2', 20),
    object('src-old/c.pdf', '3', 5),
    object('srcfile.pdf', '4', 7),
  ];

  it('expands a folder copy to every object under it, marker first, and nothing beside it', () => {
    const { report, actions } = simulate(listing, [{ type: 'copy', source: 'src/', destination: 'dst' }]);
    expect(actions).toEqual([
      {
        kind: 'copy',
        index: 0,
        operation: 0,
        source: full('src/'),
        sourceExpect: { state: 'generation', generation: 'm1' },
        destination: full('dst/'),
        expect: { state: 'absent' },
        size: 0,
      },
      {
        kind: 'copy',
        index: 1,
        operation: 0,
        source: full('src/a.pdf'),
        sourceExpect: { state: 'generation', generation: '1' },
        destination: full('dst/a.pdf'),
        expect: { state: 'absent' },
        size: 10,
      },
      {
        kind: 'copy',
        index: 2,
        operation: 0,
        source: full('src/sub/b.pdf'),
        sourceExpect: { state: 'generation', generation: '2' },
        destination: full('dst/sub/b.pdf'),
        expect: { state: 'absent' },
        size: 20,
      },
    ]);
    expect(report.operations).toEqual([{ index: 0, type: 'copy', effect: 'copy src/ to dst (3 objects, 30 B)', objects: 3, bytes: 30 }]);
    expect(report.totals).toEqual({
      operations: 1,
      actions: 3,
      objectsCreated: 3,
      objectsOverwritten: 0,
      objectsDeleted: 0,
      bytesWritten: 30,
      bytesDeleted: 0,
      objectsMoved: 0,
      objectsCopied: 3,
      objectsWritten: 0,
      foldersCreated: 0,
      bytesMoved: 0,
      bytesCopied: 30,
    });
    expect(report.diff).toEqual({ added: ['dst/', 'dst/a.pdf', 'dst/sub/b.pdf'], removed: [], changed: [], truncated: false });
  });

  it('does not count `src-old` as inside `src` when checking for a move into itself', () => {
    const { report } = simulate(listing, [{ type: 'move', source: 'src', destination: 'src-new' }]);
    expect(report.valid).toBe(true);
    expect(report.diff.added).toEqual(['src-new/', 'src-new/a.pdf', 'src-new/sub/b.pdf']);
  });

  it.each([
    ['move', 'src', 'src/inner'],
    ['move', 'src/', 'src/sub/deeper'],
    ['copy', 'src', 'src/sub'],
  ])('refuses to %s %s into itself (%s)', (type, source, destination) => {
    const { report, actions } = simulate(listing, [{ type, source, destination }]);
    expect(report.errors).toEqual([
      { operation: 0, code: 'into_itself', message: `cannot ${type} \`src\` into itself (\`${destination}\`)`, path: destination },
    ]);
    expect(actions).toEqual([]);
    expect(report.valid).toBe(false);
  });

  it.each([
    ['src', 'src'],
    ['src/', 'src'],
    ['srcfile.pdf', 'srcfile.pdf'],
  ])('refuses source equal to destination (%s → %s)', (source, destination) => {
    const { report } = simulate(listing, [{ type: 'copy', source, destination }]);
    expect(report.errors).toEqual([
      { operation: 0, code: 'same_path', message: `source and destination are both \`${source.replace(/\/$/, '')}\``, path: source.replace(/\/$/, '') },
    ]);
  });

  it('expands a folder delete with exact totals and one backup per object', () => {
    const { report, actions } = simulate(listing, [{ type: 'delete', source: 'src' }]);
    expect(actions).toEqual([
      { kind: 'delete', index: 0, operation: 0, target: full('src/'), expect: { state: 'generation', generation: 'm1' }, size: 0, backup: backup(0, 'src/') },
      {
        kind: 'delete',
        index: 1,
        operation: 0,
        target: full('src/a.pdf'),
        expect: { state: 'generation', generation: '1' },
        size: 10,
        backup: backup(1, 'src/a.pdf'),
      },
      {
        kind: 'delete',
        index: 2,
        operation: 0,
        target: full('src/sub/b.pdf'),
        expect: { state: 'generation', generation: '2' },
        size: 20,
        backup: backup(2, 'src/sub/b.pdf'),
      },
    ]);
    expect(report.totals).toEqual({
      operations: 1,
      actions: 3,
      objectsCreated: 0,
      objectsOverwritten: 0,
      objectsDeleted: 3,
      bytesWritten: 0,
      bytesDeleted: 30,
      objectsMoved: 0,
      objectsCopied: 0,
      objectsWritten: 0,
      foldersCreated: 0,
      bytesMoved: 0,
      bytesCopied: 0,
    });
    expect(report.operations).toEqual([{ index: 0, type: 'delete', effect: 'delete src (3 objects, 30 B; kept as a backup)', objects: 3, bytes: 30 }]);
    expect(report.diff).toEqual({ added: [], removed: ['src/', 'src/a.pdf', 'src/sub/b.pdf'], changed: [], truncated: false });
    expect(new Set(actions.map((action) => (action.kind === 'delete' ? action.backup : ''))).size).toBe(3);
  });

  it('warns about large deletes at the threshold, not below it', () => {
    const thresholds = { largeDeleteObjects: 2, largeDeleteBytes: 29, manyOperations: 10 };
    const { report } = simulate(listing, [{ type: 'delete', source: 'src' }], { thresholds });
    expect(report.warnings).toEqual([
      { code: 'large_delete', message: 'the plan deletes 3 objects' },
      { code: 'large_delete', message: 'the plan deletes or overwrites 30 B' },
    ]);
    const below = simulate(listing, [{ type: 'delete', source: 'src' }], { thresholds: { largeDeleteObjects: 3, largeDeleteBytes: 30, manyOperations: 10 } });
    expect(below.report.warnings).toEqual([]);
  });
});

describe('simulatePlan: folder markers and rollback operations', () => {
  it('gives a folder that exists only through its files a marker, and leaves one that has a marker alone', () => {
    const { report, actions } = simulate(
      [object('intake/a.pdf'), object('Records/'), object('Records/b.pdf')],
      [
        { type: 'create_dir', destination: 'intake' },
        { type: 'create_dir', destination: 'Records/' },
      ],
    );
    expect(actions).toEqual([{ kind: 'put', index: 0, operation: 0, destination: full('intake/'), expect: { state: 'absent' }, size: 0 }]);
    expect(report.warnings).toEqual([{ operation: 1, code: 'folder_exists', message: 'folder `Records` already exists; nothing to do', path: 'Records' }]);
    expect(report.diff.added).toEqual(['intake/']);
  });

  it('removes only the marker with remove_folder, whatever else the folder holds', () => {
    const { report, actions } = simulate(
      [object('Records/', 'm', 0), object('Records/b.pdf')],
      [
        { type: 'remove_folder', destination: 'Records/' },
        { type: 'remove_folder', destination: 'Records/' },
      ],
    );
    expect(actions).toEqual([
      {
        kind: 'delete',
        index: 0,
        operation: 0,
        target: full('Records/'),
        expect: { state: 'generation', generation: 'm' },
        size: 0,
        backup: backup(0, 'Records/'),
      },
    ]);
    expect(report.warnings).toEqual([
      { operation: 1, code: 'folder_missing', message: 'the folder `Records/` is already gone, so there is nothing to remove', path: 'Records/' },
    ]);
    expect(report.diff).toEqual({ added: [], removed: ['Records/'], changed: [], truncated: false });
  });

  it('restores from a listed backup, and refuses a backup that is gone', () => {
    const saved: ObjectInfo = { name: backup(3, 'a.pdf'), size: 42, generation: 'b7', updated: CHECKED_AT, metadata: {} };
    const { report, actions } = simulate(
      [object('a.pdf', '9', 5)],
      [
        { type: 'restore', backup: saved.name, destination: 'a.pdf', overwrite: true },
        { type: 'restore', backup: backup(4, 'gone.pdf'), destination: 'gone.pdf' },
      ],
      { systemObjects: new Map([[saved.name, saved]]) },
    );
    expect(actions).toEqual([
      {
        kind: 'copy',
        index: 0,
        operation: 0,
        source: saved.name,
        sourceExpect: { state: 'generation', generation: 'b7' },
        destination: full('a.pdf'),
        expect: { state: 'generation', generation: '9' },
        size: 42,
        backup: backup(0, 'a.pdf'),
      },
    ]);
    expect(report.errors).toEqual([
      { operation: 1, code: 'source_missing', message: `backup \`${backup(4, 'gone.pdf')}\` no longer exists`, path: 'gone.pdf' },
    ]);
  });

  it('moves a folder into its parent when no object is both read and replaced', () => {
    const { report, actions } = simulate([object('a/b/x', '1')], [{ type: 'move', source: 'a/b', destination: 'a' }]);
    expect(report.valid).toBe(true);
    expect(actions).toEqual([
      {
        kind: 'move',
        index: 0,
        operation: 0,
        source: full('a/b/x'),
        sourceExpect: { state: 'generation', generation: '1' },
        destination: full('a/x'),
        expect: { state: 'absent' },
        size: 10,
      },
    ]);
  });

  it.each(['move', 'copy'])('refuses to %s a folder into its parent when one object is both read and replaced', (type) => {
    // `a/b/b/x` would land on `a/b/x`, which the same operation also reads: in order, the
    // second action would find the first one's work instead of what the dry run saw.
    const listing = [object('a/b/x', '1'), object('a/b/b/x', '2')];
    const { report, actions } = simulate(listing, [{ type, source: 'a/b', destination: 'a', overwrite: true }]);
    expect(report.errors).toEqual([
      {
        operation: 0,
        code: 'overlaps_source',
        message: `\`a/b/x\` would be both read and replaced by this ${type}; ${type} \`a/b\` to a new folder first`,
        path: 'a/b/x',
      },
    ]);
    expect(actions).toEqual([]);
  });
});

describe('simulatePlan: errors', () => {
  it('names a case twin when the source is missing', () => {
    const listing = [object('Reports/Summary.pdf'), object('Mu\u0308ller.pdf')];
    const { report } = simulate(listing, [
      { type: 'move', source: 'reports/summary.pdf', destination: 'x.pdf' },
      { type: 'delete', source: 'REPORTS/SUMMARY.PDF' },
      // The schema composes the name; the listing holds the decomposed spelling a Mac uploaded.
      { type: 'copy', source: 'Müller.pdf', destination: 'y.pdf' },
      { type: 'delete', source: 'nothing-like-it.pdf' },
    ]);
    expect(report.errors).toEqual([
      {
        operation: 0,
        code: 'source_missing',
        message: '`reports/summary.pdf` does not exist; did you mean `Reports/Summary.pdf`?',
        path: 'reports/summary.pdf',
      },
      {
        operation: 1,
        code: 'source_missing',
        message: '`REPORTS/SUMMARY.PDF` does not exist; did you mean `Reports/Summary.pdf`?',
        path: 'REPORTS/SUMMARY.PDF',
      },
      { operation: 2, code: 'source_missing', message: '`M\u00fcller.pdf` does not exist; did you mean `Mu\u0308ller.pdf`?', path: 'M\u00fcller.pdf' },
      { operation: 3, code: 'source_missing', message: '`nothing-like-it.pdf` does not exist', path: 'nothing-like-it.pdf' },
    ]);
  });

  it('says when a folder source is really a file', () => {
    const { report } = simulate([object('Reports/Summary.pdf')], [{ type: 'move', source: 'Reports/Summary.pdf/', destination: 'x' }]);
    expect(report.errors).toEqual([
      { operation: 0, code: 'source_missing', message: '`Reports/Summary.pdf` does not exist as a folder (it is a file)', path: 'Reports/Summary.pdf' },
    ]);
  });

  it('refuses a file copied onto a folder-shaped destination', () => {
    const { report } = simulate([object('a.pdf')], [{ type: 'copy', source: 'a.pdf', destination: 'Archive/' }]);
    expect(report.errors).toEqual([
      { operation: 0, code: 'destination_is_folder', message: '`a.pdf` is a file; name the destination file, not a folder', path: 'Archive/' },
    ]);
  });

  it('refuses an existing destination without overwrite', () => {
    const { report, actions } = simulate([object('A', '1', 10), object('B', '7', 50)], [{ type: 'copy', source: 'A', destination: 'B' }]);
    expect(report.errors).toEqual([
      { operation: 0, code: 'destination_exists', message: '`B` already exists; set "overwrite": true to replace it', path: 'B' },
    ]);
    expect(actions).toEqual([]);
  });

  it('with overwrite, expects the listed generation and keeps a backup under the plan', () => {
    const { report, actions } = simulate([object('A', '1', 10), object('B', '7', 50)], [{ type: 'copy', source: 'A', destination: 'B', overwrite: true }]);
    expect(actions).toEqual([
      {
        kind: 'copy',
        index: 0,
        operation: 0,
        source: full('A'),
        sourceExpect: { state: 'generation', generation: '1' },
        destination: full('B'),
        expect: { state: 'generation', generation: '7' },
        size: 10,
        backup: `.bailiff/backups/${PLAN}/0/${full('B')}`,
      },
    ]);
    expect(report.totals).toEqual({
      operations: 1,
      actions: 1,
      objectsCreated: 0,
      objectsOverwritten: 1,
      objectsDeleted: 0,
      bytesWritten: 10,
      bytesDeleted: 50,
      objectsMoved: 0,
      objectsCopied: 1,
      objectsWritten: 0,
      foldersCreated: 0,
      bytesMoved: 0,
      bytesCopied: 10,
    });
    expect(report.diff).toEqual({ added: [], removed: [], changed: ['B'], truncated: false });
  });

  describe('file/folder collisions, both ways', () => {
    const listing = [object('a'), object('dir/f')];
    it.each<[string, unknown, string]>([
      ['a file under a file', { type: 'write_file', destination: 'a/x', content: '' }, '`a` is a file, so `a/x` cannot be created under it'],
      ['a file over a folder', { type: 'write_file', destination: 'dir', content: '', overwrite: true }, '`dir` is a folder; name a file inside it'],
      ['a folder over a file', { type: 'create_dir', destination: 'a' }, '`a` is a file'],
      ['a folder under a file', { type: 'create_dir', destination: 'a/b' }, '`a` is a file, so `a/b/` cannot be created under it'],
      ['a folder moved onto a file', { type: 'move', source: 'dir', destination: 'a' }, '`a` is a file, so `a/f` cannot be created under it'],
      ['a file copied onto a folder', { type: 'copy', source: 'a', destination: 'dir' }, '`dir` is a folder; name a file inside it'],
    ])('refuses %s', (_label, operation, message) => {
      const { report, actions } = simulate(listing, [operation]);
      expect(report.errors).toEqual([expect.objectContaining({ operation: 0, code: 'file_folder_collision', message })]);
      expect(actions).toEqual([]);
    });
  });

  it('leaves the simulated case as it was when an operation fails, for the operations after it', () => {
    const listing = [object('src/a', '1'), object('src/b', '2'), object('dst/a', '9')];
    const { report, actions } = simulate(listing, [
      // Would copy src/b and then fail on dst/a: none of it may take effect.
      { type: 'move', source: 'src', destination: 'dst' },
      { type: 'copy', source: 'dst/b', destination: 'z' },
      { type: 'delete', source: 'src/b' },
      { type: 'delete', source: 'dst/a' },
    ]);
    expect(codes(report.errors)).toEqual(['destination_exists', 'source_missing']);
    expect(report.errors.map((issue) => issue.operation)).toEqual([0, 1]);
    expect(report.operations[0]).toEqual({
      index: 0,
      type: 'move',
      effect: 'not possible: `dst/a` already exists; set "overwrite": true to replace it',
      objects: 0,
      bytes: 0,
    });
    // Action indexes stay dense: a failed operation's planned actions are dropped, not skipped.
    expect(actions).toEqual([
      { kind: 'delete', index: 0, operation: 2, target: full('src/b'), expect: { state: 'generation', generation: '2' }, size: 10, backup: backup(0, 'src/b') },
      { kind: 'delete', index: 1, operation: 3, target: full('dst/a'), expect: { state: 'generation', generation: '9' }, size: 10, backup: backup(1, 'dst/a') },
    ]);
    expect(report.totals).toEqual({
      operations: 4,
      actions: 2,
      objectsCreated: 0,
      objectsOverwritten: 0,
      objectsDeleted: 2,
      bytesWritten: 0,
      bytesDeleted: 20,
      objectsMoved: 0,
      objectsCopied: 0,
      objectsWritten: 0,
      foldersCreated: 0,
      bytesMoved: 0,
      bytesCopied: 0,
    });
    expect(report.diff).toEqual({ added: [], removed: ['dst/a', 'src/b'], changed: [], truncated: false });
    expect(report.valid).toBe(false);
  });

  it.each([
    ['letter case', 'report.pdf', 'Report.PDF'],
    ['a compatibility ligature', '\ufb01le.pdf', 'file.pdf'],
  ])('refuses a move onto a name differing only by %s', (_label, source, destination) => {
    const { report, actions } = simulate([object(source)], [{ type: 'move', source, destination }]);
    expect(report.errors).toEqual([expect.objectContaining({ operation: 0, code: 'name_twin', path: destination })]);
    expect(actions).toEqual([]);
  });

  it('refuses a copy or a new file that would twin an existing name', () => {
    const { report, actions } = simulate(
      [object('report.pdf')],
      [
        { type: 'copy', source: 'report.pdf', destination: 'REPORT.pdf' },
        { type: 'write_file', destination: 'Report.pdf', content: 'x' },
        { type: 'write_file', destination: 'other.pdf', content: 'x' },
      ],
    );
    expect(report.valid).toBe(false);
    expect(report.errors).toEqual([
      {
        operation: 0,
        code: 'name_twin',
        message: '`REPORT.pdf` differs from existing `report.pdf` only by letter case or Unicode normalisation; many file systems treat them as one name',
        path: 'REPORT.pdf',
      },
      { operation: 1, code: 'name_twin', message: expect.stringContaining('`Report.pdf` differs from existing `report.pdf`'), path: 'Report.pdf' },
    ]);
    expect(report.warnings).toEqual([]);
    expect(actions.map((action) => action.operation)).toEqual([2]);
  });

  it('refuses a new name that twins a name listed in NFD, and one the same plan created', () => {
    const { report } = simulate(
      [object('Mu\u0308ller.pdf')],
      [
        { type: 'write_file', destination: 'M\u00fcller.pdf', content: 'x' },
        { type: 'write_file', destination: 'new.pdf', content: 'x' },
        { type: 'copy', source: 'new.pdf', destination: 'NEW.pdf' },
      ],
    );
    expect(codes(report.errors)).toEqual(['name_twin', 'name_twin']);
    expect(report.errors.map((issue) => issue.path)).toEqual(['M\u00fcller.pdf', 'NEW.pdf']);
  });

  it('refuses a new folder that twins an existing folder, with or without its marker', () => {
    const { report, actions } = simulate(
      [object('Records/a.pdf'), object('Intake/')],
      [
        { type: 'write_file', destination: 'records/b.pdf', content: 'x' },
        { type: 'create_dir', destination: 'INTAKE' },
        { type: 'copy', source: 'Records/a.pdf', destination: 'RECORDS/sub/a.pdf' },
        { type: 'create_dir', destination: 'intake/sub' },
        { type: 'write_file', destination: 'Records/sub/b.pdf', content: 'x' },
      ],
    );
    expect(report.errors).toEqual([
      {
        operation: 0,
        code: 'name_twin',
        message:
          '`records/b.pdf` would create the folder `records`, which differs from existing `Records` only by letter case or Unicode normalisation; many file systems treat them as one name',
        path: 'records/b.pdf',
      },
      expect.objectContaining({ operation: 1, code: 'name_twin', path: 'INTAKE/' }),
      expect.objectContaining({ operation: 2, code: 'name_twin', path: 'RECORDS/sub/a.pdf' }),
      expect.objectContaining({ operation: 3, code: 'name_twin', path: 'intake/sub/' }),
    ]);
    expect(actions.map((action) => (action.kind === 'delete' ? action.target : action.destination))).toEqual([full('Records/sub/b.pdf')]);
  });
});

describe('simulatePlan: the snapshot an approval is bound to', () => {
  const listing = [object('a.pdf', '1', 10), object('b.pdf', '2', 20), object('other.pdf', '3', 30)];
  const operations = [
    { type: 'move', source: 'a.pdf', destination: 'x/a.pdf' },
    { type: 'copy', source: 'b.pdf', destination: 'x/b.pdf' },
  ];
  const hashWith = (objects: ObjectInfo[], extra: Partial<SimulationInput> = {}) => simulate(objects, operations, extra).report.snapshotHash;
  const base = hashWith(listing);

  it('is stable for the same listing and plan', () => {
    expect(base).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hashWith(listing.map((o) => ({ ...o })))).toBe(base);
    expect(hashWith([...listing].reverse())).toBe(base);
  });

  it('changes when the generation of an object the plan relies on changes', () => {
    expect(hashWith([object('a.pdf', '1b', 10), listing[1]!, listing[2]!])).not.toBe(base);
    expect(hashWith([listing[0]!, object('b.pdf', '2b', 20), listing[2]!])).not.toBe(base);
  });

  it('changes when a destination that was absent appears', () => {
    const result = simulate(
      [...listing, object('x/b.pdf', '9')],
      operations.map((operation) => ({ ...operation, overwrite: true })),
    );
    expect(result.report.snapshotHash).not.toBe(base);
  });

  it('does not change for objects the plan does not touch, nor for time or metadata', () => {
    expect(hashWith([listing[0]!, listing[1]!, object('other.pdf', '3b', 31)])).toBe(base);
    expect(hashWith([...listing, object('unrelated/new.pdf', '5')])).toBe(base);
    expect(hashWith(listing.map((o) => ({ ...o, updated: '2030-01-01T00:00:00.000Z', metadata: { x: 'y' } })))).toBe(base);
    expect(hashWith(listing, { checkedAt: '2030-01-01T00:00:00.000Z', listing: { objects: 99, pages: 9 } })).toBe(base);
  });
});

describe('simulatePlan: the diff and its limits', () => {
  it('lists added, removed and changed names exactly', () => {
    const listing = [object('keep.pdf'), object('gone.pdf'), object('edit.md', '3', 4), object('moved.pdf'), object('again.pdf')];
    const { report } = simulate(listing, [
      { type: 'delete', source: 'gone.pdf' },
      { type: 'write_file', destination: 'edit.md', content: 'new', overwrite: true },
      { type: 'move', source: 'moved.pdf', destination: 'new/moved.pdf' },
      { type: 'write_file', destination: 'fresh.md', content: 'hi' },
      { type: 'delete', source: 'again.pdf' },
      { type: 'write_file', destination: 'again.pdf', content: 'back' },
    ]);
    expect(report.diff).toEqual({
      added: ['fresh.md', 'new/moved.pdf'],
      removed: ['gone.pdf', 'moved.pdf'],
      changed: ['again.pdf', 'edit.md'],
      truncated: false,
    });
    expect(report.totals).toEqual({
      operations: 6,
      actions: 6,
      objectsCreated: 3,
      objectsOverwritten: 1,
      objectsDeleted: 2,
      bytesWritten: 19,
      bytesDeleted: 24,
      objectsMoved: 1,
      objectsCopied: 0,
      objectsWritten: 3,
      foldersCreated: 0,
      bytesMoved: 10,
      bytesCopied: 0,
    });
  });

  it('truncates long lists at REPORT_LIST_LIMIT and keeps the totals exact', () => {
    const files = range(1500).map((i) => object(`bulk/f${String(i).padStart(4, '0')}`, String(i), 2));
    const writes = range(1200).map((i) => ({ type: 'write_file', destination: `new/w${String(i).padStart(4, '0')}.txt`, content: 'abc' }));
    const { report, actions } = simulate(files, [{ type: 'delete', source: 'bulk' }, ...writes]);
    expect(report.valid).toBe(true);
    expect(report.totals).toEqual({
      operations: 1201,
      actions: 2700,
      objectsCreated: 1200,
      objectsOverwritten: 0,
      objectsDeleted: 1500,
      bytesWritten: 3600,
      bytesDeleted: 3000,
      objectsMoved: 0,
      objectsCopied: 0,
      objectsWritten: 1200,
      foldersCreated: 0,
      bytesMoved: 0,
      bytesCopied: 0,
    });
    expect(actions).toHaveLength(2700);
    expect(report.operations).toHaveLength(REPORT_LIST_LIMIT);
    expect(report.operationsTruncated).toBe(true);
    expect(report.operations[0]).toEqual({
      index: 0,
      type: 'delete',
      effect: 'delete bulk (1500 objects, 2.9 KiB; kept as a backup)',
      objects: 1500,
      bytes: 3000,
    });
    expect(report.diff.truncated).toBe(true);
    expect(report.diff.removed).toHaveLength(REPORT_LIST_LIMIT);
    expect(report.diff.removed[0]).toBe('bulk/f0000');
    expect(report.diff.removed.at(-1)).toBe('bulk/f0999');
    expect(report.diff.added).toHaveLength(REPORT_LIST_LIMIT);
    expect(report.diff.changed).toEqual([]);
    expect(codes(report.warnings)).toEqual(['large_delete', 'many_operations']);
  });

  it('truncates the error list too, and the plan stays invalid', () => {
    const deletes = range(1200).map((i) => ({ type: 'delete', source: `missing/${i}` }));
    const { report } = simulate([object('a')], deletes);
    expect(report.valid).toBe(false);
    expect(report.errors).toHaveLength(REPORT_LIST_LIMIT);
    expect(report.totals.operations).toBe(1200);
    expect(report.totals.actions).toBe(0);
  });

  it('does not truncate a list of exactly REPORT_LIST_LIMIT entries', () => {
    const files = range(REPORT_LIST_LIMIT).map((i) => object(`bulk/f${String(i).padStart(4, '0')}`));
    const { report } = simulate(files, [{ type: 'delete', source: 'bulk/' }]);
    expect(report.diff.removed).toHaveLength(REPORT_LIST_LIMIT);
    expect(report.diff.truncated).toBe(false);
  });
});

describe('simulatePlan: scope', () => {
  it('ignores objects of case-123 handed to a case-12 plan', () => {
    const listing = [
      object('a.pdf', '1', 10, 'case-12'),
      object('b.pdf', '2', 10, 'case-123'),
      object('a.pdf', '3', 10, 'case-123'),
      object('d/x', '4', 10, 'case-123'),
    ];
    const result = simulatePlan({
      planId: PLAN,
      caseName: 'case-12',
      operations: parse([
        { type: 'delete', source: 'a.pdf' },
        { type: 'delete', source: 'b.pdf' },
        { type: 'create_dir', destination: 'd' },
      ]),
      caseObjects: listing,
      listing: { objects: listing.length, pages: 1 },
      checkedAt: CHECKED_AT,
    });
    expect(result.actions).toEqual([
      {
        kind: 'delete',
        index: 0,
        operation: 0,
        target: 'projects/case-12/a.pdf',
        expect: { state: 'generation', generation: '1' },
        size: 10,
        backup: backupObjectName(PLAN, 0, 'projects/case-12/a.pdf'),
      },
      { kind: 'put', index: 1, operation: 2, destination: 'projects/case-12/d/', expect: { state: 'absent' }, size: 0 },
    ]);
    expect(result.report.errors).toEqual([{ operation: 1, code: 'source_missing', message: '`b.pdf` does not exist', path: 'b.pdf' }]);
    expect(result.report.diff).toEqual({ added: ['d/'], removed: ['a.pdf'], changed: [], truncated: false });
  });

  it('warns that an empty case will be created, and ignores the case folder marker itself', () => {
    const { report } = simulate([{ ...object(''), name: `projects/${CASE}/` }], [{ type: 'write_file', destination: 'a.md', content: 'x' }]);
    expect(codes(report.warnings)).toEqual(['case_empty']);
    expect(report.diff.added).toEqual(['a.md']);
  });
});

describe('simulatePlan at scale', () => {
  it('simulates 10,000 operations over 50,000 objects with exact results', () => {
    const name = (folder: number, file: number) => `f${String(folder).padStart(3, '0')}/n${String(file).padStart(2, '0')}.pdf`;
    const listing: ObjectInfo[] = [];
    for (let folder = 0; folder < 500; folder += 1) for (let file = 0; file < 100; file += 1) listing.push(object(name(folder, file), `${folder}.${file}`, 1));
    const operations: unknown[] = [];
    // 4,000 moves of files 00-07 of every folder; 4,000 copies of files 08-15; 1,900 new files;
    // then 100 folder deletes of f400-f499, each seeing the 92 files the moves left behind.
    for (let i = 0; i < 4000; i += 1) operations.push({ type: 'move', source: name(i % 500, Math.floor(i / 500)), destination: `sorted/${i}.pdf` });
    for (let i = 0; i < 4000; i += 1) operations.push({ type: 'copy', source: name(i % 500, 8 + Math.floor(i / 500)), destination: `copies/${i}.pdf` });
    for (let i = 0; i < 1900; i += 1) operations.push({ type: 'write_file', destination: `new/w${i}.txt`, content: 'x' });
    for (let folder = 400; folder < 500; folder += 1) operations.push({ type: 'delete', source: `f${folder}/` });
    expect(listing).toHaveLength(50_000);
    expect(operations).toHaveLength(10_000);

    const { report, actions } = simulate(listing, operations);
    expect(report.errors).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.totals).toEqual({
      operations: 10_000,
      actions: 4000 + 4000 + 1900 + 100 * 92,
      objectsCreated: 9900,
      objectsOverwritten: 0,
      objectsDeleted: 9200,
      objectsMoved: 4000,
      objectsCopied: 4000,
      objectsWritten: 1900,
      foldersCreated: 0,
      bytesWritten: 9900,
      bytesDeleted: 9200,
      bytesMoved: 4000,
      bytesCopied: 4000,
    });
    expect(indexesOf(actions)).toEqual(range(actions.length));
    expect(actions.filter((action) => action.kind === 'move')).toHaveLength(4000);
    expect(actions.filter((action) => action.kind === 'delete' && action.target === full(name(400, 7)))).toEqual([]);
    expect(actions.filter((action) => action.kind === 'delete' && action.target === full(name(400, 8)))).toHaveLength(1);
    expect(report.diff.truncated).toBe(true);
    expect(report.operations).toHaveLength(REPORT_LIST_LIMIT);
  });
});

describe('snapshotHashOf', () => {
  it('is hashOf the precondition tuples, for every kind of action and expectation', () => {
    const actions: Action[] = [
      {
        kind: 'move',
        index: 0,
        operation: 0,
        source: 'projects/c/a "quoted".pdf',
        sourceExpect: { state: 'generation', generation: '17' },
        destination: 'projects/c/é/b.pdf',
        expect: { state: 'absent' },
        size: 3,
      },
      {
        kind: 'copy',
        index: 1,
        operation: 1,
        source: 'projects/c/é/b.pdf',
        sourceExpect: { state: 'producedBy', action: 0 },
        destination: 'projects/c/😀.pdf',
        expect: { state: 'generation', generation: '9' },
        size: 3,
        backup: '.bailiff/backups/p/1/x',
      },
      {
        kind: 'delete',
        index: 2,
        operation: 2,
        target: 'projects/c/old.txt',
        expect: { state: 'generation', generation: '4' },
        size: 1,
        backup: '.bailiff/backups/p/2/old',
      },
      { kind: 'put', index: 3, operation: 3, destination: 'projects/c/new/', expect: { state: 'absent' }, size: 0 },
    ];
    const tuples = actions.map((action) =>
      action.kind === 'copy' || action.kind === 'move'
        ? [action.source, action.sourceExpect, action.destination, action.expect]
        : [action.kind === 'delete' ? action.target : action.destination, action.expect],
    );
    expect(snapshotHashOf(actions)).toBe(hashOf(tuples));
    expect(snapshotHashOf([])).toBe(hashOf([]));
    const many = Array.from({ length: 3_000 }, (_, i) => ({ ...actions[i % 4]!, index: i }) as Action);
    expect(snapshotHashOf(many)).toBe(
      hashOf(
        many.map((action) =>
          action.kind === 'copy' || action.kind === 'move'
            ? [action.source, action.sourceExpect, action.destination, action.expect]
            : [action.kind === 'delete' ? action.target : action.destination, action.expect],
        ),
      ),
    );
  });
});

describe('simulatePlan: entries the listing reports as untouchable', () => {
  // The embedded store lists a symbolic link, a name written in NFD and a socket as refused.
  const refused = [
    { name: full('doelink'), kind: 'symbolic_link' as const },
    { name: full('notes/link.txt'), kind: 'symbolic_link' as const },
    { name: full('Cafe\u0301/'), kind: 'name_not_nfc' as const },
    { name: full('Mu\u0308ller.pdf'), kind: 'name_not_nfc' as const },
  ];
  const listing = [object('a.txt'), object('notes/n.txt')];

  it('refuses every operation that names one or a path through one, with the reason', () => {
    const { report, actions } = simulate(
      listing,
      [
        { type: 'write_file', destination: 'doelink/x.txt', content: 'x' },
        { type: 'create_dir', destination: 'doelink/sub' },
        { type: 'copy', source: 'a.txt', destination: 'doelink/a.txt' },
        { type: 'move', source: 'doelink/memo.txt', destination: 'memo.txt' },
        { type: 'delete', source: 'notes/link.txt' },
        { type: 'write_file', destination: 'M\u00fcller.pdf', content: 'x' },
        { type: 'move', source: 'Caf\u00e9/', destination: 'cafe2/' },
        { type: 'write_file', destination: 'fine.txt', content: 'x' },
      ],
      { refused },
    );
    expect(report.errors).toEqual([
      {
        operation: 0,
        code: 'symbolic_link',
        message: '`doelink` is a symbolic link, which Bailiff never follows, so `doelink/x.txt` cannot be reached',
        path: 'doelink/x.txt',
      },
      expect.objectContaining({ operation: 1, code: 'symbolic_link', path: 'doelink/sub/' }),
      expect.objectContaining({ operation: 2, code: 'symbolic_link', path: 'doelink/a.txt' }),
      expect.objectContaining({ operation: 3, code: 'symbolic_link', path: 'doelink/memo.txt' }),
      { operation: 4, code: 'symbolic_link', message: '`notes/link.txt` is a symbolic link, which Bailiff never follows', path: 'notes/link.txt' },
      {
        operation: 5,
        code: 'name_not_nfc',
        message:
          '`Mu\u0308ller.pdf` is named on disk in another Unicode normalisation (NFD, as macOS writes names); rename it on disk to its usual (NFC) form to use it',
        path: 'M\u00fcller.pdf',
      },
      expect.objectContaining({ operation: 6, code: 'name_not_nfc', path: 'Caf\u00e9' }),
    ]);
    expect(actions.map((action) => action.operation)).toEqual([7]);
  });

  it('warns that a folder operation leaves them where they are', () => {
    const { report } = simulate(listing, [{ type: 'delete', source: 'notes/' }], { refused });
    expect(report.valid).toBe(true);
    expect(report.warnings).toEqual([
      { operation: 0, code: 'refused_inside', message: 'deleting `notes` leaves one entry Bailiff cannot touch (`notes/link.txt`) where it is', path: 'notes' },
    ]);
  });

  it('ignores entries of other cases', () => {
    const { report } = simulate(listing, [{ type: 'write_file', destination: 'doelink/x.txt', content: 'x' }], {
      refused: [{ name: 'projects/other/doelink', kind: 'symbolic_link' }],
    });
    expect(report.errors).toEqual([]);
  });
});
