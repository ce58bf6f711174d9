/**
 * Process-level chaos on the Google Cloud shape, shared by the fault tests that stop the
 * executor function: both functions under the functions framework, the Pub/Sub emulator pushing
 * execution requests to the executor, Cloud Storage on Google's storage-testbench (every
 * precondition enforced) and state in the Firestore emulator. The executor's process gets the
 * given signals one after the other while it applies a 100-operation plan, and is started again
 * after each, behind a front door that stands for Cloud Run's (test/support/front-door.ts); the plan must end succeeded with the bucket exactly as promised,
 * object by object. After a SIGTERM (Cloud Run's way of stopping an instance) it must also have
 * handed over: exited within ten seconds, its lease released `continued`, the next holder
 * acquiring it free.
 *
 * With `sweepEveryMs`, the sweep request is published to the executions topic that often, as
 * Cloud Scheduler does (infra/scheduler.tf): a kill that leaves the plan with no message to
 * deliver (a SIGKILL right after a hand-over, say) must then be mended by the sweep, which
 * re-queues the stalled plan. The audit trail must verify afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { expect } from 'vitest';
import { createGcsStorage, GcsObjectStore } from '../../shared/adapters/gcp/gcs-object-store.ts';
import { listAll } from '../../shared/ports/object-store.ts';
import { startFrontDoor, type FrontDoor } from './front-door.ts';
import { AUDIENCE, ID_TOKEN_CERTS, idToken, killFunction, startFunction, type RunningFunction } from './functions-harness.ts';

const CASE = 'chaos-gcp';
const FILES = 60;

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the global setup did not start that emulator`);
  return value;
}

const digest = (content: string | Buffer) => createHash('sha256').update(content).digest('hex').slice(0, 16);
const scan = (i: number) => `scan ${i} ${'z'.repeat(i % 53)}`;

export interface CloudChaosOptions {
  /** Publish the scheduler's sweep request this often (unset: no sweep). */
  sweepEveryMs?: number;
  /**
   * Kill at random instants: after a random number (1 to this) of actions journaled since the
   * last kill, and a random pause. Unset: every 20 actions.
   */
  randomActionsBetweenKills?: number;
  /**
   * Reports the plan writes (default 20; with 60 moves and 20 copies, a 100-operation plan).
   * Every kill must land while the plan runs, and random kills landed 30–50 actions apart on a
   * quiet machine (the journal's batch of 10, up to `randomActionsBetweenKills`, the 200 ms poll
   * and the pause of up to 400 ms): four of them need a longer plan. Writes lengthen it without
   * removing objects, so the policy's four-eyes rule (over 100 objects removed) stays out of it.
   */
  reports?: number;
}

/** What the Cloud Scheduler job publishes (infra/scheduler.tf). */
const SWEEP_REQUEST = Buffer.from(JSON.stringify({ version: 1, kind: 'sweep' }));

export async function runCloudChaos(signals: readonly ('SIGTERM' | 'SIGKILL')[], options: CloudChaosOptions = {}): Promise<void> {
  let sweeping: NodeJS.Timeout | undefined;
  let pubsub: PubSub | undefined;
  let frontDoor: FrontDoor | undefined;
  const running: RunningFunction[] = [];
  const output: string[] = [];
  try {
    const storageHost = requireEnv('STORAGE_TESTBENCH_HOST');
    requireEnv('FIRESTORE_EMULATOR_HOST');
    requireEnv('PUBSUB_EMULATOR_HOST');
    const project = `bailiff-chaos-${randomBytes(4).toString('hex')}`;
    const bucket = `ws-${randomBytes(6).toString('hex')}`;
    const topic = `executions-${randomBytes(4).toString('hex')}`;
    const reports = options.reports ?? 20;
    const storage = createGcsStorage({ apiEndpoint: storageHost, projectId: project });
    await storage.createBucket(bucket);
    const objects = new GcsObjectStore({ storage, bucket });
    await Promise.all(Array.from({ length: FILES }, (_, i) => objects.write(`projects/${CASE}/intake/f${i}.pdf`, Buffer.from(scan(i)))));

    const env = {
      BAILIFF_MODE: 'gcp',
      STORAGE_EMULATOR_HOST: storageHost,
      GOOGLE_CLOUD_PROJECT: project,
      WORKSPACE_BUCKET: bucket,
      BAILIFF_EXECUTION_TOPIC: topic,
      BAILIFF_AUDIENCE: AUDIENCE,
      BAILIFF_PRINCIPALS: JSON.stringify({
        'agent@firm.example': { roles: ['agent'] },
        'alice@firm.example': { roles: ['approver'] },
        'audrey@firm.example': { roles: ['admin'] },
      }),
      BAILIFF_ID_TOKEN_CERTS: ID_TOKEN_CERTS,
      // A short lease, so a killed holder's is taken over in seconds, and small journal batches.
      BAILIFF_LEASE_TTL_MS: '3000',
      BAILIFF_JOURNAL_BATCH: '10',
      // Two at a time, held there: the plan must last long enough for every kill to land in it.
      BAILIFF_EXECUTOR_CONCURRENCY: '2',
      BAILIFF_EXECUTOR_MAX_CONCURRENCY: '2',
      LOG_LEVEL: 'error',
    };
    // The executor logs each delivery and what it decided, so a failure shows which was acknowledged and why.
    const executorEnv = { ...env, BAILIFF_AUDIENCE: '', BAILIFF_PRINCIPALS: '', BAILIFF_ID_TOKEN_CERTS: '', LOG_LEVEL: 'info' };
    let executor = await startFunction('executor', executorEnv, output);
    running.push(executor);
    // Pub/Sub pushes to the executor through Cloud Run's front end, which outlives its instances.
    let executorUp = true;
    frontDoor = await startFrontDoor(() => (executorUp ? executor.url : undefined));
    const api = await startFunction('api', env, output);
    running.push(api);
    pubsub = new PubSub({ projectId: project });
    const [createdTopic] = await pubsub.createTopic(topic);
    await createdTopic.createSubscription(`${topic}-push`, {
      pushConfig: { pushEndpoint: `${frontDoor.url}/projects/${project}/topics/${topic}` },
      ackDeadlineSeconds: 30,
      retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 2 } },
    });

    const call = async (method: string, path: string, principal: string, body?: unknown) => {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${idToken(principal)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };

    const operations: unknown[] = [];
    for (let i = 0; i < FILES; i += 1) operations.push({ type: 'move', source: `intake/f${i}.pdf`, destination: `sorted/${i % 5}/f${i}.pdf` });
    for (let i = 0; i < 20; i += 1) operations.push({ type: 'copy', source: `sorted/${i % 5}/f${i}.pdf`, destination: `copies/f${i}.pdf` });
    for (let i = 0; i < reports; i += 1) operations.push({ type: 'write_file', destination: `reports/r${i}.md`, content: `report ${i}` });
    const expected = new Map<string, string>();
    for (let i = 0; i < FILES; i += 1) expected.set(`sorted/${i % 5}/f${i}.pdf`, digest(scan(i)));
    for (let i = 0; i < 20; i += 1) expected.set(`copies/f${i}.pdf`, digest(scan(i)));
    for (let i = 0; i < reports; i += 1) expected.set(`reports/r${i}.md`, digest(`report ${i}`));

    const proposed = await call('POST', '/plans', 'agent@firm.example', { case: CASE, description: 'chaos on Cloud', operations });
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
    const id: string = proposed.body.plan.id;
    expect(
      (
        await call('POST', `/plans/${id}/approve`, 'alice@firm.example', {
          planHash: proposed.body.plan.planHash,
          snapshotHash: proposed.body.report.snapshotHash,
        })
      ).status,
    ).toBe(200);
    expect((await call('POST', `/plans/${id}/apply`, 'agent@firm.example')).status).toBe(202);

    let sweeps = 0;
    if (options.sweepEveryMs) {
      const publisher = pubsub.topic(topic);
      sweeping = setInterval(() => {
        sweeps += 1;
        publisher
          .publishMessage({ data: SWEEP_REQUEST, attributes: { kind: 'sweep' } })
          .catch((error: unknown) => output.push(`[test] sweep request not published: ${String(error)}\n`));
      }, options.sweepEveryMs);
    }

    const random = (below: number) => Math.floor(Math.random() * below);
    const between = options.randomActionsBetweenKills;
    let killAt = between ? 1 + random(between) : 0;
    let kills = 0;
    /** Actions journaled when each signal was sent, for the summary line. */
    const killedAfter: number[] = [];
    let sigtermExit: { ms: number; code: number | null; signal: string | null } | undefined;
    let status = 'queued';
    const deadline = Date.now() + 420_000;
    while (Date.now() < deadline) {
      // Kill only while the plan runs, so each kill lands in the middle of its work.
      const view = (await call('GET', `/plans/${id}`, 'agent@firm.example')).body;
      status = view.plan.status;
      if (status === 'succeeded' || status === 'failed') break;
      // Progress as the journal has it (the plan record's counts are written every few seconds).
      const results = status === 'running' ? (await call('GET', `/plans/${id}/results?limit=1000`, 'agent@firm.example')).body : undefined;
      const journaled: number = results ? results.actions.filter((action: { outcome?: string }) => action.outcome).length : 0;
      if (kills < signals.length && status === 'running' && (between ? journaled >= killAt : journaled > kills * 20)) {
        await new Promise((resolve) => setTimeout(resolve, random(400)));
        const signal = signals[kills]!;
        output.push(`[test] ${new Date().toISOString()} ${signal} to the executor after ${journaled} journaled actions\n`);
        const sent = Date.now();
        executorUp = false;
        await killFunction(executor, signal);
        if (signal === 'SIGTERM') sigtermExit = { ms: Date.now() - sent, code: executor.child.exitCode, signal: executor.child.signalCode };
        kills += 1;
        killedAfter.push(journaled);
        if (between) killAt = journaled + 1 + random(between);
        executor = await startFunction('executor', executorEnv, output, executor.port);
        running.push(executor);
        executorUp = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const final = (await call('GET', `/plans/${id}`, 'agent@firm.example')).body;
    expect(
      `${final.plan.status} ${final.execution?.lastError ?? ''}`,
      output
        .filter((line) => !line.startsWith('[api]'))
        .slice(-80)
        .join(''),
    ).toBe('succeeded ');
    expect(kills, `the plan of ${operations.length} operations ended after ${kills} of ${signals.length} signals`).toBeGreaterThanOrEqual(
      Math.min(signals.length, 3),
    );

    if (signals.includes('SIGTERM')) {
      // SIGTERM: out within Cloud Run's ten seconds, by its own exit rather than a signal's default,
      // having handed over: the lease it held is released as `continued`, and the next holder
      // acquires it free (no `lease.expired`/`lease.taken_over` between the two).
      expect(sigtermExit?.ms).toBeLessThan(10_000);
      expect(sigtermExit?.signal).toBeNull();
      const audit = (await call('GET', `/plans/${id}/audit`, 'agent@firm.example')).body.records as { type: string; data: Record<string, unknown> }[];
      const leases = audit.filter((record) => record.type.startsWith('lease.'));
      const handOver = leases.findIndex((record) => record.type === 'lease.released' && record.data.outcome === 'continued');
      expect(handOver, JSON.stringify(leases.map((record) => `${record.type} ${String(record.data.outcome ?? '')}`))).toBeGreaterThanOrEqual(0);
      // The successor's own `lease.acquired` may be missing: a SIGKILL can land between its taking
      // the lease and auditing it, and the instance after it then records that lease as expired.
      // What must never happen is the handed-over lease itself expiring or being taken over.
      const handedOver = leases[handOver]!.data.token;
      expect(leases.filter((record) => record.type === 'lease.expired' && record.data.token === handedOver)).toEqual([]);
      expect(['lease.acquired', 'lease.expired']).toContain(leases[handOver + 1]?.type);
    }

    if (options.sweepEveryMs) {
      // The plan's audit copy is written just after it finishes and releases its lease.
      let verified = await call('GET', '/audit/verify', 'audrey@firm.example');
      for (let i = 0; i < 50 && !verified.body.ok; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        verified = await call('GET', '/audit/verify', 'audrey@firm.example');
      }
      expect(verified.body, JSON.stringify(verified.body)).toMatchObject({ ok: true, missingFiles: [] });
    }

    const bucketState = new Map<string, string>();
    for await (const page of listAll(objects, `projects/${CASE}/`)) {
      for (const object of page.objects) bucketState.set(object.name.slice(`projects/${CASE}/`.length), digest(await objects.read(object.name)));
    }
    const sorted = (map: Map<string, string>) => new Map([...map].sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(sorted(bucketState)).toEqual(sorted(expected));
    const requeues = options.sweepEveryMs
      ? ((await call('GET', `/plans/${id}/audit`, 'agent@firm.example')).body.records as { type: string }[]).filter((record) => record.type === 'plan.requeued')
          .length
      : 0;
    const swept = options.sweepEveryMs ? `; ${sweeps} sweep requests published, ${requeues} re-queue${requeues === 1 ? '' : 's'}` : '';
    console.info(
      `[process chaos] Cloud functions: ${signals.slice(0, kills).join(', ')} to the executor during a ${operations.length}-operation plan, after ${killedAfter.join(', ')} journaled actions${sigtermExit ? ` (SIGTERM: hand-over and exit in ${sigtermExit.ms} ms)` : ''}${swept}; ${expected.size} objects checked`,
    );
  } finally {
    clearInterval(sweeping);
    await pubsub?.close();
    await frontDoor?.close();
    for (const fn of running) await killFunction(fn);
  }
}
