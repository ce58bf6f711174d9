import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CORPUS_URL, canonicalJson, recordedOutput, toSimulationInput, type CorpusInput } from '../../test/support/record-simulate-corpus.ts';
import { simulatePlan, type SimulationResult } from './simulate.ts';

// Random plans over random case trees (seeded), with the dry run's output as it was recorded by
// `test/support/record-simulate-corpus.ts` (in the shape `recordedOutput` keeps): any change to report text, actions, indices, backup
// names, the diff or the snapshot hash shows here, case by case.
const corpus = JSON.parse(readFileSync(CORPUS_URL, 'utf8')) as { seed: number; cases: Array<{ input: CorpusInput; output: SimulationResult }> };

describe('simulatePlan reproduces the recorded corpus', () => {
  it('holds enough cases to mean something', () => {
    expect(corpus.cases.length).toBeGreaterThan(50);
  });

  it.each(corpus.cases.map((recorded, i) => [i, recorded] as const))('case %i', (_i, { input, output }) => {
    expect(canonicalJson(recordedOutput(simulatePlan(toSimulationInput(input))))).toBe(canonicalJson(output));
  });
});

describe('simulatePlan counts the whole plan by kind', () => {
  it.each(corpus.cases.map((recorded, i) => [i, recorded] as const))('case %i', (_i, { input, output }) => {
    const { report, actions } = simulatePlan(toSimulationInput(input));
    const { totals } = report;
    // Every object a plan lands is a folder marker, a written file, a copied or a moved object.
    expect(totals.foldersCreated + totals.objectsWritten + totals.objectsCopied + totals.objectsMoved).toBe(
      output.report.totals.objectsCreated + output.report.totals.objectsOverwritten,
    );
    expect(totals.objectsMoved).toBe(actions.filter((action) => action.kind === 'move').length);
    expect(totals.bytesMoved).toBe(actions.filter((action) => action.kind === 'move').reduce((sum, action) => sum + action.size, 0));
    expect(report.operationsTruncated).toBe(report.operations.length < input.operations.length);
  });
});

describe('simulatePlan drops a failing operation whole', () => {
  // Over the same corpus: taking a failing operation out of the plan changes nothing the
  // executor or the approval relies on (actions, their indexes and backups, totals, diff,
  // snapshot hash); only the operation numbers after it move down by one.
  const failing = corpus.cases.flatMap(({ input, output }, i) =>
    [...new Set(output.report.errors.map((issue) => issue.operation!))].map((operation) => [i, operation, input] as const),
  );

  it('has failing operations to take out', () => {
    expect(failing.length).toBeGreaterThan(50);
  });

  it.each(failing)('case %i without operation %i', (_i, failed, input) => {
    const whole = simulatePlan(toSimulationInput(input));
    const without = simulatePlan(toSimulationInput({ ...input, operations: input.operations.filter((_operation, index) => index !== failed) }));
    const renumbered = whole.actions.map((action) => ({ ...action, operation: action.operation > failed ? action.operation - 1 : action.operation }));
    expect(without.actions).toEqual(renumbered);
    expect(without.report.snapshotHash).toBe(whole.report.snapshotHash);
    expect(without.report.diff).toEqual(whole.report.diff);
    expect({ ...without.report.totals, operations: 0 }).toEqual({ ...whole.report.totals, operations: 0 });
  });
});
