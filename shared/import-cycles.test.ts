import { globSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Modules that import each other (even for types only) have no owner: a change to one drags
// the other along. The arrows in the production code point one way; this keeps them so.
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const IMPORT = /^\s*(?:import|export)\b[^'"]*?\bfrom\s+'(\.{1,2}\/[^']+\.ts)'/gm;

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of globSync(['shared/**/*.ts', 'functions/**/*.ts'], { cwd: ROOT, exclude: (name) => name.endsWith('.test.ts') })) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    graph.set(
      file,
      [...source.matchAll(IMPORT)].map((match) => relative(ROOT, join(ROOT, dirname(file), match[1]!))),
    );
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the path that closes it. */
function cyclesIn(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const walk = (file: string, path: string[]) => {
    const seenAt = path.indexOf(file);
    if (seenAt >= 0) return void cycles.push([...path.slice(seenAt), file]);
    if (done.has(file)) return;
    for (const next of graph.get(file) ?? []) walk(next, [...path, file]);
    done.add(file);
  };
  for (const file of graph.keys()) walk(file, []);
  return cycles;
}

/**
 * The floors of the house: what each room may not import. The domain is pure (it knows nothing
 * of storage, HTTP or adapters), services reach the world only through ports, and adapters
 * implement ports without calling back into the services that use them.
 */
const LAYER_RULES: Array<{ room: string; mayImport: (target: string) => boolean; why: string }> = [
  {
    room: 'shared/domain/',
    mayImport: (target) => target.startsWith('shared/domain/') || target === 'shared/errors.ts',
    why: 'the domain imports only the domain and the error codes',
  },
  {
    room: 'shared/services/',
    mayImport: (target) => !target.startsWith('shared/adapters/') && !target.startsWith('shared/http/'),
    why: 'services import no adapters and no http',
  },
  { room: 'shared/adapters/', mayImport: (target) => !target.startsWith('shared/services/'), why: 'adapters import no services' },
];

function layerViolations(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const violations: string[] = [];
  for (const [file, targets] of graph) {
    for (const rule of LAYER_RULES) {
      if (!file.startsWith(rule.room)) continue;
      for (const target of targets) if (!rule.mayImport(target)) violations.push(`${file} -> ${target} (${rule.why})`);
    }
  }
  return violations;
}

describe('imports in shared/ and functions/', () => {
  it('finds a layer violation when there is one', () => {
    expect(layerViolations(new Map([['shared/domain/plan.ts', ['shared/ports/clock.ts', 'shared/errors.ts']]]))).toEqual([
      'shared/domain/plan.ts -> shared/ports/clock.ts (the domain imports only the domain and the error codes)',
    ]);
  });

  it('keep to the floors: domain, services and adapters', () => {
    expect(layerViolations(importGraph())).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    expect(
      cyclesIn(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', ['c.ts']],
          ['c.ts', ['a.ts']],
        ]),
      ),
    ).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });

  it('form no cycle', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(40);
    expect(graph.get('shared/http/routes.ts')).toContain('shared/http/types.ts');
    expect(cyclesIn(graph)).toEqual([]);
  });
});
