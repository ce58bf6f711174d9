/**
 * CaseContentService: the sandbox's view of a case's bytes — reading one file, taking a
 * snapshot of every object, and bringing new content in as blobs — with the same role and
 * case checks as every PlanService method.
 *
 * Bytes never pass through a function when they need not (DESIGN rule 10): with a UrlSigner
 * (Cloud Storage) reads are redirects to short-lived signed URLs and uploads go straight to the
 * staging area; without one (the embedded server) content is streamed from the local store and
 * uploads are streamed to disk, hashed on the way, and published only when they match.
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { z } from 'zod';
import { blobDeclarationSchema, blobRefOf, checkBlob } from '../domain/blobs.ts';
import { baseName, blobObjectName, casePathOf, casePrefix, formatBlobRef, parseBlobId, type BlobRef } from '../domain/paths.ts';
import { caseNameSchema, casePathSchema } from '../domain/plan.ts';
import { BailiffError, invalidInput, isBailiffError, notFound, zodIssueDetails } from '../errors.ts';
import type { Principal } from '../ports/identity.ts';
import type { ByteRange, ObjectInfo, ObjectStore, RefusedEntry } from '../ports/object-store.ts';
import type { SignedRequest, UrlSigner } from '../ports/url-signer.ts';
import { requireRole, type CaseAccess } from './authorization.ts';
import { mapLimited } from '../map-limited.ts';

/** The most objects a snapshot holds: what one target-state plan may describe. */
export const MAX_SNAPSHOT_OBJECTS = 100_000;
export const DEFAULT_SNAPSHOT_PAGE = 5_000;
export const MAX_SNAPSHOT_PAGE = 10_000;

export interface CaseContentOptions {
  /** Lifetime of a signed read URL. */
  readUrlTtlSeconds: number;
  /** Lifetime of a signed upload URL. */
  uploadUrlTtlSeconds: number;
  /** Largest blob the embedded server accepts as an upload. */
  maxUploadBytes: number;
}

export const DEFAULT_CASE_CONTENT_OPTIONS: CaseContentOptions = {
  readUrlTtlSeconds: 300,
  uploadUrlTtlSeconds: 900,
  maxUploadBytes: 1024 ** 3,
};

export interface CaseContentDeps {
  objects: ObjectStore;
  /** Set on Cloud Storage: reads and uploads then bypass the function. */
  signer?: UrlSigner;
  options?: Partial<CaseContentOptions>;
  /** Case scope and ethical walls. */
  access: CaseAccess;
}

/** One object of a snapshot. Hashes are lower-case hex (md5) and base64 (crc32c, as Cloud Storage reports it). */
export interface SnapshotEntry {
  path: string;
  size: number;
  md5: string;
  crc32c?: string;
  generation: string;
  contentType: string;
  updated: string;
}

export interface SnapshotPage {
  case: string;
  objects: SnapshotEntry[];
  nextPageToken?: string;
}

/** What answering a content request takes. */
export type ContentAnswer =
  | { kind: 'redirect'; location: string; etag: string; expiresAt: string }
  | { kind: 'not_modified'; etag: string }
  | {
      kind: 'bytes';
      etag: string;
      stream: Readable;
      contentType: string;
      /** Bytes being sent. */
      length: number;
      /** Set for a 206: the range sent and the object's full size. */
      range?: { start: number; end: number; size: number };
      /** The object's name within the case, for Content-Disposition. */
      filename: string;
    };

export interface BlobDeclarationAnswer {
  blob: string;
  /** True when the blob is already uploaded and verified: nothing to send. */
  exists: boolean;
  /**
   * Where to send the bytes, when `exists` is false. `authorization: "bearer"` means the URL is
   * a path of this API and takes the caller's Bailiff token; `"signed"` means the URL carries
   * its own authorisation and must be sent no other credentials.
   */
  upload?: SignedRequest & { authorization: 'bearer' | 'signed' };
}

export interface BlobUploadAnswer {
  blob: string;
  size: number;
  alreadyUploaded: boolean;
  /** The hashes computed on the way in (absent when the blob was already there). */
  md5?: string;
  sha256?: string;
}

const contentQuerySchema = z.strictObject({ path: casePathSchema });
const snapshotQuerySchema = z.strictObject({
  pageToken: z.string().min(1).max(4096).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_SNAPSHOT_PAGE).optional(),
});

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(`invalid ${what}`, zodIssueDetails(result.error));
  return result.data;
}

const etagOf = (generation: string) => `"${generation}"`;

/**
 * Parses one `Range: bytes=...` header against an object of `size` bytes. Several ranges, or
 * any other unit, are answered with the whole object, as RFC 9110 allows; a range that cannot
 * be satisfied is an error.
 */
export function parseRangeHeader(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) throw rangeNotSatisfiable(header, size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  if (start >= size) throw rangeNotSatisfiable(header, size);
  const end = match[2] === '' ? size - 1 : Number(match[2]);
  if (end < start) return undefined;
  return { start, end: Math.min(end, size - 1) };
}

function rangeNotSatisfiable(header: string, size: number): BailiffError {
  return new BailiffError('range_not_satisfiable', `the range \`${header}\` lies outside the object (${size} bytes)`, [{ message: 'object size', size }]);
}

export class CaseContentService {
  readonly #objects: ObjectStore;
  readonly #signer: UrlSigner | undefined;
  readonly #options: CaseContentOptions;
  readonly #access: CaseAccess;

  constructor(deps: CaseContentDeps) {
    this.#access = deps.access;
    this.#objects = deps.objects;
    this.#signer = deps.signer;
    this.#options = { ...DEFAULT_CASE_CONTENT_OPTIONS, ...deps.options };
  }

  /**
   * One file's content, with its generation as ETag. Throws `not_found` for a missing file or
   * a folder, `range_not_satisfiable` for a range past its end.
   */
  async readContent(principal: Principal, caseRaw: string, query: unknown, headers: { range?: string; ifNoneMatch?: string }): Promise<ContentAnswer> {
    requireRole(principal, 'reading files', 'agent', 'approver');
    const caseName = parseOrThrow(caseNameSchema, caseRaw, 'case name');
    await this.#access.requireCase(principal, caseName, 'read files');
    const { path } = parseOrThrow(contentQuerySchema, query, 'query');
    if (path.endsWith('/')) throw invalidInput('invalid query', [{ path: 'query.path', message: 'names a folder; read a file' }]);
    const name = `${casePrefix(caseName)}${path}`;
    const filename = baseName(path);
    if (this.#signer) {
      const info = await this.#objects.stat(name);
      if (!info) throw notFound(`\`${path}\` does not exist in case \`${caseName}\``);
      const etag = etagOf(info.generation);
      if (headers.ifNoneMatch === etag) return { kind: 'not_modified', etag };
      const signed = await this.#signer.signRead(name, { generation: info.generation, expiresInSeconds: this.#options.readUrlTtlSeconds });
      return { kind: 'redirect', location: signed.url, etag, expiresAt: signed.expiresAt };
    }
    // One open file, one version: stat the version being opened, then decide the range on it.
    let opened;
    try {
      opened = await this.#objects.openRead(name);
    } catch (error) {
      if (isBailiffError(error, 'not_found')) throw notFound(`\`${path}\` does not exist in case \`${caseName}\``);
      throw error;
    }
    const { info } = opened;
    const etag = etagOf(info.generation);
    let range: ByteRange | undefined;
    try {
      if (headers.ifNoneMatch === etag) {
        opened.stream.destroy();
        return { kind: 'not_modified', etag };
      }
      range = parseRangeHeader(headers.range, info.size);
    } catch (error) {
      opened.stream.destroy();
      throw error;
    }
    const contentType = info.contentType ?? 'application/octet-stream';
    if (!range) return { kind: 'bytes', etag, stream: opened.stream, contentType, length: info.size, filename };
    opened.stream.destroy();
    // Reopened at the same generation: a range read of the version the ETag names, or a 412.
    const ranged = await this.#objects.openRead(name, { range, ifGenerationMatch: info.generation });
    const end = range.end ?? info.size - 1;
    return {
      kind: 'bytes',
      etag,
      stream: ranged.stream,
      contentType,
      length: end - range.start + 1,
      range: { start: range.start, end, size: info.size },
      filename,
    };
  }

  /**
   * One page of every object in the case, in name order: what a sandbox pulls and later
   * proposes a target state against. Folder markers (empty folders) are entries ending in `/`.
   */
  async snapshot(principal: Principal, caseRaw: string, query: unknown): Promise<SnapshotPage> {
    requireRole(principal, 'reading files', 'agent', 'approver');
    const caseName = parseOrThrow(caseNameSchema, caseRaw, 'case name');
    await this.#access.requireCase(principal, caseName, 'pull');
    const { pageToken, limit = DEFAULT_SNAPSHOT_PAGE } = parseOrThrow(snapshotQuerySchema, query ?? {}, 'query');
    const objects: ObjectInfo[] = [];
    let token = pageToken;
    // Whole store pages only, so the next token is exactly where this page stopped.
    do {
      const page = await this.#objects.list(casePrefix(caseName), { pageToken: token, pageSize: Math.min(1000, limit), withMetadata: true });
      objects.push(...page.objects);
      token = page.nextPageToken;
    } while (token && objects.length + 1000 <= limit);
    const entries = await this.#describe(caseName, objects);
    return { case: caseName, objects: entries, ...(token ? { nextPageToken: token } : {}) };
  }

  /**
   * Every object of the case as snapshot entries, refusing more than MAX_SNAPSHOT_OBJECTS.
   * `knownMd5` answers for objects whose md5 the caller already knows at that generation, so a
   * store that does not know it (a local directory) reads only the others.
   */
  async fullSnapshot(caseName: string, knownMd5?: (path: string, generation: string) => string | undefined): Promise<SnapshotEntry[]> {
    return (await this.fullListing(caseName, knownMd5)).entries;
  }

  /** `fullSnapshot`, with the listing it came from (for a dry run against exactly the same view). */
  async fullListing(
    caseName: string,
    knownMd5?: (path: string, generation: string) => string | undefined,
  ): Promise<{ entries: SnapshotEntry[]; objects: ObjectInfo[]; refused: RefusedEntry[]; pages: number }> {
    const objects: ObjectInfo[] = [];
    const refused: RefusedEntry[] = [];
    let token: string | undefined;
    // With md5s known, custom metadata (where a local store keeps md5s and content types, one
    // file per object) is not worth reading; content types do not matter to a diff.
    const withMetadata = knownMd5 === undefined;
    let pages = 0;
    do {
      const page = await this.#objects.list(casePrefix(caseName), { pageToken: token, pageSize: 1000, withMetadata });
      pages += 1;
      objects.push(...page.objects);
      refused.push(...(page.refused ?? []));
      if (objects.length > MAX_SNAPSHOT_OBJECTS) throw invalidInput(`case \`${caseName}\` holds more than ${MAX_SNAPSHOT_OBJECTS} objects`);
      token = page.nextPageToken;
    } while (token);
    return { entries: await this.#describe(caseName, objects, knownMd5), objects, refused, pages };
  }

  async #describe(caseName: string, objects: ObjectInfo[], knownMd5?: (path: string, generation: string) => string | undefined): Promise<SnapshotEntry[]> {
    const entries = await mapLimited(objects, 8, async (object): Promise<SnapshotEntry | undefined> => {
      const path = casePathOf(caseName, object.name);
      if (path === undefined || path === '') return undefined;
      const md5 = object.md5 ? Buffer.from(object.md5, 'base64').toString('hex') : (knownMd5?.(path, object.generation) ?? (await this.#md5Of(object)));
      if (md5 === undefined) return undefined;
      return {
        path,
        size: object.size,
        md5,
        ...(object.crc32c ? { crc32c: object.crc32c } : {}),
        generation: object.generation,
        contentType: object.contentType ?? 'application/octet-stream',
        updated: object.updated,
      };
    });
    return entries.filter((entry): entry is SnapshotEntry => entry !== undefined);
  }

  /** A local store knows the md5 of what Bailiff wrote only; others are hashed here, at the listed generation. */
  async #md5Of(object: ObjectInfo): Promise<string | undefined> {
    try {
      const { stream } = await this.#objects.openRead(object.name, { ifGenerationMatch: object.generation });
      const hash = createHash('md5');
      for await (const chunk of stream) hash.update(chunk as Buffer);
      return hash.digest('hex');
    } catch (error) {
      // Changed or removed since the listing: it is not part of this snapshot.
      if (isBailiffError(error, 'not_found') || isBailiffError(error, 'precondition_failed')) return undefined;
      throw error;
    }
  }

  /**
   * Declares new content by hash and size. Answers its blob reference and, unless it is already
   * uploaded, where to upload it. Idempotent.
   */
  async declareBlob(principal: Principal, caseRaw: string, body: unknown): Promise<BlobDeclarationAnswer> {
    requireRole(principal, 'uploading content', 'agent');
    const caseName = parseOrThrow(caseNameSchema, caseRaw, 'case name');
    await this.#access.requireCase(principal, caseName, 'upload');
    const declaration = parseOrThrow(blobDeclarationSchema, body, 'blob declaration');
    if (this.#signer && declaration.md5 === undefined) {
      throw invalidInput('invalid blob declaration', [
        { path: 'md5', message: 'Cloud Storage verifies uploads by MD5: declare `md5` (sha256 alone cannot be checked without reading the bytes)' },
      ]);
    }
    if (!this.#signer && declaration.size > this.#options.maxUploadBytes) {
      throw new BailiffError('payload_too_large', `this server accepts uploads of at most ${this.#options.maxUploadBytes} bytes`, [
        { path: 'size', message: 'too large' },
      ]);
    }
    const ref = blobRefOf(caseName, declaration);
    const blob = formatBlobRef(ref);
    const name = blobObjectName(ref);
    if (checkBlob(ref, caseName, await this.#objects.stat(name)).ok) return { blob, exists: true };
    if (this.#signer) {
      const signed = await this.#signer.signUpload(name, {
        md5Base64: Buffer.from(declaration.md5!, 'hex').toString('base64'),
        contentType: declaration.contentType,
        expiresInSeconds: this.#options.uploadUrlTtlSeconds,
      });
      return { blob, exists: false, upload: { ...signed, authorization: 'signed' } };
    }
    const id = blob.slice(caseName.length + 1);
    return {
      blob,
      exists: false,
      upload: {
        method: 'PUT',
        url: `/cases/${encodeURIComponent(caseName)}/blobs/${id}`,
        headers: { 'content-type': declaration.contentType },
        expiresAt: new Date(Date.now() + this.#options.uploadUrlTtlSeconds * 1000).toISOString(),
        authorization: 'bearer',
      },
    };
  }

  /**
   * The embedded server's upload endpoint: streams the body to the staging area, hashing it,
   * and publishes it only if its size and hash are the ones the blob id names. Idempotent.
   */
  async receiveBlob(principal: Principal, caseRaw: string, blobIdRaw: string, body: Readable, contentType: string | undefined): Promise<BlobUploadAnswer> {
    requireRole(principal, 'uploading content', 'agent');
    const caseName = parseOrThrow(caseNameSchema, caseRaw, 'case name');
    await this.#access.requireCase(principal, caseName, 'upload');
    if (this.#signer) throw invalidInput('this deployment takes uploads at the signed URL `POST /cases/{case}/blobs` answers, not here');
    const id = parseBlobId(blobIdRaw);
    if (!id.ok) throw invalidInput('invalid blob id', [{ path: 'params.blob', message: id.reason }]);
    const ref: BlobRef = { case: caseName, ...id.value };
    if (ref.size > this.#options.maxUploadBytes)
      throw new BailiffError('payload_too_large', `this server accepts uploads of at most ${this.#options.maxUploadBytes} bytes`);
    const name = blobObjectName(ref);
    const existing = await this.#objects.stat(name);
    if (checkBlob(ref, caseName, existing).ok) {
      body.resume();
      return { blob: formatBlobRef(ref), size: existing!.size, alreadyUploaded: true };
    }
    const verifier = new VerifyingStream(ref);
    const written = await this.#objects
      .writeFrom(name, body.pipe(verifier), {
        ...(existing ? { ifGenerationMatch: existing.generation } : { ifGenerationMatch: '0' }),
        contentType: contentType ?? 'application/octet-stream',
      })
      .catch((error: unknown) => {
        // Stop taking the rest of a refused upload, but leave the connection to the HTTP layer:
        // destroying the request here closed the socket before the 413 or 400 could be sent.
        // The server answers with `Connection: close` when a body was not read to its end.
        body.unpipe(verifier);
        throw error;
      });
    return { blob: formatBlobRef(ref), size: written.size, alreadyUploaded: false, md5: verifier.md5Hex(), sha256: verifier.sha256Hex() };
  }
}

/**
 * Passes bytes through while hashing and counting them, and fails the stream — so the store
 * publishes nothing — the moment they exceed the declared size, or at the end when size or
 * hash differ from the blob id.
 */
class VerifyingStream extends Transform {
  readonly #ref: BlobRef;
  readonly #md5 = createHash('md5');
  readonly #sha256 = createHash('sha256');
  #received = 0;
  #md5Hex: string | undefined;
  #sha256Hex: string | undefined;

  constructor(ref: BlobRef) {
    super();
    this.#ref = ref;
  }

  md5Hex(): string {
    return this.#md5Hex ?? '';
  }

  /** Known once the stream has ended. */
  sha256Hex(): string {
    return this.#sha256Hex ?? '';
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    this.#received += chunk.length;
    if (this.#received > this.#ref.size) {
      done(new BailiffError('payload_too_large', `the upload is larger than the ${this.#ref.size} bytes its blob id declares`));
      return;
    }
    this.#md5.update(chunk);
    this.#sha256.update(chunk);
    done(null, chunk);
  }

  override _flush(done: (error?: Error | null) => void): void {
    this.#md5Hex = this.#md5.digest('hex');
    this.#sha256Hex = this.#sha256.digest('hex');
    if (this.#received !== this.#ref.size) {
      done(
        invalidInput(`the upload has ${this.#received} bytes; its blob id declares ${this.#ref.size}`, [
          { message: 'size mismatch', received: this.#received, declared: this.#ref.size },
        ]),
      );
      return;
    }
    const actual = this.#ref.algorithm === 'md5' ? this.#md5Hex : this.#sha256Hex;
    if (actual !== this.#ref.digest) {
      done(
        invalidInput(`the uploaded bytes have ${this.#ref.algorithm} ${actual}, not the ${this.#ref.digest} the blob id declares`, [
          { message: 'hash mismatch', algorithm: this.#ref.algorithm, actual, declared: this.#ref.digest },
        ]),
      );
      return;
    }
    done();
  }
}
