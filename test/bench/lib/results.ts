/**
 * What a bench run produces: rows (one measured quantity, a sample per run, and its median),
 * ratios (computed per run from figures measured in that run, then the median taken), targets
 * (met or missed, by how much), and notes. The same object is printed and saved as JSON.
 */
import { formatSig, median } from './util.ts';

export interface Row {
  scenario: string;
  name: string;
  unit: string;
  samples: number[];
  median: number;
  /** Secondary figures for the same measurement (ops/s beside seconds, requests by kind). */
  extra?: Record<string, number | string>;
  note?: string;
}

export interface Ratio {
  scenario: string;
  name: string;
  samples: number[];
  median: number;
  note?: string;
}

export interface TargetResult {
  target: string;
  figure: string;
  /** null: not measured (the reason is in `figure`). */
  met: boolean | null;
  margin: string;
}

export interface Results {
  rows: Row[];
  ratios: Ratio[];
  targets: TargetResult[];
  notes: Array<{ scenario: string; text: string }>;
  /** Structured figures a scenario wants kept whole (cost breakdowns). */
  details: Record<string, unknown>;
}

export function emptyResults(): Results {
  return { rows: [], ratios: [], targets: [], notes: [], details: {} };
}

export function addRow(results: Results, row: Omit<Row, 'median'>): Row {
  const full: Row = { ...row, median: median(row.samples) };
  results.rows.push(full);
  return full;
}

export function addRatio(results: Results, ratio: Omit<Ratio, 'median'>): Ratio {
  const full: Ratio = { ...ratio, median: median(ratio.samples) };
  results.ratios.push(full);
  return full;
}

export function addNote(results: Results, scenario: string, text: string): void {
  results.notes.push({ scenario, text });
}

/**
 * A target of the form "value ≤ limit" (or ≥, <, >). The margin says by how much it was met or
 * missed, relative to the limit.
 */
export function addTarget(
  results: Results,
  target: string,
  value: number | undefined,
  comparison: '<=' | '<' | '>=' | '>',
  limit: number,
  unit: string,
  reasonIfMissing?: string,
): void {
  if (value === undefined || !Number.isFinite(value)) {
    results.targets.push({ target, figure: `not measured${reasonIfMissing ? `: ${reasonIfMissing}` : ''}`, met: null, margin: '—' });
    return;
  }
  const met = comparison === '<=' ? value <= limit : comparison === '<' ? value < limit : comparison === '>=' ? value >= limit : value > limit;
  const relative = comparison === '<=' || comparison === '<' ? value / limit : limit / value;
  const wanted = `${comparison === '<=' ? '≤' : comparison === '>=' ? '≥' : comparison} ${formatSig(limit)}`;
  const margin =
    limit === 0 || !Number.isFinite(relative)
      ? `${met ? 'met' : 'MISSED'} (target ${wanted})`
      : met
        ? `met (target ${wanted}; ${formatSig(Math.abs(1 - relative) * 100)}% to spare)`
        : `MISSED by ${formatSig((relative - 1) * 100)}% (target ${wanted})`;
  results.targets.push({ target, figure: `${formatSig(value)}${unit ? ` ${unit}` : ''}`, met, margin });
}
