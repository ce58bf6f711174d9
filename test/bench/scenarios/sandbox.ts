/**
 * Scenario 9, the sandbox round trip:
 * - a target-state plan for a 10,000-object case whose pulled copy had 2,000 files renamed and
 *   200 new files written (embedded server): the plan computed server-side (the pure diff alone,
 *   and the whole `POST /plans`: snapshot, diff, dry run, storing), and the blobs the push
 *   uploads, which must be exactly the 200 new ones;
 * - `bailiff pull` of 1,000 files (100 MiB) through the api and its signed URLs from
 *   fake-gcs-server, against `gcloud storage cp -r` of the same prefix from the same emulator.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { computeTargetPlan } from '../../../shared/domain/target-state.ts';
import { BailiffClient } from '../../../shared/client/client.ts';
import { pull, push, readSnapshot, scanTree } from '../../../shared/sandbox/round-trip.ts';
import { startRoundTripServer, TOKENS } from '../../support/round-trip-server.ts';
import type { BenchContext } from '../lib/context.ts';
import { addNote, addRow, addTarget } from '../lib/results.ts';
import { gcloudSetup } from '../lib/tools.ts';
import { formatNumber, log, mapLimited, median, MiB, runProgram, timed } from '../lib/util.ts';

const SCENARIO = '9 sandbox round trip';

export async function sandboxRoundTrip(ctx: BenchContext): Promise<void> {
  await targetStatePlan(ctx);
  await pullAgainstGcloud(ctx);
}

async function targetStatePlan(ctx: BenchContext): Promise<void> {
  const objects = ctx.quick ? 2_000 : 10_000;
  const renames = objects / 5;
  const added = objects / 50;
  const pureMs: number[] = [];
  const proposeMs: number[] = [];
  const uploads: number[] = [];
  for (let run = 0; run < ctx.runs; run += 1) {
    const server = await startRoundTripServer('embedded');
    try {
      const caseName = `bench-${run}`;
      // Seeded straight into the workspace folder, as files people put there (md5 unknown to the store).
      const root = join(server.app.config.BAILIFF_WORKSPACE_DIR, 'projects', caseName);
      await mapLimited(
        Array.from({ length: objects }, (_, i) => i),
        32,
        async (i) => {
          const folder = join(root, `folder-${i % 100}`);
          await mkdir(folder, { recursive: true });
          await writeFile(join(folder, `file-${i}.pdf`), `case file ${i} ${randomBytes(8).toString('hex')}\n`);
        },
      );
      const client = new BailiffClient({ baseUrl: server.url, token: TOKENS.agent });
      const dir = join(ctx.workDir, `s9-copy-${run}`);
      const pulled = await timed(() => pull(client, caseName, dir, { concurrency: 32 }));
      log(`s9 pulled ${formatNumber(objects)} files in ${(pulled.ms / 1000).toFixed(1)} s`);
      // The "script": 2,000 renames into new folders, 200 new files.
      await mapLimited(
        Array.from({ length: renames }, (_, i) => i * 5),
        32,
        async (i) => {
          await mkdir(join(dir, 'Sorted', `folder-${i % 100}`), { recursive: true });
          await rename(join(dir, `folder-${i % 100}`, `file-${i}.pdf`), join(dir, 'Sorted', `folder-${i % 100}`, `renamed-${i}.pdf`));
        },
      );
      await mkdir(join(dir, 'New'), { recursive: true });
      for (let i = 0; i < added; i += 1) await writeFile(join(dir, 'New', `new-${i}.pdf`), `new content ${i} ${randomBytes(8).toString('hex')}\n`);

      // The pure diff, as the server runs it, on the same inputs.
      const snapshot = await readSnapshot(dir);
      const tree = await scanTree(dir, snapshot);
      const base = snapshot.objects.map(({ path, generation }) => ({ path, generation }));
      const target = tree.map((entry) => ({ path: entry.path, size: entry.size, md5: entry.md5, blob: `${caseName}/md5-${entry.md5}-${entry.size}` }));
      const current = snapshot.objects.map(({ path, size, md5, generation }) => ({ path, size, md5, generation }));
      const pure = await timed(async () => computeTargetPlan({ base, target, current }));
      const moves = pure.value.operations.filter((operation) => operation.type === 'move').length;
      if (moves !== renames) throw new Error(`s9: expected ${renames} moves, the diff found ${moves}`);
      pureMs.push(pure.ms);

      // The whole push: hash, upload new blobs, POST /plans (timed from the server's side).
      const service = server.app.targets;
      const propose = service.propose.bind(service);
      let serverMs = 0;
      service.propose = async (...args) => {
        const measured = await timed(() => propose(...args));
        serverMs = measured.ms;
        return measured.value;
      };
      const result = await push(client, dir, { description: 'bench reorganisation' });
      if (!result.valid) throw new Error(`s9: the pushed plan is not valid: ${JSON.stringify((result.report as { errors: unknown[] }).errors.slice(0, 3))}`);
      proposeMs.push(serverMs);
      uploads.push(result.uploaded);
      log(`s9 run ${run + 1}: diff ${pure.ms.toFixed(0)} ms, POST /plans ${serverMs.toFixed(0)} ms server-side, ${result.uploaded} blobs uploaded`);
      await rm(dir, { recursive: true, force: true });
    } finally {
      await server.close();
    }
  }
  addRow(ctx.results, {
    scenario: SCENARIO,
    name: `target-state diff (pure), ${formatNumber(objects)} objects, ${formatNumber(renames)} renames, ${added} new`,
    unit: 's',
    samples: pureMs.map((ms) => ms / 1000),
  });
  addRow(ctx.results, {
    scenario: SCENARIO,
    name: 'POST /plans with base and target, server-side (snapshot with md5 of every file, diff, dry run, store)',
    unit: 's',
    samples: proposeMs.map((ms) => ms / 1000),
  });
  addRow(ctx.results, { scenario: SCENARIO, name: 'blobs uploaded by the push', unit: 'blobs', samples: uploads });
  addTarget(
    ctx.results,
    `Target-state plan for ${formatNumber(objects)} objects computed < 1 s server-side (whole POST /plans, embedded)`,
    median(proposeMs) / 1000,
    '<',
    1,
    's',
  );
  addTarget(ctx.results, `Push uploads exactly the ${added} new blobs`, Math.max(...uploads.map((n) => Math.abs(n - added))), '<=', 0, ' blobs off');
  addNote(
    ctx.results,
    SCENARIO,
    'The embedded store does not know the md5 of files put into the workspace by other programs, so every snapshot (the pull, and the one POST /plans takes) reads the whole case to hash it; on Cloud Storage the listing carries md5.',
  );
}

async function pullAgainstGcloud(ctx: BenchContext): Promise<void> {
  const files = ctx.quick ? 200 : 1_000;
  const size = 100 * 1024;
  const server = await startRoundTripServer('cloud');
  try {
    const caseName = 'pull-bench';
    await mapLimited(
      Array.from({ length: files }, (_, i) => i),
      32,
      (i) =>
        server.objects
          .write(`projects/${caseName}/folder-${i % 20}/scan-${i}.pdf`, randomBytes(size), { contentType: 'application/pdf' })
          .then(() => undefined),
    );
    const bucket = server.app.config.WORKSPACE_BUCKET!;
    const gcloud = await gcloudSetup(ctx.gcs!.endpoint, ctx.workDir);
    const client = new BailiffClient({ baseUrl: server.url, token: TOKENS.agent });
    const bailiff: number[] = [];
    const cli: number[] = [];
    let problem: string | undefined = gcloud ? undefined : 'the gcloud CLI is not installed';
    if (gcloud) ctx.versions.gcloud = gcloud.version;
    for (let run = 0; run < ctx.runs; run += 1) {
      const dir = join(ctx.workDir, `s9-pull-${run}`);
      const measured = await timed(() => pull(client, caseName, dir, { concurrency: 16 }));
      const count = (await readSnapshot(dir)).objects.length;
      if (count !== files) throw new Error(`s9: pulled ${count} of ${files} files`);
      bailiff.push(measured.ms);
      await rm(dir, { recursive: true, force: true });
      if (gcloud && !problem) {
        const target = join(ctx.workDir, `s9-gcloud-${run}`);
        await mkdir(target, { recursive: true });
        const copied = await timed(() => runProgram('gcloud', ['storage', 'cp', '-r', `gs://${bucket}/projects/${caseName}`, target], { env: gcloud.env }));
        const got = await countFiles(target);
        if (copied.value.code !== 0 || got !== files)
          problem = `gcloud storage cp -r exited ${copied.value.code} with ${got} of ${files} files: ${copied.value.stderr.trim().split('\n').slice(-2).join(' / ')}`;
        else cli.push(copied.ms);
        await rm(target, { recursive: true, force: true });
      }
      log(`s9 pull run ${run + 1}: bailiff ${(measured.ms / 1000).toFixed(2)} s${cli[run] !== undefined ? `, gcloud ${(cli[run]! / 1000).toFixed(2)} s` : ''}`);
    }
    const mib = (files * size) / MiB;
    addRow(ctx.results, {
      scenario: SCENARIO,
      name: `bailiff pull, ${formatNumber(files)} files (${mib.toFixed(0)} MiB), fake-gcs via signed URLs`,
      unit: 's',
      samples: bailiff.map((ms) => ms / 1000),
    });
    if (cli.length > 0)
      addRow(ctx.results, { scenario: SCENARIO, name: `gcloud storage cp -r, same files, same emulator`, unit: 's', samples: cli.map((ms) => ms / 1000) });
    const ratio = cli.length > 0 ? median(cli) / median(bailiff) : undefined;
    addTarget(ctx.results, 'Pull at least as fast as gcloud storage cp -r (gcloud time ÷ pull time; fake-gcs)', ratio, '>=', 1, '×', problem);
    if (problem) addNote(ctx.results, SCENARIO, `gcloud storage cp was not measured: ${problem}`);
  } finally {
    await server.close();
  }
}

async function countFiles(dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) count += 1;
  return count;
}
