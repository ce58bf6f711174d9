/**
 * End to end on the Google Cloud shape, with emulators only: both functions run under the
 * functions framework (`--target=api`, `--target=executor --signature-type=cloudevent`) in
 * child processes, the Pub/Sub emulator pushes execution requests to the executor as a push
 * subscription does in production, and a test drives propose → approve → apply over HTTP with
 * signed ID tokens until the bucket holds the result and Firestore the audit chain.
 *
 * Cloud Storage here is Google's storage-testbench, which enforces every precondition the
 * executor sends (fake-gcs-server ignores those on rewrite and delete), so the functions run
 * against the stricter of the two emulators.
 */
import { randomBytes } from 'node:crypto';
import { PubSub, type Subscription } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcsStorage, GcsObjectStore } from '../../shared/adapters/gcp/gcs-object-store.ts';
import { freeLoopbackPort } from '../setup/free-port.ts';
import { AUDIENCE, ID_TOKEN_CERTS, idToken, killFunction, startFunction as startFunctionProcess, type RunningFunction } from '../support/functions-harness.ts';
import { auditCopiesPrefix } from '../../shared/domain/paths.ts';

const CASE = 'abby-sitgraves';
const children: RunningFunction[] = [];
const output: string[] = [];

async function startFunction(target: 'api' | 'executor', env: Record<string, string>): Promise<string> {
  const running = await startFunctionProcess(target, env, output);
  children.push(running);
  return running.url;
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the global setup did not start that emulator`);
  return value;
}

let apiUrl: string;
let objects: GcsObjectStore;
let downApiUrl: string;
let eventsPubSub: PubSub;
let eventsSubscription: Subscription;

beforeAll(async () => {
  const storageHost = requireEnv('STORAGE_TESTBENCH_HOST');
  requireEnv('FIRESTORE_EMULATOR_HOST');
  requireEnv('PUBSUB_EMULATOR_HOST');
  const project = `bailiff-e2e-${randomBytes(4).toString('hex')}`;
  const bucket = `ws-${randomBytes(6).toString('hex')}`;
  const topic = `executions-${randomBytes(4).toString('hex')}`;
  const storage = createGcsStorage({ apiEndpoint: storageHost, projectId: project });
  await storage.createBucket(bucket);
  objects = new GcsObjectStore({ storage, bucket });
  await objects.write(`projects/${CASE}/intake/records_001.pdf`, Buffer.from('medical record one'));
  await objects.write(`projects/${CASE}/intake/police-report.pdf`, Buffer.from('police report'));

  // Plan events: a topic and a pull subscription of our own, before any function publishes.
  const events = `events-${randomBytes(4).toString('hex')}`;
  const eventsClient = new PubSub({ projectId: project });
  const [eventsTopic] = await eventsClient.createTopic(events);
  [eventsSubscription] = await eventsTopic.createSubscription(`${events}-all`);
  eventsPubSub = eventsClient;

  const env = {
    BAILIFF_MODE: 'gcp',
    BAILIFF_EVENTS_TOPIC: events,
    // The functions' own setting for an emulator endpoint (shared/config.ts).
    STORAGE_EMULATOR_HOST: storageHost,
    GOOGLE_CLOUD_PROJECT: project,
    WORKSPACE_BUCKET: bucket,
    BAILIFF_EXECUTION_TOPIC: topic,
    BAILIFF_AUDIENCE: AUDIENCE,
    BAILIFF_PRINCIPALS: JSON.stringify({
      'agent@firm.example': { roles: ['agent'] },
      'alice@firm.example': { roles: ['approver'] },
      'root@firm.example': { roles: ['admin'] },
    }),
    BAILIFF_ID_TOKEN_CERTS: ID_TOKEN_CERTS,
    LOG_LEVEL: 'warn',
  };
  const executorUrl = await startFunction('executor', {
    ...env,
    BAILIFF_AUDIENCE: '',
    BAILIFF_PRINCIPALS: '',
    BAILIFF_ID_TOKEN_CERTS: '',
    BAILIFF_CONSOLE_URL: AUDIENCE,
  });
  apiUrl = await startFunction('api', env);
  // A dependency that is down: the same api pointed at a storage endpoint nobody listens on.
  downApiUrl = await startFunction('api', { ...env, STORAGE_EMULATOR_HOST: `http://127.0.0.1:${await freeLoopbackPort()}` });

  const pubsub = new PubSub({ projectId: project });
  const [createdTopic] = await pubsub.createTopic(topic);
  await createdTopic.createSubscription(`${topic}-push`, {
    pushConfig: { pushEndpoint: `${executorUrl}/projects/${project}/topics/${topic}` },
    ackDeadlineSeconds: 60,
  });
  await pubsub.close();
}, 120_000);

afterAll(async () => {
  for (const child of children) await killFunction(child);
  await eventsSubscription?.close();
  await eventsPubSub?.close();
});

/** The plan events received so far (acknowledged), as `type plan link`. */
async function receivedEvents(count: number): Promise<string[]> {
  const seen: string[] = [];
  await new Promise<void>((resolve) => {
    const done = setTimeout(resolve, 15_000);
    eventsSubscription.on('message', (message: { data: Buffer; attributes: Record<string, string>; ack(): void }) => {
      const event = JSON.parse(message.data.toString('utf8')) as { type: string; subject: string; data: { link: string } };
      seen.push(`${message.attributes.type} ${event.subject} ${event.data.link}`);
      message.ack();
      if (seen.length >= count) {
        clearTimeout(done);
        resolve();
      }
    });
  });
  eventsSubscription.removeAllListeners('message');
  return seen;
}

async function call(method: string, path: string, principal: string | undefined, body?: unknown) {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { ...(principal ? { authorization: `Bearer ${idToken(principal)}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe('the two functions on the emulators', () => {
  it('takes a plan from proposal to a changed bucket and a verified audit chain', async () => {
    expect((await call('GET', '/plans', undefined)).status).toBe(401);
    expect((await call('GET', '/plans', 'stranger@firm.example')).status).toBe(403);
    const proposed = await call('POST', '/plans', 'agent@firm.example', {
      case: CASE,
      description: 'Sort intake',
      operations: [
        { type: 'create_dir', destination: 'Medical Records' },
        { type: 'move', source: 'intake/records_001.pdf', destination: 'Medical Records/records_001.pdf' },
        { type: 'move', source: 'intake/police-report.pdf', destination: 'Police/report.pdf' },
        { type: 'write_file', destination: 'Reports/summary.md', content: 'sorted' },
      ],
    });
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
    expect(proposed.body.report.valid).toBe(true);
    const id = proposed.body.plan.id;
    expect(
      (
        await call('POST', `/plans/${id}/approve`, 'agent@firm.example', {
          planHash: proposed.body.plan.planHash,
          snapshotHash: proposed.body.report.snapshotHash,
        })
      ).status,
    ).toBe(403);
    const approved = await call('POST', `/plans/${id}/approve`, 'alice@firm.example', {
      planHash: proposed.body.plan.planHash,
      snapshotHash: proposed.body.report.snapshotHash,
    });
    expect(approved.body.plan.status).toBe('approved');
    expect((await call('POST', `/plans/${id}/apply`, 'agent@firm.example')).status).toBe(202);

    let status = 'queued';
    for (let i = 0; i < 300 && (status === 'queued' || status === 'running'); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await call('GET', `/plans/${id}`, 'agent@firm.example')).body.plan.status;
    }
    expect(status, output.join('')).toBe('succeeded');

    const names = (await objects.list(`projects/${CASE}/`)).objects.map((object) => object.name.slice(`projects/${CASE}/`.length));
    expect(names.sort()).toEqual(['Medical Records/', 'Medical Records/records_001.pdf', 'Police/report.pdf', 'Reports/summary.md']);
    expect((await objects.read(`projects/${CASE}/Police/report.pdf`)).toString()).toBe('police report');
    // The audit file is written once the plan has finished and released its lease.
    let auditFiles = (await objects.list(auditCopiesPrefix(CASE, id))).objects;
    for (let i = 0; i < 50 && auditFiles.length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      auditFiles = (await objects.list(auditCopiesPrefix(CASE, id))).objects;
    }
    expect(auditFiles).toHaveLength(1);

    const audit = await call('GET', `/plans/${id}/audit`, 'alice@firm.example');
    const types = audit.body.records.map((record: { type: string }) => record.type);
    expect(types).toEqual(
      expect.arrayContaining(['plan.proposed', 'plan.approved', 'plan.queued', 'lease.acquired', 'plan.running', 'plan.succeeded', 'lease.released']),
    );
    const verified = await call('GET', '/audit/verify', 'root@firm.example');
    expect(verified.body).toMatchObject({ ok: true, files: 1 });

    // Both functions published their plan events, linking to the console on the api.
    const link = `${AUDIENCE}/ui/plans/${id}`;
    expect((await receivedEvents(4)).sort()).toEqual(['approved', 'proposed', 'queued', 'succeeded'].map((event) => `bailiff.plan.${event} ${id} ${link}`));
    const consolePage = await fetch(`${apiUrl}/ui/plans/${id}`);
    expect(consolePage.status).toBe(200);
    expect(consolePage.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('says which dependency is down, and does not half-act', async () => {
    const health = await fetch(`${downApiUrl}/health`);
    expect(health.status).toBe(503);
    const body = await health.json();
    expect(body.checks.storage.ok).toBe(false);
    expect(body.checks.state.ok).toBe(true);
    const proposal = await fetch(`${downApiUrl}/plans`, {
      method: 'POST',
      headers: { authorization: `Bearer ${idToken('agent@firm.example')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ case: CASE, description: 'x', operations: [{ type: 'write_file', destination: 'x.md', content: 'x' }] }),
    });
    expect(proposal.status).toBe(503);
    const listed = await call('GET', `/plans?case=${CASE}`, 'agent@firm.example');
    expect(listed.body.plans.every((plan: { description: string }) => plan.description !== 'x')).toBe(true);
  });
});
