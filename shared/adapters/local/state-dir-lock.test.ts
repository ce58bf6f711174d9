import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBailiffError } from '../../errors.ts';
import { lockStateDir, STATE_OWNER_FILE } from './state-dir-lock.ts';

const lockModule = fileURLToPath(new URL('./state-dir-lock.ts', import.meta.url));

function refusal(stateDir: string): unknown {
  try {
    lockStateDir(stateDir).release();
  } catch (error) {
    return error;
  }
  return undefined;
}

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
    const refused = refusal(dir);
    expect(isBailiffError(refused, 'unavailable')).toBe(true);
    expect(String((refused as Error).message)).toContain(`process ${process.pid}`);
    first.release();
    expect(existsSync(join(dir, STATE_OWNER_FILE))).toBe(false);
    const again = lockStateDir(dir);
    expect(again.previousOwner).toBeUndefined();
    again.release();
  });

  it('is refused to another live process, and free the moment that process is SIGKILLed', async () => {
    const script = `const { lockStateDir } = await import(${JSON.stringify(lockModule)}); globalThis.held = lockStateDir(${JSON.stringify(dir)}); process.stdout.write('locked'); setInterval(() => {}, 1000);`;
    const holder = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.once('data', () => resolve());
        holder.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)));
      });
      const refused = refusal(dir);
      expect(isBailiffError(refused, 'unavailable')).toBe(true);
      expect(String((refused as Error).message)).toContain(`process ${holder.pid}`);

      // No waiting for the exit: the lock must be free as soon as the kernel has ended the process.
      holder.kill('SIGKILL');
      const lock = lockStateDir(dir);
      expect(lock.previousOwner?.pid).toBe(holder.pid);
      lock.release();
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
