/**
 * Composition roots: the only place that picks adapters. Each entry point parses its config
 * once and calls one of these; everything below receives its ports through constructors.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import type { Config } from './config.ts';
import { DEFAULT_POLICY, policySchema, type Policy } from './domain/policy.ts';
import { BailiffError } from './errors.ts';
import type { HealthReport } from './http/types.ts';
import { createLogger, type Logger } from './logging.ts';
import { systemClock, type Clock } from './ports/clock.ts';
import type { ExecutionQueue } from './ports/execution-queue.ts';
import type { IdentityVerifier } from './ports/identity.ts';
import type { ObjectStore } from './ports/object-store.ts';
import type { PlanStore } from './ports/plan-store.ts';
import { Executor } from './services/executor.ts';
import { PlanService } from './services/plan-service.ts';
import { FsObjectStore } from './adapters/local/fs-object-store.ts';
import { InProcessExecutionQueue } from './adapters/local/in-process-queue.ts';
import { SqlitePlanStore } from './adapters/local/sqlite-plan-store.ts';
import { createDevelopmentTokens, StaticTokenIdentity, type DevelopmentToken } from './adapters/local/static-token-identity.ts';
import { createGcsStorage, GcsObjectStore } from './adapters/gcp/gcs-object-store.ts';
import { FirestorePlanStore } from './adapters/gcp/firestore-plan-store.ts';
import { PubSubExecutionQueue } from './adapters/gcp/pubsub-queue.ts';
import { GoogleIdTokenIdentity } from './adapters/gcp/google-id-token-identity.ts';

export interface Ports {
  objects: ObjectStore;
  plans: PlanStore;
  queue: ExecutionQueue;
}

export interface App extends Ports {
  config: Config;
  logger: Logger;
  policy: Policy;
  service: PlanService;
  executor: Executor;
  identity: IdentityVerifier;
  health(): Promise<HealthReport>;
  close(): Promise<void>;
}

export interface EmbeddedApp extends App {
  queue: InProcessExecutionQueue;
  /** Set when no BAILIFF_TOKENS was configured and development tokens were created or reused. */
  devTokens?: DevelopmentToken[];
  /** Re-publishes plans that were queued or running when the process last stopped. */
  resumeInterrupted(): Promise<number>;
}

export interface BuildOptions {
  logger?: Logger;
  clock?: Clock;
}

/** The firm's policy file, validated; a bad file stops start-up with every problem named. */
export function loadPolicy(path: string | undefined): Policy {
  if (!path) return DEFAULT_POLICY;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new BailiffError('invalid_input', `cannot read the policy file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    throw new BailiffError(
      'invalid_input',
      `invalid policy file ${path}`,
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  return parsed.data;
}

function assemble(config: Config, ports: Ports, identity: IdentityVerifier, options: BuildOptions) {
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL });
  const clock = options.clock ?? systemClock;
  const policy = loadPolicy(config.BAILIFF_POLICY_FILE);
  const service = new PlanService({
    ...ports,
    clock,
    policy,
    logger,
    options: { approvalTtlMs: config.BAILIFF_APPROVAL_TTL_HOURS * 3600 * 1000 },
  });
  const executor = new Executor({
    ...ports,
    clock,
    logger,
    options: {
      concurrency: config.BAILIFF_EXECUTOR_CONCURRENCY,
      budgetMs: config.BAILIFF_EXECUTOR_BUDGET_MS,
      leaseTtlMs: config.BAILIFF_LEASE_TTL_MS,
      journalBatch: config.BAILIFF_JOURNAL_BATCH,
    },
  });
  const health = async (): Promise<HealthReport> => {
    const check = async (probe: () => Promise<void>) => {
      const started = Date.now();
      try {
        await probe();
        return { ok: true, latencyMs: Date.now() - started };
      } catch (error) {
        return { ok: false, message: error instanceof Error ? error.message : String(error), latencyMs: Date.now() - started };
      }
    };
    const [storage, state, queue] = await Promise.all([check(() => ports.objects.health()), check(() => ports.plans.health()), check(() => ports.queue.health())]);
    return { storage, state, queue };
  };
  return { ...ports, config, logger, policy, service, executor, identity, health };
}

/** Local directory, SQLite and an in-process queue: Bailiff on one machine, no cloud. */
export function buildEmbeddedApp(config: Config, options: BuildOptions = {}): EmbeddedApp {
  const stateDir = resolve(config.BAILIFF_STATE_DIR);
  const workspaceDir = resolve(config.BAILIFF_WORKSPACE_DIR);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  mkdirSync(workspaceDir, { recursive: true });
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL });
  const objects = new FsObjectStore({ root: workspaceDir, metadataDir: join(stateDir, 'object-metadata') });
  const plans = new SqlitePlanStore(join(stateDir, 'bailiff.sqlite'));
  const queue = new InProcessExecutionQueue({ logger });
  let devTokens: DevelopmentToken[] | undefined;
  let identity: IdentityVerifier;
  if (config.BAILIFF_TOKENS) {
    identity = StaticTokenIdentity.fromJson(config.BAILIFF_TOKENS);
  } else {
    devTokens = createDevelopmentTokens(stateDir);
    identity = StaticTokenIdentity.fromTokens(devTokens);
  }
  const app = assemble(config, { objects, plans, queue }, identity, { ...options, logger });
  queue.subscribe(async (message, delivery) => {
    await app.executor.handle(message, delivery);
  });
  return {
    ...app,
    queue,
    devTokens,
    async resumeInterrupted() {
      let resumed = 0;
      for (const status of ['running', 'queued'] as const) {
        let pageToken: string | undefined;
        do {
          const page = await plans.listPlans({ status, limit: 200, pageToken });
          for (const plan of page.plans) {
            await queue.publish({ version: 1, planId: plan.id, reason: 'retry', attempt: 1 });
            resumed += 1;
          }
          pageToken = page.nextPageToken;
        } while (pageToken);
      }
      return resumed;
    },
    async close() {
      await queue.idle();
      queue.close();
      plans.close();
    },
  };
}

/** Cloud Storage, Firestore and Pub/Sub: the deployed functions. */
export function buildGcpApp(config: Config, options: BuildOptions & { identity?: IdentityVerifier } = {}): App {
  if (!config.WORKSPACE_BUCKET) throw new BailiffError('invalid_input', 'WORKSPACE_BUCKET is required in gcp mode');
  const projectId = config.GOOGLE_CLOUD_PROJECT;
  const storage = createGcsStorage({ projectId, apiEndpoint: config.STORAGE_EMULATOR_HOST });
  const firestore = new Firestore({ projectId, databaseId: config.FIRESTORE_DATABASE, ignoreUndefinedProperties: true });
  const pubsub = new PubSub({ projectId });
  const objects = new GcsObjectStore({ storage, bucket: config.WORKSPACE_BUCKET });
  const plans = new FirestorePlanStore(firestore);
  const queue = new PubSubExecutionQueue({ pubsub, topic: config.BAILIFF_EXECUTION_TOPIC });
  const identity = options.identity ?? GoogleIdTokenIdentity.fromConfig(config);
  const app = assemble(config, { objects, plans, queue }, identity, options);
  return {
    ...app,
    async close() {
      await Promise.allSettled([firestore.terminate(), pubsub.close()]);
    },
  };
}
