/**
 * Scenario 7 — shell translation: how long `translateCommands` takes to turn agent-typed lines
 * into operations over a large case (100,000 objects in 1,000 folders; 10,000 with --quick):
 * a folder per source folder plus a glob move into it (the walk-through's pattern, repeated),
 * and one glob over every folder. Pure code: no storage is involved.
 */
import { translateCommands } from '../../../shared/domain/commands.ts';
import type { BenchContext } from '../lib/context.ts';
import { addRow } from '../lib/results.ts';
import { log } from '../lib/util.ts';

const SCENARIO = '7 Shell translation';

export async function commandTranslation(ctx: BenchContext): Promise<void> {
  const folders = ctx.quick ? 100 : 1000;
  const paths: string[] = [];
  for (let folder = 0; folder < folders; folder += 1) for (let doc = 0; doc < 100; doc += 1) paths.push(`folder-${folder}/doc-${doc}.pdf`);
  const sortLines = ['mkdir -p Sorted'];
  for (let folder = 0; folder < 100; folder += 1) sortLines.push(`mkdir -p Sorted/f${folder}`, `mv folder-${folder}/*.pdf Sorted/f${folder}/`);
  const cases = [
    { name: `201 lines (100 glob moves) over ${paths.length} objects`, text: sortLines.join('\n') },
    { name: `one glob over ${folders} folders (${paths.length} objects)`, text: 'mkdir -p All\nmv folder-*/ All/' },
  ];
  for (const { name, text } of cases) {
    const samples: number[] = [];
    let operations = 0;
    for (let run = 0; run < ctx.runs; run += 1) {
      const started = performance.now();
      const result = translateCommands(text, 'bench-case', paths);
      samples.push(performance.now() - started);
      if (!result.ok) throw new Error(`translation failed: ${JSON.stringify(result.errors)}`);
      operations = result.operations.length;
    }
    log(`${SCENARIO}: ${name}: ${samples.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    addRow(ctx.results, { scenario: SCENARIO, name, unit: 'ms', samples, extra: { operations } });
  }
}
