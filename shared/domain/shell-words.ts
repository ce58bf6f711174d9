/**
 * Words of a shell line by POSIX quoting rules, for the command translator (commands.ts): every
 * construct that would need a shell (pipes, redirections, substitutions, variables, subshells)
 * is refused with its column. Pure.
 */

/** One character of a word, and whether quoting made it literal (quoted glob characters never expand). */
export interface WordChar {
  ch: string;
  quoted: boolean;
}

export interface Word {
  chars: WordChar[];
  /** 1-based column of the word's first character. */
  column: number;
}

/** A line that cannot be translated, with the 1-based column where the problem starts. */
export class LineError extends Error {
  readonly column: number;
  constructor(column: number, message: string) {
    super(message);
    this.column = column;
  }
}

export const wordText = (word: Word) => word.chars.map((c) => c.ch).join('');
/** An unquoted `*`, `?` or `[`: a word with one expands against the case. */
export const isGlobChar = (c: WordChar) => !c.quoted && (c.ch === '*' || c.ch === '?' || c.ch === '[');
export const hasGlob = (word: Word) => word.chars.some(isGlobChar);

/** Splits one line into words; throws LineError at the first construct a plain command cannot have. */
export function splitWords(line: string): Word[] {
  const chars = Array.from(line);
  const words: Word[] = [];
  let current: Word | undefined;
  const push = (ch: string, quoted: boolean, column: number) => {
    current ??= { chars: [], column };
    current.chars.push({ ch, quoted });
  };
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i]!;
    const column = i + 1;
    if (ch === ' ' || ch === '\t') {
      if (current) words.push(current);
      current = undefined;
      i += 1;
      continue;
    }
    if (ch === '#' && !current) break; // a comment runs to the end of the line
    if (ch === '\\') {
      if (i + 1 >= chars.length)
        throw new LineError(column, 'a line may not end with `\\` (line continuations are not supported; put each command on one line)');
      push(chars[i + 1]!, true, column);
      i += 2;
      continue;
    }
    if (ch === "'") {
      const end = chars.indexOf("'", i + 1);
      if (end < 0) throw new LineError(column, 'unterminated single quote');
      current ??= { chars: [], column };
      for (const quoted of chars.slice(i + 1, end)) current.chars.push({ ch: quoted, quoted: true });
      i = end + 1;
      continue;
    }
    if (ch === '"') {
      current ??= { chars: [], column };
      let j = i + 1;
      for (;;) {
        if (j >= chars.length) throw new LineError(column, 'unterminated double quote');
        const inner = chars[j]!;
        if (inner === '"') break;
        if (inner === '$')
          throw new LineError(j + 1, '`$` (variables and substitutions) is not supported; quote it with single quotes if it is part of a name');
        if (inner === '`') throw new LineError(j + 1, 'command substitution (backticks) is not supported');
        if (inner === '\\' && j + 1 < chars.length && ['$', '`', '"', '\\'].includes(chars[j + 1]!)) {
          current.chars.push({ ch: chars[j + 1]!, quoted: true });
          j += 2;
          continue;
        }
        current.chars.push({ ch: inner, quoted: true });
        j += 1;
      }
      i = j + 1;
      continue;
    }
    const refusal = refuseUnquoted(ch, chars[i + 1], current === undefined);
    if (refusal) throw new LineError(column, refusal);
    push(ch, false, column);
    i += 1;
  }
  if (current) words.push(current);
  return words;
}

/** Why an unquoted character needs a shell, or undefined when it is plain text. */
function refuseUnquoted(ch: string, next: string | undefined, wordStart: boolean): string | undefined {
  switch (ch) {
    case '|':
      return next === '|' ? '`||` is not supported; put each command on its own line' : 'pipes (`|`) are not supported; nothing is executed';
    case '&':
      return next === '&' ? '`&&` is not supported; put each command on its own line' : 'background jobs (`&`) are not supported';
    case ';':
      return '`;` is not supported; put each command on its own line';
    case '<':
    case '>':
      return 'redirection (`<`, `>`) is not supported; to write a file, propose a `write_file` operation';
    case '$':
      return next === '(' ? 'command substitution (`$(...)`) is not supported' : 'variables (`$`) are not supported; write the path out';
    case '`':
      return 'command substitution (backticks) is not supported';
    case '(':
    case ')':
      return 'subshells and parentheses are not supported; quote the name if it contains `(` or `)`';
    case '{':
    case '}':
      return 'brace expansion is not supported; write each path out, or quote the name if it contains `{` or `}`';
    case '~':
      return wordStart ? 'home-directory paths (`~`) are outside the case; paths are relative to the case folder' : undefined;
    default:
      return undefined;
  }
}
