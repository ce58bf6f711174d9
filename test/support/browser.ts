/**
 * A real browser for the console's tests and benchmark: Debian's Chromium driven by
 * playwright-core (which downloads no browser of its own). Installed with apt-get when it is
 * missing; if that fails, the tests fail loudly, naming the command and its output.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Makes sure Debian's chromium package is installed; throws with apt-get's output if it cannot be. */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const run = (args: string[]) =>
    spawnSync('apt-get', args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
  let result = run(['install', '-y', 'chromium']);
  // A fresh machine may have no package lists yet: fetch them and try once more.
  if (result.status !== 0) {
    const update = run(['update']);
    result = update.status === 0 ? run(['install', '-y', 'chromium']) : update;
  }
  if (result.status !== 0 || !existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The console's browser tests need Chromium at ${CHROMIUM_PATH}, and \`apt-get install -y chromium\` failed ` +
        `(${result.error?.message ?? `exit ${String(result.status)}`}). Install it with \`apt-get install chromium\` (as root) and run the tests again.\n` +
        `${result.stdout ?? ''}${result.stderr ?? ''}`,
    );
  }
  execFileSync(CHROMIUM_PATH, ['--version'], { stdio: 'ignore' });
  return CHROMIUM_PATH;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * One headless Chromium with a fresh profile that nothing else shares, quiet on the network
 * (no updates, sync or background fetches): only the pages a test opens make requests.
 */
export async function launchBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const executablePath = ensureChromium();
  const profile = await mkdtemp(join(tmpdir(), 'bailiff-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: options.viewport ?? { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
