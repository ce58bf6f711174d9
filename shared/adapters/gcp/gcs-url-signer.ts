/**
 * UrlSigner for Cloud Storage: V4 signed URLs from `@google-cloud/storage`'s `getSignedUrl`.
 *
 * The signature is made by whatever credentials the given Storage client holds: in production
 * an impersonated signing service account (IAM `signBlob`; its only grants are reading case
 * content and creating objects in the staging area, see infra/iam.tf), in the emulator tests a
 * throw-away key signing locally. A signed URL carries the signer's permissions, never the
 * api's, and nothing wider than one object, one method and a few minutes.
 */
import type { Storage } from '@google-cloud/storage';
import { translateGcsError } from './gcs-object-store.ts';
import type { SignedRequest, UrlSigner } from '../../ports/url-signer.ts';

export interface GcsUrlSignerOptions {
  /** The client whose credentials sign (a private key, or an impersonated account), made on first use. */
  storage: () => Promise<Storage>;
  bucket: string;
}

export class GcsUrlSigner implements UrlSigner {
  readonly #storage: () => Promise<Storage>;
  readonly #bucket: string;

  constructor(options: GcsUrlSignerOptions) {
    this.#storage = options.storage;
    this.#bucket = options.bucket;
  }

  async signRead(name: string, options: { generation: string; expiresInSeconds: number }): Promise<SignedRequest> {
    const expires = Date.now() + options.expiresInSeconds * 1000;
    try {
      const [url] = await (await this.#storage())
        .bucket(this.#bucket)
        .file(name)
        .getSignedUrl({
          version: 'v4',
          action: 'read',
          expires,
          // Pins the version whose generation the API answered as ETag.
          queryParams: { generation: options.generation },
        });
      return { method: 'GET', url, headers: {}, expiresAt: new Date(expires).toISOString() };
    } catch (error) {
      throw translateGcsError(error, `signing a read URL for ${name}`);
    }
  }

  async signUpload(name: string, options: { md5Base64: string; contentType: string; expiresInSeconds: number }): Promise<SignedRequest> {
    const expires = Date.now() + options.expiresInSeconds * 1000;
    const headers = { 'content-md5': options.md5Base64, 'content-type': options.contentType, 'x-goog-if-generation-match': '0' };
    try {
      const [url] = await (await this.#storage())
        .bucket(this.#bucket)
        .file(name)
        .getSignedUrl({
          version: 'v4',
          action: 'write',
          expires,
          contentMd5: options.md5Base64,
          contentType: options.contentType,
          extensionHeaders: { 'x-goog-if-generation-match': '0' },
        });
      return { method: 'PUT', url, headers, expiresAt: new Date(expires).toISOString() };
    } catch (error) {
      throw translateGcsError(error, `signing an upload URL for ${name}`);
    }
  }
}
