/**
 * A Bailiff API over HTTP on either backend, for the sandbox round-trip tests:
 * - `embedded`: exactly what `npm start` builds (a local directory, SQLite, in-process queue);
 * - `cloud`: the Cloud Storage and Firestore adapters against fake-gcs-server and the Firestore
 *   emulator, URLs signed with a throw-away key (fake-gcs-server checks no signature), and the
 *   executor fed in-process (the Pub/Sub path has its own end-to-end test).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import type { Storage } from '@google-cloud/storage';
import { createGcsStorage, GcsObjectStore } from '../../shared/adapters/gcp/gcs-object-store.ts';
import { FirestorePlanStore } from '../../shared/adapters/gcp/firestore-plan-store.ts';
import { GcsUrlSigner } from '../../shared/adapters/gcp/gcs-url-signer.ts';
import { createSigningStorage } from '../../shared/adapters/gcp/signing-storage.ts';
import { InProcessExecutionQueue } from '../../shared/adapters/local/in-process-queue.ts';
import { StaticTokenIdentity } from '../../shared/adapters/local/static-token-identity.ts';
import { assemble, type App } from '../../shared/composition/common.ts';
import { buildEmbeddedApp } from '../../shared/composition/embedded.ts';
import { parseConfig } from '../../shared/config.ts';
import { startHttpServer, type RunningServer } from '../../shared/front-door/node-server.ts';
import { silentLogger } from '../../shared/logging.ts';
import type { ObjectStore } from '../../shared/ports/object-store.ts';

export const TOKENS = {
  agent: 'rt-agent-token-0123456789abcdef',
  approver: 'rt-approver-token-0123456789abcdef',
  otherAgent: 'rt-other-agent-token-0123456789abcdef',
} as const;

const TOKEN_TABLE = {
  [TOKENS.agent]: { principal: 'agent@firm.example', roles: ['agent'] },
  [TOKENS.approver]: { principal: 'alice@firm.example', roles: ['approver'] },
  [TOKENS.otherAgent]: { principal: 'other@firm.example', roles: ['agent'], cases: ['other-*'] },
};

export interface RoundTripServer {
  backend: 'embedded' | 'cloud';
  url: string;
  app: App;
  objects: ObjectStore;
  /** Waits until the in-process executor has nothing left to do. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export type BackendName = RoundTripServer['backend'];

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: the global test setup did not start that emulator (BAILIFF_EMULATORS=${process.env.BAILIFF_EMULATORS ?? 'all'})`);
  return value;
}

async function serve(app: App, maxBodyBytes: number): Promise<RunningServer> {
  return startHttpServer({
    port: 0,
    host: '127.0.0.1',
    deps: {
      api: app.service,
      content: app.content,
      targets: app.targets,
      identity: app.identity,
      health: app.health,
      limits: { maxBodyBytes },
      logger: silentLogger,
    },
  });
}

export async function startRoundTripServer(backend: BackendName, policyFile?: string): Promise<RoundTripServer> {
  const env = { BAILIFF_TOKENS: JSON.stringify(TOKEN_TABLE), LOG_LEVEL: 'error', ...(policyFile ? { BAILIFF_POLICY_FILE: policyFile } : {}) };
  if (backend === 'embedded') {
    const dir = await mkdtemp(join(tmpdir(), 'bailiff-roundtrip-'));
    const config = parseConfig({ ...env, BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'), BAILIFF_STATE_DIR: join(dir, 'state') });
    const app = buildEmbeddedApp(config, { logger: silentLogger });
    const server = await serve(app, config.BAILIFF_MAX_BODY_BYTES);
    return {
      backend,
      url: server.url,
      app,
      objects: app.objects,
      idle: () => app.queue.idle(),
      async close() {
        await server.close(100);
        await app.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const apiEndpoint = requireEnv('STORAGE_EMULATOR_HOST');
  requireEnv('FIRESTORE_EMULATOR_HOST');
  const projectId = `bailiff-rt-${randomBytes(4).toString('hex')}`;
  const bucket = `rt-${randomBytes(6).toString('hex')}`;
  const storage: Storage = createGcsStorage({ apiEndpoint, projectId });
  await storage.createBucket(bucket);
  const firestore = new Firestore({ projectId, ignoreUndefinedProperties: true });
  const config = parseConfig({ ...env, BAILIFF_MODE: 'gcp', WORKSPACE_BUCKET: bucket, GOOGLE_CLOUD_PROJECT: projectId });
  const objects = new GcsObjectStore({ storage, bucket });
  const queue = new InProcessExecutionQueue({ logger: silentLogger });
  const signer = new GcsUrlSigner({ storage: createSigningStorage({ apiEndpoint, projectId, key: throwAwayKey() }), bucket });
  const assembled = assemble(
    config,
    { objects, plans: new FirestorePlanStore({ firestore }), queue },
    StaticTokenIdentity.fromTokens(config.BAILIFF_TOKENS!),
    { logger: silentLogger },
    undefined,
    { signer },
  );
  const app: App = { ...assembled, close: async () => undefined };
  queue.subscribe(async (message, delivery) => {
    await app.executor.handle(message, delivery);
  });
  const server = await serve(app, config.BAILIFF_MAX_BODY_BYTES);
  return {
    backend,
    url: server.url,
    app,
    objects,
    idle: () => queue.idle(),
    async close() {
      await server.close(100);
      await queue.idle();
      queue.close();
      await firestore.terminate();
    },
  };
}

/** A signing key made for one test run: real V4 signatures, trusted by nothing. */
export function throwAwayKey(): { client_email: string; private_key: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { client_email: 'bailiff-signer@bailiff-test.iam.gserviceaccount.com', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}
