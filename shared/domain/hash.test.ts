import { describe, expect, it } from 'vitest';
import { canonicalJson, hashOf, planHash, sha256Hex } from './hash.ts';

type PlanLike = { case: string; description: string; onError: string; operations: Array<Record<string, unknown>> };

const plan: PlanLike = {
  case: 'case-1',
  description: 'File the intake scans',
  onError: 'stop',
  operations: [
    { type: 'create_dir', destination: 'Medical Records' },
    { type: 'move', source: 'intake/scan1.pdf', destination: 'Medical Records/scan1.pdf', overwrite: false },
    { type: 'write_file', destination: 'notes.md', content: 'hello', encoding: 'utf8', overwrite: false },
  ],
};

describe('canonicalJson', () => {
  it('sorts keys at every depth, so key order never changes the text', () => {
    const a = { b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'z' } };
    const b = { a: { c: 'z', d: [1, { x: 1, y: 2 }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"c":"z","d":[1,{"x":1,"y":2}]},"b":1}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
    expect(hashOf(a)).toBe(hashOf(b));
  });

  it('drops undefined members but keeps array positions', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
    expect(canonicalJson([1, undefined, 3])).toBe('[1,null,3]');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('keeps array order significant', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'a"b': 'line\nbreak' })).toBe('{"a\\"b":"line\\nbreak"}');
  });

  it('hashes as sha256 of the canonical text', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hashOf({ b: 1, a: 2 })).toBe(`sha256:${sha256Hex('{"a":2,"b":1}')}`);
  });
});

describe('planHash', () => {
  const base = planHash(plan);

  it('is the same for the same plan with its keys in another order', () => {
    const reordered = {
      operations: plan.operations.map((operation) => Object.fromEntries(Object.entries(operation).reverse())),
      onError: 'stop',
      description: plan.description,
      case: 'case-1',
    };
    expect(planHash(reordered)).toBe(base);
  });

  it('ignores fields that do not decide what the plan does', () => {
    expect(planHash({ ...plan, author: 'someone-else', id: 'p-2' } as PlanLike)).toBe(base);
  });

  const changes: Array<[string, PlanLike]> = [
    ['case', { ...plan, case: 'case-2' }],
    ['description', { ...plan, description: 'File the intake scans.' }],
    ['onError', { ...plan, onError: 'rollback' }],
    ['an operation removed', { ...plan, operations: plan.operations.slice(1) }],
    ['operations reordered', { ...plan, operations: [plan.operations[1]!, plan.operations[0]!, plan.operations[2]!] }],
    [
      'a destination',
      { ...plan, operations: [plan.operations[0]!, { ...plan.operations[1]!, destination: 'Medical Records/scan2.pdf' }, plan.operations[2]!] },
    ],
    ['a source', { ...plan, operations: [plan.operations[0]!, { ...plan.operations[1]!, source: 'intake/scan2.pdf' }, plan.operations[2]!] }],
    ['an overwrite flag', { ...plan, operations: [plan.operations[0]!, { ...plan.operations[1]!, overwrite: true }, plan.operations[2]!] }],
    ['an operation type', { ...plan, operations: [plan.operations[0]!, { ...plan.operations[1]!, type: 'copy' }, plan.operations[2]!] }],
    ['content', { ...plan, operations: [plan.operations[0]!, plan.operations[1]!, { ...plan.operations[2]!, content: 'hello!' }] }],
    ['encoding', { ...plan, operations: [plan.operations[0]!, plan.operations[1]!, { ...plan.operations[2]!, encoding: 'base64' }] }],
  ];

  it.each(changes)('changes when %s changes', (_label, changed) => {
    expect(planHash(changed)).not.toBe(base);
  });

  it('gives every variant its own hash', () => {
    expect(new Set([base, ...changes.map(([, changed]) => planHash(changed))]).size).toBe(changes.length + 1);
  });
});

describe('hashOf on large values', () => {
  it('hashes in pieces exactly as the whole canonical text would hash', () => {
    const actions = Array.from({ length: 5_000 }, (_, i) => ({
      index: i,
      source: `projects/c/é-${i}.pdf`,
      expect: { state: 'generation', generation: `${i}` },
      note: i % 7 ? undefined : '😀',
    }));
    expect(hashOf(actions)).toBe(`sha256:${sha256Hex(canonicalJson(actions))}`);
    expect(canonicalJson(actions).length).toBeGreaterThan(65_536 * 3);
  });

  it('leaves a hole of a sparse array empty, as before', () => {
    // eslint-disable-next-line no-sparse-arrays
    // biome-ignore lint/suspicious/noSparseArray: a hole is what this test feeds the canonical form
    expect(canonicalJson([1, , 3])).toBe('[1,,3]');
  });
});
