/** The example policy the README points firms to must load, and must mean what it says. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from './common.ts';

const example = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'infra', 'policy.example.json');

describe('infra/policy.example.json', () => {
  it('loads and keeps its protections', () => {
    const policy = loadPolicy(example);
    expect(policy.protectedPaths.map((rule) => rule.pattern)).toContain('*/Settlement/**');
    expect(policy.fourEyes?.approvals).toBe(2);
    expect(policy.autoApprove.map((rule) => rule.name)).toEqual(['notes-and-folders']);
  });

  it('stops start-up on a missing file or one with unknown keys, naming them', () => {
    expect(() => loadPolicy(join(dirname(example), 'no-such-policy.json'))).toThrow(/cannot read the policy file/);
    const dir = mkdtempSync(join(tmpdir(), 'bailiff-policy-'));
    const bad = join(dir, 'policy.json');
    writeFileSync(
      bad,
      JSON.stringify({ version: '1', autoApprove: [{ name: 'all', operations: ['delete'], maxOperations: 1, maxBytesWritten: 0 }], typo: true }),
    );
    try {
      loadPolicy(bad);
      expect.unreachable('a bad policy must not load');
    } catch (error) {
      const paths = (error as { details: Array<{ path: string }> }).details.map((detail) => detail.path);
      expect(paths).toEqual(expect.arrayContaining(['autoApprove.0.operations.0', '']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
