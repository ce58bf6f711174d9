import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBailiffError } from '../../errors.ts';
import { lockStateDir, STATE_LOCK_FILE } from './state-dir-lock.ts';

describe('lockStateDir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bailiff-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the directory to one owner at a time, and back on release', () => {
    const first = lockStateDir(dir);
    expect(first.previousOwner).toBeUndefined();
    let refused: unknown;
    try {
      lockStateDir(dir);
    } catch (error) {
      refused = error;
    }
    expect(isBailiffError(refused, 'unavailable')).toBe(true);
    expect(String((refused as Error).message)).toContain(`process ${process.pid}`);
    first.release();
    expect(existsSync(join(dir, STATE_LOCK_FILE))).toBe(false);
    lockStateDir(dir).release();
  });

  it('takes over the lock of a process that has died, and says whose it was', async () => {
    // A pid that certainly belonged to a process that has exited.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    await writeFile(join(dir, STATE_LOCK_FILE), JSON.stringify({ pid: deadPid, startedAt: '2026-11-30T00:00:00.000Z' }));
    const lock = lockStateDir(dir);
    expect(lock.previousOwner).toEqual({ pid: deadPid, startedAt: '2026-11-30T00:00:00.000Z' });
    expect(JSON.parse(await readFile(join(dir, STATE_LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });
});
