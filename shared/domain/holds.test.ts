import { describe, expect, it } from 'vitest';
import { holdsInForce } from './holds.ts';
import type { ObjectHolds, ObjectInfo } from './objects.ts';
import { storedOperationSchema } from './plan.ts';
import { simulatePlan } from './simulate.ts';

const CASE = 'doe-v-roe';
const CHECKED_AT = '2026-03-01T00:00:00.000Z';

function object(path: string, holds?: ObjectHolds): ObjectInfo {
  return { name: `projects/${CASE}/${path}`, size: 10, generation: '7', updated: CHECKED_AT, metadata: {}, ...(holds ? { holds } : {}) };
}

function simulate(listing: readonly ObjectInfo[], operations: readonly unknown[]) {
  return simulatePlan({
    planId: 'pln_holds',
    caseName: CASE,
    operations: operations.map((operation) => storedOperationSchema.parse(operation)),
    caseObjects: listing,
    listing: { objects: listing.length, pages: 1 },
    checkedAt: CHECKED_AT,
  });
}

describe('holdsInForce', () => {
  it('counts both holds while set and each retention until its time has passed', () => {
    expect(holdsInForce({ temporary: true, eventBased: true }, CHECKED_AT)).toEqual([{ kind: 'temporary' }, { kind: 'event_based' }]);
    expect(holdsInForce({ retentionExpires: '2026-03-02T00:00:00.000Z', retainUntil: '2027-01-01T00:00:00.000Z' }, CHECKED_AT)).toEqual([
      { kind: 'retention_policy', until: '2026-03-02T00:00:00.000Z' },
      { kind: 'object_retention', until: '2027-01-01T00:00:00.000Z' },
    ]);
    expect(holdsInForce({ retentionExpires: '2026-02-28T00:00:00.000Z', retainUntil: CHECKED_AT }, CHECKED_AT)).toEqual([]);
    expect(holdsInForce({ temporary: false }, CHECKED_AT)).toEqual([]);
    expect(holdsInForce(undefined, CHECKED_AT)).toEqual([]);
  });
});

describe('the dry run refuses to delete, overwrite or move away a held object', () => {
  const held = object('Pleadings/complaint.pdf', { temporary: true });
  const retained = object('Pleadings/answer.pdf', { retainUntil: '2030-01-01T00:00:00.000Z' });
  const free = object('Pleadings/notes.txt');

  it('names the object, the kind of hold and, for retention, until when', () => {
    const { report, actions } = simulate([held, retained, free], [{ type: 'delete', source: 'Pleadings/' }]);
    expect(report.valid).toBe(false);
    expect(actions).toEqual([]);
    expect(report.errors).toEqual([
      {
        operation: 0,
        code: 'object_held',
        path: 'Pleadings/answer.pdf',
        message: '`Pleadings/answer.pdf` is under object retention until 2030-01-01T00:00:00.000Z, so no plan may delete it',
        holds: [{ kind: 'object_retention', until: '2030-01-01T00:00:00.000Z' }],
      },
      {
        operation: 0,
        code: 'object_held',
        path: 'Pleadings/complaint.pdf',
        message: '`Pleadings/complaint.pdf` is under a temporary hold, so no plan may delete it',
        holds: [{ kind: 'temporary' }],
      },
    ]);
    expect(report.operations[0]!.effect).toMatch(/^not possible: /);
  });

  it.each([
    ['a move of the file', { type: 'move', source: 'Pleadings/complaint.pdf', destination: 'Archive/complaint.pdf' }, 'move'],
    ['a move of its folder', { type: 'move', source: 'Pleadings/', destination: 'Archive/' }, 'move'],
    ['an overwrite by write_file', { type: 'write_file', destination: 'Pleadings/complaint.pdf', content: 'x', overwrite: true }, 'overwrite'],
    ['an overwrite by copy', { type: 'copy', source: 'Pleadings/notes.txt', destination: 'Pleadings/complaint.pdf', overwrite: true }, 'overwrite'],
  ])('refuses %s', (_, operation, verb) => {
    const { report } = simulate([held, free], [operation]);
    expect(report.valid).toBe(false);
    expect(report.errors.map((error) => [error.code, error.path, error.message.endsWith(`may ${verb} it`)])).toEqual([
      ['object_held', 'Pleadings/complaint.pdf', true],
    ]);
  });

  it('lets a plan copy or read a held object, and touch what is not held', () => {
    const { report, actions } = simulate(
      [held, free],
      [
        { type: 'copy', source: 'Pleadings/complaint.pdf', destination: 'Working/complaint.pdf' },
        { type: 'move', source: 'Pleadings/notes.txt', destination: 'Working/notes.txt' },
      ],
    );
    expect(report.errors).toEqual([]);
    expect(report.valid).toBe(true);
    expect(actions.map((action) => action.kind)).toEqual(['copy', 'move']);
  });

  it('no longer refuses an object whose retention has ended', () => {
    const { report } = simulate([object('old.pdf', { retentionExpires: '2026-01-01T00:00:00.000Z' })], [{ type: 'delete', source: 'old.pdf' }]);
    expect(report.valid).toBe(true);
  });

  it('judges an object the plan itself wrote by what it wrote, not by the hold on what it replaced', () => {
    // The write over the held file is refused, so the later delete still meets the held original.
    const { report } = simulate(
      [held],
      [
        { type: 'write_file', destination: 'Pleadings/complaint.pdf', content: 'x', overwrite: true },
        { type: 'delete', source: 'Pleadings/complaint.pdf' },
      ],
    );
    expect(report.errors.map((error) => [error.operation, error.code])).toEqual([
      [0, 'object_held'],
      [1, 'object_held'],
    ]);
  });
});
