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
}
