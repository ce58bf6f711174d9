import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderConfigTable } from '../../shared/config-reference.ts';
import { configSchema } from '../../shared/config.ts';
import { OPERATIONS_DOC, withGeneratedTable } from '../support/config-table.ts';

describe('the configuration table in docs/operations.md', () => {
  it('is the one generated from the config schema (run `npm run docs:config` after changing a setting)', async () => {
    const document = await readFile(OPERATIONS_DOC, 'utf8');
    expect(withGeneratedTable(document)).toBe(document);
  });

  it('lists every setting the schema parses, with the default the schema applies', () => {
    const table = renderConfigTable();
    for (const name of Object.keys(configSchema.shape)) expect(table).toContain(`| \`${name}\` |`);
    expect(table).toContain('| `BAILIFF_EXECUTOR_CONCURRENCY` | `32` |');
    expect(table).toContain('| `BAILIFF_MODE` | `embedded` |');
  });
});
