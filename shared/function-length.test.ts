import { globSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// A function longer than a screen or so is read in pieces and changed in pieces: it usually does
// several things that want names of their own. This keeps product functions under the limit,
// unless a comment just before one says why it stays long, starting with the marker.
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const MAX_LINES = 80;
const MARKER = /Long on purpose:\s*\S/;

interface LongFunction {
  where: string;
  name: string;
  lines: number;
}

/** Functions over MAX_LINES (first to last line) with no marker comment before them or before the statement holding them. */
function longFunctions(file: string, source: string): LongFunction[] {
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, file.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const found: LongFunction[] = [];
  const lineOf = (position: number) => sourceFile.getLineAndCharacterOfPosition(position).line + 1;
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = lineOf(node.getStart(sourceFile));
      const lines = lineOf(node.getEnd()) - first + 1;
      if (lines > MAX_LINES && !markedLong(node, source)) found.push({ where: `${file}:${first}`, name: nameOf(node, sourceFile), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/** Whether a comment right before the function, or before what holds it up to its statement, carries the marker. */
function markedLong(node: ts.Node, source: string): boolean {
  for (let current: ts.Node | undefined = node; current && !ts.isSourceFile(current); current = current.parent) {
    const comments = ts.getLeadingCommentRanges(source, current.getFullStart()) ?? [];
    if (comments.some((range) => MARKER.test(source.slice(range.pos, range.end)))) return true;
    if (ts.isStatement(current) || ts.isClassElement(current)) return false;
  }
  return false;
}

function nameOf(node: ts.SignatureDeclaration, sourceFile: ts.SourceFile): string {
  if (node.name) return node.name.getText(sourceFile);
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name)
    return parent.name.getText(sourceFile);
  return `(${ts.SyntaxKind[node.kind]})`;
}

function productFunctions(): LongFunction[] {
  const files = globSync(['shared/**/*.ts', 'shared/**/*.js', 'functions/**/*.ts'], {
    cwd: ROOT,
    exclude: (name) => name.endsWith('.test.ts'),
  });
  return files.flatMap((file) => longFunctions(file, readFileSync(join(ROOT, file), 'utf8')));
}

const body = (lines: number) => Array.from({ length: lines - 2 }, (_, i) => `  const v${i} = ${i};`).join('\n');

describe(`functions in shared/ and functions/ (at most ${MAX_LINES} lines)`, () => {
  it('finds a long function, in any form, unless a marker comment says why it stays long', () => {
    const source = [
      `export function plain() {\n${body(81)}\n}`,
      `const arrow = () => {\n${body(81)}\n};`,
      `class A {\n  method() {\n${body(81)}\n  }\n}`,
      `function short() {\n${body(80)}\n}`,
      `// Long on purpose: one table read top to bottom.\nfunction marked() {\n${body(81)}\n}`,
      `/**\n * Docs.\n * Long on purpose: one table.\n */\nexport const markedArrow = () => {\n${body(81)}\n};`,
      `// Long on purpose:\nfunction markerWithoutReason() {\n${body(81)}\n}`,
    ].join('\n');
    expect(longFunctions('x.ts', source).map((found) => `${found.name} ${found.lines}`)).toEqual([
      'plain 81',
      'arrow 81',
      'method 81',
      'markerWithoutReason 81',
    ]);
  });

  it('are short, or say why they are long', () => {
    const found = productFunctions();
    expect(found.map((entry) => `${entry.where} ${entry.name} (${entry.lines} lines)`)).toEqual([]);
  });
});
