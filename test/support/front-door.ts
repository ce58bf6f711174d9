/**
 * Cloud Run's front end, as far as a push subscription sees it: one address that always accepts
 * the request and hands it to whichever instance is up. While none is (one was stopped and the
 * next is starting), the request waits for it, as Cloud Run holds a request during a cold start;
 * a request whose instance dies under it is answered 503, as Cloud Run answers. Without it, each
 * restart of the executor would meet Pub/Sub's pushes with refused connections, and the emulator
 * backs a subscription off for many seconds after those: a chaos test would spend most of its
 * time waiting for deliveries Cloud Run would have made.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How long a request waits for an instance to come up; Cloud Run's cold starts are shorter. */
const START_WAIT_MS = 30_000;

export interface FrontDoor {
  url: string;
  close(): Promise<void>;
}

export async function startFrontDoor(upstream: () => string | undefined): Promise<FrontDoor> {
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => void forward(upstream, incoming, Buffer.concat(chunks), outgoing));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function forward(upstream: () => string | undefined, incoming: IncomingMessage, body: Buffer, outgoing: ServerResponse): Promise<void> {
  const deadline = Date.now() + START_WAIT_MS;
  for (;;) {
    const base = upstream();
    const answer = base ? await send(base, incoming, body) : 'refused';
    if (answer !== 'refused') {
      if (answer === 'died') outgoing.writeHead(503).end('the instance stopped while handling the request');
      else outgoing.writeHead(answer.status, answer.headers).end(answer.body);
      return;
    }
    if (Date.now() > deadline) {
      outgoing.writeHead(503).end('no instance came up');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

type Answer = { status: number; headers: Record<string, string | string[]>; body: Buffer } | 'refused' | 'died';

function send(base: string, incoming: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    const headers = { ...incoming.headers };
    delete headers.host;
    const req = request(`${base}${incoming.url ?? '/'}`, { method: incoming.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers as Record<string, string | string[]>, body: Buffer.concat(chunks) }));
      res.on('error', () => resolve('died'));
    });
    // Nothing listening: the instance is not up (yet); anything else: it went away mid-request.
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'died'));
    req.end(body);
  });
}
