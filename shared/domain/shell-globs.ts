/**
 * Globs of the command translator (commands.ts): `*`, `?`, `[...]` per path segment, matched as
 * the shell matches file names, against the case as it will be after the lines before. Pure.
 */
import { baseName, childPath } from './paths.ts';
import { isGlobChar, type Word, type WordChar } from './shell-words.ts';

/** What a glob walks: the case as it will be, folder by folder (`''` is the case folder). */
export interface GlobListing {
  isFolder(path: string): boolean;
  isFile(path: string): boolean;
  childrenOf(folder: string): { files: string[]; folders: string[] };
}

type GlobToken = { kind: 'literal'; ch: string } | { kind: 'any' } | { kind: 'one' } | { kind: 'set'; negated: boolean; items: Array<[string, string]> };

function compileSegment(chars: WordChar[]): GlobToken[] {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < chars.length; i += 1) {
    const { ch, quoted } = chars[i]!;
    if (quoted) tokens.push({ kind: 'literal', ch });
    else if (ch === '*') tokens.push({ kind: 'any' });
    else if (ch === '?') tokens.push({ kind: 'one' });
    else if (ch === '[') {
      const set = parseBracket(chars, i);
      if (set) {
        tokens.push(set.token);
        i = set.end;
      } else tokens.push({ kind: 'literal', ch });
    } else tokens.push({ kind: 'literal', ch });
  }
  return tokens;
}

/** `[abc]`, `[a-z]`, `[!x]` / `[^x]`; undefined when the bracket never closes (then it is literal). */
function parseBracket(chars: WordChar[], start: number): { token: GlobToken; end: number } | undefined {
  let i = start + 1;
  let negated = false;
  if (i < chars.length && (chars[i]!.ch === '!' || chars[i]!.ch === '^') && !chars[i]!.quoted) {
    negated = true;
    i += 1;
  }
  const items: Array<[string, string]> = [];
  let first = true;
  while (i < chars.length) {
    const { ch, quoted } = chars[i]!;
    if (ch === ']' && !quoted && !first) return { token: { kind: 'set', negated, items }, end: i };
    if (i + 2 < chars.length && chars[i + 1]!.ch === '-' && !chars[i + 1]!.quoted && chars[i + 2]!.ch !== ']') {
      items.push([ch, chars[i + 2]!.ch]);
      i += 3;
    } else {
      items.push([ch, ch]);
      i += 1;
    }
    first = false;
  }
  return undefined;
}

/** Glob matching with one backtrack point per `*` (linear in practice, never exponential). */
function matchTokens(tokens: GlobToken[], name: string[]): boolean {
  let t = 0;
  let n = 0;
  let starToken = -1;
  let starName = 0;
  while (n < name.length) {
    const token = tokens[t];
    if (token !== undefined && token.kind === 'any') {
      starToken = t;
      starName = n;
      t += 1;
    } else if (token !== undefined && matchesOne(token, name[n]!)) {
      t += 1;
      n += 1;
    } else if (starToken >= 0) {
      t = starToken + 1;
      starName += 1;
      n = starName;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'any') t += 1;
  return t === tokens.length;
}

function matchesOne(token: GlobToken, ch: string): boolean {
  switch (token.kind) {
    case 'literal':
      return token.ch === ch;
    case 'one':
      return true;
    case 'set':
      return token.items.some(([from, to]) => ch >= from && ch <= to) !== token.negated;
    case 'any':
      return false;
  }
}

function splitSegments(chars: WordChar[]): WordChar[][] {
  const segments: WordChar[][] = [[]];
  for (const c of chars) {
    if (c.ch === '/') segments.push([]);
    else segments.at(-1)!.push(c);
  }
  return segments;
}

/**
 * The paths a glob word matches now, sorted; a trailing `/` restricts it to folders. Walks the
 * folders segment by segment, so a pattern only ever looks at the folders it names.
 */
export function expandGlob(word: Word, model: GlobListing): string[] {
  let chars = word.chars;
  while (chars.length > 2 && chars[0]!.ch === '.' && chars[1]!.ch === '/') chars = chars.slice(2);
  const foldersOnly = chars.at(-1)?.ch === '/';
  if (foldersOnly) chars = chars.slice(0, -1);
  const segments = splitSegments(chars);
  let current = [''];
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    const next: string[] = [];
    const isPattern = segment.some(isGlobChar);
    for (const folder of current) {
      if (!isPattern) {
        const path = childPath(folder, segment.map((c) => c.ch).join(''));
        if (model.isFolder(path) || (last && !foldersOnly && model.isFile(path))) next.push(path);
        continue;
      }
      const tokens = compileSegment(segment);
      // A leading dot is matched only by a pattern that starts with one, as in the shell.
      const dotOk = segment[0]?.ch === '.';
      const children = model.childrenOf(folder);
      const candidates = last && !foldersOnly ? [...children.files, ...children.folders] : children.folders;
      for (const path of candidates) {
        const name = baseName(path);
        if (name.startsWith('.') && !dotOk) continue;
        if (matchTokens(tokens, Array.from(name))) next.push(path);
      }
    }
    current = next;
  });
  return current
    .filter((path) => path !== '')
    .sort()
    .map((path) => (foldersOnly ? `${path}/` : path));
}
