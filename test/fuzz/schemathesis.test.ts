/**
 * The published contract against an outside fuzzer: Schemathesis (from PyPI, in a venv the
 * setup makes) reads `GET /openapi.json` from the embedded server and sends requests generated
 * from it, valid and invalid, with a token that may do everything. The run fails on
 * - any 5xx (`not_a_server_error`),
 * - any response the document does not describe (`response_schema_conformance`),
 * - any schema-valid request refused (`positive_data_acceptance`), unless every reason the
 *   server gave is one JSON Schema cannot state — the list below, which docs/testing.md repeats.
 * Bounded: a fixed seed and a fixed number of examples per operation (valid and invalid), so
 * it takes seconds.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../../functions/local.ts';
import { parseConfig } from '../../shared/config.ts';
import { silentLogger } from '../../shared/logging.ts';
import { ensurePythonVenv, type PythonVenv } from '../setup/python-venv.ts';

const SCHEMATHESIS = 'schemathesis==4.32.5';
const TOKEN = 'schemathesis-token-00000000000001';
const MAX_EXAMPLES = 15;
const SEED = 20261130;

/**
 * Refusals of schema-valid requests for reasons JSON Schema cannot state (docs/testing.md, "The
 * published contract, fuzzed"). Each is matched against the server's own error details.
 */
const UNSTATABLE_REFUSALS: ReadonlyArray<{ rule: string; message: RegExp }> = [
  { rule: 'byte limits (lengths in JSON Schema count characters)', message: /longer than \d+ bytes|exceed \d+ bytes|larger than \d+ bytes/ },
  { rule: 'names that become dots or reserved only after NFKC folding', message: /fold/ },
  { rule: 'page tokens are opaque: only ones this server issued', message: /page token/ },
  { rule: 'base64 content, which depends on the encoding field', message: /not valid base64/ },
  { rule: 'uploaded bytes must hash to the digest their blob id declares', message: /^hash mismatch$|^size mismatch$/ },
  {
    rule: 'a target-state manifest is judged as a whole: entries unique, no case twins, nothing inside a file, NFC, folders empty',
    message: /appears twice|differ only by letter case|which is a file in the same manifest|not in normal form|a folder entry \(ending in `\/`\) has size 0/,
  },
];

let dir: string;
let local: LocalServer;
let venv: PythonVenv;

beforeAll(async () => {
  venv = await ensurePythonVenv('schemathesis', [SCHEMATHESIS]);
  dir = await mkdtemp(join(tmpdir(), 'bailiff-schemathesis-'));
  // A case whose name Schemathesis is likely to try ("0") with a file in it.
  await mkdir(join(dir, 'workspace', 'projects', '0', 'intake'), { recursive: true });
  await writeFile(join(dir, 'workspace', 'projects', '0', 'intake', 'a.pdf'), 'a');
  const tokens = { [TOKEN]: { principal: 'root@firm.example', roles: ['agent', 'approver', 'admin'] } };
  // The server exactly as `npm start` wires it, so every route it publishes is served.
  local = await startLocalServer(
    parseConfig({
      PORT: '0',
      BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'),
      BAILIFF_STATE_DIR: join(dir, 'state'),
      BAILIFF_TOKENS: JSON.stringify(tokens),
      BAILIFF_MAX_BODY_BYTES: String(1024 * 1024),
    }),
    { logger: silentLogger },
  );
}, 300_000);

afterAll(async () => {
  await local?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Finding {
  operation: string;
  check: string;
  status?: number;
  body: string;
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', (error) => resolve({ code: null, output: output + error.message }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Every failed check in Schemathesis's NDJSON event log, with the response that failed it. */
async function findings(ndjsonPath: string): Promise<Finding[]> {
  const found: Finding[] = [];
  for (const line of (await readFile(ndjsonPath, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as { ScenarioFinished?: { recorder: Recorder } };
    const recorder = event.ScenarioFinished?.recorder;
    if (!recorder) continue;
    for (const [caseId, checks] of Object.entries(recorder.checks)) {
      for (const check of checks) {
        if (check.status === 'success' || check.status === 'skip') continue;
        const response = recorder.interactions[caseId]?.response;
        const content = response?.content?.$base64 ? Buffer.from(response.content.$base64, 'base64').toString('utf8') : (response?.content?.string ?? '');
        found.push({ operation: recorder.label, check: check.name, ...(response?.status_code ? { status: response.status_code } : {}), body: content });
      }
    }
  }
  return found;
}

interface Recorder {
  label: string;
  checks: Record<string, Array<{ name: string; status: string }>>;
  interactions: Record<string, { response?: { status_code?: number; content?: { $base64?: string; string?: string } } }>;
}

/**
 * A refusal of valid data is excused only when every detail the server gave is unstatable. A
 * refusal by `POST /plans/from-commands` names a line and a column: the commands are a small
 * shell language, parsed, which no JSON Schema pattern can describe.
 */
function excused(finding: Finding): boolean {
  if (finding.check !== 'positive_data_acceptance') return false;
  // The upload limit is the server's configuration (BAILIFF_MAX_UPLOAD_BYTES), not the contract's;
  // and the bytes an upload must have are the size its blob id declares, which a body schema cannot know.
  if (finding.status === 413) return /accepts uploads of at most \d+ bytes|larger than the \d+ bytes its blob id declares/.test(finding.body);
  if (finding.status !== 400) return false;
  const error = (JSON.parse(finding.body) as { error?: { message: string; details?: Array<{ message: string; line?: number; column?: number }> } }).error;
  const details = error?.details?.length ? error.details : error ? [{ message: error.message }] : [];
  const unstatable = (detail: { message: string; line?: number; column?: number }) =>
    (typeof detail.line === 'number' && typeof detail.column === 'number') || UNSTATABLE_REFUSALS.some((entry) => entry.message.test(detail.message));
  return details.length > 0 && details.every(unstatable);
}

describe('Schemathesis against the published contract (embedded server)', () => {
  it('finds no 5xx, no undocumented response, and no valid request refused for a reason the document could state', { timeout: 300_000 }, async () => {
    const ndjson = join(dir, 'schemathesis.ndjson');
    const { code, output } = await run(
      join(venv.bin, 'schemathesis'),
      [
        'run',
        `${local.url}/openapi.json`,
        '--header',
        `Authorization: Bearer ${TOKEN}`,
        '--checks',
        'not_a_server_error,response_schema_conformance,positive_data_acceptance',
        '--mode',
        'all',
        // The fuzzing phase only: the coverage phase's boundary values for the long path
        // patterns take half a second each to generate, a minute in all.
        '--phases',
        'fuzzing',
        '--no-shrink',
        '--max-examples',
        String(MAX_EXAMPLES),
        '--seed',
        String(SEED),
        '--workers',
        '1',
        '--continue-on-failure',
        '--generation-database',
        'none',
        '--no-color',
        '--report',
        'ndjson',
        '--report-ndjson-path',
        ndjson,
      ],
      dir,
    );
    // Exit 0: nothing found; 1: failures found (judged below); anything else: it did not run.
    expect([0, 1], output).toContain(code);
    const all = await findings(ndjson);
    const unexcused = all.filter((finding) => !excused(finding));
    expect(
      unexcused.map((finding) => ({ ...finding, body: finding.body.slice(0, 400) })),
      output.slice(-3000),
    ).toEqual([]);
    // It really exercised the API: the log names the plan proposal and the file listing.
    expect(output).toMatch(/Fuzzing \(in /);
    expect(Number(/Tested: (\d+)/.exec(output)?.[1] ?? 0)).toBeGreaterThanOrEqual(13);
  });
});
