import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_CASE_NAME_BYTES,
  MAX_OBJECT_NAME_BYTES,
  MAX_SEGMENT_BYTES,
  CASE_NAME_JSON_SCHEMA,
  CASE_PATH_JSON_SCHEMA,
  type StringJsonSchema,
  casePathOf,
  casePrefix,
  checkCaseName,
  checkCasePath,
  collisionKey,
  folderMarkerName,
  isInside,
  objectName,
  parentOf,
} from './paths.ts';

type Expected = { reason: string } | { path: string; folderHint?: boolean };
type Vector = [label: string, input: string, expected: Expected];

// The bytes an attacker sends for an overlong `.` (C0 AE, E0 80 AE), decoded the way Node
// decodes any request body: leniently, each invalid sequence becoming U+FFFD.
const overlong2 = Buffer.from([0xc0, 0xae, 0xc0, 0xae, 0x2f, 0x78]).toString('utf8');
const overlong3 = Buffer.from([0xe0, 0x80, 0xae, 0xe0, 0x80, 0xae, 0x2f, 0x78]).toString('utf8');

// `projects/x/` is 11 bytes and the check keeps one byte spare for a folder marker's `/`, so
// a path inside case `x` may take 1024 - 11 - 1 = 1012 bytes.
const longestPathForCaseX = ['a'.repeat(200), 'b'.repeat(200), 'c'.repeat(200), 'd'.repeat(200), 'e'.repeat(208)].join('/');

const hostilePaths: Vector[] = [
  // Traversal, plain.
  ['parent first', '../x', { reason: '`..` segments' }],
  ['parent in the middle', 'a/../../b', { reason: '`..` segments' }],
  ['parent alone', '..', { reason: '`..` segments' }],
  ['parent last', 'x/..', { reason: '`..` segments' }],
  ['parent as folder', '../', { reason: '`..` segments' }],
  ['current alone', '.', { reason: '`.` segments' }],
  ['current first', './x', { reason: '`.` segments' }],
  ['current in the middle', 'a/./b', { reason: '`.` segments' }],
  ['three dots', '...', { reason: 'folds to dots' }],
  // Names that begin with two dots: some parsers downstream of the bucket read them as `..`.
  ['two dots and a semicolon', '..;/x', { reason: 'begin with `..`' }],
  ['two dots and a semicolon, last', 'a/..;', { reason: 'begin with `..`' }],
  ['two dots then a name', '..foo', { reason: 'begin with `..`' }],
  ['two dots then a name, in the middle', 'a/..notes/b.pdf', { reason: 'begin with `..`' }],
  ['two dots then a name, as folder', '..foo/', { reason: 'begin with `..`' }],
  ['fullwidth dots then a name', '\uff0e\uff0efoo', { reason: 'fold to `..`' }],
  ['two-dot leader then a name', '\u2025foo/x', { reason: 'fold to `..`' }],
  // Traversal, encoded.
  ['percent-encoded dots', '%2e%2e/x', { reason: 'percent-encoded' }],
  ['percent-encoded dots and slash, upper case', '%2E%2E%2Fx', { reason: 'percent-encoded' }],
  ['double-encoded dots', '%252e%252e/', { reason: 'percent-encoded' }],
  ['percent-encoded overlong dot', '%c0%ae%c0%ae/x', { reason: 'percent-encoded' }],
  ['encoded slash inside a name', 'a%2fb', { reason: 'percent-encoded' }],
  ['replacement characters (decoded overlong)', '\uFFFD\uFFFD/x', { reason: 'replacement character' }],
  ['two-byte overlong dots, decoded leniently', overlong2, { reason: 'replacement character' }],
  ['three-byte overlong dots, decoded leniently', overlong3, { reason: 'replacement character' }],
  // Lookalikes that fold to dots or slashes under NFKC.
  ['fullwidth dots', '\uff0e\uff0e/x', { reason: 'folds to dots' }],
  ['three fullwidth dots', '\uff0e\uff0e\uff0e', { reason: 'folds to dots' }],
  ['one-dot leaders', '\u2024\u2024/x', { reason: 'folds to dots' }],
  ['two-dot leader', '\u2025/x', { reason: 'folds to dots' }],
  ['small full stops', '\ufe52\ufe52/x', { reason: 'folds to dots' }],
  ['fullwidth solidus', 'a\uff0fb', { reason: 'slash lookalike' }],
  ['division slash', 'a\u2215b', { reason: 'slash lookalike' }],
  ['fraction slash', 'a\u2044b', { reason: 'slash lookalike' }],
  ['fullwidth backslash', 'a\uff3cb', { reason: 'slash lookalike' }],
  // Backslashes, absolute, drive and UNC paths.
  ['backslash', 'a\\b', { reason: 'backslashes' }],
  ['backslash traversal', '..\\x', { reason: 'backslashes' }],
  ['UNC path', '\\\\server\\share', { reason: 'backslashes' }],
  ['absolute', '/etc/passwd', { reason: 'absolute paths' }],
  ['root alone', '/', { reason: 'absolute paths' }],
  ['drive with backslash', 'C:\\x', { reason: 'drive-letter' }],
  ['drive with slash, lower case', 'c:/x', { reason: 'drive-letter' }],
  ['bare drive', 'd:', { reason: 'drive-letter' }],
  // Control, invisible and malformed characters.
  ['NUL', 'a\u0000b', { reason: 'control' }],
  ['BEL', 'a\u0007b', { reason: 'control' }],
  ['TAB first', '\tx', { reason: 'control' }],
  ['DEL', 'a\u007fb', { reason: 'control' }],
  ['CR LF', 'a\r\nb', { reason: 'control' }],
  ['C1 next line', 'a\u0085b', { reason: 'control' }],
  ['right-to-left override', 'invoice\u202efdp.exe', { reason: 'invisible' }],
  ['soft hyphen', 're\u00adport.pdf', { reason: 'invisible' }],
  ['Hangul filler', 'a\u3164b.pdf', { reason: 'invisible' }],
  ['line separator', 'a\u2028b.pdf', { reason: 'invisible' }],
  ['Mongolian vowel separator', 'a\u180eb.pdf', { reason: 'invisible' }],
  ['NTFS alternate data stream', 'report.pdf:hidden', { reason: 'Windows' }],
  ['Windows-illegal characters', 'what?.pdf', { reason: 'Windows' }],
  ['Windows-illegal pipe', 'a|b.pdf', { reason: 'Windows' }],
  ['first strong isolate', 'a\u2068b', { reason: 'invisible' }],
  ['zero-width space', 'a\u200bb', { reason: 'invisible' }],
  ['zero-width joiner at the end', 'a\u200d', { reason: 'invisible' }],
  ['word joiner', 'a\u2060b', { reason: 'invisible' }],
  ['byte order mark', '\ufeffa.pdf', { reason: 'invisible' }],
  ['lone high surrogate', 'a\ud800b', { reason: 'lone surrogate' }],
  ['lone low surrogate', 'x/\udc00', { reason: 'lone surrogate' }],
  // Segment shape.
  ['empty', '', { reason: 'path is empty' }],
  ['empty segment', 'a//b', { reason: 'empty path segment' }],
  ['double trailing slash', 'a//', { reason: 'empty path segment' }],
  ['trailing dot', 'a.', { reason: 'end with a space or a dot' }],
  ['trailing dot on a folder', 'Reports./x', { reason: 'end with a space or a dot' }],
  ['trailing space', 'a /b', { reason: 'end with a space or a dot' }],
  ['leading space', ' a', { reason: 'start with white space' }],
  ['leading no-break space', '\u00a0a', { reason: 'start with white space' }],
  // Reserved names.
  ['CON', 'CON', { reason: 'reserved device name' }],
  ['nul.txt', 'nul.txt', { reason: 'reserved device name' }],
  ['COM1', 'COM1', { reason: 'reserved device name' }],
  ['LPT9.pdf', 'LPT9.pdf', { reason: 'reserved device name' }],
  ['superscript COM', 'com\u00b9', { reason: 'reserved device name' }],
  ['reserved with two extensions', 'aux.tar.gz', { reason: 'reserved device name' }],
  ['reserved folder in the middle', 'a/con/b', { reason: 'reserved device name' }],
  ['.well-known', '.well-known/acme-challenge/x', { reason: '`.well-known` is reserved' }],
  ['system prefix', '.bailiff/x', { reason: '`.bailiff` is reserved' }],
  ['system prefix nested', 'a/.bailiff/b', { reason: '`.bailiff` is reserved' }],
  ['system prefix, upper case', '.BAILIFF/x', { reason: '`.BAILIFF` is reserved' }],
  ['system prefix as folder', '.bailiff/', { reason: '`.bailiff` is reserved' }],
  // Lengths.
  ['segment over 255 bytes', 'a'.repeat(256), { reason: `longer than ${MAX_SEGMENT_BYTES} bytes` }],
  ['segment over 255 bytes in two-byte letters', 'é'.repeat(128), { reason: `longer than ${MAX_SEGMENT_BYTES} bytes` }],
  ['object name over 1024 bytes', `${longestPathForCaseX}e`, { reason: `exceed ${MAX_OBJECT_NAME_BYTES} bytes` }],
  ['many short segments over 1024 bytes', Array.from({ length: 600 }, () => 'ab').join('/'), { reason: `exceed ${MAX_OBJECT_NAME_BYTES} bytes` }],
];

const acceptedPaths: Vector[] = [
  ['plain path with spaces', 'Medical Records/Provider1/scan 1.pdf', { path: 'Medical Records/Provider1/scan 1.pdf', folderHint: false }],
  ['folder hint', 'intake/', { path: 'intake', folderHint: true }],
  ['nested folder hint', 'a/b/', { path: 'a/b', folderHint: true }],
  ['umlauts, composed', 'Müller/Ärztebrief.pdf', { path: 'M\u00fcller/\u00c4rztebrief.pdf', folderHint: false }],
  // macOS hands out decomposed names: they must come back composed, one name for one file.
  ['umlauts, decomposed', 'Mu\u0308ller/A\u0308rztebrief.pdf', { path: 'M\u00fcller/\u00c4rztebrief.pdf', folderHint: false }],
  ['NFD e-acute becomes NFC', 'e\u0301.pdf', { path: '\u00e9.pdf', folderHint: false }],
  ['punctuation people use', "Briefe #1 & Co/O'Brien (1).pdf", { path: "Briefe #1 & Co/O'Brien (1).pdf", folderHint: false }],
  ['percent sign not followed by hex', '100% done.pdf', { path: '100% done.pdf', folderHint: false }],
  ['dot file', '.hidden', { path: '.hidden', folderHint: false }],
  ['name starting with one dot then a name', '.notes.d/x', { path: '.notes.d/x', folderHint: false }],
  ['dots inside a name', 'a..b', { path: 'a..b', folderHint: false }],
  ['reserved word inside a longer name', 'CONTRACT.pdf', { path: 'CONTRACT.pdf', folderHint: false }],
  ['segment of exactly 255 bytes', `${'é'.repeat(127)}a`, { path: `${'é'.repeat(127)}a`, folderHint: false }],
  ['object name of exactly 1023 bytes', longestPathForCaseX, { path: longestPathForCaseX, folderHint: false }],
  // Latin-1 read of the overlong bytes: two ordinary letters that no decoder turns into a dot
  // (the raw bytes decode to U+FFFD, refused above), and French names need `À`.
  ['latin-1 reading of overlong dot', '\u00c0\u00ae\u00c0\u00ae/x', { path: '\u00c0\u00ae\u00c0\u00ae/x', folderHint: false }],
];

const hostileCaseNames: Vector[] = [
  ['empty', '', { reason: 'case name is empty' }],
  ['slash', 'a/b', { reason: 'without `/`' }],
  ['trailing slash', 'case-1/', { reason: 'without `/`' }],
  ['parent', '..', { reason: '`..` segments' }],
  ['current', '.', { reason: '`.` segments' }],
  ['three dots', '...', { reason: 'folds to dots' }],
  ['fullwidth dots', '\uff0e\uff0e', { reason: 'folds to dots' }],
  ['two dots and a semicolon', '..;', { reason: 'begin with `..`' }],
  ['dot name', '.hidden', { reason: 'may not start with a dot' }],
  ['system prefix', '.bailiff', { reason: '`.bailiff` is reserved' }],
  ['percent-encoded dots', '%2e%2e', { reason: 'percent-encoded' }],
  ['NUL', 'a\u0000', { reason: 'control' }],
  ['newline', 'a\nb', { reason: 'control' }],
  ['bidi override', 'a\u202e', { reason: 'invisible' }],
  ['BOM', '\ufeffcase', { reason: 'invisible' }],
  ['lone surrogate', '\ud800', { reason: 'lone surrogate' }],
  ['backslash', 'a\\b', { reason: 'slash lookalike' }],
  ['fullwidth solidus', 'a\uff0fb', { reason: 'slash lookalike' }],
  ['device name', 'CON', { reason: 'reserved device name' }],
  ['device name, lower case', 'lpt1', { reason: 'reserved device name' }],
  ['trailing space', 'case ', { reason: 'end with a space or a dot' }],
  ['trailing dot', 'case.', { reason: 'end with a space or a dot' }],
  ['leading space', ' case', { reason: 'start with white space' }],
  ['129 bytes', 'x'.repeat(129), { reason: `longer than ${MAX_CASE_NAME_BYTES} bytes` }],
  ['130 bytes in 65 two-byte letters', 'é'.repeat(65), { reason: `longer than ${MAX_CASE_NAME_BYTES} bytes` }],
];

const acceptedCaseNames: Array<[label: string, input: string, value: string]> = [
  ['plain', 'case-12', 'case-12'],
  ['128 bytes', 'x'.repeat(128), 'x'.repeat(128)],
  ['128 bytes in two-byte letters', 'é'.repeat(64), 'é'.repeat(64)],
  ['umlaut', 'Müller-2024', 'M\u00fcller-2024'],
  ['decomposed becomes composed', 'c\u0301ase', '\u0107ase'],
];

function expectVector(result: ReturnType<typeof checkCasePath> | ReturnType<typeof checkCaseName>, expected: Expected): void {
  if ('reason' in expected) {
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(expected.reason);
  } else {
    expect(result).toEqual({ ok: true, value: { path: expected.path, folderHint: expected.folderHint } });
  }
}

describe('checkCasePath', () => {
  it('has a table large enough to mean something', () => {
    expect(hostilePaths.length).toBeGreaterThanOrEqual(45);
    expect(new Set(hostilePaths.map(([, input]) => input)).size).toBe(hostilePaths.length);
  });

  it.each(hostilePaths)('refuses %s', (_label, input, expected) => {
    expectVector(checkCasePath(input), expected);
  });

  it.each(acceptedPaths)('accepts %s', (_label, input, expected) => {
    expectVector(checkCasePath(input), expected);
  });

  it('measures the object name with the real case name', () => {
    // 12 bytes more prefix than case `x`, so the path that just fits case `x` no longer fits.
    expect(checkCasePath(longestPathForCaseX, 'x').ok).toBe(true);
    expectVector(checkCasePath(longestPathForCaseX, 'x'.repeat(13)), { reason: 'exceed 1024 bytes' });
    expectVector(checkCasePath(longestPathForCaseX.slice(12), 'x'.repeat(13)), { path: longestPathForCaseX.slice(12), folderHint: false });
  });

  it('returns NFC, and the NFC and NFD spellings give one value', () => {
    const nfd = checkCasePath('Akten/Bu\u0308ro/Re\u0301sume\u0301.pdf');
    const nfc = checkCasePath('Akten/B\u00fcro/R\u00e9sum\u00e9.pdf');
    expect(nfd).toEqual(nfc);
    expect(nfd.ok && nfd.value.path).toBe('Akten/B\u00fcro/R\u00e9sum\u00e9.pdf');
    expect(nfd.ok && nfd.value.path === nfd.value.path.normalize('NFC')).toBe(true);
  });
});

describe('checkCaseName', () => {
  it('has a table large enough to mean something', () => {
    expect(hostileCaseNames.length).toBeGreaterThanOrEqual(15);
  });

  it.each(hostileCaseNames)('refuses %s', (_label, input, expected) => {
    expectVector(checkCaseName(input), expected);
  });

  it.each(acceptedCaseNames)('accepts %s', (_label, input, value) => {
    expect(checkCaseName(input)).toEqual({ ok: true, value });
  });

  it('keeps case-12 apart from case-123 through the trailing slash', () => {
    const prefix = casePrefix('case-12');
    expect(prefix).toBe('projects/case-12/');
    const neighbours = ['projects/case-123/', 'projects/case-123/a.pdf', 'projects/case-123/x/y', 'projects/case-12a/b', 'projects/case-12.pdf'];
    for (const name of neighbours) {
      expect(name.startsWith(prefix)).toBe(false);
      expect(casePathOf('case-12', name)).toBeUndefined();
    }
    expect(casePathOf('case-12', 'projects/case-12/a.pdf')).toBe('a.pdf');
  });
});

describe('object names', () => {
  it('builds object names and folder markers from checked parts', () => {
    expect(objectName('case-1', 'a/b.pdf')).toBe('projects/case-1/a/b.pdf');
    expect(folderMarkerName('case-1', 'a/b')).toBe('projects/case-1/a/b/');
    expect(casePathOf('case-1', 'projects/case-1/')).toBe('');
  });

  it('keys names that collide on case-insensitive or normalising file systems together', () => {
    expect(collisionKey('Report.PDF')).toBe(collisionKey('report.pdf'));
    expect(collisionKey('Mu\u0308ller')).toBe(collisionKey('M\u00fcller'));
    expect(collisionKey('\ufb01le')).toBe(collisionKey('file'));
    expect(collisionKey('a.pdf')).not.toBe(collisionKey('b.pdf'));
  });

  it('knows folders by whole segments only', () => {
    expect(isInside('a/b', 'a')).toBe(true);
    expect(isInside('a', 'a')).toBe(true);
    expect(isInside('ab/c', 'a')).toBe(false);
    expect(parentOf('a/b/c')).toBe('a/b');
    expect(parentOf('a')).toBeUndefined();
  });
});

describe('checkCasePath over arbitrary strings', () => {
  // Pieces that hit the rules' edges far more often than uniform code points would.
  const hostilePiece = fc.constantFrom(
    '/',
    '//',
    '.',
    '..',
    '...',
    '%2e',
    '%2F',
    '%25',
    '%',
    '\\',
    ':',
    'C:',
    ' ',
    '\u00a0',
    '\t',
    '\n',
    '\u0000',
    '\u007f',
    '\u0085',
    '\u200b',
    '\u202e',
    '\u2066',
    '\ufeff',
    '\ufffd',
    '\uff0e',
    '\uff0f',
    '\u2215',
    '\u2024',
    '\u2025',
    '\ufe52',
    'e\u0301',
    'E\u0301',
    '\u00e9',
    'u\u0308',
    '\ufb01',
    'CON',
    'nul',
    'com1',
    'LPT9',
    '.bailiff',
    '.well-known',
    'a',
    'b',
    'Z',
    '1',
    '#',
    '&',
    "'",
    '(1)',
    'x'.repeat(100),
    'é'.repeat(100),
  );
  const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
  const piece = fc.oneof(
    { arbitrary: hostilePiece, weight: 6 },
    { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }), weight: 3 },
    { arbitrary: loneSurrogate, weight: 1 },
  );
  const rawPath = fc.oneof(
    fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join('')),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );
  const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

  it('either refuses a string or returns a safe, NFC path inside the case', () => {
    let runs = 0;
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(rawPath, fc.constantFrom('case-1', 'case-12', 'c'), (raw, caseName) => {
        runs += 1;
        const result = checkCasePath(raw, caseName);
        if (!result.ok) {
          refused += 1;
          return result.reason.length > 0;
        }
        accepted += 1;
        const { path } = result.value;
        const segments = path.split('/');
        return (
          segments.every((segment) => segment !== '' && segment !== '.' && !segment.normalize('NFKC').startsWith('..')) &&
          !CONTROL.test(path) &&
          !path.includes('\\') &&
          !path.startsWith('/') &&
          path.isWellFormed() &&
          path === path.normalize('NFC') &&
          objectName(caseName, path).startsWith(casePrefix(caseName)) &&
          casePathOf(caseName, objectName(caseName, path)) === path &&
          Buffer.byteLength(folderMarkerName(caseName, path)) <= MAX_OBJECT_NAME_BYTES &&
          segments.every((segment) => segment.toLowerCase() !== '.bailiff') &&
          // Checking the result again accepts it unchanged: no second decoding changes it.
          JSON.stringify(checkCasePath(result.value.folderHint ? `${path}/` : path, caseName)) === JSON.stringify(result)
        );
      }),
      { numRuns: 3000 },
    );
    expect(runs).toBe(3000);
    // Both branches must be exercised, or the property proves nothing.
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });

  it('either refuses a case name or returns one NFC folder name', () => {
    let runs = 0;
    fc.assert(
      fc.property(rawPath, (raw) => {
        runs += 1;
        const result = checkCaseName(raw);
        if (!result.ok) return result.reason.length > 0;
        const name = result.value;
        return (
          !name.includes('/') &&
          !name.startsWith('.') &&
          !CONTROL.test(name) &&
          name === name.normalize('NFC') &&
          Buffer.byteLength(name) <= MAX_CASE_NAME_BYTES &&
          casePrefix(name) === `projects/${name}/`
        );
      }),
      { numRuns: 2000 },
    );
    expect(runs).toBe(2000);
  });
});

describe('the JSON Schema forms of the rules (published in the OpenAPI document)', () => {
  // What a pattern cannot see; paths.ts lists them, and so does the README.
  const UNEXPRESSIBLE = /fold|longer than|exceed|lone surrogate/;
  const matches = (schema: StringJsonSchema, input: string) =>
    input.length >= schema.minLength && input.length <= schema.maxLength && new RegExp(schema.pattern, 'u').test(input);

  it.each(acceptedPaths)('accepts the accepted path: %s', (_label, input) => {
    expect(matches(CASE_PATH_JSON_SCHEMA, input)).toBe(true);
  });

  it.each(hostilePaths.filter(([, , expected]) => !('reason' in expected && UNEXPRESSIBLE.test(expected.reason))))(
    'refuses the refused path: %s',
    (_label, input) => {
      expect(matches(CASE_PATH_JSON_SCHEMA, input)).toBe(false);
    },
  );

  it.each(acceptedCaseNames)('accepts the accepted case name: %s', (_label, input) => {
    expect(matches(CASE_NAME_JSON_SCHEMA, input)).toBe(true);
  });

  it.each(hostileCaseNames.filter(([, , expected]) => !('reason' in expected && UNEXPRESSIBLE.test(expected.reason))))(
    'refuses the refused case name: %s',
    (_label, input) => {
      expect(matches(CASE_NAME_JSON_SCHEMA, input)).toBe(false);
    },
  );

  it('agrees with the checks on arbitrary strings, except where a rule cannot be a pattern', () => {
    const piece = fc.oneof(
      fc.constantFrom('/', '.', '..', '%2e', '%', ' ', '\\', ':', 'CON', 'nul.txt', '.bailiff', '.Well-Known', '\u202e', '\uff0f', 'a', 'b', '1', '-'),
      fc.string({ maxLength: 3 }),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 8 }).map((pieces) => pieces.join('')),
        (raw) => {
          const checked = checkCasePath(raw);
          if (!checked.ok && UNEXPRESSIBLE.test(checked.reason)) return true;
          return matches(CASE_PATH_JSON_SCHEMA, raw) === checked.ok;
        },
      ),
      { numRuns: 2000 },
    );
  });
});
