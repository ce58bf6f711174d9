/**
 * `bailiff mcp`: the MCP server on stdin/stdout for an agent that starts it as a subprocess.
 * It talks to a Bailiff through the HTTP client (BAILIFF_URL, BAILIFF_TOKEN or a Google ID
 * token), so the same command serves a local Bailiff or a deployed one. The connection's first
 * message picks the era: a 2026-07-28 request (or `server/discover`) or a 2025-era `initialize`.
 */
import type { Readable, Writable } from 'node:stream';
import { serveStdio as serveStdioEntry, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { BailiffClient } from '../client/index.ts';
import { clientBackend } from './backend.ts';
import { createMcpServer } from './server.ts';

/** Serves until stdin closes. */
export async function serveStdio(client: BailiffClient, streams: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream } = {}): Promise<void> {
  const stdin = (streams.stdin ?? process.stdin) as Readable;
  const backend = clientBackend(client);
  const transport = new StdioServerTransport(stdin, (streams.stdout ?? process.stdout) as Writable);
  // The agent went away: stop serving instead of waiting on a closed pipe.
  const ended = new Promise<void>((resolve) => {
    stdin.once('end', resolve);
    stdin.once('close', resolve);
  });
  const handle = serveStdioEntry(() => createMcpServer(backend), { transport });
  await ended;
  await handle.close();
}
