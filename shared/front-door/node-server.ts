/**
 * The embedded server behind `npm start` (and what tests start on port 0): node:http in front
 * of the front door. The body is read lazily and within the limit (see `http/node-io.ts`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toHttpRequest } from '../http/node-io.ts';
import type { HttpDependencies } from '../http/types.ts';
import { answerAtFrontDoor } from './front-door.ts';

/** A `request` listener for `http.createServer` that serves everything Bailiff serves. */
export function createRequestListener(deps: HttpDependencies): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const { request: core, bodyConsumed } = toHttpRequest(request, deps.limits.maxBodyBytes);
    void answerAtFrontDoor({ node: request, response, core, bodyConsumed }, deps);
  };
}

export interface RunningServer {
  server: Server;
  /** The address it listens on, such as `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  /** Stops accepting connections, lets requests in flight finish (up to `graceMs`), then closes the rest. */
  close(graceMs?: number): Promise<void>;
}

/** Starts the API on `port` (0 picks a free one) and resolves once it listens. */
export async function startHttpServer(options: { deps: HttpDependencies; port: number; host?: string }): Promise<RunningServer> {
  const server = createServer(createRequestListener(options.deps));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const displayHost = address.address === '::' || address.address === '0.0.0.0' ? 'localhost' : host;
  return {
    server,
    url: `http://${displayHost}:${address.port}`,
    port: address.port,
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close((error) => {
          clearTimeout(force);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
