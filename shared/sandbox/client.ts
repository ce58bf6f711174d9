/**
 * The few HTTP calls the sandbox verbs make, with the caller's bearer token. A redirect to a
 * signed URL is followed without the token (the URL carries its own authorisation, and a
 * Bailiff token must never reach the storage service).
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

export interface SandboxClientOptions {
  /** The api's base URL, such as `http://127.0.0.1:8080`. */
  url: string;
  token: string;
}

export class BailiffHttpError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(status: number, body: unknown, what: string) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    super(`${what}: ${status}${error ? ` ${error.code}: ${error.message}` : ''}`);
    this.name = 'BailiffHttpError';
    this.status = status;
    this.body = body;
  }
}

export class SandboxClient {
  readonly url: string;
  readonly #token: string;

  constructor(options: SandboxClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#token = options.token;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.#token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) throw new BailiffHttpError(response.status, parsed, `${method} ${path}`);
    return parsed as T;
  }

  /** A file's bytes as a stream: from the api, or from the signed URL it redirects to. */
  async download(caseName: string, path: string): Promise<{ stream: Readable; etag: string | null }> {
    const apiPath = `/cases/${encodeURIComponent(caseName)}/files/content?path=${encodeURIComponent(path)}`;
    let response = await fetch(`${this.url}${apiPath}`, { headers: { authorization: `Bearer ${this.#token}` }, redirect: 'manual' });
    const etag = response.headers.get('etag');
    if (response.status === 307 || response.status === 302) {
      await response.body?.cancel();
      response = await fetch(response.headers.get('location')!);
    }
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => '');
      throw new BailiffHttpError(response.status, safeJson(text), `GET ${apiPath}`);
    }
    return { stream: Readable.fromWeb(response.body as unknown as WebReadableStream), etag };
  }

  /** Sends a blob's bytes where `POST /cases/{case}/blobs` said, streaming them. */
  async upload(upload: { method: string; url: string; headers: Record<string, string>; authorization: 'bearer' | 'signed' }, body: Readable, size: number): Promise<void> {
    const target = upload.authorization === 'bearer' ? `${this.url}${upload.url}` : upload.url;
    const headers: Record<string, string> = { ...upload.headers, 'content-length': String(size) };
    if (upload.authorization === 'bearer') headers.authorization = `Bearer ${this.#token}`;
    const response = await fetch(target, { method: upload.method, headers, body: Readable.toWeb(body) as unknown as BodyInit, duplex: 'half' } as RequestInit);
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw new BailiffHttpError(response.status, safeJson(text), `${upload.method} upload`);
    }
    await response.body?.cancel();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: 'unknown', message: text.slice(0, 200) } };
  }
}
