/** The printed table, the saved JSON and the comparison with an earlier run. */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Results, Row } from './results.ts';
import { formatSig } from './util.ts';

export interface RunMeta {
  date: string;
  commit: string;
  command: string;
  durationSeconds: number;
  runs: number;
  quick: boolean;
  scenarios: string[];
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  versions: Record<string, string>;
}

export interface SavedRun {
  format: 'bailiff-bench/1';
  meta: RunMeta;
  results: Results;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const samplesText = (samples: number[]) => samples.map(formatSig).join(', ');

function extraText(row: Row): string {
  return row.extra
    ? Object.entries(row.extra)
        .map(([key, value]) => `${key} ${typeof value === 'number' ? formatSig(value) : value}`)
        .join('; ')
    : '';
}

/** Markdown tables: readable in a terminal and pasted as is into docs/benchmarks.md. */
export function renderResults(saved: SavedRun): string {
  const { results, meta } = saved;
  const out: string[] = [];
  out.push(
    `Bailiff bench — ${meta.date} — commit ${meta.commit} — ${meta.runs} run(s) per scenario${meta.quick ? ' (--quick sizes)' : ''} — took ${Math.round(meta.durationSeconds)} s`,
  );
  out.push(`Command: ${meta.command}`);
  out.push(
    `Machine: ${meta.machine.cpus} CPUs (${meta.machine.cpuModel}), ${meta.machine.memoryGiB.toFixed(1)} GiB, ${meta.machine.platform}, Node ${meta.machine.node}`,
  );
  out.push(
    `Tools: ${Object.entries(meta.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join('; ')}`,
  );
  const scenarios = [
    ...new Set([...results.rows.map((row) => row.scenario), ...results.ratios.map((ratio) => ratio.scenario), ...results.notes.map((note) => note.scenario)]),
  ];
  for (const scenario of scenarios) {
    out.push('', `### ${scenario}`, '');
    const rows = results.rows.filter((row) => row.scenario === scenario);
    if (rows.length > 0) {
      out.push(
        table(
          ['measure', 'median', 'unit', 'per run', 'also'],
          rows.map((row) => [row.name, formatSig(row.median), row.unit, samplesText(row.samples), extraText(row)]),
        ),
      );
    }
    const ratios = results.ratios.filter((ratio) => ratio.scenario === scenario);
    if (ratios.length > 0) {
      out.push(
        '',
        table(
          ["ratio (each run's own figures)", 'median', 'per run'],
          ratios.map((ratio) => [ratio.name, `${formatSig(ratio.median)}×`, samplesText(ratio.samples)]),
        ),
      );
    }
    const notes = results.notes.filter((note) => note.scenario === scenario);
    if (notes.length > 0) out.push('', ...notes.map((note) => `- ${note.text}`));
  }
  if (results.targets.length > 0) {
    out.push('', '### Targets', '');
    out.push(
      table(
        ['target', 'measured', 'verdict'],
        results.targets.map((target) => [target.target, target.figure, target.met === null ? 'not measured' : target.margin]),
      ),
    );
  }
  return out.join('\n');
}

export async function saveResults(saved: SavedRun, directory: string): Promise<string> {
  await mkdir(directory, { recursive: true });
  const stamp = saved.meta.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = join(directory, `results-${stamp}.json`);
  await writeFile(file, `${JSON.stringify(saved, null, 2)}\n`);
  return file;
}

/**
 * The run as kept in the repository's history (docs/bench/): medians and spread (lowest and
 * highest sample) instead of every sample, so a year of runs stays small enough to commit.
 */
export function summarise(saved: SavedRun): SavedRun {
  const spread = (samples: number[]) => (samples.length > 1 ? [Math.min(...samples), Math.max(...samples)] : samples);
  const { results } = saved;
  return {
    ...saved,
    results: {
      ...results,
      rows: results.rows.map((row) => ({ ...row, samples: spread(row.samples) })),
      ratios: results.ratios.map((ratio) => ({ ...ratio, samples: spread(ratio.samples) })),
    },
  };
}

/** The newest kept run of the same sizes (quick or full), the default for `--compare`. */
export async function newestKeptRun(directory: string, quick: boolean): Promise<string | undefined> {
  const names = (await readdir(directory).catch(() => [] as string[]))
    .filter((name) => /^results-.+\.json$/.test(name))
    .sort()
    .reverse();
  for (const name of names) {
    const file = join(directory, name);
    const run = JSON.parse(await readFile(file, 'utf8')) as SavedRun;
    if (run.format === 'bailiff-bench/1' && run.meta.quick === quick) return file;
  }
  return undefined;
}

/** Medians of this run against an earlier saved run, matched by scenario and measure. */
export async function renderComparison(current: SavedRun, previousFile: string): Promise<string> {
  const previous = JSON.parse(await readFile(previousFile, 'utf8')) as SavedRun;
  if (previous.format !== 'bailiff-bench/1') throw new Error(`${previousFile} is not a bench result file`);
  const key = (scenario: string, name: string) => `${scenario}\u0000${name}`;
  const before = new Map<string, number>();
  for (const row of previous.results.rows) before.set(key(row.scenario, row.name), row.median);
  for (const ratio of previous.results.ratios) before.set(key(ratio.scenario, ratio.name), ratio.median);
  const lines: string[][] = [];
  for (const item of [...current.results.rows, ...current.results.ratios]) {
    const old = before.get(key(item.scenario, item.name));
    if (old === undefined) continue;
    lines.push([item.scenario, item.name, formatSig(old), formatSig(item.median), old === 0 ? '—' : `${formatSig(item.median / old)}×`]);
  }
  const header = `Compared with ${previous.meta.date} (${previous.meta.quick ? 'quick' : 'full'} sizes, ${previous.meta.runs} run(s)${previous.meta.quick !== current.meta.quick ? '; SIZES DIFFER' : ''})`;
  if (lines.length === 0) return `${header}: no measure in common.`;
  return `${header}\n\n${table(['scenario', 'measure', 'then', 'now', 'now ÷ then'], lines)}`;
}
