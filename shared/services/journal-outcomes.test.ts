import { describe, expect, it } from 'vitest';
import { JournalOutcomes } from './journal-outcomes.ts';

describe('JournalOutcomes', () => {
  it('keeps the latest outcome of each action, as the journal does', () => {
    const outcomes = new JournalOutcomes(5);
    outcomes.record({ action: 3, outcome: 'done' });
    outcomes.record({ action: 0, outcome: 'stale' });
    outcomes.record({ action: 3, outcome: 'compensated' });
    outcomes.record({ action: 1, outcome: 'failed' });
    expect(outcomes.has(2)).toBe(false);
    expect(outcomes.get(2)).toBeUndefined();
    expect(outcomes.get(3)).toBe('compensated');
    expect([...outcomes.entries()]).toEqual([
      [0, 'stale'],
      [1, 'failed'],
      [3, 'compensated'],
    ]);
  });

  it('keeps an entry for an action past the count it was given', () => {
    const outcomes = new JournalOutcomes(2);
    outcomes.record({ action: 9, outcome: 'done' });
    expect(outcomes.get(9)).toBe('done');
    expect([...outcomes.entries()]).toEqual([[9, 'done']]);
  });
});
