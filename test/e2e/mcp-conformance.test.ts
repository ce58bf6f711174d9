/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`) against `/mcp` of an
 * embedded Bailiff. The suite sends no credentials, so it talks to a loopback proxy in this test
 * that adds an agent's bearer token and passes everything else through untouched (Host and
 * Origin included, which the DNS-rebinding scenario depends on).
 *
 * The baseline (mcp-conformance-baseline.yaml) lists the scenarios that do not apply to a
 * tools-only server, each with its reason. The suite's own exit code is the verdict: it fails on
 * a listed scenario that passes (a stale entry) as well as on an unlisted one that fails.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startEmbeddedBailiff, TEST_TOKENS, type EmbeddedBailiff } from '../support/embedded-server.ts';

const REPO = join(import.meta.dirname, '..', '..');
const BASELINE = join(import.meta.dirname, 'mcp-conformance-baseline.yaml');
const SUITE = join(REPO, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

let bailiff: EmbeddedBailiff;
let proxy: Server;
let proxyUrl: string;
let output: string;

/** Forwards every request to Bailiff with an agent's token added; bodies stream both ways (SSE included). */
function startTokenProxy(target: string): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, authorization: `Bearer ${TEST_TOKENS.agent}` },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    outgoing.on('close', () => forwarded.destroy());
    incoming.pipe(forwarded);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function runSuite(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SUITE, ...args], { cwd: output, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: chunks.join('') }));
  });
}

beforeAll(async () => {
  bailiff = await startEmbeddedBailiff({ 'projects/conformance/notes.txt': 'conformance' });
  proxy = await startTokenProxy(bailiff.url);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  output = await mkdtemp(join(tmpdir(), 'bailiff-mcp-conformance-'));
});

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await bailiff?.stop();
  if (output) await rm(output, { recursive: true, force: true });
});

describe('the official MCP conformance suite', () => {
  it('passes every scenario that applies to a tools-only server', async () => {
    const baseline = parse(await readFile(BASELINE, 'utf8')) as { server: string[] };
    expect(baseline.server.length).toBeGreaterThan(0);
    const run = await runSuite(['server', '--url', `${proxyUrl}/mcp`, '--expected-failures', BASELINE, '-o', join(output, 'results')]);
    expect(run.output, run.output).not.toContain('Error:');
    expect(run.code, run.output).toBe(0);
    // What applies ran and passed check by check: the handshake, ping, the lists, DNS rebinding.
    const passed: string[] = [];
    for (const folder of await readdir(join(output, 'results'))) {
      const scenario = /^server-(.+)-\d{4}-\d{2}-\d{2}T/.exec(folder)?.[1];
      if (!scenario || baseline.server.includes(scenario)) continue;
      const checks = JSON.parse(await readFile(join(output, 'results', folder, 'checks.json'), 'utf8')) as Array<{ id: string; status: string }>;
      expect(checks.length, scenario).toBeGreaterThan(0);
      for (const check of checks) expect(`${scenario}: ${check.id} ${check.status}`).toBe(`${scenario}: ${check.id} SUCCESS`);
      passed.push(scenario);
    }
    expect(passed.sort()).toEqual(expect.arrayContaining(['dns-rebinding-protection', 'ping', 'resources-list', 'server-initialize', 'tools-list']));
  }, 300_000);
});
