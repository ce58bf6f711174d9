import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CORPUS_URL, canonicalJson, toSimulationInput, type CorpusInput } from '../../test/support/record-simulate-corpus.ts';
import { simulatePlan, type SimulationResult } from './simulate.ts';

// Random plans over random case trees (seeded), with the dry run's output as it was recorded by
// `test/support/record-simulate-corpus.ts`: any change to report text, actions, indices, backup
// names, the diff or the snapshot hash shows here, case by case.
const corpus = JSON.parse(readFileSync(CORPUS_URL, 'utf8')) as { seed: number; cases: Array<{ input: CorpusInput; output: SimulationResult }> };

describe('simulatePlan reproduces the recorded corpus', () => {
  it('holds enough cases to mean something', () => {
    expect(corpus.cases.length).toBeGreaterThan(50);
  });

  it.each(corpus.cases.map((recorded, i) => [i, recorded] as const))('case %i', (_i, { input, output }) => {
    expect(canonicalJson(simulatePlan(toSimulationInput(input)))).toBe(canonicalJson(output));
  });
});
