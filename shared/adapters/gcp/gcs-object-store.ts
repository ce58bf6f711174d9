/**
 * ObjectStore on a Cloud Storage bucket, through `@google-cloud/storage` and the JSON API.
 *
 * Every precondition goes to Cloud Storage as a query parameter and is answered there,
 * atomically; this adapter never checks a generation itself. Vendor errors are translated
 * here and nowhere else (`translateGcsError`).
 *
 * Retries: only requests that are idempotent by their preconditions are retried — reads,
 * listings, and mutations carrying `ifGenerationMatch` — following the Storage instance's
 * `retryOptions` (the library's default `IdempotencyStrategy.RetryConditional`), decided per
 * request: the library's own switch is a flag on the shared Storage instance (File#save even
 * leaves it off). A retried conditional mutation whose first attempt did land (its answer was
 * lost) answers `precondition_failed` (or `not_found` for a delete): callers resolve that
 * ambiguity by looking at the object's generation and Bailiff metadata, never by repeating
 * blindly (DESIGN rule 4). test/fault/gcs-retry-faults.test.ts injects each fault per method.
 */
import { IdempotencyStrategy, Storage, type Bucket, type File, type FileMetadata, type StorageOptions } from '@google-cloud/storage';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { holdField, type SettableHoldKind } from '../../domain/holds.ts';
import { BailiffError, internal, invalidInput, isBailiffError, preconditionFailed, unavailable } from '../../errors.ts';
import type {
  CopyOptions,
  GenerationPrecondition,
  ListOptions,
  ListPage,
  ObjectHolds,
  ObjectInfo,
  ObjectReadStream,
  ObjectStore,
  OpenReadOptions,
  WriteOptions,
} from '../../ports/object-store.ts';

export interface GcsObjectStoreOptions {
  /** Built by the composition root (endpoint, credentials, retryOptions); never from process.env here. */
  storage: Storage;
  /** The workspace bucket. */
  bucket: string;
  /**
   * Cap on the bytes one rewrite call copies; Cloud Storage then answers with a rewrite token
   * and the adapter calls again. Unset lets Cloud Storage choose (large cross-location copies
   * still come back in several calls).
   */
  maxBytesRewrittenPerCall?: number;
  /**
   * `false` for an emulator that ignores copy and delete preconditions (fake-gcs-server): the
   * executor then looks before it changes anything. Cloud Storage and storage-testbench enforce them.
   */
  preconditionsEnforced?: boolean;
}

/** One page of the JSON API's rewrite answer: the fields the copy loop relies on. */
interface RewriteResponse {
  done?: boolean;
  rewriteToken?: string;
  resource?: FileMetadata;
}

export interface GcsStorageSettings {
  /**
   * Endpoint of an emulator such as fake-gcs-server (`http://127.0.0.1:4443`); unset means the
   * real Cloud Storage with Application Default Credentials.
   */
  apiEndpoint?: string;
  projectId?: string;
  retryOptions?: StorageOptions['retryOptions'];
  /**
   * Headers sent with every request, uploads and downloads included. Tests use it to tag their
   * requests for the storage testbench's Retry Test API (`x-retry-test-id`); production sets none.
   */
  requestHeaders?: Record<string, string>;
}

/**
 * Builds the Storage client for a composition root. With an emulator endpoint it also pins the
 * JSON API base URL to `<endpoint>/storage/v1`: when STORAGE_EMULATOR_HOST is set, the library
 * uses that variable verbatim as the JSON API base (googleapis/nodejs-storage#1314) while
 * uploads and downloads use `<endpoint>/upload/storage/v1/...`, so no single value of the
 * variable serves both against fake-gcs-server.
 */
export function createGcsStorage(settings: GcsStorageSettings = {}): Storage {
  const storage = new Storage({
    ...(settings.apiEndpoint ? { apiEndpoint: settings.apiEndpoint } : {}),
    ...(settings.projectId ? { projectId: settings.projectId } : {}),
    ...(settings.retryOptions ? { retryOptions: settings.retryOptions } : {}),
  });
  if (settings.apiEndpoint) storage.baseUrl = `${settings.apiEndpoint.replace(/\/+$/, '')}/storage/v1`;
  const extraHeaders = settings.requestHeaders;
  if (extraHeaders && Object.keys(extraHeaders).length > 0) {
    // Storage-level interceptors run for every request the library builds, JSON API calls,
    // simple uploads and media downloads alike.
    storage.interceptors.push({
      // The library passes its own request options (which always carry `uri`), typed loosely.
      request: (requestOptions) => {
        const decorated = requestOptions as typeof requestOptions & { uri: string };
        decorated.headers = { ...decorated.headers, ...extraHeaders };
        return decorated;
      },
    });
  }
  return storage;
}

const DEFAULT_PAGE_SIZE = 1000;
// Cloud Storage refuses maxResults above 1000 for listings with full metadata; asking for more
// would only be silently capped, so the cap is explicit here.
const MAX_PAGE_SIZE = 1000;

/** The workspace as a Cloud Storage bucket. */
export class GcsObjectStore implements ObjectStore {
  readonly #storage: Storage;
  readonly #bucket: Bucket;
  readonly #bucketName: string;
  readonly #maxBytesRewrittenPerCall: number | undefined;
  readonly preconditionsEnforced: boolean;

  constructor(options: GcsObjectStoreOptions) {
    this.preconditionsEnforced = options.preconditionsEnforced ?? true;
    this.#storage = options.storage;
    this.#bucketName = options.bucket;
    this.#bucket = options.storage.bucket(options.bucket);
    this.#maxBytesRewrittenPerCall = options.maxBytesRewrittenPerCall;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const maxResults = Math.min(Math.max(1, options.pageSize ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);
    try {
      const [files, , response] = await this.#bucket.getFiles({
        prefix,
        maxResults,
        pageToken: options.pageToken,
        autoPaginate: false,
      });
      const nextPageToken = (response as { nextPageToken?: string } | undefined)?.nextPageToken;
      return {
        objects: files.map((file) => toObjectInfo(file.metadata)),
        ...(nextPageToken ? { nextPageToken } : {}),
      };
    } catch (error) {
      throw translateGcsError(error, `listing ${prefix}`);
    }
  }

  async stat(name: string): Promise<ObjectInfo | undefined> {
    checkName(name);
    try {
      const [metadata] = await this.#bucket.file(name).getMetadata();
      return toObjectInfo(metadata);
    } catch (error) {
      const translated = translateGcsError(error, `stat ${name}`);
      if (translated.code === 'not_found') return undefined;
      throw translated;
    }
  }

  async read(name: string): Promise<Buffer> {
    checkName(name);
    // The library's own retry of a download is off (`maxRetries: 0` on this request): when it
    // retries an error status, teeny-request pipes into the stream it just destroyed and
    // rejects a promise nobody handles, which ends a Node process. Nor does it repeat a body
    // that breaks off part way. Reads are idempotent, so the whole download is repeated here.
    const file = this.#bucket.file(name);
    file.interceptors.push({
      request: (requestOptions) => Object.assign(requestOptions as typeof requestOptions & { uri: string }, { maxRetries: 0 }),
    });
    return this.#attempt(`read ${name}`, true, async () => (await file.download())[0]);
  }

  /**
   * Reads the generation described, not whatever the name holds by the time the bytes flow:
   * the download names that generation explicitly.
   */
  async openRead(name: string, options: OpenReadOptions = {}): Promise<ObjectReadStream> {
    checkName(name);
    let metadata: FileMetadata;
    try {
      [metadata] = await this.#bucket.file(name).getMetadata();
    } catch (error) {
      throw translateGcsError(error, `read ${name}`);
    }
    const info = toObjectInfo(metadata);
    if (options.ifGenerationMatch !== undefined && options.ifGenerationMatch !== info.generation) {
      throw preconditionFailed(`${name} is not at generation ${options.ifGenerationMatch}`, [
        { message: 'stale generation', name, expected: options.ifGenerationMatch, actual: info.generation },
      ]);
    }
    if (options.range && (options.range.start < 0 || options.range.start >= info.size)) {
      throw invalidInput(`range starting at byte ${options.range.start} is past the end of ${name} (${info.size} bytes)`, [
        { message: 'range not satisfiable', start: options.range.start, size: info.size },
      ]);
    }
    const file = this.#bucket.file(name, { generation: Number(info.generation) });
    const stream = file.createReadStream({
      validation: options.range ? false : 'md5',
      ...(options.range ? { start: options.range.start, end: Math.min(options.range.end ?? info.size - 1, info.size - 1) } : {}),
    });
    // Errors after this point surface on the stream; translate them the same way.
    const translated = stream as Readable;
    return { info, stream: translated };
  }

  /**
   * One streamed multipart request (never buffered). Not resumable: fake-gcs-server v1.56.1
   * drops the content type of resumable uploads, and production clients upload large content
   * through signed URLs, not through this adapter.
   */
  async writeFrom(name: string, source: Readable, options: WriteOptions = {}): Promise<ObjectInfo> {
    checkName(name);
    const file: File = this.#bucket.file(name);
    try {
      await pipeline(
        source,
        file.createWriteStream({
          resumable: false,
          validation: 'md5',
          contentType: options.contentType ?? 'application/octet-stream',
          metadata: { contentType: options.contentType ?? 'application/octet-stream', metadata: options.metadata ?? {} },
          ...(options.ifGenerationMatch !== undefined ? { preconditionOpts: { ifGenerationMatch: options.ifGenerationMatch } } : {}),
        }),
      );
    } catch (error) {
      throw translateGcsError(error, `write ${name}`);
    }
    return toObjectInfo(file.metadata);
  }

  async write(name: string, data: Buffer, options: WriteOptions = {}): Promise<ObjectInfo> {
    checkName(name);
    if (name.endsWith('/') && data.length > 0) {
      throw invalidInput(`${name} is a folder marker and must be empty`);
    }
    const file: File = this.#bucket.file(name);
    // Single-request multipart upload: the whole object is in memory already, and a resumable
    // session would cost an extra round trip per object. Not File#save: for an unconditional
    // write it switches retries off on the shared Storage instance for good, so after the first
    // audit file every later read and conditional mutation of the process went unretried.
    const upload = () =>
      new Promise<void>((resolve, reject) => {
        file
          .createWriteStream({
            resumable: false,
            metadata: { contentType: options.contentType ?? 'application/octet-stream', metadata: options.metadata ?? {} },
            ...(options.ifGenerationMatch !== undefined ? { preconditionOpts: { ifGenerationMatch: options.ifGenerationMatch } } : {}),
          })
          .on('error', reject)
          .on('finish', resolve)
          .end(data);
      });
    await this.#attempt(`write ${name}`, options.ifGenerationMatch !== undefined, upload);
    return toObjectInfo(file.metadata);
  }

  async copy(source: string, destination: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    checkName(source);
    checkName(destination);
    // The library's File#copy neither sends ifSourceGenerationMatch as a query parameter nor
    // repeats preconditions and metadata on rewrite-token continuations, so the rewrite loop
    // is written out here. Every call repeats the same parameters, as the API requires.
    const qs: Record<string, string | number> = {};
    if (options.ifSourceGenerationMatch !== undefined) qs.ifSourceGenerationMatch = options.ifSourceGenerationMatch;
    if (options.ifGenerationMatch !== undefined) qs.ifGenerationMatch = options.ifGenerationMatch;
    if (this.#maxBytesRewrittenPerCall !== undefined) qs.maxBytesRewrittenPerCall = this.#maxBytesRewrittenPerCall;
    const body = options.metadata !== undefined ? await this.#rewriteBody(source, options) : {};
    const uri = `/o/${encodeURIComponent(source)}/rewriteTo/b/${encodeURIComponent(this.#bucketName)}` + `/o/${encodeURIComponent(destination)}`;
    const maxRetries = this.#retriesFor(options.ifGenerationMatch !== undefined);
    let rewriteToken: string | undefined;
    try {
      for (;;) {
        const [response] = (await this.#bucket.request({
          method: 'POST',
          uri,
          qs: rewriteToken ? { ...qs, rewriteToken } : qs,
          json: body,
          maxRetries,
        })) as [RewriteResponse, unknown];
        if (response.done !== false && response.resource) return toObjectInfo(response.resource);
        if (!response.rewriteToken) {
          throw internal(`rewrite of ${source} to ${destination} returned neither an object nor a token`);
        }
        rewriteToken = response.rewriteToken;
      }
    } catch (error) {
      throw translateGcsError(error, `copy ${source} to ${destination}`);
    }
  }

  /**
   * The destination's resource for a copy that sets custom metadata. A non-empty rewrite body
   * is the destination's only source of editable metadata (an empty one copies the source's),
   * so the source's content type and headers go in too: from the caller's record when it has
   * one (no extra request), else read from the source first. Otherwise every copied PDF would
   * come out as application/octet-stream.
   */
  async #rewriteBody(source: string, options: CopyOptions): Promise<FileMetadata> {
    let sourceMetadata: FileMetadata;
    if (options.sourceHeaders) {
      sourceMetadata = { ...options.sourceHeaders.headers, ...(options.sourceHeaders.contentType ? { contentType: options.sourceHeaders.contentType } : {}) };
    } else {
      try {
        [sourceMetadata] = await this.#bucket
          .file(source)
          .getMetadata(options.ifSourceGenerationMatch !== undefined ? { ifGenerationMatch: options.ifSourceGenerationMatch } : {});
      } catch (error) {
        throw translateGcsError(error, `copy ${source}: reading the source's metadata`);
      }
    }
    const body: FileMetadata = { metadata: { ...options.metadata } };
    for (const field of HEADER_FIELDS) {
      const value = sourceMetadata[field];
      if (value) body[field] = value;
    }
    if (sourceMetadata.contentType) body.contentType = sourceMetadata.contentType;
    return body;
  }

  async delete(name: string, options: GenerationPrecondition = {}): Promise<void> {
    checkName(name);
    const qs = options.ifGenerationMatch !== undefined ? { ifGenerationMatch: options.ifGenerationMatch } : {};
    try {
      await this.#bucket.file(name).request({
        method: 'DELETE',
        uri: '',
        qs,
        maxRetries: this.#retriesFor(options.ifGenerationMatch !== undefined),
      });
    } catch (error) {
      throw translateGcsError(error, `delete ${name}`);
    }
  }

  /**
   * One objects.patch of the hold's flag (`temporaryHold` or `eventBasedHold`). Setting a flag
   * to a given value is idempotent, so it is retried like a conditional request.
   */
  async setHold(name: string, kind: SettableHoldKind, held: boolean): Promise<ObjectInfo> {
    checkName(name);
    const field = holdField(kind) === 'temporary' ? 'temporaryHold' : 'eventBasedHold';
    const file = this.#bucket.file(name);
    const [metadata] = (await this.#attempt(`${held ? 'placing' : 'releasing'} a ${kind} hold on ${name}`, true, () =>
      file.request({ method: 'PATCH', uri: '', json: { [field]: held }, maxRetries: 0 }),
    )) as [FileMetadata, unknown];
    return toObjectInfo(metadata);
  }

  async health(): Promise<void> {
    // Listing one name needs only storage.objects.list, which the runtime service account has
    // anyway; bucket metadata would need storage.buckets.get. No retries: health answers now.
    try {
      await this.#bucket.request({ method: 'GET', uri: '/o', qs: { maxResults: 1, fields: 'kind' }, maxRetries: 0 });
    } catch (error) {
      const translated = translateGcsError(error, `health check of gs://${this.#bucketName}`);
      throw unavailable(translated.message, [], error);
    }
  }

  /**
   * Runs one request, and again after a transient failure (`unavailable`, `rate_limited`) when
   * it is idempotent — a read, or a mutation made safe by its preconditions — following the
   * Storage instance's retry options: at most `maxRetries` more attempts, waits growing by
   * `retryDelayMultiplier` from 1 s up to `maxRetryDelay`, none begun after `totalTimeout`.
   * Errors leave translated.
   */
  async #attempt<T>(context: string, idempotent: boolean, request: () => Promise<T>): Promise<T> {
    const retries = this.#retriesFor(idempotent);
    const { retryDelayMultiplier = 2, maxRetryDelay = 64, totalTimeout = 600 } = this.#storage.retryOptions;
    const deadline = Date.now() + totalTimeout * 1000;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await request();
      } catch (error) {
        const translated = translateGcsError(error, context);
        const transient = translated.code === 'unavailable' || translated.code === 'rate_limited';
        if (!transient || attempt >= retries || Date.now() >= deadline) throw translated;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * retryDelayMultiplier ** attempt, maxRetryDelay * 1000)));
      }
    }
  }

  /**
   * Retries for one request, decided per request: the library's own switch for this is a
   * flag on the shared Storage instance, which concurrent calls would flip under each other.
   */
  #retriesFor(conditional: boolean): number {
    const { retryOptions } = this.#storage;
    if (retryOptions.autoRetry === false) return 0;
    const strategy = retryOptions.idempotencyStrategy ?? IdempotencyStrategy.RetryConditional;
    if (strategy === IdempotencyStrategy.RetryNever) return 0;
    if (strategy === IdempotencyStrategy.RetryConditional && !conditional) return 0;
    return retryOptions.maxRetries ?? 3;
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw invalidInput('object name is empty');
}

/** The headers a copy carries over besides the content type (ObjectInfo's `headers`). */
const HEADER_FIELDS = ['contentEncoding', 'contentDisposition', 'contentLanguage', 'cacheControl'] as const;

function toObjectInfo(metadata: FileMetadata): ObjectInfo {
  const headers: Record<string, string> = {};
  for (const field of HEADER_FIELDS) {
    const value = metadata[field];
    if (typeof value === 'string' && value) headers[field] = value;
  }
  const custom: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.metadata ?? {})) {
    // Cloud Storage reports a removed key as null until the next full update; it is gone.
    if (value !== null && value !== undefined) custom[key] = String(value);
  }
  const holds = holdsOf(metadata);
  return {
    name: String(metadata.name),
    size: Number(metadata.size ?? 0),
    generation: String(metadata.generation),
    updated: metadata.updated ? new Date(metadata.updated).toISOString() : new Date(0).toISOString(),
    ...(metadata.md5Hash ? { md5: metadata.md5Hash } : {}),
    ...(metadata.crc32c ? { crc32c: metadata.crc32c } : {}),
    ...(metadata.contentType ? { contentType: metadata.contentType } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    metadata: custom,
    ...(holds ? { holds } : {}),
  };
}

/**
 * The object's holds and retention. A listing without `fields` carries every one of them
 * (`temporaryHold`, `eventBasedHold`, `retentionExpirationTime`, `retention.retainUntilTime`),
 * so the dry run's one listing is enough to refuse a held object.
 */
function holdsOf(metadata: FileMetadata): ObjectHolds | undefined {
  const retention = (metadata as { retention?: { retainUntilTime?: unknown } }).retention;
  const holds: ObjectHolds = {
    ...(metadata.temporaryHold === true ? { temporary: true } : {}),
    ...(metadata.eventBasedHold === true ? { eventBased: true } : {}),
    ...(metadata.retentionExpirationTime ? { retentionExpires: new Date(metadata.retentionExpirationTime).toISOString() } : {}),
    ...(typeof retention?.retainUntilTime === 'string' && retention.retainUntilTime ? { retainUntil: new Date(retention.retainUntilTime).toISOString() } : {}),
  };
  return Object.keys(holds).length > 0 ? holds : undefined;
}

// Transport failures that mean "the service could not be reached or dropped us".
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);
/**
 * Cloud Storage's 403 for deleting or replacing a held or retained object: reason
 * `retentionPolicyNotMet`, message "Object '...' is under active Temporary hold and cannot be
 * deleted, overwritten or archived until hold is removed." (or "... Event-Based hold ...", or
 * "... is subject to bucket's retention policy or object retention ...").
 */
const HELD_REASON = 'retentionPolicyNotMet';
const HELD_WORDS = /under active .*hold|retention policy|object retention/i;

interface VendorError {
  code?: unknown;
  status?: unknown;
  errno?: unknown;
  type?: unknown;
  name?: unknown;
  message?: unknown;
  errors?: Array<{ reason?: unknown }>;
  response?: { statusCode?: unknown; status?: unknown };
  cause?: unknown;
}

/**
 * Turns whatever `@google-cloud/storage` threw into a BailiffError: 412 → `precondition_failed`,
 * 404 → `not_found`, 429 (and 403 rate-limit reasons) → `rate_limited`, 403
 * `retentionPolicyNotMet` (a held or retained object) → `object_held`, 408, 5xx and transport
 * failures → `unavailable`, 400 → `invalid_input`; anything else (credentials, permissions,
 * surprises) → `internal`, with the original kept as `cause`.
 */
export function translateGcsError(error: unknown, context: string): BailiffError {
  if (isBailiffError(error)) return error;
  const vendor = (typeof error === 'object' && error !== null ? error : {}) as VendorError;
  const status = httpStatusOf(vendor);
  const detail = describeVendorError(vendor);
  const make = (code: BailiffError['code'], message: string) => new BailiffError(code, message, [], { cause: error });
  if (status === 412) return make('precondition_failed', `${context}: generation precondition failed`);
  if (status === 404) return make('not_found', `${context}: no such object or bucket`);
  if (status === 429) return make('rate_limited', `${context}: Cloud Storage rate limit${detail}`);
  if (status === 403 && vendor.errors?.some((inner) => RATE_LIMIT_REASONS.has(String(inner?.reason)))) {
    return make('rate_limited', `${context}: Cloud Storage rate limit${detail}`);
  }
  if (status === 403 && (vendor.errors?.some((inner) => inner?.reason === HELD_REASON) || HELD_WORDS.test(detail))) {
    return make('object_held', `${context}: the object is under a hold or retention${detail}`);
  }
  if (status === 408 || (status !== undefined && status >= 500)) {
    return make('unavailable', `${context}: Cloud Storage answered ${status}${detail}`);
  }
  if (status === 400) return make('invalid_input', `${context}: Cloud Storage refused the request${detail}`);
  if (status !== undefined) return make('internal', `${context}: Cloud Storage answered ${status}${detail}`);
  if (isTransportFailure(error)) return make('unavailable', `${context}: Cloud Storage unreachable${detail}`);
  return make('internal', `${context}: unexpected failure${detail}`);
}

/**
 * The vendor's own words, for the message. An upload's error body comes back as an object the
 * library stringifies to `[object Object]`; its inner errors then carry the words.
 */
function describeVendorError(error: VendorError): string {
  const inner = error.errors?.map((entry) => (entry as { message?: unknown }).message).find((message) => typeof message === 'string' && message);
  const own = typeof error.message === 'string' && error.message && error.message !== '[object Object]' ? error.message : undefined;
  const words = own ?? (inner as string | undefined);
  return words ? `: ${words}` : '';
}

/**
 * The error status Cloud Storage answered, if it answered one. A success status on a failure
 * means the answer's body broke off after its headers: the request's outcome is unknown, a
 * transport failure, never an error of the request's own.
 */
function httpStatusOf(error: VendorError): number | undefined {
  for (const candidate of [error.code, error.status, error.response?.statusCode, error.response?.status]) {
    const value = typeof candidate === 'string' && /^\d{3}$/.test(candidate) ? Number(candidate) : candidate;
    if (typeof value === 'number' && value >= 400 && value <= 599) return value;
  }
  return undefined;
}

function isTransportFailure(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const vendor = error as VendorError;
  if (typeof vendor.code === 'string' && NETWORK_ERROR_CODES.has(vendor.code)) return true;
  // node-fetch's FetchError (used under teeny-request) labels socket-level failures 'system'.
  if (vendor.type === 'system' || vendor.type === 'request-timeout') return true;
  if (vendor.name === 'AbortError' || vendor.name === 'TimeoutError') return true;
  if (typeof vendor.message === 'string' && /socket hang up|network|fetch failed/i.test(vendor.message)) return true;
  return isTransportFailure(vendor.cause, depth + 1);
}
