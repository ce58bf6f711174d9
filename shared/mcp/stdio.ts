/**
 * `bailiff mcp`: the MCP server on stdin/stdout for an agent that starts it as a subprocess.
 * It talks to a Bailiff through the HTTP client (BAILIFF_URL, BAILIFF_TOKEN or a Google ID
 * token), so the same command serves a local Bailiff or a deployed one.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { BailiffClient } from '../client/index.ts';
import { clientBackend } from './backend.ts';
import { createMcpServer } from './server.ts';

/** Serves until stdin closes. */
export async function serveStdio(client: BailiffClient, streams: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream } = {}): Promise<void> {
  const server = createMcpServer(clientBackend(client));
  const transport = new StdioServerTransport(streams.stdin as never, streams.stdout as never);
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  await server.connect(transport);
  // The agent went away: stop serving instead of waiting on a closed pipe.
  (streams.stdin ?? process.stdin).once('end', () => void server.close());
  await closed;
}
