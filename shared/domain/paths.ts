/**
 * Path safety: the only module that decides whether a case name or a path inside a case is
 * acceptable, and the only one that turns them into object names.
 *
 * Object stores have no directories and no `..`, but people and tools that later sync the
 * bucket to disks do: a name that is harmless to Cloud Storage can still escape a folder, spoof
 * another name or collide on Windows and macOS. So the rules are strict and explicit, and a
 * rejected path always says why. Paths are never "cleaned up" into something else except for
 * Unicode NFC normalisation; anything suspicious is refused.
 */

/** Where cases live in the workspace. */
export const PROJECTS_PREFIX = 'projects/';
/** Reserved for Bailiff itself (audit files, backups); no plan may name it. */
export const SYSTEM_PREFIX = '.bailiff/';
/** Where backups live: `.bailiff/backups/<plan>/<action>/<object name>`. */
export const BACKUPS_PREFIX = `${SYSTEM_PREFIX}backups/`;
/** Cloud Storage's limit on an object name, in UTF-8 bytes. */
export const MAX_OBJECT_NAME_BYTES = 1024;
export const MAX_CASE_NAME_BYTES = 128;
export const MAX_SEGMENT_BYTES = 255;

export type PathCheck<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A path inside a case, relative to `projects/<case>/`, normalised to NFC, without a trailing slash. */
export interface CasePath {
  path: string;
  /** The caller wrote a trailing slash: they mean a folder. */
  folderHint: boolean;
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
// C0 and C1 controls, DEL, bidi overrides and isolates (filename spoofing), zero-width
// characters, the BOM, and U+FFFD (what an overlong or broken UTF-8 sequence decodes to).
// Also the invisible fillers and joiners (soft hyphen, CGJ, Mongolian vowel separator, Hangul
// fillers) and the Unicode line and paragraph separators.
const FORBIDDEN_CHARS =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: a list of single code points to refuse; the combining ones are listed on purpose
  /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u115f\u1160\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\u3164\ufeff\uffa0\ufffd]/u;
// Characters Windows refuses in file names (a synced copy of the case could not hold them);
// `:` also names NTFS alternate data streams.
const WINDOWS_ILLEGAL = /[<>:"|?*]/;
// Percent-encoded bytes: `%2e%2e/` decodes to `../` in any tool that unescapes names.
const PERCENT_ENCODED = /%[0-9a-f]{2}/i;
// Characters that are slashes or backslashes after compatibility folding (fullwidth forms etc.).
const SLASH_LOOKALIKES = /[\\\u2215\u2044\u29f8\u29f9\uff0f\uff3c\ufe68]/u;
const RESERVED_SEGMENTS = new Set(['.bailiff', '.well-known']);

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

function checkSegment(segment: string): string | undefined {
  if (segment === '') return 'empty path segment (`//`)';
  if (segment === '.' || segment === '..') return `\`${segment}\` segments are not allowed`;
  const folded = segment.normalize('NFKC');
  if (folded === '.' || folded === '..' || /^\.+$/.test(folded)) return 'segment folds to dots (fullwidth or lookalike `..`)';
  // `..;` is `..` to Tomcat-style path parsers, and other tools downstream of the bucket trim
  // what follows two dots; no case file needs such a name.
  if (segment.startsWith('..')) return 'a name may not begin with `..` (tools downstream read it as the parent folder)';
  if (folded.startsWith('..')) return 'a name may not begin with characters that fold to `..` (fullwidth or lookalike dots)';
  if (SLASH_LOOKALIKES.test(segment) || /[\\/]/.test(folded)) return 'backslash or slash lookalike in a name';
  if (RESERVED_SEGMENTS.has(folded.toLowerCase())) return `\`${segment}\` is reserved`;
  if (WINDOWS_RESERVED.test(folded)) return `\`${segment}\` is a reserved device name on Windows`;
  if (WINDOWS_ILLEGAL.test(segment)) return 'a name may not contain < > : " | ? * (not allowed on Windows)';
  if (/[ .]$/.test(segment)) return 'a name may not end with a space or a dot';
  if (/^\s/.test(segment)) return 'a name may not start with white space';
  if (utf8Bytes(segment) > MAX_SEGMENT_BYTES) return `a name longer than ${MAX_SEGMENT_BYTES} bytes`;
  return undefined;
}

function checkCharacters(raw: string): string | undefined {
  if (!raw.isWellFormed()) return 'not well-formed Unicode (lone surrogate)';
  if (FORBIDDEN_CHARS.test(raw)) return 'control, invisible or replacement character';
  if (PERCENT_ENCODED.test(raw)) return 'percent-encoded bytes are not allowed (`%2e` and the like)';
  return undefined;
}

/** Checks a case name: one folder name directly under `projects/`. */
export function checkCaseName(raw: string): PathCheck<string> {
  if (typeof raw !== 'string' || raw.length === 0) return { ok: false, reason: 'case name is empty' };
  const bad = checkCharacters(raw);
  if (bad) return { ok: false, reason: bad };
  const name = raw.normalize('NFC');
  if (name.includes('/')) return { ok: false, reason: 'a case name is one folder name, without `/`' };
  if (utf8Bytes(name) > MAX_CASE_NAME_BYTES) return { ok: false, reason: `case name longer than ${MAX_CASE_NAME_BYTES} bytes` };
  const segmentProblem = checkSegment(name);
  if (segmentProblem) return { ok: false, reason: segmentProblem };
  if (name.startsWith('.')) return { ok: false, reason: 'a case name may not start with a dot' };
  return { ok: true, value: name };
}

/**
 * Checks a path inside a case. Accepts `a/b/c.pdf` and `a/b/` (a folder); refuses absolute,
 * drive-letter, traversal, encoded, control-character and over-long paths.
 */
export function checkCasePath(raw: string, caseName = 'x'): PathCheck<CasePath> {
  if (typeof raw !== 'string' || raw.length === 0) return { ok: false, reason: 'path is empty' };
  const bad = checkCharacters(raw);
  if (bad) return { ok: false, reason: bad };
  if (raw.startsWith('/')) return { ok: false, reason: 'absolute paths are not allowed; paths are relative to the case folder' };
  if (/^[a-z]:/i.test(raw)) return { ok: false, reason: 'drive-letter paths are not allowed' };
  if (raw.includes('\\')) return { ok: false, reason: 'backslashes are not allowed; use `/`' };
  let path = raw.normalize('NFC');
  const folderHint = path.endsWith('/');
  if (folderHint) path = path.slice(0, -1);
  for (const segment of path.split('/')) {
    const problem = checkSegment(segment);
    if (problem) return { ok: false, reason: problem };
  }
  const full = objectNameUnchecked(caseName, path);
  if (utf8Bytes(full) + 1 > MAX_OBJECT_NAME_BYTES) {
    return { ok: false, reason: `object name would exceed ${MAX_OBJECT_NAME_BYTES} bytes` };
  }
  return { ok: true, value: { path, folderHint } };
}

function objectNameUnchecked(caseName: string, path: string): string {
  return `${PROJECTS_PREFIX}${caseName}/${path}`;
}

/** `projects/<case>/`: the listing prefix of a case (the trailing slash keeps `case-12` out of `case-123`). */
export function casePrefix(caseName: string): string {
  return `${PROJECTS_PREFIX}${caseName}/`;
}

/** The object name of a checked path inside a checked case. */
export function objectName(caseName: string, path: string): string {
  return objectNameUnchecked(caseName, path);
}

/** The object name marking an (empty) folder, as the Cloud Console creates them. */
export function folderMarkerName(caseName: string, path: string): string {
  return `${objectNameUnchecked(caseName, path)}/`;
}

/** The case-relative path of an object inside the case, or undefined if it lies outside. */
export function casePathOf(caseName: string, name: string): string | undefined {
  const prefix = casePrefix(caseName);
  return name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
}

/**
 * Where the prior content of `name` is kept when action `action` of plan `planId` overwrites or
 * deletes it. The action index keeps two removals of the same name in one plan apart.
 */
export function backupObjectName(planId: string, action: number, name: string): string {
  return `${backupPrefix(planId)}${action}/${name}`;
}

/** Every backup a plan made: the listing prefix a restore of that plan's backups reads. */
export function backupPrefix(planId: string): string {
  return `${SYSTEM_PREFIX}backups/${planId}/`;
}

/** The backup prefix of the plan that made backup object `backupName` (`.bailiff/backups/<plan>/`). */
export function backupRootOf(backupName: string): string {
  const rest = backupName.startsWith(BACKUPS_PREFIX) ? backupName.slice(BACKUPS_PREFIX.length) : '';
  const slash = rest.indexOf('/');
  if (slash <= 0) throw new Error(`\`${backupName}\` is not a backup object name`);
  return `${BACKUPS_PREFIX}${rest.slice(0, slash + 1)}`;
}

/** Whether `name` lies in Bailiff's system area rather than in any case. */
export function isSystemObject(name: string): boolean {
  return name.startsWith(SYSTEM_PREFIX);
}

/** The listing prefix of every JSON Lines audit copy. */
export const AUDIT_PREFIX = `${SYSTEM_PREFIX}audit/`;

/**
 * Where a copy of a plan's first `records` audit records is written as JSON Lines:
 * `.bailiff/audit/<case>/<plan>.<records>.jsonl`. A plan's records only grow (a rollback adds to
 * the plan it undoes), so a name is never written with other content: a copy is created once and
 * never replaced, as a bucket whose retention policy refuses overwrites requires. The newest
 * copy of a plan is the one with the most records.
 */
export function auditObjectName(caseName: string, planId: string, records: number): string {
  return `${auditCopiesPrefix(caseName, planId)}${records}.jsonl`;
}

/** The listing prefix of one plan's audit copies (plan ids have no dots). */
export function auditCopiesPrefix(caseName: string, planId: string): string {
  return `${AUDIT_PREFIX}${caseName}/${planId}.`;
}

/**
 * The case, plan and record count an audit copy's name states, or undefined for another name.
 * A copy written before names carried the count (`<case>/<plan>.jsonl`) has no `records`.
 */
export function parseAuditObjectName(name: string): { caseName: string; planId: string; records?: number } | undefined {
  if (!name.startsWith(AUDIT_PREFIX)) return undefined;
  const match = /^(.+)\/([^/.]+)(?:\.([1-9][0-9]*))?\.jsonl$/.exec(name.slice(AUDIT_PREFIX.length));
  if (!match) return undefined;
  return { caseName: match[1]!, planId: match[2]!, ...(match[3] ? { records: Number(match[3]) } : {}) };
}

/**
 * Blobs: content a client uploads before proposing a plan that writes it. A blob is named by
 * the hash that identifies it and its size (`md5-<32 hex>-<bytes>`, or `sha256-<64 hex>-<bytes>`),
 * and lives in its case's own staging folder, so a plan for one case can never name another's.
 * Its reference, as plans carry it, is `<case>/<blob id>`.
 */
export const BLOB_ALGORITHMS = ['md5', 'sha256'] as const;
export type BlobAlgorithm = (typeof BLOB_ALGORITHMS)[number];

export interface BlobId {
  algorithm: BlobAlgorithm;
  /** Lower-case hex. */
  digest: string;
  size: number;
}

export interface BlobRef extends BlobId {
  case: string;
}

const BLOB_ID = /^(md5|sha256)-([0-9a-f]+)-(0|[1-9][0-9]{0,15})$/;
const DIGEST_HEX_LENGTH: Record<BlobAlgorithm, number> = { md5: 32, sha256: 64 };

/** `md5-<hex>-<size>`: how a blob is named inside its case's staging folder. */
export function formatBlobId(id: BlobId): string {
  return `${id.algorithm}-${id.digest}-${id.size}`;
}

export function parseBlobId(raw: string): PathCheck<BlobId> {
  const match = BLOB_ID.exec(raw);
  if (!match) return { ok: false, reason: 'not a blob id (`md5-<32 hex>-<size>` or `sha256-<64 hex>-<size>`)' };
  const algorithm = match[1] as BlobAlgorithm;
  if (match[2]!.length !== DIGEST_HEX_LENGTH[algorithm]) return { ok: false, reason: `a ${algorithm} digest has ${DIGEST_HEX_LENGTH[algorithm]} hex digits` };
  const size = Number(match[3]);
  if (!Number.isSafeInteger(size)) return { ok: false, reason: 'blob size is too large' };
  return { ok: true, value: { algorithm, digest: match[2]!, size } };
}

/** `<case>/<blob id>`: a blob as plans name it. */
export function formatBlobRef(ref: BlobRef): string {
  return `${ref.case}/${formatBlobId(ref)}`;
}

export function parseBlobRef(raw: string): PathCheck<BlobRef> {
  const slash = raw.indexOf('/');
  if (slash < 0) return { ok: false, reason: 'a blob reference is `<case>/<blob id>`' };
  const caseName = checkCaseName(raw.slice(0, slash));
  if (!caseName.ok) return { ok: false, reason: `blob reference names an invalid case: ${caseName.reason}` };
  const id = parseBlobId(raw.slice(slash + 1));
  if (!id.ok) return id;
  return { ok: true, value: { case: caseName.value, ...id.value } };
}

/** Where every case's blobs are uploaded; a lifecycle rule ages them out (infra/storage.tf). */
export const STAGING_PREFIX = `${SYSTEM_PREFIX}staging/`;

/** The staging folder of a case: written by clients through signed URLs, never case content. */
export function stagingPrefix(caseName: string): string {
  return `${STAGING_PREFIX}${caseName}/`;
}

/** The object that holds a blob. */
export function blobObjectName(ref: BlobRef): string {
  return `${stagingPrefix(ref.case)}${formatBlobId(ref)}`;
}

const ASCII = /^[\x00-\x7f]*$/;
const ASCII_WITHOUT_CAPITALS = /^[\x00-\x40\x5b-\x7f]*$/;

/** Names that differ only by letter case or Unicode normalisation collide on many file systems. */
export function collisionKey(path: string): string {
  // An ASCII name without capitals is its own key: the same string, already hashed where it is
  // a map's key, and no copy (a dry run of 100,000 moves computes some 600,000 keys).
  if (ASCII_WITHOUT_CAPITALS.test(path)) return path;
  // NFKC leaves ASCII as it is; skipping it for ASCII names makes a 100,000-object dry run faster.
  return ASCII.test(path) ? path.toLowerCase() : path.normalize('NFKC').toLowerCase();
}

export function isInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}

export function parentOf(path: string): string | undefined {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? undefined : path.slice(0, slash);
}

/** The last segment of a path: the name of the file or folder. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `name` inside `folder`, where `''` is the case folder. */
export function childPath(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}

/**
 * The rules above as JSON Schema, for the published contract (OpenAPI), so agents and
 * generated clients learn them before sending. Built from the same expressions the checks use;
 * patterns are ECMA-262 (as JSON Schema requires) and avoid flags, spelling letters in both
 * cases where a rule ignores case.
 *
 * What JSON Schema cannot say, and the checks above still refuse:
 * - byte limits: lengths count characters, so `maxLength` holds the byte limit only for ASCII
 *   (a 255-byte segment is at most 255 characters, but 255 characters can be 765 bytes);
 * - the object-name limit, which depends on the case name and the path together;
 * - names that only become `.`, `..`, a reserved name or a slash after Unicode compatibility
 *   folding (NFKC), such as `\u2025` (two-dot leader) — the folding is not a pattern.
 */
export interface StringJsonSchema {
  minLength: number;
  maxLength: number;
  pattern: string;
}

/** `[...]` → its inside, so character classes can be combined. */
const inside = (charClass: RegExp) => charClass.source.slice(1, -1);
/** A pattern that matches `word` in any letter case, without the `i` flag. */
const anyCase = (word: string) =>
  [...word].map((char) => (/[a-z]/i.test(char) ? `[${char.toLowerCase()}${char.toUpperCase()}]` : char === '.' ? '\\.' : char)).join('');

// One character of a name: none of the forbidden, Windows-illegal or slash-like characters.
const NAME_CHAR = `[^/${inside(FORBIDDEN_CHARS)}${inside(WINDOWS_ILLEGAL)}${inside(SLASH_LOOKALIKES)}]`;
// The last character of a name, which may not be a space or a dot either.
const NAME_LAST_CHAR = NAME_CHAR.replace('[^', '[^ .');
const WINDOWS_RESERVED_ANY_CASE = `(?:${['con', 'prn', 'aux', 'nul'].map(anyCase).join('|')}|${anyCase('com')}[0-9¹²³]|${anyCase('lpt')}[0-9¹²³])(?:\\.[^/]*)?`;
const RESERVED_ANY_CASE = [...RESERVED_SEGMENTS].map(anyCase).join('|');
// One name (path segment): not starting with `..` or white space, not reserved, not ending in
// a space or a dot, at most MAX_SEGMENT_BYTES characters.
const SEGMENT =
  `(?!\\.\\.)(?!\\s)(?!(?:${RESERVED_ANY_CASE})(?:/|$))(?!${WINDOWS_RESERVED_ANY_CASE}(?:/|$))` + `${NAME_CHAR}{0,${MAX_SEGMENT_BYTES - 1}}${NAME_LAST_CHAR}`;
const NO_PERCENT_ENCODING = `(?!.*${PERCENT_ENCODED.source.replace('[0-9a-f]', '[0-9a-fA-F]')})`;

/** JSON Schema of a blob id (`parseBlobId`): the digest's length goes with its algorithm. */
export const BLOB_ID_JSON_SCHEMA: StringJsonSchema = {
  minLength: 1,
  maxLength: 200,
  pattern: '^(md5-[0-9a-f]{32}|sha256-[0-9a-f]{64})-(0|[1-9][0-9]{0,14})$',
};

/** JSON Schema of a blob reference (`parseBlobRef`): `<case>/<blob id>`. */
export const BLOB_REF_JSON_SCHEMA: StringJsonSchema = {
  minLength: 1,
  maxLength: 300,
  pattern: `^${NO_PERCENT_ENCODING}(?!\\.)${SEGMENT}/${BLOB_ID_JSON_SCHEMA.pattern!.slice(1)}`,
};

/** JSON Schema of a case name (`checkCaseName`). */
export const CASE_NAME_JSON_SCHEMA: StringJsonSchema = {
  minLength: 1,
  maxLength: MAX_CASE_NAME_BYTES,
  pattern: `^${NO_PERCENT_ENCODING}(?!\\.)${SEGMENT}$`,
};

/** JSON Schema of a path inside a case (`checkCasePath`); a trailing `/` marks a folder. */
export const CASE_PATH_JSON_SCHEMA: StringJsonSchema = {
  minLength: 1,
  // `projects/<shortest case>/` takes 11 bytes and a folder marker one more.
  maxLength: MAX_OBJECT_NAME_BYTES - `${PROJECTS_PREFIX}x/`.length - 1,
  pattern: `^${NO_PERCENT_ENCODING}${SEGMENT}(?:/${SEGMENT})*/?$`,
};

/** JSON Schema of a path that must name a file (`write_file`'s destination, a file read): no trailing `/`. */
export const FILE_PATH_JSON_SCHEMA: StringJsonSchema = {
  ...CASE_PATH_JSON_SCHEMA,
  pattern: `^(?!.*/$)${CASE_PATH_JSON_SCHEMA.pattern.slice(1)}`,
};
