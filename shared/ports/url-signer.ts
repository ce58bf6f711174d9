/**
 * UrlSigner: short-lived URLs that let a client read or upload one object directly at the
 * storage service, so large bytes never pass through a function (DESIGN rule 10). Only Cloud
 * Storage has one; the embedded server streams content and receives uploads itself.
 */

/** A request the client makes as given: method, URL, and the headers the signature covers. */
export interface SignedRequest {
  method: 'GET' | 'PUT';
  url: string;
  /** Headers the client must send unchanged (the signature covers them). */
  headers: Record<string, string>;
  expiresAt: string;
}

export interface UrlSigner {
  /** A URL that reads exactly this generation of `name` until it expires. */
  signRead(name: string, options: { generation: string; expiresInSeconds: number }): Promise<SignedRequest>;
  /**
   * A URL that creates `name` once — never overwriting (`x-goog-if-generation-match: 0`) —
   * with exactly the bytes whose MD5 is `md5Base64` (Cloud Storage refuses others) and the given
   * content type.
   */
  signUpload(name: string, options: { md5Base64: string; contentType: string; expiresInSeconds: number }): Promise<SignedRequest>;
}
