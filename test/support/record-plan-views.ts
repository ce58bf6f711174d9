/**
 * Writes test/corpus/plan-views.json from lifecycle-views.ts (see there).
 *
 *   npx node test/support/record-plan-views.ts
 */
import { writeFileSync } from 'node:fs';
import { CORPUS_URL, lifecycleViews } from './lifecycle-views.ts';

writeFileSync(CORPUS_URL, `${JSON.stringify({ views: lifecycleViews() }, null, 2)}\n`);
process.stdout.write(`wrote ${CORPUS_URL.pathname}\n`);
