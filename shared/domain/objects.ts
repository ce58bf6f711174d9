/**
 * The holds and retention an object is under, as its store reports them. While any is in force,
 * the object cannot be deleted or replaced (Cloud Storage refuses with 403; the embedded store
 * with `object_held`), so a plan that would is refused at its dry run (domain/holds.ts).
 */
export interface ObjectHolds {
  /** A temporary hold (Cloud Storage `temporaryHold`), placed and released by people. */
  temporary?: boolean;
  /** An event-based hold (`eventBasedHold`), released when some event happens. */
  eventBased?: boolean;
  /** The bucket's retention policy keeps the object until then, ISO 8601 (`retentionExpirationTime`). */
  retentionExpires?: string;
  /** The object's own retention keeps it until then, ISO 8601 (`retention.retainUntilTime`). */
  retainUntil?: string;
}

/**
 * An object of the workspace as Bailiff sees it, whatever holds the bytes: what a listing or a
 * stat returns, and what a dry run simulates over. The ObjectStore port speaks in these.
 */
export interface ObjectInfo {
  /** Full object name, such as `projects/case-1/Reports/summary.md`. */
  name: string;
  size: number;
  /** Changes whenever the content changes; never reused for the same name. */
  generation: string;
  /** Last modification, ISO 8601. */
  updated: string;
  /** Base64 MD5 of the content, when the store knows it without reading the object. */
  md5?: string;
  /** Base64 big-endian CRC32C of the content, when known. */
  crc32c?: string;
  /** The MIME type the object was written with, when the store records one. */
  contentType?: string;
  /**
   * Content-Encoding, Content-Disposition, Content-Language and Cache-Control, when the store
   * records them and the object has any (a server-side copy must carry them over).
   */
  headers?: Record<string, string>;
  /** Custom metadata; Bailiff writes `bailiff-plan` and `bailiff-action` on everything it creates. */
  metadata: Record<string, string>;
  /** Holds and retention, when the object has any; listings always report them. */
  holds?: ObjectHolds;
}

/**
 * Why an entry a store found cannot be an object: a symbolic link (never followed: it may lead
 * into another case or out of the workspace), a name not in Unicode NFC (macOS writes NFD;
 * Bailiff names everything in NFC, so neither spelling reaches it), or something that is not
 * a file or folder at all (a socket, a device, a name with a backslash).
 */
export type RefusedKind = 'symbolic_link' | 'name_not_nfc' | 'not_a_file';

/**
 * An entry of the workspace that a listing reports but no call can touch (the embedded store's
 * links and NFD names; Cloud Storage has none). The dry run refuses any plan naming it or a
 * path through it, rather than letting it fail when it runs.
 */
export interface RefusedEntry {
  /** Its name as found, full (`projects/<case>/...`); a folder's ends in `/`. */
  name: string;
  kind: RefusedKind;
}
