/**
 * The original proposal's "run a reorganisation script over the case", as Bailiff does it, on
 * both backends: pull the case into a folder, run a real shell script over the copy (renames
 * into new folders, a new binary PDF of a few MB and a report, duplicates deleted, a typo
 * fixed), push, approve, apply — the workspace then equals the local tree byte for byte, the
 * renames were moves — and roll back to the original byte for byte. Then a change made in the
 * workspace between pull and push, which blocks approval until the client pulls and pushes
 * again; then blobs: 200 MB through the staging area, and the blobs a dry run must refuse.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll } from '../../shared/ports/object-store.ts';
import { EXIT } from '../../shared/cli/context.ts';
import { BailiffClient } from '../../shared/client/client.ts';
import { runCli } from '../../shared/cli/program.ts';
import { PassThrough, Readable } from 'node:stream';
import { startRoundTripServer, TOKENS, type BackendName, type RoundTripServer } from '../support/round-trip-server.ts';

const CASE = 'abby-sitgraves';
const md5Hex = (data: Buffer) => createHash('md5').update(data).digest('hex');

/** The reorganisation a paralegal's script would do, in plain bash over the pulled copy. */
const REORGANISE = String.raw`
set -euo pipefail
mkdir -p "Medical Records/Provider1" Police Reports
mv intake/records_001.pdf "Medical Records/Provider1/records_001.pdf"
mv intake/records_002.pdf "Medical Records/Provider1/records_002.pdf"
mv intake/police-report.pdf Police/report.pdf
# Duplicates: every file whose content an earlier file (in name order) already holds.
find . -path ./.bailiff -prune -o -type f -print0 | sort -z | xargs -0 md5sum \
  | awk 'seen[substr($0, 1, 32)]++ { print substr($0, 35) }' | while IFS= read -r dup; do rm -- "$dup"; done
rmdir intake
# A new binary PDF of a few MB, and a report of what is where.
{ printf '%%PDF-1.7\n'; head -c 3000000 /dev/urandom; printf '\n%%%%EOF\n'; } > "Reports/scan bundle.pdf"
find . -path ./.bailiff -prune -o -type f -print | sort > Reports/index.txt
sed -i 's/recieved/received/' notes/summary.txt
`;

async function treeOf(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (folder === dir && entry.name === '.bailiff') continue;
      if (entry.isDirectory()) await walk(full);
      else files[relative(dir, full).split(sep).join('/')] = md5Hex(await readFile(full));
    }
  };
  await walk(dir);
  return files;
}

for (const backend of ['embedded', 'cloud'] as BackendName[]) {
  describe(`sandbox round trip: pull, script, push, approve, apply, roll back (${backend})`, () => {
    let server: RoundTripServer;
    let work: string;
    const original: Record<string, Buffer> = {
      'intake/records_001.pdf': randomBytes(200 * 1024),
      'intake/records_002.pdf': randomBytes(150 * 1024),
      'intake/police-report.pdf': randomBytes(80 * 1024),
      'notes/summary.txt': Buffer.from('Records recieved from Provider1 on 3 March.\n'),
    };
    original['intake/records_002 (1).pdf'] = original['intake/records_002.pdf']!;

    /** The `bailiff` command line, in-process, as an agent in a sandbox runs it. */
    async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
      const output = new PassThrough();
      const chunks: Buffer[] = [];
      output.on('data', (chunk: Buffer) => chunks.push(chunk));
      const code = await runCli(argv, {
        stdout: output,
        stderr: output,
        stdin: Readable.from([]),
        env: { BAILIFF_URL: server.url, BAILIFF_TOKEN: TOKENS.agent, NO_COLOR: '1' },
      });
      return { code, out: Buffer.concat(chunks).toString('utf8').trim() };
    }

    async function api(method: string, path: string, token: string, body?: unknown) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    }

    async function approveAndApply(planId: string): Promise<Record<string, any>> {
      const plan = await api('GET', `/plans/${planId}`, TOKENS.approver);
      const approved = await api('POST', `/plans/${planId}/approve`, TOKENS.approver, {
        planHash: plan.body.plan.planHash,
        snapshotHash: plan.body.report.snapshotHash,
      });
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
      expect((await api('POST', `/plans/${planId}/apply`, TOKENS.agent)).status).toBe(202);
      for (let i = 0; i < 400; i += 1) {
        await server.idle();
        const current = await api('GET', `/plans/${planId}`, TOKENS.agent);
        if (['succeeded', 'failed'].includes(current.body.plan.status)) return current.body;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`plan ${planId} did not finish`);
    }

    async function workspace(): Promise<Record<string, string>> {
      const files: Record<string, string> = {};
      for await (const page of listAll(server.objects, `projects/${CASE}/`)) {
        for (const object of page.objects) files[object.name.slice(`projects/${CASE}/`.length)] = md5Hex(await server.objects.read(object.name));
      }
      return files;
    }

    const originalTree = () => Object.fromEntries(Object.entries(original).map(([path, data]) => [path, md5Hex(data)]));

    beforeAll(async () => {
      server = await startRoundTripServer(backend);
      work = await mkdtemp(join(tmpdir(), 'bailiff-sandbox-'));
      for (const [path, data] of Object.entries(original))
        await server.objects.write(`projects/${CASE}/${path}`, data, { contentType: path.endsWith('.pdf') ? 'application/pdf' : 'text/plain' });
    });

    afterAll(async () => {
      await server?.close();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('round-trips a scripted reorganisation, and rolls it back byte for byte', async () => {
      const dir = join(work, 'copy');
      const pulled = await cli('pull', CASE, dir);
      expect(pulled.code, pulled.out).toBe(0);
      expect(await treeOf(dir)).toEqual(originalTree());

      execFileSync('bash', ['-c', REORGANISE], { cwd: dir });

      const status = await cli('status', dir);
      expect(status.out.split('\n').sort()).toEqual(
        [
          'added:    Reports/index.txt',
          'added:    Reports/scan bundle.pdf',
          'deleted:  intake/records_002 (1).pdf',
          'modified: notes/summary.txt',
          'renamed:  intake/police-report.pdf -> Police/report.pdf',
          'renamed:  intake/records_001.pdf -> Medical Records/Provider1/records_001.pdf',
          'renamed:  intake/records_002.pdf -> Medical Records/Provider1/records_002.pdf',
        ].sort(),
      );

      const dryRun = await cli('push', dir, '-m', 'Sort intake', '--dry-run');
      expect(dryRun.out).toMatch(/dry run: 7 operations; nothing uploaded or proposed/);

      const pushed = await cli('push', dir, '-m', 'Sort intake into the firm structure');
      expect(pushed.code, pushed.out).toBe(0);
      expect(pushed.out).toMatch(/uploaded 3 new blobs/);
      const planId = /proposed (pln_\w+)/.exec(pushed.out)![1]!;
      expect(pushed.out).toContain(`review it at ${server.url}/ui/plans/${planId}`);

      const proposed = await api('GET', `/plans/${planId}`, TOKENS.agent);
      const types = proposed.body.report.operations.map((line: { type: string }) => line.type).sort();
      expect(types).toEqual(['delete', 'move', 'move', 'move', 'write_file', 'write_file', 'write_file']);
      // The renames are moves: nothing that was renamed is deleted or written again.
      const effects: string[] = proposed.body.report.operations.map((line: { effect: string }) => line.effect);
      for (const renamed of ['intake/records_001.pdf', 'intake/records_002.pdf', 'intake/police-report.pdf']) {
        expect(
          effects.filter((effect) => effect.includes(renamed)),
          renamed,
        ).toEqual([expect.stringMatching(/^move /)]);
      }

      const done = await approveAndApply(planId);
      expect(done.plan.status, JSON.stringify(done.execution)).toBe('succeeded');
      expect(await workspace()).toEqual(await treeOf(dir));

      const rollback = await api('POST', `/plans/${planId}/rollback`, TOKENS.agent);
      expect(rollback.status, JSON.stringify(rollback.body)).toBe(201);
      const undone = await approveAndApply(rollback.body.plan.id);
      expect(undone.plan.status).toBe('succeeded');
      expect(await workspace()).toEqual(originalTree());
    });

    it('names a change made in the workspace between pull and push, and lets nothing through until the client pulls again', async () => {
      const dir = join(work, 'conflict');
      expect((await cli('pull', CASE, dir)).code).toBe(0);
      execFileSync('bash', ['-c', 'mkdir -p Sorted && mv notes/summary.txt Sorted/summary.txt'], { cwd: dir });
      // Meanwhile a person edits the summary in the workspace.
      await server.objects.write(`projects/${CASE}/notes/summary.txt`, Buffer.from('Edited by a person.\n'), { contentType: 'text/plain' });

      const pushed = await cli('push', dir, '-m', 'Move the summary');
      expect(pushed.code).toBe(EXIT.invalid);
      expect(pushed.out).toContain('CONFLICT `notes/summary.txt` changed in the workspace since your snapshot; pull again');
      const planId = /proposed (pln_\w+)/.exec(pushed.out)![1]!;
      const plan = await api('GET', `/plans/${planId}`, TOKENS.approver);
      const refused = await api('POST', `/plans/${planId}/approve`, TOKENS.approver, {
        planHash: plan.body.plan.planHash,
        snapshotHash: plan.body.report.snapshotHash,
      });
      expect(refused.status).toBe(422);
      expect(JSON.stringify(refused.body)).toContain('conflict_changed');
      // A fresh dry run does not clear it: the conflict is part of the plan.
      const revalidated = await api('POST', `/plans/${planId}/validate`, TOKENS.agent);
      expect(revalidated.body.report.valid).toBe(false);

      const again = join(work, 'conflict-again');
      expect((await cli('pull', CASE, again)).code).toBe(0);
      execFileSync('bash', ['-c', 'mkdir -p Sorted && mv notes/summary.txt Sorted/summary.txt'], { cwd: again });
      const second = await cli('push', again, '-m', 'Move the summary');
      expect(second.code, second.out).toBe(0);
      const done = await approveAndApply(/proposed (pln_\w+)/.exec(second.out)![1]!);
      expect(done.plan.status).toBe('succeeded');
      expect((await server.objects.read(`projects/${CASE}/Sorted/summary.txt`)).toString()).toBe('Edited by a person.\n');
    });

    it('takes 200 MB through the staging area into the case, streamed', async () => {
      const file = join(work, 'big.bin');
      const md5 = createHash('md5');
      const out = createWriteStream(file);
      const chunk = randomBytes(1024 * 1024);
      for (let i = 0; i < 200; i += 1) {
        chunk[0] = i; // every MiB differs
        md5.update(chunk);
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      await new Promise<void>((resolve) => out.end(() => resolve()));
      const digest = md5.digest('hex');
      const size = (await stat(file)).size;
      expect(size).toBe(200 * 1024 * 1024);
      const client = new BailiffClient({ baseUrl: server.url, token: TOKENS.agent });
      const declared = await client.call('declareBlob', { params: { case: CASE }, body: { md5: digest, size, contentType: 'application/pdf' } });
      expect(declared.exists).toBe(false);
      await client.uploadBlob(declared.upload!, createReadStream(file), size);
      const proposed = await api('POST', '/plans', TOKENS.agent, {
        case: CASE,
        description: 'File the scanned bundle',
        operations: [{ type: 'write_file', destination: 'Scans/bundle.pdf', blob: declared.blob }],
      });
      expect(proposed.status).toBe(201);
      expect(proposed.body.report.valid, JSON.stringify(proposed.body.report.errors)).toBe(true);
      const done = await approveAndApply(proposed.body.plan.id);
      expect(done.plan.status).toBe('succeeded');
      const written = await server.objects.stat(`projects/${CASE}/Scans/bundle.pdf`);
      expect(written).toMatchObject({ size, md5: Buffer.from(digest, 'hex').toString('base64'), contentType: 'application/pdf' });
      await rm(file);
    }, 180_000);

    it('refuses at dry run another case’s blob, a blob with the wrong size or hash, and a blob never uploaded', async () => {
      const content = Buffer.from('statement of account');
      const ref = (caseName: string, data: Buffer, size = data.length) => `${caseName}/md5-${md5Hex(data)}-${size}`;
      // Uploaded to another case's staging area (by its own agent).
      await server.objects.write(`.bailiff/staging/other-case/md5-${md5Hex(content)}-${content.length}`, content);
      // Staged objects whose bytes are not what their names declare (what a storage service that
      // did not check Content-MD5 would hold after a lying upload).
      const wrongSize = Buffer.from('short');
      await server.objects.write(`.bailiff/staging/${CASE}/md5-${md5Hex(content)}-${content.length + 1}`, content);
      const claimed = Buffer.from('the content the name claims');
      await server.objects.write(`.bailiff/staging/${CASE}/md5-${md5Hex(claimed)}-${claimed.length}`, Buffer.alloc(claimed.length, 'x'));
      const cases: Array<[string, string]> = [
        [ref('other-case', content), 'blob_other_case'],
        [ref(CASE, content, content.length + 1), 'blob_size_mismatch'],
        [ref(CASE, claimed), 'blob_hash_mismatch'],
        [ref(CASE, wrongSize), 'blob_missing'],
      ];
      for (const [blob, code] of cases) {
        const proposed = await api('POST', '/plans', TOKENS.agent, {
          case: CASE,
          description: 'write from a blob',
          operations: [{ type: 'write_file', destination: `Blobs/${code}.pdf`, blob }],
        });
        expect(proposed.status).toBe(201);
        expect(proposed.body.report.valid).toBe(false);
        expect(
          proposed.body.report.errors.map((issue: { code: string }) => issue.code),
          blob,
        ).toEqual([code]);
      }
    });
  });
}
