/**
 * Records the dry run's output for a fixed corpus of random plans over random case trees, so a
 * rewrite of `simulatePlan` can prove it changes nothing: `simulate-corpus.test.ts` replays the
 * corpus and demands byte-identical results (report text, actions, indices, backup names, diff,
 * snapshot hash).
 *
 *   npx node test/support/record-simulate-corpus.ts   (Node 24 from node_modules)
 *
 * Re-record only when the dry run's output is meant to change, and review the fixture's diff.
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import type { ObjectInfo } from '../../shared/ports/object-store.ts';
import { backupObjectName } from '../../shared/domain/paths.ts';
import { storedOperationSchema, type Operation } from '../../shared/domain/plan.ts';
import { simulatePlan, type SimulationInput, type SimulationResult } from '../../shared/domain/simulate.ts';

export const CORPUS_URL = new URL('../../shared/domain/__fixtures__/simulate-corpus.json', import.meta.url);
const SEED = 20261130;
const CASES = 85;
const CASE = 'case-1';

/**
 * What the fixture stores for one input: plain, compact JSON. Listed objects are
 * `[name, generation, size]` and the system objects are entries, not a Map.
 */
export interface CorpusInput extends Omit<SimulationInput, 'caseObjects' | 'systemObjects'> {
  caseObjects: Array<[string, string, number]>;
  systemObjects?: Array<[string, string, number]>;
}

const objectInfo = ([name, generation, size]: [string, string, number]): ObjectInfo => ({
  name,
  generation,
  size,
  updated: '2025-01-01T00:00:00.000Z',
  metadata: {},
});

export function toSimulationInput(input: CorpusInput): SimulationInput {
  const { caseObjects, systemObjects, ...rest } = input;
  return {
    ...rest,
    caseObjects: caseObjects.map(objectInfo),
    ...(systemObjects ? { systemObjects: new Map(systemObjects.map((entry) => [entry[0], objectInfo(entry)])) } : {}),
  };
}

/**
 * What the fixture keeps of a dry run's output. The corpus was first recorded before the report
 * gained whole-plan counts by kind and `operationsTruncated`; the fixture keeps that shape, so
 * the recorder and the replay must both leave those fields out (the replay checks them against
 * the recorded ones separately). The recorder once wrote the whole output while the replay
 * compared the trimmed one, so every re-recorded case failed.
 */
export function recordedOutput(result: SimulationResult): unknown {
  // Deleted in place: the recorded JSON is compared as text, so the key order must stay.
  const report: Partial<SimulationResult['report']> = { ...result.report, totals: { ...result.report.totals } };
  delete report.operationsTruncated;
  const totals: Partial<SimulationResult['report']['totals']> = report.totals!;
  for (const key of ['objectsMoved', 'objectsCopied', 'objectsWritten', 'foldersCreated', 'bytesMoved', 'bytesCopied'] as const) delete totals[key];
  return { ...result, report };
}

/** JSON that keeps `key: undefined` visible, so even an extra or missing undefined key shows. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (item === undefined ? '$undefined' : item));
}

// A small alphabet of names, so operations keep meeting each other: twins by case and by
// Unicode normalisation, files where folders would go, nested folders, markers.
const FILES = ['a', 'A', 'b', 'd1/a', 'd1/b', 'D1/a', 'd1/d2/c', 'd1/d2/C', 'a/x', 'café', 'cafe\u0301', 'e/f/g'];
const FOLDERS = ['d1', 'd1/d2', 'D1', 'e', 'e/f', 'n', 'n/n', 'n/n/n', 'a'];
const LISTED = [...FILES, ...FOLDERS.map((folder) => `${folder}/`)];
const CONTENTS: Array<{ content: string; encoding?: 'utf8' | 'base64' }> = [
  { content: '' },
  { content: 'v1' },
  { content: 'v22' },
  { content: 'hello, world' },
  { content: 'x'.repeat(1100) },
  { content: 'aGVsbG8=', encoding: 'base64' },
];
const BACKUPS = [backupObjectName('pln_old00000', 0, `projects/${CASE}/a`), backupObjectName('pln_old00000', 3, `projects/${CASE}/d1/b`)];

const pathArbitrary = fc.oneof(fc.constantFrom(...FILES), fc.constantFrom(...FOLDERS), fc.constantFrom(...FOLDERS.map((folder) => `${folder}/`)));

const operationArbitrary: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ type: fc.constant('create_dir'), destination: fc.oneof(fc.constantFrom(...FOLDERS), pathArbitrary) }) },
  {
    weight: 3,
    arbitrary: fc
      .record({ destination: fc.constantFrom(...FILES), body: fc.constantFrom(...CONTENTS), overwrite: fc.boolean() })
      .map(({ destination, body, overwrite }) => ({ type: 'write_file', destination, ...body, overwrite })),
  },
  { weight: 6, arbitrary: fc.record({ type: fc.constantFrom('copy', 'move'), source: pathArbitrary, destination: pathArbitrary, overwrite: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('delete'), source: pathArbitrary }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('restore'),
      backup: fc.constantFrom(...BACKUPS, backupObjectName('pln_gone0000', 1, 'x')),
      destination: pathArbitrary,
      overwrite: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('remove_folder'), destination: fc.oneof(fc.constantFrom(...FOLDERS), pathArbitrary) }) },
);

const objectArbitrary = (name: string) =>
  fc.tuple(fc.constant(name), fc.integer({ min: 1, max: 99 }).map(String), fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 })));

const listingArbitrary = fc
  .record({
    names: fc.subarray(LISTED, { minLength: 10 }),
    // Objects the case listing should never contain, but the simulation must ignore if it does.
    strays: fc.subarray([`projects/${CASE}/`, 'projects/case-10/a', 'projects/other/b']),
  })
  .chain(({ names, strays }) => fc.tuple(...names.map((name) => objectArbitrary(`projects/${CASE}/${name}`)), ...strays.map(objectArbitrary)));

const thresholdsArbitrary = fc.option(
  fc.record({
    largeDeleteObjects: fc.integer({ min: 0, max: 4 }),
    largeDeleteBytes: fc.integer({ min: 0, max: 6000 }),
    manyOperations: fc.integer({ min: 1, max: 6 }),
  }),
  { nil: undefined },
);

const inputArbitrary = fc
  .record({
    listing: listingArbitrary,
    operations: fc.array(operationArbitrary, { minLength: 1, maxLength: 9 }),
    backups: fc.subarray(BACKUPS),
    backupSizes: fc.tuple(objectArbitrary(''), objectArbitrary('')),
    thresholds: thresholdsArbitrary,
  })
  .map(({ listing, operations, backups, backupSizes, thresholds }): CorpusInput => {
    const parsed: Operation[] = [];
    for (const raw of operations) {
      const result = storedOperationSchema.safeParse(raw);
      if (result.success) parsed.push(result.data);
    }
    const systemObjects = backups.map((name, i): [string, string, number] => [name, backupSizes[i]![1], backupSizes[i]![2]]);
    return {
      planId: 'pln_corpus0000',
      caseName: CASE,
      operations: parsed,
      caseObjects: listing,
      ...(systemObjects.length > 0 ? { systemObjects } : {}),
      listing: { objects: listing.length, pages: 1 },
      checkedAt: '2025-01-01T00:00:00.000Z',
      ...(thresholds ? { thresholds } : {}),
    };
  });

/** The fixture's text: one case per line, so a re-recorded corpus shows which cases changed. */
export function corpusText(seed: number, cases: readonly unknown[]): string {
  return `{"seed":${seed},"cases":[\n${cases.map((item) => canonicalJson(item)).join(',\n')}\n]}\n`;
}

/** Corners the random corpus rarely reaches. */
const HAND_PICKED: CorpusInput[] = [
  // Into an ancestor: one object's destination is another's source.
  {
    planId: 'pln_corpus0000',
    caseName: CASE,
    operations: [
      { type: 'move', source: 'n/n', destination: 'n', overwrite: true },
      { type: 'copy', source: 'n/n', destination: 'n', overwrite: false },
      { type: 'move', source: 'n/n/n', destination: 'm', overwrite: false },
    ],
    caseObjects: [
      [`projects/${CASE}/n/`, '1', 0],
      [`projects/${CASE}/n/n/`, '2', 0],
      [`projects/${CASE}/n/n/n/`, '3', 0],
      [`projects/${CASE}/n/n/n/x`, '4', 2048],
    ],
    listing: { objects: 4, pages: 1 },
    checkedAt: '2025-01-01T00:00:00.000Z',
  },
  // A case that does not exist yet.
  {
    planId: 'pln_corpus0000',
    caseName: CASE,
    operations: [
      { type: 'create_dir', destination: 'a' },
      { type: 'write_file', destination: 'a/b', content: 'x', encoding: 'utf8', overwrite: false },
      { type: 'delete', source: 'c' },
    ],
    caseObjects: [['projects/case-10/a', '1', 1]],
    listing: { objects: 1, pages: 1 },
    checkedAt: '2025-01-01T00:00:00.000Z',
  },
];

if (import.meta.url === `file://${process.argv[1]}`) {
  const inputs = [...HAND_PICKED, ...fc.sample(inputArbitrary, { seed: SEED, numRuns: CASES })].filter((input) => input.operations.length > 0);
  const cases = inputs.map((input) => ({ input, output: recordedOutput(simulatePlan(toSimulationInput(input))) }));
  writeFileSync(CORPUS_URL, corpusText(SEED, cases));
  console.log(`recorded ${cases.length} cases`);
}
