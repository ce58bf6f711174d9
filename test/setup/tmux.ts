/**
 * tmux gives tests a pseudo-terminal without native modules. Found on the PATH, or installed
 * from Debian when the tests run as root on a fresh machine (as CI does).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
let found: Promise<string> | undefined;

async function locate(): Promise<string | undefined> {
  try {
    const { stdout } = await run('sh', ['-c', 'command -v tmux']);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The tmux binary; installs the Debian package when it is missing and we may. */
export function ensureTmux(): Promise<string> {
  found ??= (async () => {
    const existing = await locate();
    if (existing) return existing;
    if (process.getuid?.() !== 0) throw new Error('tmux is needed for the CLI terminal test: install it (apt-get install tmux)');
    await run('apt-get', ['update', '-qq'], { timeout: 300_000 });
    await run('apt-get', ['install', '-y', '-qq', 'tmux'], { timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    const installed = await locate();
    if (!installed) throw new Error('tmux could not be installed');
    return installed;
  })();
  return found;
}
