/**
 * The outside tools Bailiff is compared with: rclone (Debian's package, installed on demand)
 * and the gcloud CLI pointed at fake-gcs-server.
 */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { log, runProgram } from './util.ts';

async function rcloneVersion(): Promise<string | undefined> {
  const result = await runProgram('rclone', ['version']);
  return result.code === 0 ? result.stdout.split('\n')[0]?.trim() : undefined;
}

/**
 * rclone must be there: the comparison is part of the brief. Installs Debian's package with
 * apt-get when missing and fails loudly (with apt's output) when that is not possible.
 */
export async function ensureRclone(): Promise<string> {
  const present = await rcloneVersion();
  if (present) return present;
  log("rclone is missing; installing Debian's package with apt-get");
  let result = await runProgram('apt-get', ['install', '-y', '--no-install-recommends', 'rclone'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.code !== 0) {
    // A fresh machine may have no package lists yet.
    await runProgram('apt-get', ['update'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    result = await runProgram('apt-get', ['install', '-y', '--no-install-recommends', 'rclone'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  const installed = await rcloneVersion();
  if (!installed) {
    throw new Error(
      `rclone is required for the embedded-workspace comparison and could not be installed with apt-get ` +
        `(exit ${result.code ?? 'none'}${result.error ? `, ${result.error}` : ''}; apt-get needs root). Install it and run again.\n${result.stdout}${result.stderr}`,
    );
  }
  return installed;
}

/** rclone with no configuration file: local paths need none, and a user's remotes must not matter. */
export function rcloneEnv(configDir: string): NodeJS.ProcessEnv {
  return { ...process.env, RCLONE_CONFIG: join(configDir, 'rclone-none.conf') };
}

export interface GcloudSetup {
  env: NodeJS.ProcessEnv;
  version: string;
}

/**
 * gcloud against fake-gcs-server: the storage endpoint overridden, credentials switched off, and
 * a configuration directory of its own so neither the user's gcloud settings nor accounts are
 * read (or written). Returns undefined when the CLI is not installed.
 */
export async function gcloudSetup(storageEndpoint: string, scratchDir: string): Promise<GcloudSetup | undefined> {
  // Inside the bench's scratch directory, so it goes when the bench cleans up.
  const configDir = await mkdtemp(join(scratchDir, 'gcloud-config-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CLOUDSDK_CONFIG: configDir,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE: `${storageEndpoint.replace(/\/+$/, '')}/`,
    CLOUDSDK_AUTH_DISABLE_CREDENTIALS: 'True',
    CLOUDSDK_CORE_PROJECT: 'test',
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
    CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
  };
  const version = await runProgram('gcloud', ['version', '--format=value("Google Cloud SDK")'], { env });
  if (version.code !== 0) return undefined;
  return { env, version: `Google Cloud SDK ${version.stdout.trim()}` };
}
