import { describe, expect, it } from 'vitest';
import { formatDuration, progressFigures, renderDiffTree, renderProgressBar, renderProgressLine } from './format.ts';

const plain = { paint: (_style: unknown, text: string) => text };

describe('progress figures', () => {
  it('derives rate and time left from what is done so far', () => {
    expect(progressFigures({ done: 50, total: 200, elapsedSeconds: 10 })).toEqual({ rate: 5, secondsLeft: 30 });
    expect(progressFigures({ done: 0, total: 10, elapsedSeconds: 3 }).secondsLeft).toBe(Number.POSITIVE_INFINITY);
  });

  it('renders a bar and a plain line with done/total, percent, rate and time left', () => {
    expect(renderProgressBar({ done: 50, total: 200, elapsedSeconds: 10 }, 60)).toBe(`[${'█'.repeat(7)}${'░'.repeat(20)}]  50/200  25%  5.0/s  30s left`);
    expect(renderProgressLine({ done: 50, total: 200, elapsedSeconds: 10 })).toBe('progress 50/200 (25%) 5.0/s 30s left');
    expect(renderProgressLine({ done: 0, total: 4, elapsedSeconds: 1 })).toBe('progress 0/4 (0%) 0.0/s ? left');
    expect(renderProgressLine({ done: 4, total: 4, elapsedSeconds: 2 })).toBe('progress 4/4 (100%) 2.0/s done');
  });

  it('formats durations for people', () => {
    expect([formatDuration(42.4), formatDuration(125), formatDuration(7322), formatDuration(Infinity)]).toEqual(['42s', '2m05s', '2h02m', '?']);
  });
});

describe('renderDiffTree', () => {
  it('nests paths under their folders once, marking each object', () => {
    const lines = renderDiffTree({ added: ['A/x.pdf', 'A/y/'], removed: ['in/x.pdf'], changed: ['top.txt'], truncated: true }, plain);
    expect(lines).toEqual([
      '├── A/',
      '│   ├── + x.pdf',
      '│   └── + y/',
      '├── in/',
      '│   └── - x.pdf',
      '└── ~ top.txt',
      '… (the diff is longer; the totals above are exact)',
    ]);
  });
});
