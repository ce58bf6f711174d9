/**
 * The local store under SIGKILL: a child process publishes objects (write, copy, rename, folder
 * marker) with provenance metadata and is killed at random instants, many times over one
 * workspace. Whatever the instant, every object that exists must carry the metadata of the step
 * that made it (the executor's proof that "this plan did it" must never be lost to a crash), and
 * no moved file may show at both its source and its destination.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../shared/adapters/local/fs-object-store.ts';
import { listAll } from '../../shared/ports/object-store.ts';

const churn = fileURLToPath(new URL('../support/fs-store-churn.ts', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Starts the churn, waits until it is writing, lets it run for `ms`, then SIGKILLs it. */
async function churnAndKill(root: string, metadataDir: string, ms: number): Promise<void> {
  const child = spawn(process.execPath, [churn, root, metadataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`churn exited early with ${code}: ${errors}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, ms));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('local store under SIGKILL', () => {
  it('never leaves a published object without the metadata it was written with', { timeout: 240_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bailiff-sigkill-'));
    dirs.push(dir);
    const root = join(dir, 'workspace');
    const metadataDir = join(dir, 'metadata');
    const kills = 12;
    for (let kill = 0; kill < kills; kill += 1) {
      // Each run starts on the last one's leftovers; names never repeat within a run.
      await rm(join(root, 'projects'), { recursive: true, force: true });
      await churnAndKill(root, metadataDir, 150 + Math.floor(Math.random() * 400));
      const store = new FsObjectStore({ root, metadataDir });
      let checked = 0;
      const names = new Set<string>();
      for await (const page of listAll(store, 'projects/churn/')) {
        for (const object of page.objects) {
          // A kill between creating a file's parent folder and publishing the file leaves that
          // folder empty, and an empty folder reads as a folder marker: nobody published it, so
          // it carries no metadata. (The churn's own markers are named m-<step>/.)
          if (/^projects\/churn\/\d+\/$/.test(object.name)) continue;
          const step = /\/[wcr]-(\d+)\.txt$/.exec(object.name)?.[1] ?? /\/m-(\d+)\/$/.exec(object.name)?.[1];
          expect(step, object.name).toBeDefined();
          expect(object.metadata, `${object.name} after kill ${kill + 1}`).toEqual({ 'bailiff-plan': 'pln_churn', 'bailiff-action': step });
          checked += 1;
          names.add(object.name);
        }
      }
      expect(checked).toBeGreaterThan(0);
      // A move is never seen half done: its file is at the source or at the destination, not both.
      for (const name of names) {
        const moved = /^(.*)\/r-(\d+)\.txt$/.exec(name);
        if (moved) expect(names.has(`${moved[1]}/c-${Number(moved[2]) - 1}.txt`), `${name} and its source after kill ${kill + 1}`).toBe(false);
      }
    }
  });
});
