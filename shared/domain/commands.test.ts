/**
 * Shell translation vectors: each line set must give exactly this plan (operations and which
 * line made which) or exactly these errors (line, column, message). The listing is the sample
 * case below; globs expand against it as changed by the lines before.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { translateCommands, type CommandOperation, type CommandError } from './commands.ts';
import { operationSchema } from './plan.ts';

const CASE = [
  'intake/records_001.pdf',
  'intake/records_002.pdf',
  'intake/police-report.pdf',
  'intake/.scan-cache',
  'intake/raw/scan_9.tif',
  'notes.txt',
  'old.txt',
  'with space.txt',
  'tmp/a.log',
  'tmp/sub/b.log',
  'archive/',
  'Reports/summary.md',
];

const mv = (source: string, destination: string, overwrite = false): CommandOperation => ({ type: 'move', source, destination, overwrite });
const cp = (source: string, destination: string, overwrite = false): CommandOperation => ({ type: 'copy', source, destination, overwrite });
const del = (source: string): CommandOperation => ({ type: 'delete', source });
const dir = (destination: string): CommandOperation => ({ type: 'create_dir', destination });
const touch = (destination: string): CommandOperation => ({ type: 'write_file', destination, content: '', encoding: 'utf8', overwrite: false });
const err = (line: number, column: number, message: string): CommandError => ({ line, column, message });

interface Vector {
  name: string;
  commands: string;
  operations?: CommandOperation[];
  /** Per translated line, the operation indices it produced; defaults to one line per operation. */
  lines?: number[][];
  errors?: CommandError[];
}

const NOTHING_SUPPORTED = 'is not supported; only mkdir, mv, cp, rm, touch are';

const VECTORS: Vector[] = [
  // --- mkdir
  { name: 'mkdir one folder', commands: 'mkdir drafts', operations: [dir('drafts')] },
  { name: 'mkdir -p nested, quoted with a space', commands: 'mkdir -p "Medical Records/Provider1"', operations: [dir('Medical Records/Provider1')] },
  { name: 'mkdir several folders', commands: 'mkdir a b', operations: [dir('a'), dir('b')], lines: [[0, 1]] },
  { name: 'mkdir -p on an existing folder changes nothing', commands: 'mkdir -p archive\nmkdir x', operations: [dir('x')], lines: [[], [0]] },
  {
    name: 'mkdir -p on a folder that exists through its files',
    commands: 'mkdir -p intake/raw\ntouch intake/raw/x',
    operations: [touch('intake/raw/x')],
    lines: [[], [0]],
  },
  {
    name: 'mkdir without -p on an existing folder',
    commands: 'mkdir archive',
    errors: [err(1, 7, '`archive` already exists (mkdir -p accepts existing folders)')],
  },
  { name: 'mkdir without -p needs the parent', commands: 'mkdir a/b', errors: [err(1, 7, 'folder `a` does not exist; create it first with mkdir -p')] },
  { name: 'mkdir under a file', commands: 'mkdir -p notes.txt/x', errors: [err(1, 10, '`notes.txt` is a file, not a folder')] },
  { name: 'mkdir with a trailing slash', commands: 'mkdir -p drafts/', operations: [dir('drafts')] },
  { name: 'mkdir with a leading ./', commands: 'mkdir ./drafts', operations: [dir('drafts')] },
  { name: 'mkdir -p then mkdir inside it', commands: 'mkdir -p a/b\nmkdir a/b/c', operations: [dir('a/b'), dir('a/b/c')] },
  { name: 'mkdir with no operand', commands: 'mkdir -p', errors: [err(1, 9, 'mkdir needs at least one path; usage: mkdir [-p] DIR...')] },

  // --- quoting
  { name: 'single quotes keep spaces', commands: "mkdir 'Police Reports'", operations: [dir('Police Reports')] },
  { name: 'backslash-escaped space', commands: 'mkdir Police\\ Reports', operations: [dir('Police Reports')] },
  { name: 'quotes joined to unquoted text form one word', commands: 'mkdir "Medical "Records', operations: [dir('Medical Records')] },
  {
    name: 'escaped double quote inside double quotes is refused by the path rules',
    commands: 'mkdir "a\\"b"',
    errors: [err(1, 7, '`a"b`: a name may not contain < > : " | ? * (not allowed on Windows)')],
  },
  { name: 'single quotes keep a dollar sign literal', commands: "mkdir 'cost $5'", operations: [dir('cost $5')] },
  {
    name: 'unicode name keeps its columns in characters',
    commands: 'mkdir "Ärzte" "Übersicht"',
    operations: [dir('Ärzte'), dir('Übersicht')],
    lines: [[0, 1]],
  },
  { name: 'unterminated single quote', commands: "mkdir 'abc", errors: [err(1, 7, 'unterminated single quote')] },
  { name: 'unterminated double quote', commands: 'mv a "b c', errors: [err(1, 6, 'unterminated double quote')] },
  {
    name: 'trailing backslash',
    commands: 'mkdir abc\\',
    errors: [err(1, 10, 'a line may not end with `\\` (line continuations are not supported; put each command on one line)')],
  },
  { name: 'comments and blank lines are skipped', commands: '# sort intake\n\n   \nmkdir x # the new folder', operations: [dir('x')], lines: [[0]] },
  { name: 'a quoted hash is part of the name', commands: 'mkdir "Case #12"', operations: [dir('Case #12')] },
  { name: 'CRLF line ends', commands: 'mkdir a\r\nmkdir b', operations: [dir('a'), dir('b')] },

  // --- mv
  { name: 'mv renames a file', commands: 'mv notes.txt notes-2024.txt', operations: [mv('notes.txt', 'notes-2024.txt')] },
  { name: 'mv into an existing folder', commands: 'mv notes.txt archive', operations: [mv('notes.txt', 'archive/notes.txt')] },
  { name: 'mv into an existing folder written with a slash', commands: 'mv notes.txt archive/', operations: [mv('notes.txt', 'archive/notes.txt')] },
  { name: 'mv onto an existing file overwrites, as mv does', commands: 'mv old.txt notes.txt', operations: [mv('old.txt', 'notes.txt', true)] },
  { name: 'mv a folder to a new name', commands: 'mv tmp scratch', operations: [mv('tmp/', 'scratch/')] },
  { name: 'mv a folder into an existing folder', commands: 'mv tmp archive/', operations: [mv('tmp/', 'archive/tmp/')] },
  { name: 'mv a quoted name with a space', commands: "mv 'with space.txt' archive", operations: [mv('with space.txt', 'archive/with space.txt')] },
  {
    name: 'the walk-through: mkdir -p then mv a glob into it',
    commands: 'mkdir -p "Medical Records/Provider1"\nmv intake/records_*.pdf "Medical Records/Provider1/"',
    operations: [
      dir('Medical Records/Provider1'),
      mv('intake/records_001.pdf', 'Medical Records/Provider1/records_001.pdf'),
      mv('intake/records_002.pdf', 'Medical Records/Provider1/records_002.pdf'),
    ],
    lines: [[0], [1, 2]],
  },
  {
    name: 'mv into a folder that does not exist',
    commands: 'mv notes.txt drafts/',
    errors: [err(1, 14, 'folder `drafts` does not exist; create it first with mkdir -p')],
  },
  {
    name: 'mv several sources needs a folder',
    commands: 'mv notes.txt old.txt new.txt',
    errors: [err(1, 22, 'with several sources the destination must be an existing folder; `new.txt` is not')],
  },
  { name: 'mv a missing source', commands: 'mv missing.txt archive', errors: [err(1, 4, '`missing.txt` does not exist')] },
  { name: 'mv a folder into itself', commands: 'mkdir -p tmp/deeper\nmv tmp tmp/deeper', errors: [err(2, 4, 'cannot mv `tmp` into itself')] },
  {
    name: 'mv a folder onto an existing folder',
    commands: 'mkdir -p archive/tmp\nmv tmp archive',
    errors: [err(2, 4, '`archive/tmp` already exists; mv does not merge folders')],
  },
  { name: 'mv a file onto itself', commands: 'mv notes.txt .', errors: [err(1, 4, '`notes.txt` and its destination are the same file')] },
  { name: 'mv into the case folder', commands: 'mv Reports/summary.md .', operations: [mv('Reports/summary.md', 'summary.md')] },
  {
    name: 'mv with a parent that does not exist',
    commands: 'mv notes.txt a/b.txt',
    errors: [err(1, 14, 'folder `a` does not exist; create it first with mkdir -p')],
  },
  { name: 'mv needs two operands', commands: 'mv notes.txt', errors: [err(1, 13, 'mv needs a source and a destination; usage: mv SOURCE... DEST')] },
  { name: 'mv -f is not supported', commands: 'mv -f a b', errors: [err(1, 4, 'unknown option `-f` for mv; usage: mv SOURCE... DEST')] },
  { name: '-- ends options', commands: 'touch -- -draft.txt', operations: [touch('-draft.txt')] },

  // --- globs
  {
    name: '* matches files and folders, not dot files',
    commands: 'mv intake/* archive',
    operations: [
      mv('intake/police-report.pdf', 'archive/police-report.pdf'),
      mv('intake/raw/', 'archive/raw/'),
      mv('intake/records_001.pdf', 'archive/records_001.pdf'),
      mv('intake/records_002.pdf', 'archive/records_002.pdf'),
    ],
    lines: [[0, 1, 2, 3]],
  },
  { name: '.* matches dot files', commands: 'rm intake/.*', operations: [del('intake/.scan-cache')] },
  {
    name: '? matches one character',
    commands: 'rm intake/records_00?.pdf',
    operations: [del('intake/records_001.pdf'), del('intake/records_002.pdf')],
    lines: [[0, 1]],
  },
  { name: 'bracket set', commands: 'rm intake/records_00[2-9].pdf', operations: [del('intake/records_002.pdf')] },
  { name: 'negated bracket set', commands: 'rm intake/records_00[!1].pdf', operations: [del('intake/records_002.pdf')] },
  { name: 'glob in a middle segment', commands: 'rm */a.log', operations: [del('tmp/a.log')] },
  { name: 'glob with a trailing slash matches folders only', commands: 'mv tmp/*/ archive', operations: [mv('tmp/sub/', 'archive/sub/')] },
  {
    name: 'quoted glob characters do not expand',
    commands: 'touch "draft*.txt"',
    errors: [err(1, 7, '`draft*.txt`: a name may not contain < > : " | ? * (not allowed on Windows)')],
  },
  { name: 'an unmatched glob is an error', commands: 'mv intake/*.docx archive', errors: [err(1, 4, '`intake/*.docx` matches nothing in the case')] },
  {
    name: 'globs see the lines before: a moved file is gone',
    commands: 'mv intake/police-report.pdf archive\nrm intake/*.pdf',
    operations: [mv('intake/police-report.pdf', 'archive/police-report.pdf'), del('intake/records_001.pdf'), del('intake/records_002.pdf')],
    lines: [[0], [1, 2]],
  },
  {
    name: 'globs see the lines before: a created file is there',
    commands: 'touch a.md\ntouch b.md\nmv *.md archive',
    operations: [touch('a.md'), touch('b.md'), mv('a.md', 'archive/a.md'), mv('b.md', 'archive/b.md')],
    lines: [[0], [1], [2, 3]],
  },
  {
    name: 'globs see the lines before: a folder created by mkdir',
    commands: 'mkdir -p x/y\nmv x/*/ archive',
    operations: [dir('x/y'), mv('x/y/', 'archive/y/')],
    lines: [[0], [1]],
  },
  { name: 'a folder glob includes the destination, as in the shell', commands: 'mv */ archive', errors: [err(1, 4, 'cannot mv `archive` into itself')] },

  // --- cp
  { name: 'cp a file', commands: 'cp notes.txt archive', operations: [cp('notes.txt', 'archive/notes.txt')] },
  { name: 'cp onto an existing file overwrites', commands: 'cp old.txt notes.txt', operations: [cp('old.txt', 'notes.txt', true)] },
  { name: 'cp a folder needs -r', commands: 'cp tmp backup', errors: [err(1, 4, '`tmp` is a folder; use cp -r to copy it')] },
  { name: 'cp -r a folder', commands: 'cp -r tmp backup', operations: [cp('tmp/', 'backup/')] },
  { name: 'cp -R is -r', commands: 'cp -R tmp archive/', operations: [cp('tmp/', 'archive/tmp/')] },
  {
    name: 'cp -r twice merges and overwrites',
    commands: 'cp -r tmp archive\ncp -r tmp archive',
    operations: [cp('tmp/', 'archive/tmp/'), cp('tmp/', 'archive/tmp/', true)],
  },
  { name: 'cp -a is not supported', commands: 'cp -a tmp b', errors: [err(1, 4, 'unknown option `-a` for cp; usage: cp [-r] SOURCE... DEST')] },
  {
    name: 'cp then the copy is there for the next line',
    commands: 'cp notes.txt n2.txt\nmv n2.txt archive',
    operations: [cp('notes.txt', 'n2.txt'), mv('n2.txt', 'archive/n2.txt')],
  },

  // --- rm
  { name: 'rm a file', commands: 'rm old.txt', operations: [del('old.txt')] },
  { name: 'rm a folder needs -r', commands: 'rm tmp', errors: [err(1, 4, '`tmp` is a folder; use rm -r to delete it and everything in it')] },
  { name: 'rm -r a folder', commands: 'rm -r tmp/', operations: [del('tmp/')] },
  { name: 'rm -rf a folder', commands: 'rm -rf tmp', operations: [del('tmp/')] },
  { name: 'rm -fr and -r -f are the same', commands: 'rm -fr tmp\nrm -r -f Reports', operations: [del('tmp/'), del('Reports/')] },
  { name: 'rm -f a missing file changes nothing', commands: 'rm -f missing.txt\nrm old.txt', operations: [del('old.txt')], lines: [[], [0]] },
  { name: 'rm -f with an unmatched glob changes nothing', commands: 'rm -f *.bak\nrm old.txt', operations: [del('old.txt')], lines: [[], [0]] },
  { name: 'rm a missing file', commands: 'rm missing.txt', errors: [err(1, 4, '`missing.txt` does not exist (rm -f ignores missing paths)')] },
  {
    name: 'rm twice: the second sees the first',
    commands: 'rm old.txt\nrm old.txt',
    errors: [err(2, 4, '`old.txt` does not exist (rm -f ignores missing paths)')],
  },
  {
    name: 'rm the last file of a folder makes the folder go',
    commands: 'rm -r tmp/sub\nrm tmp/a.log\nrm -r tmp',
    errors: [err(3, 7, '`tmp` does not exist (rm -f ignores missing paths)')],
  },
  { name: 'rm -i is not supported', commands: 'rm -i old.txt', errors: [err(1, 4, 'unknown option `-i` for rm; usage: rm [-r] [-f] PATH...')] },

  // --- touch
  { name: 'touch a new file', commands: 'touch archive/index.md', operations: [touch('archive/index.md')] },
  { name: 'touch an existing file changes nothing', commands: 'touch notes.txt\ntouch n.md', operations: [touch('n.md')], lines: [[], [0]] },
  { name: 'touch in a missing folder', commands: 'touch drafts/x.md', errors: [err(1, 7, 'folder `drafts` does not exist; create it first with mkdir -p')] },
  { name: 'touch twice creates once', commands: 'touch x\ntouch x', operations: [touch('x')], lines: [[0], []] },

  // --- paths outside the case and unsafe names
  {
    name: 'absolute path',
    commands: 'rm /etc/passwd',
    errors: [err(1, 4, '`/etc/passwd`: absolute paths are not allowed; paths are relative to the case folder')],
  },
  { name: 'parent traversal', commands: 'mv notes.txt ../other-case/', errors: [err(1, 14, '`../other-case/`: `..` segments are not allowed')] },
  { name: 'traversal inside a path', commands: 'cp notes.txt archive/../../x', errors: [err(1, 14, '`archive/../../x`: `..` segments are not allowed')] },
  {
    name: 'home directory',
    commands: 'cp notes.txt ~/x',
    errors: [err(1, 14, 'home-directory paths (`~`) are outside the case; paths are relative to the case folder')],
  },
  { name: 'the system area is reserved', commands: 'touch .bailiff/x', errors: [err(1, 7, '`.bailiff/x`: `.bailiff` is reserved')] },
  { name: 'the case folder itself cannot be removed', commands: 'rm -rf .', errors: [err(1, 8, 'the case folder itself cannot be used here')] },

  // --- constructs that need a shell
  { name: 'pipe', commands: 'ls | rm', errors: [err(1, 4, 'pipes (`|`) are not supported; nothing is executed')] },
  {
    name: 'redirection',
    commands: 'touch a > b',
    errors: [err(1, 9, 'redirection (`<`, `>`) is not supported; to write a file, propose a `write_file` operation')],
  },
  {
    name: 'input redirection',
    commands: 'rm < list',
    errors: [err(1, 4, 'redirection (`<`, `>`) is not supported; to write a file, propose a `write_file` operation')],
  },
  { name: 'semicolon', commands: 'mkdir a; mkdir b', errors: [err(1, 8, '`;` is not supported; put each command on its own line')] },
  { name: '&&', commands: 'mkdir a && mv notes.txt a', errors: [err(1, 9, '`&&` is not supported; put each command on its own line')] },
  { name: '||', commands: 'rm x || true', errors: [err(1, 6, '`||` is not supported; put each command on its own line')] },
  { name: 'background job', commands: 'rm -r tmp &', errors: [err(1, 11, 'background jobs (`&`) are not supported')] },
  { name: 'command substitution', commands: 'rm $(cat list)', errors: [err(1, 4, 'command substitution (`$(...)`) is not supported')] },
  { name: 'backticks', commands: 'rm `cat list`', errors: [err(1, 4, 'command substitution (backticks) is not supported')] },
  { name: 'variable', commands: 'mv notes.txt $DEST', errors: [err(1, 14, 'variables (`$`) are not supported; write the path out')] },
  {
    name: 'variable inside double quotes',
    commands: 'mv notes.txt "$HOME/x"',
    errors: [err(1, 15, '`$` (variables and substitutions) is not supported; quote it with single quotes if it is part of a name')],
  },
  { name: 'variable assignment', commands: 'X=1 rm notes.txt', errors: [err(1, 1, 'variable assignments are not supported')] },
  {
    name: 'brace expansion',
    commands: 'mkdir {a,b}',
    errors: [err(1, 7, 'brace expansion is not supported; write each path out, or quote the name if it contains `{` or `}`')],
  },
  { name: 'subshell', commands: '(rm x)', errors: [err(1, 1, 'subshells and parentheses are not supported; quote the name if it contains `(` or `)`')] },

  // --- other commands
  { name: 'another command', commands: 'chmod 777 notes.txt', errors: [err(1, 1, `\`chmod\` ${NOTHING_SUPPORTED}`)] },
  { name: 'sudo', commands: '  sudo rm -rf tmp', errors: [err(1, 3, `\`sudo\` ${NOTHING_SUPPORTED}`)] },
  {
    name: 'ls points to the read tools',
    commands: 'ls intake',
    errors: [err(1, 1, '`ls` only reads, and these commands only describe changes; read the case with list_files / read_file (GET /cases/{case}/files)')],
  },
  {
    name: 'cat points to the read tools',
    commands: 'mkdir a\ncat notes.txt',
    errors: [err(2, 1, '`cat` only reads, and these commands only describe changes; read the case with list_files / read_file (GET /cases/{case}/files)')],
  },
  {
    name: 'every unparsable line is named at once',
    commands: 'find .\nmkdir ok\nstat x | y\nmv a b; c',
    errors: [
      err(1, 1, '`find` only reads, and these commands only describe changes; read the case with list_files / read_file (GET /cases/{case}/files)'),
      // Quoting and operators are checked before the command name.
      err(3, 8, 'pipes (`|`) are not supported; nothing is executed'),
      err(4, 7, '`;` is not supported; put each command on its own line'),
    ],
  },
  { name: 'only comments', commands: '# nothing\n', errors: [err(1, 1, 'no commands: send at least one of mkdir, mv, cp, rm, touch')] },
  {
    name: 'commands that change nothing',
    commands: 'mkdir -p archive\ntouch notes.txt',
    errors: [err(1, 1, 'the commands change nothing, so there is no plan to propose')],
  },
];

describe('translateCommands vectors', () => {
  it('has at least 60 vectors with unique names', () => {
    expect(VECTORS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(VECTORS.map((vector) => vector.name)).size).toBe(VECTORS.length);
  });

  it.each(VECTORS)('$name', (vector) => {
    const result = translateCommands(vector.commands, 'abby-sitgraves', CASE);
    if (vector.errors) {
      expect(result).toEqual({ ok: false, errors: vector.errors });
      return;
    }
    if (!result.ok) throw new Error(`expected a plan, got ${JSON.stringify(result.errors)}`);
    expect(result.operations).toEqual(vector.operations);
    const expectedLines = vector.lines ?? vector.operations!.map((_, index) => [index]);
    expect(result.translation.map((line) => line.operations)).toEqual(expectedLines);
  });
});

describe('translateCommands translation lines', () => {
  it('keeps the line numbers and texts as sent, skipping comments and blanks', () => {
    const result = translateCommands('# plan\nmkdir -p "A B"\n\nmv notes.txt "A B/"', 'c', CASE);
    expect(result).toEqual({
      ok: true,
      operations: [dir('A B'), mv('notes.txt', 'A B/notes.txt')],
      translation: [
        { line: 2, text: 'mkdir -p "A B"', operations: [0] },
        { line: 4, text: 'mv notes.txt "A B/"', operations: [1] },
      ],
    });
  });
});

describe('translateCommands never fails unexpectedly', () => {
  const word = fc.oneof(
    fc.constantFrom('mkdir', 'mkdir -p', 'mv', 'cp', 'cp -r', 'rm', 'rm -rf', 'touch', 'ls', '--', '-x'),
    fc.constantFrom('intake/*', '*.pdf', '*/', 'tmp', 'archive/', '.', './x', '../y', '"a b"', "'c d'", 'x\\ y', '[a-z]*', '[!0]', '?', '*a*a*a*a*a*a*b'),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
  );
  const line = fc.array(word, { minLength: 1, maxLength: 5 }).map((words) => words.join(' '));

  it('answers every input with a plan whose operations are valid plan operations, or with located errors', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 6 }), (lines) => {
        const text = lines.join('\n');
        const result = translateCommands(text, 'fuzz', CASE);
        if (result.ok) {
          for (const operation of result.operations) expect(operationSchema.safeParse(operation).success).toBe(true);
          expect(result.translation.flatMap((entry) => entry.operations)).toEqual(result.operations.map((_, index) => index));
        } else {
          const lineCount = text.split(/\r?\n/).length;
          for (const error of result.errors) {
            expect(error.line).toBeGreaterThanOrEqual(1);
            expect(error.line).toBeLessThanOrEqual(lineCount);
            expect(error.column).toBeGreaterThanOrEqual(1);
            expect(error.message.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('matches many stars against long names without backtracking blow-up', () => {
    // A backtracking matcher would not finish this in any lifetime (the test would time out).
    const name = `${'a'.repeat(200)}.pdf`;
    const result = translateCommands(`rm ${'*a'.repeat(30)}*b`, 'c', [name]);
    expect(result).toEqual({ ok: false, errors: [{ line: 1, column: 4, message: `\`${'*a'.repeat(30)}*b\` matches nothing in the case` }] });
    expect(translateCommands(`rm ${'*a'.repeat(30)}*.pdf`, 'c', [name])).toMatchObject({ ok: true, operations: [{ type: 'delete', source: name }] });
  });

  it('limits the glob patterns of one request', () => {
    const result = translateCommands(Array.from({ length: 501 }, (_, i) => `rm -f x${i}*`).join('\n'), 'c', []);
    expect(result).toEqual({ ok: false, errors: [{ line: 501, column: 7, message: 'more than 500 glob patterns in one request; split the commands' }] });
  });
});
