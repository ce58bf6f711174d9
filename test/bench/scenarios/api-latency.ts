/**
 * Scenario 6 — API latency on the embedded HTTP server: 16 concurrent clients proposing plans
 * of 100 moves (POST /plans), then reading plans (GET /plans/{id}), each phase bounded by a
 * request count and a time limit. The server runs in its own process with the production
 * logger at info (its stdout discarded); the clients keep connections alive, as an agent's
 * HTTP client would.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from '../lib/context.ts';
import { addNote, addRow } from '../lib/results.ts';
import { formatNumber, log, mapLimited, median, percentile } from '../lib/util.ts';

const SCENARIO = '6 API latency (embedded HTTP server, 16 clients)';
const CLIENTS = 16;
const OPERATIONS = 100;
const CASE_FILES = 1000;
const FOLDERS = 10;
const serverScript = fileURLToPath(new URL('./api-server.ts', import.meta.url));

interface PhaseResult {
  latencies: number[];
  errors: number;
  seconds: number;
  firstError?: string;
}

function fileName(i: number): string {
  return `incoming/${String(i % FOLDERS).padStart(2, '0')}/doc-${String(i).padStart(4, '0')}.pdf`;
}

/** Runs `request` from CLIENTS loops until `total` requests were made or `limitMs` passed. */
async function phase(total: number, limitMs: number, request: (index: number) => Promise<{ ok: boolean; detail?: string }>): Promise<PhaseResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < total && performance.now() - started < limitMs) {
        const index = next++;
        const begin = performance.now();
        const outcome = await request(index).catch((error: unknown) => ({ ok: false, detail: String(error) }));
        latencies.push(performance.now() - begin);
        if (!outcome.ok) {
          errors += 1;
          firstError ??= outcome.detail;
        }
      }
    }),
  );
  return { latencies, errors, seconds: (performance.now() - started) / 1000, ...(firstError ? { firstError } : {}) };
}

async function startServer(env: NodeJS.ProcessEnv): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = fork(serverScript, [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the API server exited during start-up (code ${code})`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function apiLatency(ctx: BenchContext): Promise<void> {
  const proposeTotal = ctx.quick ? 160 : 640;
  const getTotal = ctx.quick ? 800 : 4000;
  const proposeLimitMs = ctx.quick ? 30_000 : 60_000;
  const getLimitMs = ctx.quick ? 15_000 : 30_000;
  const proposes: PhaseResult[] = [];
  const gets: PhaseResult[] = [];

  for (let run = 0; run < ctx.runs; run += 1) {
    const dir = join(ctx.workDir, `s6-r${run}`);
    const caseName = 's6-case';
    const caseDir = join(dir, 'workspace', 'projects', caseName);
    for (let folder = 0; folder < FOLDERS; folder += 1) await mkdir(join(caseDir, 'incoming', String(folder).padStart(2, '0')), { recursive: true });
    await mapLimited(
      Array.from({ length: CASE_FILES }, (_, i) => i),
      32,
      (i) => writeFile(join(caseDir, fileName(i)), Buffer.alloc(2048, 0x41)),
    );
    const token = randomBytes(24).toString('base64url');
    const server = await startServer({
      ...process.env,
      BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'),
      BAILIFF_STATE_DIR: join(dir, 'state'),
      BAILIFF_TOKENS: JSON.stringify({ [token]: { principal: 'bench-agent@firm.example', roles: ['agent'] } }),
      LOG_LEVEL: 'info',
    });
    try {
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const ids: string[] = [];
      const propose = async (index: number) => {
        const first = (index * 37) % (CASE_FILES - OPERATIONS);
        const body = JSON.stringify({
          case: caseName,
          description: `bench proposal ${index}`,
          operations: Array.from({ length: OPERATIONS }, (_, i) => ({
            type: 'move',
            source: fileName(first + i),
            destination: `filed/${fileName(first + i)}`,
          })),
        });
        const response = await fetch(`${server.url}/plans`, { method: 'POST', headers, body });
        const text = await response.text();
        if (response.status !== 201 && response.status !== 200) return { ok: false, detail: `${response.status} ${text.slice(0, 200)}` };
        ids.push((JSON.parse(text) as { plan: { id: string } }).plan.id);
        return { ok: true };
      };
      // Warm-up: first requests compile code paths and open files; not counted.
      for (let i = 0; i < CLIENTS; i += 1) await propose(-1 - i);
      const proposeResult = await phase(proposeTotal, proposeLimitMs, propose);
      if (ids.length === 0) throw new Error(`no proposal succeeded: ${proposeResult.firstError}`);
      const getResult = await phase(getTotal, getLimitMs, async (index) => {
        const response = await fetch(`${server.url}/plans/${ids[index % ids.length]}`, { headers });
        const text = await response.text();
        return response.status === 200 ? { ok: true } : { ok: false, detail: `${response.status} ${text.slice(0, 200)}` };
      });
      proposes.push(proposeResult);
      gets.push(getResult);
      log(
        `s6 run ${run + 1}/${ctx.runs}: propose p50 ${median(proposeResult.latencies).toFixed(0)} ms p99 ${percentile(proposeResult.latencies, 99).toFixed(0)} ms (${proposeResult.latencies.length} in ${proposeResult.seconds.toFixed(1)} s); ` +
          `get p50 ${median(getResult.latencies).toFixed(1)} ms p99 ${percentile(getResult.latencies, 99).toFixed(1)} ms (${getResult.latencies.length} in ${getResult.seconds.toFixed(1)} s)`,
      );
    } finally {
      await server.stop();
    }
  }

  for (const [what, results] of [
    [`POST /plans (${OPERATIONS} moves, case of ${formatNumber(CASE_FILES)} files)`, proposes],
    ['GET /plans/{id}', gets],
  ] as const) {
    addRow(ctx.results, { scenario: SCENARIO, name: `${what}: median latency`, unit: 'ms', samples: results.map((r) => median(r.latencies)) });
    addRow(ctx.results, { scenario: SCENARIO, name: `${what}: p99 latency`, unit: 'ms', samples: results.map((r) => percentile(r.latencies, 99)) });
    addRow(ctx.results, {
      scenario: SCENARIO,
      name: `${what}: throughput`,
      unit: 'req/s',
      samples: results.map((r) => r.latencies.length / r.seconds),
      extra: { requests: median(results.map((r) => r.latencies.length)), errors: results.reduce((sum, r) => sum + r.errors, 0) },
    });
    const firstError = results.find((r) => r.firstError)?.firstError;
    if (firstError) addNote(ctx.results, SCENARIO, `${what}: first error: ${firstError}`);
  }
  addNote(
    ctx.results,
    SCENARIO,
    `Each phase stops at ${formatNumber(proposeTotal)} proposals or ${proposeLimitMs / 1000} s, then ${formatNumber(getTotal)} reads or ${getLimitMs / 1000} s, whichever comes first; ${CLIENTS} warm-up proposals are not counted. ` +
      'Latency is measured at the client, from sending the request to reading the whole answer; the clients share the 2 cores with the server.',
  );
}
