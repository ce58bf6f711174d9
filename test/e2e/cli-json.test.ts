/**
 * `bailiff --json` keeps its word, verb by verb, against the embedded server: every verb's
 * output is one JSON document that `jq` reads, every failure is `{"error": {...}, "exitCode": N}`
 * on stdout, and the exit code is the same with and without `--json`.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BailiffClient } from '../../shared/client/index.ts';
import { EXIT } from '../../shared/cli/context.ts';
import { COMMANDS, runCli } from '../../shared/cli/program.ts';
import { Command } from 'commander';
import { startEmbeddedBailiff, TEST_TOKENS, type EmbeddedBailiff } from '../support/embedded-server.ts';

const REPO = join(import.meta.dirname, '..', '..');
let bailiff: EmbeddedBailiff;
let scratch: string;

beforeAll(async () => {
  bailiff = await startEmbeddedBailiff({
    'projects/smith/intake/records_001.pdf': 'record one',
    'projects/smith/intake/records_002.pdf': 'record two',
    'projects/smith/notes.txt': 'call the insurer',
  });
  scratch = await mkdtemp(join(tmpdir(), 'bailiff-cli-json-'));
});

afterAll(async () => {
  await bailiff?.stop();
  await rm(scratch, { recursive: true, force: true });
});

/** Runs the CLI in-process as `as`, the way the bin does (BAILIFF_URL, BAILIFF_TOKEN), and captures everything. */
async function cli(as: keyof typeof TEST_TOKENS, args: string[], stdin = '') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += chunk));
  stderr.on('data', (chunk) => (err += chunk));
  const env = { BAILIFF_URL: bailiff.url, BAILIFF_TOKEN: TEST_TOKENS[as], NO_COLOR: '1' };
  const code = await runCli(
    args,
    { stdout, stderr, stdin: Readable.from([stdin]), env },
    { client: () => new BailiffClient({ baseUrl: bailiff.url, token: TEST_TOKENS[as] }) },
  );
  return { code, out, err };
}

/** What jq makes of `text`: it must read exactly one JSON document (jq accepts a stream, so count them). */
function jqDocuments(text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = execFile('jq', ['-s', 'length'], (error, stdout, stderr) =>
      error ? reject(new Error(`jq refused the output: ${stderr}\n${text}`)) : resolve(Number(stdout.trim())),
    );
    child.stdin!.end(text);
  });
}

/** Runs a verb with `--json`: one document, parsed; and the same exit code as without `--json` when `again` allows running it twice. */
async function json(as: keyof typeof TEST_TOKENS, args: string[], options: { stdin?: string; compareTextExit?: boolean } = {}) {
  const run = await cli(as, ['--json', ...args], options.stdin);
  expect(await jqDocuments(run.out), run.out).toBe(1);
  const body = JSON.parse(run.out) as Record<string, any>;
  if (run.code !== 0)
    expect(body, 'a failure has the one error shape').toMatchObject({ error: { code: expect.any(String), message: expect.any(String) }, exitCode: run.code });
  if (options.compareTextExit) expect((await cli(as, args, options.stdin)).code, `exit code of ${args.join(' ')} without --json`).toBe(run.code);
  return { code: run.code, body, err: run.err };
}

const tested = new Set<string>();
const verb = (name: string) => {
  tested.add(name);
  return name;
};

describe('bailiff --json', () => {
  it('every verb prints one JSON document, and the exit code does not depend on --json', async () => {
    expect((await json('agent', [verb('files'), 'smith'], { compareTextExit: true })).body.files).toHaveLength(3);

    const plan = {
      case: 'smith',
      description: 'Sort',
      operations: [{ type: 'move', source: 'intake/records_001.pdf', destination: 'Medical/records_001.pdf' }],
    };
    const proposed = await json('agent', [verb('propose'), '-'], { stdin: JSON.stringify(plan) });
    expect(proposed.code).toBe(0);
    const id = proposed.body.plan.id as string;

    const fromCommands = await json('agent', [verb('from-commands'), 'smith', '-d', 'Notes away'], { stdin: 'mkdir Notes\nmv notes.txt Notes/notes.txt\n' });
    expect(fromCommands.code).toBe(0);
    expect(fromCommands.body.translation).toHaveLength(2);

    expect((await json('agent', [verb('show'), id], { compareTextExit: true })).body.plan.id).toBe(id);
    expect((await json('agent', [verb('plans'), '--case', 'smith'], { compareTextExit: true })).body.plans.map((p: { id: string }) => p.id)).toContain(id);
    // Applying before approval is a state error, with and without --json.
    expect((await json('agent', [verb('apply'), id], { compareTextExit: true })).code).toBe(EXIT.state);

    const rejected = await json('approver', [verb('reject'), fromCommands.body.plan.id, '-r', 'not now', '--yes']);
    expect(rejected.body.plan.status).toBe('rejected');
    const approved = await json('approver', [verb('approve'), id, '--yes']);
    expect(approved.body.plan.status).toBe('approved');
    const applied = await json('agent', ['apply', id, '--wait', '--interval', '0.01']);
    expect(applied.code).toBe(0);
    expect(applied.body.plan.status).toBe('succeeded');

    expect((await json('agent', [verb('audit'), id], { compareTextExit: true })).body.records.map((r: { type: string }) => r.type)).toContain('plan.succeeded');
    const history = await json('agent', [verb('history'), 'smith', 'Medical/records_001.pdf'], { compareTextExit: true });
    expect(history.body.changes.map((change: { planId: string }) => change.planId)).toContain(id);
    const held = await json('admin', [verb('hold'), 'set', 'smith', 'notes.txt'], { compareTextExit: true });
    expect(held.body).toMatchObject({ case: 'smith', path: 'notes.txt', kind: 'temporary', held: true });
    expect((await json('admin', ['hold', 'clear', 'smith', 'notes.txt'])).body.held).toBe(false);
    expect((await json('admin', [verb('verify')], { compareTextExit: true })).body.ok).toBe(true);
    const rollback = await json('agent', [verb('rollback'), id]);
    expect(rollback.code).toBe(0);
    expect(rollback.body.plan.id).not.toBe(id);

    const dir = join(scratch, 'pulled');
    const pulled = await json('agent', [verb('pull'), 'smith', dir]);
    expect(pulled.body).toMatchObject({ case: 'smith', dir, objects: 3 });
    const clean = await json('agent', [verb('status'), dir], { compareTextExit: true });
    expect(clean.body).toMatchObject({ case: 'smith', clean: true, renamed: [], added: [], modified: [], deleted: [] });
    const dryRun = await json('agent', [verb('push'), dir, '-m', 'nothing', '--dry-run'], { compareTextExit: true });
    expect(dryRun.body).toMatchObject({ operations: [], conflicts: [] });
    expect(dryRun.body.planId).toBeUndefined();
  });

  it('mcp speaks JSON-RPC on stdout, one JSON document a line', async () => {
    // The real bin as a child: the stdio transport answers on the process's own streams.
    const child = spawn(process.execPath, ['functions/cli.ts', '--json', verb('mcp')], {
      cwd: REPO,
      env: { ...process.env, BAILIFF_URL: bailiff.url, BAILIFF_TOKEN: TEST_TOKENS.agent },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'cli-json-test', version: '1.0.0' } },
    };
    child.stdin.write(`${JSON.stringify(initialize)}\n`);
    for (let i = 0; i < 200 && !out.includes('\n'); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    child.stdin.end();
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    for (const line of lines) expect(await jqDocuments(line), line).toBe(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ jsonrpc: '2.0', id: 1, result: { serverInfo: expect.any(Object) } });
  });

  it('reports usage, local and API errors as {"error", "exitCode"} with the exit code of the text mode', async () => {
    const unknownVerb = await json('agent', ['frobnicate'], { compareTextExit: true });
    expect(unknownVerb).toMatchObject({
      code: EXIT.usage,
      body: { error: { code: 'usage', message: expect.stringContaining('frobnicate') }, exitCode: EXIT.usage },
    });
    expect(unknownVerb.err, 'commander says nothing on stderr in JSON mode').toBe('');
    expect((await json('agent', ['apply'], { compareTextExit: true })).body.error.code).toBe('usage');
    expect((await json('agent', ['propose', join(scratch, 'missing.json')], { compareTextExit: true })).body.error.code).toBe('usage');
    expect((await json('approver', ['approve', 'pln_000000000000000000000000'], { compareTextExit: true })).code).toBe(EXIT.notFound);

    const missing = await json('agent', ['show', 'pln_000000000000000000000000'], { compareTextExit: true });
    expect(missing.body).toMatchObject({ error: { code: 'not_found', status: 404 }, exitCode: EXIT.notFound });

    // A plan stored with a dry run that has errors: 3 either way; the view stays beside the error.
    const broken = { case: 'smith', description: 'x', operations: [{ type: 'move', source: 'nope', destination: 'x' }] };
    const invalid = await json('agent', ['propose', '-'], { stdin: JSON.stringify(broken), compareTextExit: true });
    expect(invalid.code).toBe(EXIT.invalid);
    expect(invalid.body).toMatchObject({ error: { code: 'plan_invalid' }, exitCode: EXIT.invalid, report: { valid: false } });
    expect(invalid.body.plan.id).toMatch(/^pln_/);
    const invalidCommands = await json('agent', ['from-commands', 'smith', '-d', 'x'], { stdin: 'mv nope x\n', compareTextExit: true });
    expect(invalidCommands.body).toMatchObject({ error: { code: 'invalid_input', details: [{ line: 1 }] }, exitCode: EXIT.invalid });
  });

  it('pull refuses a case name that climbs out, naming the field, before touching the disk', async () => {
    const target = join(scratch, 'climb');
    const climbing = await json('agent', ['pull', 'case/../other', target], { compareTextExit: true });
    expect(climbing.code).toBe(EXIT.invalid);
    expect(climbing.body).toMatchObject({
      error: { code: 'invalid_input', details: [{ path: 'case', message: expect.stringContaining('invalid case name') }] },
      exitCode: EXIT.invalid,
    });
    const text = await cli('agent', ['pull', 'case/../other', target]);
    expect(text.err).toMatch(/case: invalid case name/);
  });

  it('status on a folder that was never pulled says so and exits 2', async () => {
    const never = await mkdtemp(join(scratch, 'never-'));
    const status = await json('agent', ['status', never], { compareTextExit: true });
    expect(status.body).toMatchObject({ error: { code: 'not_pulled', message: expect.stringContaining('holds no pulled case') }, exitCode: EXIT.usage });
    expect((await cli('agent', ['status', never])).err).toContain('holds no pulled case');
    expect((await json('agent', ['push', never, '-m', 'x'], { compareTextExit: true })).code).toBe(EXIT.usage);
  });

  it('has a JSON test for every verb', () => {
    const program = new Command();
    const context = {} as Parameters<(typeof COMMANDS)[number]['register']>[1];
    for (const command of COMMANDS) command.register(program, context);
    expect([...tested].sort()).toEqual(program.commands.map((command) => command.name()).sort());
  });
});
