/**
 * Property: whatever a plan with `onError: rollback` does, and whenever people edit or delete
 * files while it runs (at random storage calls, before, during and after its compensation), no
 * person's edit is ever lost, and every object the plan touched ends either as it was before the
 * plan, as the person left it, or named in the plan's `needsAttention` for a person to decide.
 *
 * Runs on the embedded adapters, whose moves are atomic renames. On fake-gcs-server a copy does
 * not enforce its source precondition, so a move racing an edit can leave an extra copy behind
 * (see the emulator notes in docs/testing.md); the storage-testbench run covers Cloud Storage semantics.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Operation } from '../../shared/domain/plan.ts';
import { embeddedBackend } from '../support/backends.ts';
import { FaultyObjectStore } from '../support/faulty-store.ts';
import { agent, drain, proposeApproved, seed, wire } from '../support/scenario.ts';

const CASE = 'roe-v-wade-holdings';
const FILES = 6;
const SENTINEL = 'zz/sentinel.txt';

type Fate = 'keep' | 'move' | 'copy' | 'overwrite' | 'delete';

function planFor(fates: readonly Fate[], newFiles: number): { operations: Operation[]; touched: string[] } {
  const operations: Operation[] = [];
  const touched: string[] = [];
  fates.forEach((fate, i) => {
    const source = `in/f${i}.txt`;
    if (fate === 'move') operations.push({ type: 'move', source, destination: `out/f${i}.txt`, overwrite: false });
    if (fate === 'copy') operations.push({ type: 'copy', source, destination: `copies/f${i}.txt`, overwrite: false });
    if (fate === 'overwrite') operations.push({ type: 'write_file', destination: source, content: `rewritten ${i}`, encoding: 'utf8', overwrite: true });
    if (fate === 'delete') operations.push({ type: 'delete', source });
    if (fate !== 'keep') touched.push(source, `out/f${i}.txt`, `copies/f${i}.txt`);
  });
  for (let j = 0; j < newFiles; j += 1) {
    operations.push({ type: 'write_file', destination: `new/n${j}.md`, content: `new ${j}`, encoding: 'utf8', overwrite: false });
    touched.push(`new/n${j}.md`);
  }
  // Last, so that a person's edit of the sentinel makes the plan stop and compensate.
  operations.push({ type: 'delete', source: SENTINEL });
  touched.push(SENTINEL);
  return { operations, touched };
}

const candidatePaths = [
  ...Array.from({ length: FILES }, (_, i) => [`in/f${i}.txt`, `out/f${i}.txt`, `copies/f${i}.txt`]).flat(),
  'new/n0.md',
  'new/n1.md',
  'new/n2.md',
];

const editArbitrary = fc.record({ at: fc.integer({ min: 1, max: 60 }), path: fc.constantFrom(...candidatePaths), kind: fc.constantFrom('write', 'delete') });

describe('outside edits during a compensating plan (embedded)', () => {
  it("never lose a person's edit, and leave every touched object restored, as the person left it, or reported", { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Fate>('keep', 'move', 'copy', 'overwrite', 'delete'), { minLength: FILES, maxLength: FILES }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(editArbitrary, { maxLength: 5 }),
        fc.integer({ min: 1, max: 60 }),
        async (fates, newFiles, edits, sentinelAt) => {
          const backend = await embeddedBackend.make();
          try {
            const initial: Record<string, string> = { [SENTINEL]: 'sentinel' };
            for (let i = 0; i < FILES; i += 1) initial[`in/f${i}.txt`] = `seed ${i}`;
            await seed(backend.objects, CASE, initial);
            const faulty = new FaultyObjectStore(backend.objects);
            const wiring = wire(backend, { executorObjects: faulty, executor: { concurrency: 1, journalBatch: 4 } });
            const { operations, touched } = planFor(fates, newFiles);
            const planId = await proposeApproved(wiring, { case: CASE, description: 'reorganise', onError: 'rollback', operations });

            // What each person left, last edit wins: content, or null for a deletion.
            const personState = new Map<string, string | null>();
            const byCall = new Map<number, Array<{ path: string; kind: string }>>();
            for (const edit of [...edits, { at: sentinelAt, path: SENTINEL, kind: 'write' }]) byCall.set(edit.at, [...(byCall.get(edit.at) ?? []), edit]);
            for (const [call, group] of byCall) {
              faulty.onCall(call, async () => {
                for (const edit of group) {
                  const name = `projects/${CASE}/${edit.path}`;
                  if (edit.kind === 'write') {
                    const content = `person at call ${call}`;
                    await backend.objects.write(name, Buffer.from(content));
                    personState.set(edit.path, content);
                  } else if (await backend.objects.stat(name)) {
                    await backend.objects.delete(name);
                    personState.set(edit.path, null);
                  }
                }
              });
            }
            await wiring.service.apply(agent, planId);
            await drain(wiring);
            const result = await wiring.service.get(agent, planId);
            expect(['succeeded', 'failed']).toContain(result.plan.status);

            const finalState = async (path: string): Promise<string | null> => {
              const name = `projects/${CASE}/${path}`;
              return (await backend.objects.stat(name)) ? (await backend.objects.read(name)).toString() : null;
            };
            // 1. No person's edit is lost.
            for (const [path, state] of personState) expect(await finalState(path), `person's edit of ${path}`).toBe(state);
            // 2. After a failure, every object the plan touched is back, the person's, or reported.
            if (result.plan.status === 'failed') {
              const reported = new Set((result.execution?.needsAttention ?? []).map((item) => item.path));
              for (const path of touched) {
                if (personState.has(path) || reported.has(path)) continue;
                expect(await finalState(path), `${path} after ${result.execution?.lastError}`).toBe(initial[path] ?? null);
              }
              if (result.execution?.compensated === true) expect(result.execution.needsAttentionCount ?? 0).toBe(0);
            }
          } finally {
            await backend.cleanup();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
