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
    graph.set(file, [...source.matchAll(IMPORT)].map((match) => relative(ROOT, join(ROOT, dirname(file), match[1]!))));
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

describe('imports in shared/ and functions/', () => {
  it('finds a cycle when there is one', () => {
    expect(cyclesIn(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']]]))).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });

  it('form no cycle', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(40);
    expect(graph.get('shared/http/routes.ts')).toContain('shared/http/types.ts');
    expect(cyclesIn(graph)).toEqual([]);
  });
});
