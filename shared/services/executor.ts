/**
 * Executor: applies an approved plan's actions exactly as the dry run recorded them.
 *
 * Under at-least-once delivery, crashes and time limits it keeps these promises:
 * - one writer per case (a fenced lease), duplicates acknowledged without acting;
 * - every mutation carries the recorded preconditions, so newer data is never overwritten;
 * - what a delete or overwrite removes is first copied to the plan's backup area;
 * - a move deletes its source only after the destination matches it (size and checksum);
 * - outcomes are journaled in batches; an action whose outcome was not journaled is resolved
 *   by looking at the objects (Bailiff's provenance metadata), never by blindly repeating;
 * - before its time budget runs out it checkpoints and publishes a continuation.
 */
import { randomBytes } from 'node:crypto';
import { isProducedBy, provenance, touchedNames, type Action, type DeleteAction, type Expect, type PutAction, type TransferAction } from '../domain/actions.ts';
import type { AuditEventInput, AuditEventType } from '../domain/audit.ts';
import { hashOf } from '../domain/hash.ts';
import { readAppliedActions } from './applied-actions.ts';
import { deriveRollback } from '../domain/inverse.ts';
import { auditObjectName, casePrefix } from '../domain/paths.ts';
import { contentBuffer, type ExecutionSummary, type PlanRecord } from '../domain/plan.ts';
import { simulatePlan } from '../domain/simulate.ts';
import { isBailiffError, unavailable } from '../errors.ts';
import type { Logger } from '../logging.ts';
import type { Clock } from '../ports/clock.ts';
import type { ExecutionMessage, ExecutionQueue } from '../ports/execution-queue.ts';
import { listAll, type ObjectInfo, type ObjectStore } from '../ports/object-store.ts';
import type { JournalEntry, Lease, PlanStore } from '../ports/plan-store.ts';

export interface ExecutorOptions {
  /** Actions on disjoint objects run this many at a time. */
  concurrency: number;
  /** Work time per invocation before checkpointing and continuing in a new one. */
  budgetMs: number;
  leaseTtlMs: number;
  /** Actions per journal batch (one journal write, one audit record, one plan update each). */
  journalBatch: number;
}

export interface ExecutorDeps {
  plans: PlanStore;
  objects: ObjectStore;
  queue: ExecutionQueue;
  clock: Clock;
  logger: Logger;
  options: ExecutorOptions;
}

/** What became of one delivery: the caller acknowledges all of these; only thrown errors are retried. */
export type DeliveryOutcome =
  | 'finished'
  | 'continued'
  /** Another delivery of the same plan holds the lease and is alive. */
  | 'duplicate'
  /** Another plan holds the case; this one runs when that one hands over. */
  | 'waiting'
  /** Unknown plan, or one not queued or running. */
  | 'ignored';

export interface Delivery {
  /** 1 for a first delivery; higher when the queue says it redelivers (Pub/Sub push may not say). */
  attempt: number;
  /** The queue's id of the published message, the same on every redelivery of it. */
  messageId?: string;
}

/** A lease owner names the message it works for, so a redelivery of that message is recognised. */
function leaseOwner(planId: string, delivery: Delivery): string {
  return `${planId}/${delivery.messageId ?? 'unknown'}#${randomBytes(6).toString('hex')}`;
}

function isOwnRedelivery(lease: Lease, delivery: Delivery): boolean {
  if (delivery.messageId === undefined) return delivery.attempt > 1;
  return lease.owner.slice(lease.owner.indexOf('/') + 1, lease.owner.lastIndexOf('#')) === delivery.messageId;
}

type Verdict = { ok: true; generation?: string } | { ok: false; message: string };

const SYSTEM_ACTOR = 'bailiff-executor';

export class Executor {
  private readonly plans: PlanStore;
  private readonly objects: ObjectStore;
  private readonly queue: ExecutionQueue;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly options: ExecutorOptions;

  constructor(deps: ExecutorDeps) {
    this.plans = deps.plans;
    this.objects = deps.objects;
    this.queue = deps.queue;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.options = deps.options;
  }

  /**
   * Handles one execution request. Returns to acknowledge; throws (`unavailable`) only when a
   * later redelivery can make progress that this one could not.
   */
  async handle(message: ExecutionMessage, delivery: Delivery = { attempt: 1 }): Promise<DeliveryOutcome> {
    const log = this.logger.child({ plan: message.planId });
    const plan = await this.plans.getPlan(message.planId);
    if (!plan) {
      log.warn('execution request for an unknown plan; acknowledged');
      return 'ignored';
    }
    if (plan.status !== 'queued' && plan.status !== 'running') {
      // A finished plan whose audit file could not be written last time gets it now.
      if (plan.execution?.finishedAt && !(await this.objects.stat(auditObjectName(plan.case, plan.id)))) await this.writeAuditFile(plan);
      log.info('execution request for a plan that is not queued or running; acknowledged', { status: plan.status });
      return 'ignored';
    }
    const owner = leaseOwner(plan.id, delivery);
    const acquisition = await this.plans.acquireLease({ case: plan.case, planId: plan.id, owner, ttlMs: this.options.leaseTtlMs, now: this.clock.now() });
    if (!acquisition.acquired) {
      if (acquisition.heldBy.planId !== plan.id) {
        log.info('case is busy with another plan; this one waits for the hand-over', { holder: acquisition.heldBy.planId });
        return 'waiting';
      }
      // Another `apply` request while the plan runs is a duplicate: acknowledge it. But the
      // holder's own message coming back (its instance died), a continuation or a resume is
      // work only this plan's execution can do: retry it until the lease is released or expires
      // and it can take over from the journal. Acknowledging those would strand the plan.
      if (message.reason === 'apply' && !isOwnRedelivery(acquisition.heldBy, delivery)) return 'duplicate';
      throw unavailable(`plan ${plan.id} is running under a lease that expires at ${acquisition.heldBy.expiresAt}; retry later`);
    }
    let lease = acquisition.lease;
    const leaseEvents: AuditEventInput[] = [];
    if (acquisition.tookOverFrom) {
      const from = acquisition.tookOverFrom;
      leaseEvents.push(this.event(plan, 'lease.expired', { owner: from.owner, token: from.token, expiresAt: from.expiresAt, planId: from.planId }));
      leaseEvents.push(this.event(plan, 'lease.taken_over', { owner, token: lease.token, from: from.owner }));
    } else {
      leaseEvents.push(this.event(plan, 'lease.acquired', { owner, token: lease.token }));
    }
    await this.plans.appendAudit(leaseEvents);

    let outcome: DeliveryOutcome = 'finished';
    try {
      const fresh = await this.plans.getPlan(plan.id);
      if (!fresh || (fresh.status !== 'queued' && fresh.status !== 'running')) return 'ignored';
      const run = new PlanRun(this, fresh, lease, message, log);
      outcome = await run.execute();
      lease = run.lease;
    } finally {
      await this.plans.releaseLease(lease);
      await this.plans.appendAudit([this.event(plan, 'lease.released', { owner, token: lease.token, outcome })]);
    }
    if (outcome === 'finished') {
      await this.writeAuditFile(plan);
      await this.handOver(plan.case);
    }
    return outcome;
  }

  /**
   * The plan's audit records as JSON Lines in the workspace's system area, for people and other
   * tools; written once the plan has finished and its lease is released, so the file is complete.
   * A failure is thrown, so the queue redelivers and the redelivery writes the file (see `handle`);
   * the plan's outcome is already recorded and is not touched again.
   */
  private async writeAuditFile(plan: PlanRecord): Promise<void> {
    const records = await this.plans.readPlanAudit(plan.id);
    const body = records.map((record) => JSON.stringify(record)).join('\n') + '\n';
    await this.objects.write(auditObjectName(plan.case, plan.id), Buffer.from(body), { contentType: 'application/x-ndjson' });
  }

  /** Wakes the plans of this case that waited while it was busy, oldest first. */
  private async handOver(caseName: string): Promise<void> {
    const waiting = await this.plans.listPlans({ case: caseName, status: 'queued', limit: 20 });
    for (const plan of waiting.plans.reverse()) {
      await this.queue.publish({ version: 1, planId: plan.id, reason: 'retry', attempt: 1 });
    }
  }

  /** @internal used by PlanRun */
  event(plan: PlanRecord, type: AuditEventType, data: Record<string, unknown>): AuditEventInput {
    return { chain: plan.case, type, planId: plan.id, actor: SYSTEM_ACTOR, at: this.clock.now().toISOString(), data };
  }

  /** @internal */
  get deps() {
    return { plans: this.plans, objects: this.objects, queue: this.queue, clock: this.clock, options: this.options };
  }
}

/** One invocation's work on one plan, under one lease. */
class PlanRun {
  lease: Lease;
  private plan: PlanRecord;
  private readonly executor: Executor;
  private readonly message: ExecutionMessage;
  private readonly log: Logger;
  private readonly started: number;
  private readonly plans: PlanStore;
  private readonly objects: ObjectStore;

  constructor(executor: Executor, plan: PlanRecord, lease: Lease, message: ExecutionMessage, log: Logger) {
    this.executor = executor;
    this.plan = plan;
    this.lease = lease;
    this.message = message;
    this.log = log;
    this.started = executor.deps.clock.now().getTime();
    this.plans = executor.deps.plans;
    this.objects = executor.deps.objects;
  }

  async execute(): Promise<DeliveryOutcome> {
    const { options, clock } = this.executor.deps;
    const actionCount = this.plan.report.totals.actions;
    const previous = this.plan.execution;
    const resumed = this.plan.status === 'running';
    const summary: ExecutionSummary = previous ?? { attempt: 0, cursor: 0, actionCount, done: 0, stale: 0, failed: 0, skipped: 0 };
    summary.attempt += 1;
    summary.startedAt ??= clock.now().toISOString();

    // The preflight only reads, so it runs before the plan is marked running: its success and
    // the status change are then one write, made before the first mutation, so a resumed
    // attempt never mistakes the plan's own changes for someone else's.
    if (!summary.preflightPassedAt) {
      const { stale, unplanned } = await this.preflight();
      if (stale.length > 0 || unplanned.length > 0) {
        if (stale.length > 0) await this.plans.appendJournal(this.plan.id, stale);
        summary.stale = stale.length + unplanned.length;
        const details = [...stale.map((entry) => entry.message!), ...unplanned];
        await this.audit('execution.stale', { count: details.length, objects: details.slice(0, 100) });
        return this.finish(summary, 'failed', `stale: ${details[0]}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}; nothing was changed`, false);
      }
      summary.preflightPassedAt = clock.now().toISOString();
    }
    this.plan = await this.plans.updatePlan(this.plan.id, this.plan.revision, { status: 'running', execution: summary, updatedAt: clock.now().toISOString() });
    await this.audit(resumed ? 'plan.resumed' : 'plan.running', { attempt: summary.attempt, cursor: summary.cursor, reason: this.message.reason });

    const outcomes = await this.readOutcomes();

    // The journal, not the last checkpoint, is the truth: an attempt may have journaled a batch
    // and died before updating the plan. A stop it journaled still stops this attempt.
    let stopReason: string | undefined;
    summary.done = summary.stale = summary.failed = 0;
    for (const [action, outcome] of outcomes) {
      if (outcome === 'done') summary.done += 1;
      else if (outcome === 'stale' || outcome === 'failed') {
        summary[outcome] += 1;
        stopReason ??= `action ${action} was ${outcome} in an earlier attempt`;
      }
    }
    while (summary.cursor < actionCount && stopReason === undefined) {
      const batch = await this.plans.readActions(this.plan.id, summary.cursor, options.journalBatch);
      if (batch.length === 0) break;
      const entries = await this.runBatch(batch.filter((action) => !outcomes.has(action.index)), (entry) => {
        if (entry.outcome === 'stale' || entry.outcome === 'failed') stopReason ??= `action ${entry.action}: ${entry.message}`;
      });
      for (const entry of entries) {
        outcomes.set(entry.action, entry.outcome);
        if (entry.outcome === 'done') summary.done += 1;
        else if (entry.outcome === 'stale') summary.stale += 1;
        else if (entry.outcome === 'failed') summary.failed += 1;
      }
      if (entries.length > 0) {
        await this.plans.appendJournal(this.plan.id, entries);
        await this.audit('execution.actions', {
          from: batch[0]!.index,
          to: batch[batch.length - 1]!.index,
          done: entries.filter((entry) => entry.outcome === 'done').length,
          stale: entries.filter((entry) => entry.outcome === 'stale').map((entry) => ({ action: entry.action, message: entry.message })),
          failed: entries.filter((entry) => entry.outcome === 'failed').map((entry) => ({ action: entry.action, message: entry.message })),
          entriesHash: hashOf(entries),
        });
      }
      while (summary.cursor < actionCount && outcomes.has(summary.cursor)) summary.cursor += 1;
      await this.checkpoint(summary);
      // Every batch makes progress, so even a budget already spent moves the plan forward.
      if (stopReason === undefined && summary.cursor < actionCount && clock.now().getTime() - this.started >= options.budgetMs) {
        await this.executor.deps.queue.publish({ version: 1, planId: this.plan.id, reason: 'continue', attempt: this.message.attempt + 1 });
        this.log.info('time budget used; continuing in a new invocation', { cursor: summary.cursor });
        return 'continued';
      }
    }

    if (stopReason === undefined) return this.finish(summary, 'succeeded');
    summary.skipped = actionCount - summary.done - summary.stale - summary.failed;
    if (this.plan.onError === 'rollback') {
      const compensated = await this.compensate();
      return this.finish(summary, 'failed', stopReason, compensated);
    }
    return this.finish(summary, 'failed', stopReason, false);
  }

  /** Latest outcome per action, from the journal (previous invocations). */
  private async readOutcomes(): Promise<Map<number, JournalEntry['outcome']>> {
    const outcomes = new Map<number, JournalEntry['outcome']>();
    for (let offset = 0; ; ) {
      const page = await this.plans.readJournal(this.plan.id, offset, 1000);
      for (const entry of page) outcomes.set(entry.action, entry.outcome);
      if (page.length < 1000) break;
      offset += page.length;
    }
    return outcomes;
  }

  /**
   * Before the first mutation: one listing of the case, checked against every precondition the
   * approval relied on. A changed workspace fails the plan before anything is touched.
   */
  private async preflight(): Promise<{ stale: JournalEntry[]; unplanned: string[] }> {
    const prefix = casePrefix(this.plan.case);
    // Names and generations only: this map is the largest thing an execution holds.
    const current = new Map<string, string>();
    for await (const page of listAll(this.objects, prefix, { withMetadata: false })) for (const object of page.objects) current.set(object.name, object.generation);
    const stale: JournalEntry[] = [];
    const at = this.executor.deps.clock.now().toISOString();
    const check = (action: Action, name: string, expect: Expect) => {
      const generation = current.get(name);
      if (expect.state === 'absent' && generation !== undefined) stale.push({ action: action.index, outcome: 'stale', message: `\`${name}\` was created after approval`, at });
      if (expect.state === 'generation' && generation !== expect.generation) {
        stale.push({ action: action.index, outcome: 'stale', message: generation !== undefined ? `\`${name}\` was changed after approval` : `\`${name}\` was removed after approval`, at });
      }
    };

    // Folders the plan moves or deletes as a whole: whatever is in them now but not in the plan
    // was added after approval, and would be left behind.
    const folderSources = new Map<string, number>();
    for (let offset = 0; offset < this.plan.operationCount; ) {
      const page = await this.plans.readOperations(this.plan.id, offset, 1000);
      if (page.length === 0) break;
      page.forEach((operation, i) => {
        if (operation.type !== 'move' && operation.type !== 'delete') return;
        const source = `${prefix}${operation.source.replace(/\/$/, '')}`;
        if (!current.has(source)) folderSources.set(`${source}/`, offset + i);
      });
      offset += page.length;
    }
    const folderOf = (name: string): string | undefined => {
      for (let slash = name.indexOf('/', prefix.length); slash >= 0; slash = name.indexOf('/', slash + 1)) {
        const folder = name.slice(0, slash + 1);
        if (folderSources.has(folder)) return folder;
      }
      return undefined;
    };
    const plannedInFolders = new Set<string>();
    for (let offset = 0; ; ) {
      const page = await this.plans.readActions(this.plan.id, offset, 1000);
      for (const action of page) {
        if (action.kind === 'copy' || action.kind === 'move') {
          if (!action.source.startsWith('.bailiff/')) check(action, action.source, action.sourceExpect);
          check(action, action.destination, action.expect);
        } else if (action.kind === 'put') {
          check(action, action.destination, action.expect);
        } else if (action.kind === 'delete') {
          check(action, action.target, action.expect);
        }
        const removed = action.kind === 'move' ? action.source : action.kind === 'delete' ? action.target : undefined;
        if (removed !== undefined && folderSources.size > 0 && folderOf(removed)) plannedInFolders.add(removed);
      }
      if (page.length < 1000) break;
      offset += page.length;
    }
    const unplanned: string[] = [];
    if (folderSources.size > 0) {
      for (const name of current.keys()) {
        const folder = folderOf(name);
        if (folder !== undefined && !plannedInFolders.has(name)) {
          unplanned.push(`\`${name}\` was added under \`${folder.slice(prefix.length)}\` (operation ${folderSources.get(folder)}) after approval`);
        }
      }
    }
    return { stale, unplanned };
  }

  /**
   * Runs actions with bounded concurrency; actions sharing an object keep the plan's order.
   * If storage fails in a way a retry may fix, the actions in flight are let finish and the
   * error is rethrown: their outcomes are not journaled, so the next attempt resolves them by looking.
   */
  private async runBatch(actions: Action[], onOutcome: (entry: JournalEntry) => void): Promise<JournalEntry[]> {
    const { concurrency } = this.executor.deps.options;
    const busy = new Set<string>();
    const running = new Set<Promise<void>>();
    const entries: JournalEntry[] = [];
    let stop = false;
    let fatal: unknown;
    for (const action of actions) {
      const names = touchedNames(action);
      while (running.size >= concurrency || names.some((name) => busy.has(name))) await Promise.race(running);
      if (stop) break;
      // A slow batch must not outlive the lease: renew before starting more work when it is due.
      try {
        await this.renewLeaseIfDue();
      } catch (error) {
        fatal ??= error;
        break;
      }
      for (const name of names) busy.add(name);
      const task: Promise<void> = this.runAction(action)
        .then(
          (entry) => {
            entries.push(entry);
            onOutcome(entry);
            if (entry.outcome === 'stale' || entry.outcome === 'failed') stop = true;
          },
          (error: unknown) => {
            fatal ??= error;
            stop = true;
          },
        )
        .finally(() => {
          for (const name of names) busy.delete(name);
          running.delete(task);
        });
      running.add(task);
    }
    await Promise.all(running);
    if (fatal !== undefined) throw fatal;
    return entries.sort((a, b) => a.action - b.action);
  }

  private async runAction(action: Action): Promise<JournalEntry> {
    const at = () => this.executor.deps.clock.now().toISOString();
    try {
      const result = action.kind === 'put' ? await this.put(action) : action.kind === 'delete' ? await this.delete(action) : await this.transfer(action);
      return { action: action.index, at: at(), ...result };
    } catch (error) {
      // Storage that keeps failing is retried by redelivery; the journal keeps what was done.
      if (isBailiffError(error) && error.retryable) throw error;
      const message = error instanceof Error ? error.message : String(error);
      this.log.error('action failed', { action: action.index, error: message });
      return { action: action.index, outcome: 'failed', message, at: at() };
    }
  }

  /** Whether `object` is what `expect` requires; the generation to use as a precondition. */
  private judge(name: string, object: ObjectInfo | undefined, expect: Expect): Verdict {
    switch (expect.state) {
      case 'absent':
        return object ? { ok: false, message: `\`${name}\` exists now but did not when the plan was approved` } : { ok: true, generation: '0' };
      case 'generation':
        if (!object) return { ok: false, message: `\`${name}\` was removed after approval` };
        return object.generation === expect.generation ? { ok: true, generation: object.generation } : { ok: false, message: `\`${name}\` was changed after approval` };
      case 'producedBy':
        if (object && isProducedBy(object.metadata, this.plan.id, expect.action)) return { ok: true, generation: object.generation };
        return { ok: false, message: `\`${name}\` is not the object action ${expect.action} of this plan wrote` };
    }
  }

  private mine(object: ObjectInfo | undefined, action: Action): boolean {
    return object !== undefined && isProducedBy(object.metadata, this.plan.id, action.index);
  }

  /** Copies what is about to be overwritten or deleted into the plan's backup area (idempotent). */
  private async backUp(action: Action, name: string, generation: string): Promise<{ backup: string; backupGeneration: string }> {
    const backup = action.backup!;
    try {
      const info = await this.objects.copy(name, backup, { ifSourceGenerationMatch: generation, ifGenerationMatch: '0', metadata: provenance(this.plan.id, action.index) });
      return { backup, backupGeneration: info.generation };
    } catch (error) {
      if (!isBailiffError(error, 'precondition_failed')) throw error;
      const existing = await this.objects.stat(backup);
      if (this.mine(existing, action)) return { backup, backupGeneration: existing!.generation };
      throw error;
    }
  }

  private async put(action: PutAction): Promise<Omit<JournalEntry, 'action' | 'at'>> {
    const current = await this.objects.stat(action.destination);
    if (this.mine(current, action)) return { outcome: 'done', generation: current!.generation };
    const verdict = this.judge(action.destination, current, action.expect);
    if (!verdict.ok) return { outcome: 'stale', message: verdict.message };
    const backup = action.backup && action.expect.state !== 'absent' ? await this.backUp(action, action.destination, verdict.generation!) : undefined;
    let content: Buffer = Buffer.alloc(0);
    if (!action.destination.endsWith('/')) {
      const [operation] = await this.plans.readOperations(this.plan.id, action.operation, 1);
      if (operation?.type !== 'write_file') return { outcome: 'failed', message: `operation ${action.operation} is not a write_file` };
      content = contentBuffer(operation);
    }
    try {
      const written = await this.objects.write(action.destination, content, { ifGenerationMatch: verdict.generation, metadata: provenance(this.plan.id, action.index) });
      return { outcome: 'done', generation: written.generation, ...backup };
    } catch (error) {
      if (!isBailiffError(error, 'precondition_failed')) throw error;
      const after = await this.objects.stat(action.destination);
      if (this.mine(after, action)) return { outcome: 'done', generation: after!.generation, ...backup };
      return { outcome: 'stale', message: `\`${action.destination}\` changed while the plan ran`, ...backup };
    }
  }

  private async transfer(action: TransferAction): Promise<Omit<JournalEntry, 'action' | 'at'>> {
    const [source, destination] = await Promise.all([this.objects.stat(action.source), this.objects.stat(action.destination)]);
    if (this.mine(destination, action)) {
      // The copy happened in an earlier attempt; a move may still owe the source's deletion.
      if (action.kind === 'move' && source) {
        const sourceVerdict = this.judge(action.source, source, action.sourceExpect);
        if (sourceVerdict.ok) await this.deleteMovedSource(action, source, destination!);
      }
      return { outcome: 'done', generation: destination!.generation, backup: undefined };
    }
    const sourceVerdict = this.judge(action.source, source, action.sourceExpect);
    if (!sourceVerdict.ok) return { outcome: 'stale', message: sourceVerdict.message };
    const destinationVerdict = this.judge(action.destination, destination, action.expect);
    if (!destinationVerdict.ok) return { outcome: 'stale', message: destinationVerdict.message };
    const backup = action.backup && action.expect.state !== 'absent' ? await this.backUp(action, action.destination, destinationVerdict.generation!) : undefined;
    const options = { ifSourceGenerationMatch: sourceVerdict.generation, ifGenerationMatch: destinationVerdict.generation, metadata: provenance(this.plan.id, action.index) };
    try {
      if (action.kind === 'move' && this.objects.rename) {
        const moved = await this.objects.rename(action.source, action.destination, options);
        return { outcome: 'done', generation: moved.generation, ...backup };
      }
      const copied = await this.objects.copy(action.source, action.destination, options);
      if (action.kind === 'move') {
        const verdict = await this.deleteMovedSource(action, source!, copied);
        if (verdict) return { outcome: verdict.outcome, message: verdict.message, generation: copied.generation, ...backup };
      }
      return { outcome: 'done', generation: copied.generation, ...backup };
    } catch (error) {
      if (!isBailiffError(error, 'precondition_failed') && !isBailiffError(error, 'not_found')) throw error;
      const after = await this.objects.stat(action.destination);
      if (this.mine(after, action)) return this.transfer(action);
      return { outcome: 'stale', message: `\`${action.source}\` or \`${action.destination}\` changed while the plan ran`, ...backup };
    }
  }

  /** Deletes a moved object's source, only once the copy is proven identical. */
  private async deleteMovedSource(action: TransferAction, source: ObjectInfo, copy: ObjectInfo): Promise<{ outcome: 'stale' | 'failed'; message: string } | undefined> {
    const sameChecksum = source.md5 && copy.md5 ? source.md5 === copy.md5 : source.crc32c && copy.crc32c ? source.crc32c === copy.crc32c : false;
    if (source.size !== copy.size || !sameChecksum) {
      return { outcome: 'failed', message: `the copy of \`${action.source}\` does not match it (size or checksum); the source was kept` };
    }
    try {
      await this.objects.delete(action.source, { ifGenerationMatch: source.generation });
    } catch (error) {
      if (isBailiffError(error, 'not_found')) return undefined;
      if (isBailiffError(error, 'precondition_failed')) {
        return { outcome: 'stale', message: `\`${action.source}\` changed during the move; both versions were kept` };
      }
      throw error;
    }
    return undefined;
  }

  private async delete(action: DeleteAction): Promise<Omit<JournalEntry, 'action' | 'at'>> {
    const current = await this.objects.stat(action.target);
    if (!current) {
      const backup = await this.objects.stat(action.backup);
      if (this.mine(backup, action)) return { outcome: 'done', backup: action.backup, backupGeneration: backup!.generation };
      return { outcome: 'stale', message: `\`${action.target}\` was removed after approval` };
    }
    const verdict = this.judge(action.target, current, action.expect);
    if (!verdict.ok) return { outcome: 'stale', message: verdict.message };
    const backup = await this.backUp(action, action.target, verdict.generation!);
    try {
      await this.objects.delete(action.target, { ifGenerationMatch: verdict.generation });
    } catch (error) {
      if (isBailiffError(error, 'precondition_failed')) return { outcome: 'stale', message: `\`${action.target}\` changed while the plan ran`, ...backup };
      if (!isBailiffError(error, 'not_found')) throw error;
    }
    return { outcome: 'done', ...backup };
  }

  /** Undoes what this plan did so far (onError: rollback), without waiting for an approval. */
  private async compensate(): Promise<boolean> {
    const applied = await readAppliedActions(this.plans, this.plan.id);
    if (applied.length === 0) return true;
    const derivation = deriveRollback(this.plan.case, applied);
    const caseObjects: ObjectInfo[] = [];
    for await (const page of listAll(this.objects, casePrefix(this.plan.case), { withMetadata: false })) caseObjects.push(...page.objects);
    const systemObjects = new Map<string, ObjectInfo>();
    for await (const page of listAll(this.objects, `.bailiff/backups/${this.plan.id}/`, { withMetadata: false })) for (const object of page.objects) systemObjects.set(object.name, object);
    const compensationId = `${this.plan.id}.undo`;
    const { report, actions } = simulatePlan({
      planId: compensationId,
      caseName: this.plan.case,
      operations: derivation.operations,
      caseObjects,
      systemObjects,
      listing: { objects: caseObjects.length, pages: 0 },
      checkedAt: this.executor.deps.clock.now().toISOString(),
    });
    const compensation = new CompensationRun(this.objects, compensationId);
    const results = await compensation.run(actions);
    const ok = report.valid && results.every((outcome) => outcome === 'done');
    await this.audit('plan.compensated', { ok, actions: actions.length, errors: report.errors.slice(0, 20), outcomes: results.filter((outcome) => outcome !== 'done').length });
    return ok;
  }

  /**
   * Records progress after a batch, and renews the lease once less than half of it is left
   * (renewing on every batch would cost a write per batch for nothing). A lease lost to
   * another holder throws `conflict` here, which ends this attempt before its next mutation.
   */
  private async checkpoint(summary: ExecutionSummary): Promise<void> {
    this.plan = await this.plans.updatePlan(this.plan.id, this.plan.revision, { execution: { ...summary }, updatedAt: this.executor.deps.clock.now().toISOString() });
    await this.renewLeaseIfDue();
  }

  private async renewLeaseIfDue(): Promise<void> {
    const { clock, options } = this.executor.deps;
    if (Date.parse(this.lease.expiresAt) - clock.now().getTime() < options.leaseTtlMs / 2) {
      this.lease = await this.plans.renewLease(this.lease, options.leaseTtlMs, clock.now());
    }
  }

  private async finish(summary: ExecutionSummary, status: 'succeeded' | 'failed', reason?: string, compensated?: boolean): Promise<DeliveryOutcome> {
    const now = this.executor.deps.clock.now().toISOString();
    const execution: ExecutionSummary = { ...summary, finishedAt: now, lastError: reason, compensated };
    this.plan = await this.plans.updatePlan(this.plan.id, this.plan.revision, { status, execution, updatedAt: now });
    await this.audit(status === 'succeeded' ? 'plan.succeeded' : 'plan.failed', { done: summary.done, stale: summary.stale, failed: summary.failed, skipped: summary.skipped, reason, compensated });
    if (status === 'succeeded' && this.plan.kind === 'rollback' && this.plan.rollbackOf) await this.markRolledBack(this.plan.rollbackOf);
    this.log.info(`plan ${status}`, { done: summary.done, stale: summary.stale, failed: summary.failed });
    return 'finished';
  }

  private async markRolledBack(originalId: string): Promise<void> {
    const original = await this.plans.getPlan(originalId);
    if (!original || (original.status !== 'succeeded' && original.status !== 'failed')) return;
    const updated = await this.plans.updatePlan(original.id, original.revision, { status: 'rolled_back', rolledBackBy: this.plan.id, updatedAt: this.executor.deps.clock.now().toISOString() });
    await this.plans.appendAudit([this.executor.event(updated, 'plan.rolled_back', { by: this.plan.id })]);
  }

  private async audit(type: AuditEventType, data: Record<string, unknown>): Promise<void> {
    await this.plans.appendAudit([this.executor.event(this.plan, type, data)]);
  }
}

/** Applies compensation actions in order, one at a time, with the same preconditions. */
class CompensationRun {
  private readonly objects: ObjectStore;
  private readonly id: string;

  constructor(objects: ObjectStore, id: string) {
    this.objects = objects;
    this.id = id;
  }

  async run(actions: readonly Action[]): Promise<string[]> {
    const outcomes: string[] = [];
    const produced = new Map<number, string>();
    const generationFor = async (name: string, expect: Expect): Promise<string | undefined> => {
      if (expect.state === 'absent') return '0';
      if (expect.state === 'generation') return expect.generation;
      return produced.get(expect.action) ?? (await this.objects.stat(name))?.generation;
    };
    for (const action of actions) {
      try {
        const meta = provenance(this.id, action.index);
        if (action.kind === 'delete') {
          await this.objects.delete(action.target, { ifGenerationMatch: await generationFor(action.target, action.expect) });
        } else if (action.kind === 'put') {
          const info = await this.objects.write(action.destination, Buffer.alloc(0), { ifGenerationMatch: await generationFor(action.destination, action.expect), metadata: meta });
          produced.set(action.index, info.generation);
        } else {
          const options = { ifSourceGenerationMatch: await generationFor(action.source, action.sourceExpect), ifGenerationMatch: await generationFor(action.destination, action.expect), metadata: meta };
          const info = action.kind === 'move' && this.objects.rename ? await this.objects.rename(action.source, action.destination, options) : await this.objects.copy(action.source, action.destination, options);
          if (action.kind === 'move' && !this.objects.rename) await this.objects.delete(action.source, { ifGenerationMatch: options.ifSourceGenerationMatch });
          produced.set(action.index, info.generation);
        }
        outcomes.push('done');
      } catch (error) {
        outcomes.push(isBailiffError(error) ? error.code : 'failed');
      }
    }
    return outcomes;
  }
}
