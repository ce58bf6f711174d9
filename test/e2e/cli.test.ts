/**
 * `bailiff` against the embedded server: every verb in-process (text and --json, exit codes),
 * then the real bin as a child: piped output is plain lines without colour, and in a
 * pseudo-terminal (tmux) `apply --wait` draws the progress bar and the report is coloured.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BailiffClient } from '../../shared/client/index.ts';
import { EXIT } from '../../shared/cli/context.ts';
import { runCli } from '../../shared/cli/program.ts';
import { ensureTmux } from '../setup/tmux.ts';
import { startEmbeddedBailiff, TEST_TOKENS, type EmbeddedBailiff } from '../support/embedded-server.ts';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');
const NODE = process.execPath;

let bailiff: EmbeddedBailiff;
let scratch: string;

const BULK = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`projects/bulk/in/file-${String(i).padStart(3, '0')}.txt`, `content ${i}`]));

beforeAll(async () => {
  bailiff = await startEmbeddedBailiff({
    'projects/smith/intake/records_001.pdf': 'record one',
    'projects/smith/intake/records_002.pdf': 'record two',
    'projects/smith/old.txt': 'old',
    ...BULK,
  });
  scratch = await mkdtemp(join(tmpdir(), 'bailiff-cli-'));
});

afterAll(async () => {
  await bailiff?.stop();
  await rm(scratch, { recursive: true, force: true });
});

/** Runs the CLI in-process as `as`, with stdin text, and captures everything. */
async function cli(as: keyof typeof TEST_TOKENS, args: string[], stdin = '') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += chunk));
  stderr.on('data', (chunk) => (err += chunk));
  const code = await runCli(
    args,
    { stdout, stderr, stdin: Readable.from([stdin]), env: {} },
    { client: () => new BailiffClient({ baseUrl: bailiff.url, token: TEST_TOKENS[as] }) },
  );
  return { code, out, err };
}

describe('bailiff verbs (in-process)', () => {
  it('files lists a case, as text and as JSON', async () => {
    const text = await cli('agent', ['files', 'smith']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/10 B {2}\S+ {2}intake\/records_001\.pdf/);
    const json = await cli('agent', ['files', 'smith', '--prefix', 'intake/', '--json']);
    expect(JSON.parse(json.out).files.map((file: { path: string }) => file.path)).toEqual(['intake/records_001.pdf', 'intake/records_002.pdf']);
  });

  it('propose → show → plans → approve → apply --wait → audit → rollback → reject → verify', async () => {
    const planFile = join(scratch, 'plan.json');
    await writeFile(
      planFile,
      JSON.stringify({
        case: 'smith',
        description: 'File the records',
        operations: [
          { type: 'create_dir', destination: 'Medical' },
          { type: 'move', source: 'intake/records_001.pdf', destination: 'Medical/records_001.pdf' },
          { type: 'delete', source: 'old.txt' },
        ],
      }),
    );
    const proposed = await cli('agent', ['propose', planFile, '--json']);
    expect(proposed.code).toBe(0);
    const id = JSON.parse(proposed.out).plan.id as string;

    const shown = await cli('approver', ['show', id]);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`plan hash ${JSON.parse(proposed.out).plan.planHash}`);
    expect(shown.out).toContain(
      ['Changes', '  ├── + Medical/', '  │   └── + records_001.pdf', '  ├── intake/', '  │   └── - records_001.pdf', '  └── - old.txt'].join('\n'),
    );
    expect(shown.out).not.toMatch(/\x1b\[/);

    expect((await cli('agent', ['plans', '--case', 'smith', '--status', 'proposed'])).out).toContain(`${id}  proposed`);
    expect((await cli('agent', ['plans', '--status', 'nope'])).code).toBe(EXIT.usage);

    const selfApproval = await cli('agent', ['approve', id, '--yes']);
    expect(selfApproval.code).toBe(EXIT.denied);
    expect(selfApproval.err).toContain('bailiff: forbidden:');

    const wrongHash = await cli('approver', ['approve', id, '--hash', 'sha256:other', '--yes']);
    expect(wrongHash.code).toBe(EXIT.state);
    const approved = await cli('approver', ['approve', id, '-m', 'fine', '--yes']);
    expect(approved.code).toBe(0);
    expect(approved.out).toContain(`approved ${id}`);

    const applied = await cli('agent', ['apply', id, '--wait', '--interval', '0.02']);
    expect(applied.err).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.out).toMatch(/^progress 3\/3 \(100%\) [\d.]+\/s done$/m);
    expect(applied.out).toContain(`${id} succeeded: 3 of 3 actions applied`);

    const audit = await cli('agent', ['audit', id]);
    expect(audit.out).toMatch(/plan\.proposed\s+agent@firm\.example/);
    expect(audit.out).toMatch(/plan\.approved\s+alice@firm\.example/);

    const rollback = await cli('agent', ['rollback', id, '--json']);
    expect(rollback.code).toBe(0);
    const undoId = JSON.parse(rollback.out).plan.id as string;
    expect((await cli('approver', ['reject', undoId, '--reason', 'keep it', '--yes'])).out).toBe(`rejected ${undoId}: keep it\n`);
    expect((await cli('approver', ['reject', undoId])).code).toBe(EXIT.usage);

    const verified = await cli('admin', ['verify']);
    expect(verified.out, verified.err).toMatch(/^audit trail intact: \d+ chains/);
    const denied = await cli('agent', ['verify']);
    expect(denied.code).toBe(EXIT.denied);
    expect(denied.err).toContain('needs the admin role');
  });

  it('from-commands shows which line made which operation', async () => {
    const result = await cli('agent', ['from-commands', 'smith', '-d', 'tidy'], 'mkdir -p Archive\nmv intake/*.pdf Archive/\n');
    expect(result.code).toBe(0);
    expect(result.out).toContain('  1│ mkdir -p Archive  → operation 1');
    expect(result.out).toMatch(/ {2}2│ mv intake\/\*\.pdf Archive\/ {2}→ operation 2(, 3)?\n/);
    const refused = await cli('agent', ['from-commands', 'smith', '-d', 'bad', '--json'], 'rm -rf / ; echo');
    expect(refused.code).toBe(EXIT.invalid);
    expect(JSON.parse(refused.out).error).toEqual({
      code: 'invalid_input',
      status: 400,
      message: 'the commands cannot be turned into a plan',
      details: [{ line: 1, column: 10, message: '`;` is not supported; put each command on its own line' }],
    });
  });

  it('approve asks on a terminal, and a no leaves the plan proposed', async () => {
    const agent = new BailiffClient({ baseUrl: bailiff.url, token: TEST_TOKENS.agent });
    const view = await agent.propose({ case: 'smith', description: 'ask me', operations: [{ type: 'create_dir', destination: 'Asked' }] });
    const ask = async (answer: string) => {
      const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
      let out = '';
      stdout.on('data', (chunk) => (out += chunk));
      const stdin = Object.assign(Readable.from([answer]), { isTTY: true });
      const code = await runCli(
        ['approve', view.plan.id],
        { stdout, stderr: new PassThrough(), stdin, env: { NO_COLOR: '1' } },
        { client: () => new BailiffClient({ baseUrl: bailiff.url, token: TEST_TOKENS.approver }) },
      );
      return { code, out };
    };
    const declined = await ask('n\n');
    expect(declined.code).toBe(EXIT.cancelled);
    expect(declined.out).toContain(`Approve ${view.plan.id} with hash ${view.plan.planHash}? [y/N] `);
    expect((await agent.getPlan(view.plan.id)).plan.status).toBe('proposed');
    expect((await ask('yes please\n')).code).toBe(EXIT.cancelled);
    expect((await agent.getPlan(view.plan.id)).plan.status).toBe('proposed');
    expect((await ask('y\n')).code).toBe(0);
    expect((await agent.getPlan(view.plan.id)).plan.status).toBe('approved');
  });

  it('approves or rejects without a terminal only with --yes: `echo n | bailiff approve` and `echo y | ...` approve nothing', async () => {
    const agent = new BailiffClient({ baseUrl: bailiff.url, token: TEST_TOKENS.agent });
    const view = await agent.propose({ case: 'smith', description: 'piped answers', operations: [{ type: 'create_dir', destination: 'Piped' }] });
    for (const answer of ['n\n', 'y\n']) {
      const piped = await cli('approver', ['approve', view.plan.id], answer);
      expect(piped.code).toBe(EXIT.usage);
      expect(piped.err).toContain('add --yes');
      expect((await agent.getPlan(view.plan.id)).plan.status).toBe('proposed');
    }
    const rejectPiped = await cli('approver', ['reject', view.plan.id, '--reason', 'no'], 'y\n');
    expect(rejectPiped.code).toBe(EXIT.usage);
    expect((await agent.getPlan(view.plan.id)).plan.status).toBe('proposed');
    expect((await cli('approver', ['approve', view.plan.id, '--yes'])).code).toBe(0);
    expect((await agent.getPlan(view.plan.id)).plan.status).toBe('approved');
  });

  it('propose prints the summary, errors and warnings first, then at most 50 operations; show --operations lists them all', async () => {
    const operations = [
      ...Array.from({ length: 119 }, (_, i) => ({ type: 'create_dir', destination: `Many/d-${String(i).padStart(3, '0')}` })),
      // The last one warns (the first one made that folder): the warning still comes first.
      { type: 'create_dir', destination: 'Many/d-000' },
    ];
    const proposed = await cli('agent', ['propose', '-'], JSON.stringify({ case: 'smith', description: 'many folders', operations }));
    expect(proposed.code).toBe(0);
    const lines = proposed.out.split('\n');
    const id = /^(pln_\w+)/.exec(lines[0]!)![1]!;
    expect(lines.indexOf('Warnings')).toBeGreaterThan(0);
    expect(lines.indexOf('Warnings')).toBeLessThan(lines.indexOf('Operations (showing 50 of 120)'));
    expect(lines.filter((line) => /^ +\d+\. /.test(line))).toHaveLength(50);
    expect(proposed.out).toContain(`  ... and 70 more (bailiff show ${id} --operations)`);
    expect(proposed.out).toContain('120 operations');
    const all = await cli('approver', ['show', id, '--operations']);
    expect(all.code).toBe(0);
    expect(all.out.split('\n').filter((line) => /^ +\d+\. /.test(line))).toHaveLength(120);
    expect(all.out).toContain('  120. create dir Many/d-000');
    expect(all.out).not.toContain('more (bailiff show');
  });

  it("summarises a 5,000-operation plan from the server's totals and says how much of the list it shows", async () => {
    const operations = Array.from({ length: 5_000 }, (_, i) => ({ type: 'create_dir', destination: `Bulk/d-${String(i).padStart(4, '0')}` }));
    const proposed = await cli('agent', ['propose', '-'], JSON.stringify({ case: 'smith', description: 'five thousand folders', operations }));
    expect(proposed.code).toBe(0);
    const id = /^(pln_\w+)/.exec(proposed.out)![1]!;
    expect(proposed.out).toContain('5,000 operations, 5,000 actions: 5,000 folders created');
    expect(proposed.out).toContain('Operations (showing 50 of 5,000)');
    expect(proposed.out).toContain(`  ... and 4,950 more (bailiff show ${id} --operations)`);
    expect(proposed.out).toContain('  next: Awaiting 1 more approval');
    const shown = await cli('approver', ['show', id]);
    expect(shown.out).toContain('5,000 folders created');
    expect(shown.out).toContain('Operations (showing 50 of 5,000)');
  });

  it('maps failures to the documented exit codes', async () => {
    expect((await cli('agent', ['show', 'pln_000000000000000000000000'])).code).toBe(EXIT.notFound);
    expect((await cli('agent', ['show', 'nonsense'])).code).toBe(EXIT.invalid);
    expect((await cli('agent', ['propose', join(scratch, 'missing.json')])).code).toBe(EXIT.usage);
    expect((await cli('agent', ['propose', '-'], '{not json')).code).toBe(EXIT.usage);
    const invalid = await cli(
      'agent',
      ['propose', '-'],
      JSON.stringify({ case: 'smith', description: 'x', operations: [{ type: 'move', source: 'nope', destination: 'x' }] }),
    );
    expect(invalid.code).toBe(EXIT.invalid);
    expect(invalid.out).toContain('✗ operation 1: `nope` does not exist');
    expect((await cli('agent', ['frobnicate'])).code).toBe(EXIT.usage);
    expect((await cli('agent', ['apply'])).code).toBe(EXIT.usage);
    const unreachable = await runCli(['plans'], {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      stdin: Readable.from(['']),
      env: { BAILIFF_URL: 'http://127.0.0.1:1', BAILIFF_TOKEN: 'x' },
    });
    expect(unreachable).toBe(EXIT.unavailable);
  });
});

/** Proposes a copy of the 150 bulk files and approves it, returning the plan id. */
async function approvedBulkPlan(destination: string): Promise<string> {
  const agent = new BailiffClient({ baseUrl: bailiff.url, token: TEST_TOKENS.agent });
  const approver = new BailiffClient({ baseUrl: bailiff.url, token: TEST_TOKENS.approver });
  const view = await agent.propose({ case: 'bulk', description: 'copy', operations: [{ type: 'copy', source: 'in/', destination: `${destination}/` }] });
  await approver.approve(view.plan.id, { planHash: view.plan.planHash, snapshotHash: view.report.snapshotHash });
  return view.plan.id;
}

const binEnv = () => ({ ...process.env, BAILIFF_URL: bailiff.url, BAILIFF_TOKEN: TEST_TOKENS.agent, NO_COLOR: '' });

describe('the bailiff bin', () => {
  it('prints plain progress lines and no colour when piped', async () => {
    const id = await approvedBulkPlan('piped');
    const { stdout } = await run(NODE, ['functions/cli.ts', 'apply', id, '--wait', '--interval', '0.01'], { cwd: REPO, env: binEnv() });
    expect(stdout).not.toMatch(/\x1b\[|\r|█/);
    expect(stdout).toMatch(/^progress 150\/150 \(100%\) [\d.]+\/s done$/m);
    expect(stdout).toContain(`${id} succeeded: 150 of 150 actions applied`);
  });

  it('draws the progress bar and colours in a pseudo-terminal', async () => {
    const tmux = await ensureTmux();
    const id = await approvedBulkPlan('tty');
    const socket = `bailiff-cli-test-${process.pid}`;
    const env = binEnv();
    const command = `cd ${REPO} && ${NODE} functions/cli.ts apply ${id} --wait --interval 0.01; ${NODE} functions/cli.ts show ${id}; echo EXIT=$? ; sleep 30`;
    const envArgs = ['-e', `BAILIFF_URL=${env.BAILIFF_URL}`, '-e', `BAILIFF_TOKEN=${env.BAILIFF_TOKEN}`];
    await run(tmux, ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-x', '120', '-y', '50', ...envArgs, 'sh', '-c', command]);
    try {
      let screen = '';
      for (let i = 0; i < 200 && !screen.includes('EXIT='); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        screen = (await run(tmux, ['-L', socket, 'capture-pane', '-p', '-e', '-J', '-S', '-'])).stdout;
      }
      expect(screen).toContain('EXIT=0');
      expect(screen).toMatch(/\[█{10,}\] {2}150\/150 {2}100% {2}[\d.]+\/s {2}done/);
      expect(screen).toContain(`${id} succeeded: 150 of 150 actions applied`);
      // The report is coloured on a terminal: status, totals and the added tree entries.
      expect(screen).toMatch(/\x1b\[32m\+ file-000\.txt/);
    } finally {
      await run(tmux, ['-L', socket, 'kill-server']).catch(() => undefined);
    }
  });

  it('runs as `npx bailiff` in the repository', async () => {
    const child = spawn('npx', ['--no-install', 'bailiff', 'plans', '--case', 'bulk', '--json'], { cwd: REPO, env: binEnv() });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(JSON.parse(out).plans.length).toBeGreaterThanOrEqual(2);
  });
});
