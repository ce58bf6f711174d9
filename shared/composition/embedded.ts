/**
 * The embedded composition root: a local directory as the workspace, SQLite for state and an
 * in-process queue — Bailiff on one machine with no cloud, under the same services and rules.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { createLogger } from '../logging.ts';
import type { IdentityVerifier } from '../ports/identity.ts';
import { FsObjectStore } from '../adapters/local/fs-object-store.ts';
import { InProcessExecutionQueue } from '../adapters/local/in-process-queue.ts';
import { SqlitePlanStore } from '../adapters/local/sqlite-plan-store.ts';
import { SqliteFileHistoryIndex } from '../adapters/local/sqlite-file-history-index.ts';
import { lockStateDir } from '../adapters/local/state-dir-lock.ts';
import { loadHmacAuditHeadSigner } from '../adapters/local/hmac-audit-head-signer.ts';
import { createDevelopmentTokens, StaticTokenIdentity } from '../adapters/local/static-token-identity.ts';
import type { StaticToken } from '../identity-settings.ts';
import type { PubSub } from '@google-cloud/pubsub';
import { createRequire } from 'node:module';
import { assemble, type App, type BuildOptions } from './common.ts';
import { buildEventPublisher } from './events.ts';

export interface EmbeddedApp extends App {
  queue: InProcessExecutionQueue;
  /** Set when no BAILIFF_TOKENS was configured and development tokens were created or reused. */
  devTokens?: StaticToken[];
  /** Re-queues plans that were queued or running when the process last stopped (the sweep, audited `plan.requeued`). */
  resumeInterrupted(): Promise<number>;
}

/** Where the first start generates the audit head key when none is configured (move it elsewhere). */
export const AUDIT_KEY_FILE = 'audit-head.key';

/** Local directory, SQLite and an in-process queue: Bailiff on one machine, no cloud. */
export function buildEmbeddedApp(config: Config, options: BuildOptions = {}): EmbeddedApp {
  const stateDir = resolve(config.BAILIFF_STATE_DIR);
  const workspaceDir = resolve(config.BAILIFF_WORKSPACE_DIR);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  mkdirSync(workspaceDir, { recursive: true });
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL });
  const lock = lockStateDir(stateDir);
  const objects = new FsObjectStore({ root: workspaceDir, metadataDir: join(stateDir, 'object-metadata') });
  const auditHeadSigner = loadHmacAuditHeadSigner({
    key: config.BAILIFF_AUDIT_HMAC_KEY,
    keyFile: resolve(config.BAILIFF_AUDIT_KEY_FILE ?? join(stateDir, AUDIT_KEY_FILE)),
    logger,
  });
  const plans = new SqlitePlanStore(join(stateDir, 'bailiff.sqlite'), { auditHeadSigner });
  const queue = new InProcessExecutionQueue({ logger });
  let devTokens: StaticToken[] | undefined;
  let identity: IdentityVerifier;
  if (config.BAILIFF_TOKENS) {
    identity = StaticTokenIdentity.fromTokens(config.BAILIFF_TOKENS);
  } else {
    devTokens = createDevelopmentTokens(stateDir);
    identity = StaticTokenIdentity.fromTokens(devTokens);
  }
  let pubsub: PubSub | undefined;
  // Loaded only for a configured events topic: the Pub/Sub client brings gRPC, protobuf and
  // Google auth, a second of start-up that `npm start` and every restart would otherwise pay.
  const loadPubSub = () => (createRequire(import.meta.url)('@google-cloud/pubsub') as typeof import('@google-cloud/pubsub')).PubSub;
  const events = buildEventPublisher(config, logger, () => (pubsub = new (loadPubSub())({ projectId: config.GOOGLE_CLOUD_PROJECT })));
  const fileHistory = new SqliteFileHistoryIndex(join(stateDir, 'file-history.sqlite'));
  const app = assemble(config, { objects, plans, queue }, identity, { ...options, logger }, events, { fileHistory, deadLetters: queue });
  queue.subscribe(async (message, delivery) => {
    await app.executor.handle(message, delivery);
  });
  return {
    ...app,
    queue,
    devTokens,
    async resumeInterrupted() {
      // This process owns the state directory, so whoever holds a lease in it has died: take
      // the leases over now rather than waiting for them to expire.
      for (const lease of await plans.heldLeases()) {
        await plans.forceReleaseLease(lease.case);
        await plans.appendAudit([
          {
            chain: lease.case,
            type: 'lease.taken_over',
            planId: lease.planId,
            actor: 'bailiff-start-up',
            at: new Date().toISOString(),
            data: { from: lease.owner, token: lease.token, reason: 'the process that held it has ended (the state directory had no live owner)' },
          },
        ]);
      }
      // With no lease left, the sweep re-queues every queued or running plan at once: nothing
      // else can be running them (quiet for 0 ms is stalled).
      const { requeued } = await app.sweep.run({ quietMs: 0 });
      return requeued.length;
    },
    async close() {
      await queue.idle();
      queue.close();
      await events?.close();
      await pubsub?.close();
      plans.close();
      fileHistory.close();
      lock.release();
    },
  };
}
