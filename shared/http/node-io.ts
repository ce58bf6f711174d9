/**
 * Conversion between node:http and the HTTP core: the core's view of a node request (raw path,
 * query, a lazy size-limited body) and the writing of a core response. Bodies are streamed and
 * counted while they arrive, and only read once the core has authenticated the caller, so
 * neither a lying `Content-Length` nor an anonymous client can make the server hold more than
 * the configured limit in memory.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidInput } from '../errors.ts';
import { bodyTooLarge } from './json-body.ts';
import type { HttpRequest, HttpResponse } from './types.ts';

/**
 * Splits a request target into the raw path and the query. Done by hand rather than with
 * `new URL`, which would resolve `..` segments and read `//host/...` as another host: the core
 * must see exactly what was sent.
 */
export function splitRequestTarget(target: string): { path: string; query: URLSearchParams } {
  const question = target.indexOf('?');
  const path = question < 0 ? target : target.slice(0, question);
  const rawQuery = question < 0 ? '' : target.slice(question + 1);
  return { path, query: new URLSearchParams(rawQuery) };
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/**
 * A reader for the request body that enforces `maxBodyBytes`: a declared length above it is
 * refused before reading, and an undeclared (chunked) body is cut off as soon as it passes it.
 * Reads at most once; later calls return the same promise.
 */
function bodyReader(request: IncomingMessage, maxBodyBytes: number): { read: () => Promise<Buffer | undefined>; consumed: () => boolean } {
  let pending: Promise<Buffer | undefined> | undefined;
  let complete = !hasBody(request);
  const read = (): Promise<Buffer | undefined> => {
    pending ??= new Promise<Buffer | undefined>((resolve, reject) => {
      if (complete) return resolve(undefined);
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBodyBytes) return reject(bodyTooLarge(maxBodyBytes));
      const chunks: Buffer[] = [];
      let received = 0;
      const cleanup = () => {
        request.off('data', onData);
        request.off('end', onEnd);
        request.off('error', onError);
        request.off('aborted', onAborted);
      };
      const onData = (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBodyBytes) {
          cleanup();
          request.pause();
          reject(bodyTooLarge(maxBodyBytes));
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = () => {
        cleanup();
        complete = true;
        resolve(received === 0 ? undefined : Buffer.concat(chunks, received));
      };
      const onError = (error: Error) => {
        cleanup();
        reject(invalidInput('the request body could not be read', [], error));
      };
      const onAborted = () => onError(new Error('client aborted the request'));
      request.on('data', onData);
      request.on('end', onEnd);
      request.on('error', onError);
      request.on('aborted', onAborted);
    });
    return pending;
  };
  return { read, consumed: () => complete };
}

/** The core's view of a node request, with a lazy, size-limited body. */
export function toHttpRequest(request: IncomingMessage, maxBodyBytes: number): { request: HttpRequest; bodyConsumed: () => boolean } {
  const { path, query } = splitRequestTarget(request.url ?? '/');
  const body = bodyReader(request, maxBodyBytes);
  return {
    request: {
      method: request.method ?? 'GET',
      path,
      query,
      headers: request.headers,
      rawBody: body.read,
      bodyStream: () => request,
      ...(request.socket.remoteAddress ? { remoteIp: request.socket.remoteAddress } : {}),
    },
    bodyConsumed: () => body.consumed() || request.readableEnded,
  };
}

/**
 * Writes a core response. When the request body was left unread (refused before reading, or
 * cut off at the limit) the connection is closed after the answer instead of draining a body
 * we already declined.
 */
export function writeHttpResponse(response: ServerResponse, answer: HttpResponse, options: { closeConnection?: boolean } = {}): void {
  if (answer.stream) {
    const headers: Record<string, string | number> = { ...answer.headers };
    if (options.closeConnection) headers.connection = 'close';
    response.writeHead(answer.status, headers);
    const stream = answer.stream;
    // A client that goes away stops the read; a read that fails cuts the response short
    // (the declared length then tells the client it did not get everything).
    response.once('close', () => stream.destroy());
    stream.once('error', () => response.destroy());
    stream.pipe(response);
    return;
  }
  const headers: Record<string, string | number> = { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) };
  if (options.closeConnection) headers.connection = 'close';
  response.writeHead(answer.status, headers);
  response.end(answer.body);
}
