/**
 * What both composition roots share: policy loading, service and executor assembly, health.
 * Each entry point parses its config once and calls embedded.ts or gcp.ts; everything below
 * receives its ports through constructors.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import { DEFAULT_POLICY, policySchema, type Policy } from '../domain/policy.ts';
import { invalidInput, zodIssueDetails } from '../errors.ts';
import type { HealthReport, HttpDependencies } from '../http/types.ts';
import { createLogger, type Logger } from '../logging.ts';
import { systemClock, type Clock } from '../ports/clock.ts';
import type { ExecutionQueue } from '../ports/execution-queue.ts';
import type { IdentityVerifier } from '../ports/identity.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { PlanStore } from '../ports/plan-store.ts';
import type { PlanEventPublisher } from '../ports/plan-event-publisher.ts';
import { NotifyingPlanStore } from '../services/plan-event-notifier.ts';
import { consoleBaseOf } from './events.ts';
import { Executor } from '../services/executor.ts';
import type { ExecutorOptions } from '../services/run-context.ts';
import { AuditCopies } from '../services/audit-copies.ts';
import { ExecutionSweep } from '../services/execution-sweep.ts';
import type { DeadLetters } from '../ports/dead-letters.ts';
import { PlanService } from '../services/plan-service.ts';
import { CaseContentService } from '../services/case-content.ts';
import { TargetPlanService } from '../services/target-plans.ts';
import type { UrlSigner } from '../ports/url-signer.ts';
import { PlanReviewService } from '../services/plan-review.ts';
import { HoldService } from '../services/holds.ts';
import { FileHistoryService } from '../services/file-history.ts';
import type { FileHistoryIndex } from '../ports/file-history-index.ts';

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
  /** File content, snapshots and blobs for the sandbox round trip. */
  content: CaseContentService;
  /** Target-state plans, computed against a fresh snapshot and proposed through `service`. */
  targets: TargetPlanService;
  /** The console's read-only questions over the same store (PlanReviewApi). */
  review: PlanReviewService;
  /** Legal holds placed and released by administrators. */
  holds: HoldService;
  /** One document's chain of custody, when the deployment keeps its index. */
  history?: FileHistoryService;
  executor: Executor;
  /** Re-queues stalled plans and fails dead-lettered ones (on a schedule). */
  sweep: ExecutionSweep;
  /** Where the audit copies are: the workspace, or a store of their own. */
  auditCopyStore: ObjectStore;
  identity: IdentityVerifier;
  /** Where plan events go, when any notifier is configured. */
  events?: PlanEventPublisher;
  health(): Promise<HealthReport>;
  close(): Promise<void>;
}

export interface BuildOptions {
  logger?: Logger;
  clock?: Clock;
}

/** What only some deployments have. */
export interface OptionalPorts {
  /** A signer for direct reads and uploads (Cloud Storage). */
  signer?: UrlSigner;
  /** Where document histories are indexed (built from the audit chain and journal). */
  fileHistory?: FileHistoryIndex;
  /** Execution requests the queue gave up on, which the sweep fails their plans for. */
  deadLetters?: DeadLetters;
  /** A store of its own for the audit copies (a retention-locked bucket); unset: the workspace's. */
  auditCopies?: ObjectStore;
}

/** The firm's policy file, validated; a bad file stops start-up with every problem named. */
export function loadPolicy(path: string | undefined): Policy {
  if (!path) return DEFAULT_POLICY;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw invalidInput(`cannot read the policy file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    throw invalidInput(`invalid policy file ${path}`, zodIssueDetails(parsed.error));
  }
  return parsed.data;
}

/** The executor's settings, from the configuration parsed once. */
function executorOptionsOf(config: Config): ExecutorOptions {
  return {
    concurrency: config.BAILIFF_EXECUTOR_CONCURRENCY,
    maxConcurrency: config.BAILIFF_EXECUTOR_MAX_CONCURRENCY,
    budgetMs: config.BAILIFF_EXECUTOR_BUDGET_MS,
    leaseTtlMs: config.BAILIFF_LEASE_TTL_MS,
    journalBatch: config.BAILIFF_JOURNAL_BATCH,
    // A dead holder's lease runs out within one lease lifetime; waiting it out inside the
    // delivery beats bouncing to the queue (Pub/Sub's backoff grows with every bounce).
    maxLeaseWaitMs: config.BAILIFF_LEASE_TTL_MS,
  };
}

/** Each backend answered a cheap probe, or why not, with how long it took. */
async function checkHealth(ports: Ports): Promise<HealthReport> {
  const check = async (probe: () => Promise<void>) => {
    const started = Date.now();
    try {
      await probe();
      return { ok: true, latencyMs: Date.now() - started };
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error), latencyMs: Date.now() - started };
    }
  };
  const [storage, state, queue] = await Promise.all([
    check(() => ports.objects.health()),
    check(() => ports.plans.health()),
    check(() => ports.queue.health()),
  ]);
  return { storage, state, queue };
}

/**
 * With `events`, the services get a PlanStore that publishes each stored `plan.*` audit record
 * without waiting for the delivery; the returned `plans` is that store.
 */
export function assemble(
  config: Config,
  rawPorts: Ports,
  identity: IdentityVerifier,
  options: BuildOptions,
  events?: PlanEventPublisher,
  optional: OptionalPorts = {},
) {
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL });
  const ports: Ports = events
    ? { ...rawPorts, plans: new NotifyingPlanStore(rawPorts.plans, { publisher: events, consoleBase: consoleBaseOf(config), logger }) }
    : rawPorts;
  const clock = options.clock ?? systemClock;
  const policy = loadPolicy(config.BAILIFF_POLICY_FILE);
  const auditCopyStore = optional.auditCopies ?? ports.objects;
  const auditCopies = new AuditCopies(ports.plans, auditCopyStore);
  const service = new PlanService({
    ...ports,
    clock,
    policy,
    logger,
    options: { approvalTtlMs: config.BAILIFF_APPROVAL_TTL_HOURS * 3600 * 1000, maxOpenPlansPerPrincipal: config.BAILIFF_MAX_OPEN_PLANS },
    auditCopies: auditCopyStore,
  });
  const content = new CaseContentService({
    objects: ports.objects,
    access: service.access,
    ...(optional.signer ? { signer: optional.signer } : {}),
    options: { maxUploadBytes: config.BAILIFF_MAX_UPLOAD_BYTES },
  });
  const review = new PlanReviewService({ plans: ports.plans, clock, access: service.access });
  const holds = new HoldService({ objects: ports.objects, plans: ports.plans, clock, access: service.access });
  const executor = new Executor({ ...ports, clock, policy, logger, options: executorOptionsOf(config), auditCopies });
  const sweep = new ExecutionSweep({
    plans: ports.plans,
    queue: ports.queue,
    ...(optional.deadLetters ? { deadLetters: optional.deadLetters } : {}),
    auditCopies,
    clock,
    logger,
    options: { leaseTtlMs: config.BAILIFF_LEASE_TTL_MS },
  });
  const health = () => checkHealth(ports);
  const targets = new TargetPlanService({ plans: service, content });
  const history = optional.fileHistory ? new FileHistoryService({ plans: ports.plans, index: optional.fileHistory, access: service.access }) : undefined;
  return {
    ...ports,
    config,
    logger,
    policy,
    service,
    content,
    targets,
    review,
    holds,
    ...(history ? { history } : {}),
    executor,
    sweep,
    auditCopyStore,
    identity,
    health,
    ...(events ? { events } : {}),
  };
}

/**
 * What the HTTP surfaces (API, MCP, console) need from an assembled app: the one list both hosts
 * (the embedded server and the Cloud Run function) and the tests serve from, so a service added
 * to the app is served everywhere. Each host adds its own parts (MCP's public address, the
 * console's sign-in client).
 */
export function httpDependenciesOf(app: App): HttpDependencies {
  return {
    api: app.service,
    content: app.content,
    targets: app.targets,
    review: app.review,
    holds: app.holds,
    ...(app.history ? { history: app.history } : {}),
    identity: app.identity,
    health: app.health,
    limits: { maxBodyBytes: app.config.BAILIFF_MAX_BODY_BYTES },
    logger: app.logger,
    ...(app.config.GOOGLE_CLOUD_PROJECT ? { projectId: app.config.GOOGLE_CLOUD_PROJECT } : {}),
  };
}
