/**
 * The Python package's wire models, generated from the OpenAPI document the server publishes
 * (`GET /openapi.json`, built from the route table): `datamodel-code-generator`, pinned in
 * `agent/requirements-contract.txt`, runs from `.tools/venvs/contract` and writes
 * `agent/src/bailiff_agent/_contract.py`, which is committed. `models.py` and `errors.py` build
 * on it, so a field, a status or an error code added to the server reaches Python by
 * regenerating, never by hand.
 *
 *   npm run contract:python           regenerate after changing a schema or an error code
 *
 * test/contract/python-client.test.ts regenerates and fails when the committed file differs.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApiDocument } from '../../shared/http/routes.ts';
import { ensurePythonVenv, repoRoot, run } from './python-venv.ts';

export const contractModule = join(repoRoot, 'agent', 'src', 'bailiff_agent', '_contract.py');

const HEADER = `"""Bailiff's wire format, generated from its OpenAPI document (GET /openapi.json).

Do not edit: run \`npm run contract:python\` after changing the server's schemas or error
codes. \`npm test\` fails when this file differs from what the generator writes. The
hand-written API of the package (models.py, errors.py) builds on these classes.
"""`;

/** The generator's pin, one requirement a line, comments dropped. */
async function generatorRequirements(): Promise<string[]> {
  const text = await readFile(join(repoRoot, 'agent', 'requirements-contract.txt'), 'utf8');
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.length > 0);
}

/** The code → HTTP status table the document publishes (`x-error-statuses`), as Python. */
function errorStatusTable(document: Record<string, unknown>): string {
  const statuses = document['x-error-statuses'] as Record<string, number> | undefined;
  if (!statuses || Object.keys(statuses).length === 0) throw new Error('the OpenAPI document publishes no x-error-statuses');
  const lines = Object.entries(statuses).map(([code, status]) => `    "${code}": ${status},`);
  return [
    '',
    '',
    "#: Every error code the API answers with, and its HTTP status (the document's ``x-error-statuses``).",
    'ERROR_STATUSES: dict[str, int] = {',
    ...lines,
    '}',
    '',
  ].join('\n');
}

/** What `_contract.py` must hold for the current route table and error codes. */
export async function generatePythonContract(): Promise<string> {
  const venv = await ensurePythonVenv('contract', await generatorRequirements());
  const document = openApiDocument();
  const dir = await mkdtemp(join(tmpdir(), 'bailiff-contract-'));
  try {
    const input = join(dir, 'openapi.json');
    const output = join(dir, '_contract.py');
    await writeFile(input, JSON.stringify(document, null, 2));
    await run(
      join(venv.bin, 'datamodel-codegen'),
      [
        ...['--input', input, '--input-file-type', 'openapi', '--output', output],
        ...['--output-model-type', 'pydantic_v2.BaseModel', '--target-python-version', '3.11'],
        // Components and every route's request and response, named by operationId; a nested
        // shape is named after its parent, so adding a route never renames another's classes.
        ...['--openapi-scopes', 'schemas', 'paths', '--use-operation-id-as-name', '--naming-strategy', 'parent-prefixed', '--reuse-model'],
        // A constrained scalar (an int in an array) stays a plain annotated type, never a wrapper class.
        '--collapse-root-models',
        // The API speaks camelCase; Python reads snake_case attributes and keeps fields a newer
        // server adds (the API grows by addition).
        ...['--snake-case-field', '--allow-population-by-field-name', '--allow-extra-fields'],
        ...['--field-constraints', '--use-annotated', '--use-double-quotes', '--disable-timestamp', '--formatters', 'builtin'],
        ...['--custom-file-header', HEADER],
      ],
      'generate the Python models from the OpenAPI document',
    );
    const models = (await readFile(output, 'utf8')).replace(/\s+$/, '\n');
    return models + errorStatusTable(document);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  await writeFile(contractModule, await generatePythonContract());
  process.stdout.write(`wrote ${contractModule}\n`);
}
