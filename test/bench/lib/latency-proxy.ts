/**
 * A loopback HTTP proxy that holds every request for a fixed time before passing it to
 * fake-gcs-server, to model the round trip to Cloud Storage that loopback does not have.
 * It runs as its own process (started by `startLatencyProxy`) so its work does not share the
 * event loop of the code being timed.
 *
 * Child usage: node latency-proxy.ts <upstream-url> <delay-ms>; reports its port over IPC.
 */
import { fork } from 'node:child_process';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface LatencyProxy {
  url: string;
  stop(): Promise<void>;
}

export async function startLatencyProxy(upstream: string, delayMs: number): Promise<LatencyProxy> {
  const child = fork(fileURLToPath(import.meta.url), [upstream, String(delayMs)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the latency proxy exited during start-up (code ${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function serve(upstream: URL, delayMs: number): void {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      setTimeout(() => {
        const forward = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: incoming.method,
            path: incoming.url,
            headers: { ...incoming.headers, host: upstream.host },
            agent,
          },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        forward.on('error', (error) => {
          outgoing.writeHead(502);
          outgoing.end(String(error));
        });
        forward.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  serve(new URL(process.argv[2]!), Number(process.argv[3]));
}
