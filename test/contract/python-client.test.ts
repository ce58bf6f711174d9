/**
 * The Python package's wire models are generated from the OpenAPI document and committed
 * (test/setup/python-contract.ts); this fails when regenerating would change them, so a schema
 * or error code changed on the server cannot leave the Python client behind.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { contractModule, generatePythonContract } from '../setup/python-contract.ts';

describe('the Python client contract (agent/src/bailiff_agent/_contract.py)', () => {
  it('is what the pinned generator writes from /openapi.json now (else: npm run contract:python)', async () => {
    const generated = await generatePythonContract();
    const committed = await readFile(contractModule, 'utf8');
    expect(committed === generated, 'the committed _contract.py is stale: run `npm run contract:python` and commit the result').toBe(true);
  }, 600_000);
});
