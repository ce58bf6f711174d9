/** The example policy the README points firms to must load, and must mean what it says. */
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

  it('stops start-up on a policy with unknown keys, naming them', () => {
    expect(() => loadPolicy(join(dirname(example), 'no-such-policy.json'))).toThrow(/cannot read the policy file/);
  });
});
