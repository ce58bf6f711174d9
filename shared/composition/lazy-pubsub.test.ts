/**
 * The Google Cloud app loads the Pub/Sub client library only when something first needs it
 * (lazy-pubsub.ts). Checked in a child process, whose module cache holds only what it loaded.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

const CHILD = `
import { createRequire } from 'node:module';
const { buildGcpApp } = await import(${JSON.stringify(new URL('./gcp.ts', import.meta.url).href)});
const { parseConfig } = await import(${JSON.stringify(new URL('../config.ts', import.meta.url).href)});
const { silentLogger } = await import(${JSON.stringify(new URL('../logging.ts', import.meta.url).href)});
const { LazyPubSub } = await import(${JSON.stringify(new URL('./lazy-pubsub.ts', import.meta.url).href)});
const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('@google-cloud/pubsub')).length;
const config = parseConfig({ BAILIFF_MODE: 'gcp', WORKSPACE_BUCKET: 'workspace', GOOGLE_CLOUD_PROJECT: 'test-project', BAILIFF_DEAD_LETTER_SUBSCRIPTION: 'dead' });
const app = buildGcpApp(config, { role: 'executor', logger: silentLogger });
const afterBuild = loaded();
const pubsub = new LazyPubSub({ projectId: 'test-project' });
const client = pubsub.client();
const same = client === pubsub.client();
const afterUse = loaded();
await pubsub.close();
await app.close();
process.stdout.write(JSON.stringify({ afterBuild, afterUse, same, projectId: client.projectId }));
`;

describe('the Google Cloud composition and Pub/Sub', () => {
  it('builds an app without loading the Pub/Sub library, and loads it (once) on first use', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD], { env: { ...process.env, METADATA_SERVER_DETECTION: 'none' } });
    const result = JSON.parse(stdout) as { afterBuild: number; afterUse: number; same: boolean; projectId: string };
    expect(result.afterBuild).toBe(0);
    expect(result.afterUse).toBeGreaterThan(0);
    expect(result.same).toBe(true);
    expect(result.projectId).toBe('test-project');
  });
});
