/**
 * Notifications end to end on the embedded server: every plan transition reaches the Pub/Sub
 * emulator as one CloudEvent with the right type and filterable attributes, and a local
 * webhook receiver gets the same events, each with a valid Standard Webhooks signature. A
 * receiver that hangs does not slow a plan down.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PubSub, type Subscription } from '@google-cloud/pubsub';
import { HTTP, type CloudEvent } from 'cloudevents';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmbeddedApp, type EmbeddedApp } from '../../shared/composition/embedded.ts';
import { parseConfig } from '../../shared/config.ts';
import type { PlanEvent } from '../../shared/domain/plan-events.ts';
import { silentLogger } from '../../shared/logging.ts';
import type { Principal } from '../../shared/ports/identity.ts';

const AGENT: Principal = { id: 'agent@firm.example', roles: ['agent'] };
const ALICE: Principal = { id: 'alice@firm.example', roles: ['approver'] };
const TOKENS = {
  'agent-token-0123456789abcdef': { principal: AGENT.id, roles: ['agent'] },
  'alice-token-0123456789abcdef': { principal: ALICE.id, roles: ['approver'] },
};
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const CONSOLE = 'https://bailiff.firm.example';

interface Received {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** Verifies a Standard Webhooks signature the way a receiver would, independently of the sender's code. */
function signatureValid(received: Received, secret: string): boolean {
  const id = String(received.headers['webhook-id']);
  const timestamp = String(received.headers['webhook-timestamp']);
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
    .update(`${id}.${timestamp}.${received.body}`)
    .digest();
  return String(received.headers['webhook-signature'])
    .split(' ')
    .some((candidate) => {
      const [version, value] = candidate.split(',');
      const given = Buffer.from(value ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

let dir: string;
let pubsub: PubSub;
let subscription: Subscription;
let receiver: Server;
let received: Received[] = [];
const hanging: Server = createServer(() => {
  // Accepts the connection and never answers: the worst receiver there is.
});

async function setupApp(
  name: string,
  webhooks: Array<{ url: string; secret: string; contentMode?: 'structured' | 'binary' }>,
  topic?: string,
): Promise<{ app: EmbeddedApp; clockOffset: { ms: number } }> {
  const workspace = join(dir, name, 'workspace');
  const caseDir = join(workspace, 'projects', 'abby-sitgraves', 'intake');
  await mkdir(caseDir, { recursive: true });
  await writeFile(join(caseDir, 'records_001.pdf'), 'medical record one');
  await writeFile(join(caseDir, 'records_002.pdf'), 'medical record two');
  const clockOffset = { ms: 0 };
  const config = parseConfig({
    BAILIFF_WORKSPACE_DIR: workspace,
    BAILIFF_STATE_DIR: join(dir, name, 'state'),
    BAILIFF_TOKENS: JSON.stringify(TOKENS),
    BAILIFF_WEBHOOKS: JSON.stringify(webhooks),
    BAILIFF_CONSOLE_URL: CONSOLE,
    ...(topic ? { BAILIFF_EVENTS_TOPIC: topic, GOOGLE_CLOUD_PROJECT: process.env.GOOGLE_CLOUD_PROJECT } : {}),
  });
  const app = buildEmbeddedApp(config, { logger: silentLogger, clock: { now: () => new Date(Date.now() + clockOffset.ms) } });
  return { app, clockOffset };
}

async function waitFor(app: EmbeddedApp, planId: string, statuses: string[]) {
  for (let i = 0; i < 400; i += 1) {
    const { plan } = await app.service.get(AGENT, planId);
    if (statuses.includes(plan.status)) return plan;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`plan ${planId} never became ${statuses.join('/')}`);
}

const sortPlan = (destination: string) => ({
  case: 'abby-sitgraves',
  description: 'Sort intake',
  operations: [
    { type: 'move', source: 'intake/records_001.pdf', destination: `${destination}/records_001.pdf` },
    { type: 'write_file', destination: `${destination}/index.md`, content: '# Index\n' },
  ],
});

/** Every kind of transition once: proposed → approved → queued → succeeded, its rollback to rolled back, a rejection, an expiry and a failure. */
async function driveEveryTransition(app: EmbeddedApp, clockOffset: { ms: number }): Promise<Record<string, string[]>> {
  const expected: Record<string, string[]> = {};
  const note = (planId: string, ...types: string[]) => (expected[planId] = [...(expected[planId] ?? []), ...types]);

  const main = await app.service.propose(AGENT, sortPlan('Medical Records'));
  await app.service.approve(ALICE, main.plan.id, { planHash: main.plan.planHash, snapshotHash: main.report.snapshotHash });
  await app.service.apply(AGENT, main.plan.id);
  await waitFor(app, main.plan.id, ['succeeded']);
  note(main.plan.id, 'proposed', 'approved', 'queued', 'succeeded');

  const rollback = await app.service.rollback(AGENT, main.plan.id);
  await app.service.approve(ALICE, rollback.plan.id, { planHash: rollback.plan.planHash, snapshotHash: rollback.report.snapshotHash });
  await app.service.apply(AGENT, rollback.plan.id);
  await waitFor(app, rollback.plan.id, ['succeeded']);
  await waitFor(app, main.plan.id, ['rolled_back']);
  note(rollback.plan.id, 'proposed', 'approved', 'queued', 'succeeded');
  note(main.plan.id, 'rolled_back');

  const rejected = await app.service.propose(AGENT, sortPlan('Elsewhere'));
  await app.service.reject(ALICE, rejected.plan.id, { reason: 'wrong folder' });
  note(rejected.plan.id, 'proposed', 'rejected');

  const expiring = await app.service.propose(AGENT, sortPlan('Later'));
  await app.service.approve(ALICE, expiring.plan.id, { planHash: expiring.plan.planHash, snapshotHash: expiring.report.snapshotHash });
  clockOffset.ms += 73 * 3600 * 1000;
  await expect(app.service.apply(AGENT, expiring.plan.id)).rejects.toThrow(/approval window has passed/);
  clockOffset.ms = 0;
  note(expiring.plan.id, 'proposed', 'approved', 'expired');

  // Fails: its source disappears between approval and execution.
  const failing = await app.service.propose(AGENT, {
    case: 'abby-sitgraves',
    description: 'Move the second record',
    operations: [{ type: 'move', source: 'intake/records_002.pdf', destination: 'Records/records_002.pdf' }],
  });
  await app.service.approve(ALICE, failing.plan.id, { planHash: failing.plan.planHash, snapshotHash: failing.report.snapshotHash });
  await app.objects.delete('projects/abby-sitgraves/intake/records_002.pdf');
  await app.service.apply(AGENT, failing.plan.id);
  await waitFor(app, failing.plan.id, ['failed']);
  note(failing.plan.id, 'proposed', 'approved', 'queued', 'failed');
  return expected;
}

function eventsByPlan(events: PlanEvent[]): Record<string, string[]> {
  const byPlan: Record<string, string[]> = {};
  for (const event of [...events].sort((a, b) => a.data.audit.seq - b.data.audit.seq)) {
    byPlan[event.subject] = [...(byPlan[event.subject] ?? []), event.data.event];
  }
  return byPlan;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bailiff-events-'));
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  pubsub = new PubSub({ projectId: process.env.GOOGLE_CLOUD_PROJECT });
});

afterAll(async () => {
  receiver?.close();
  hanging.closeAllConnections();
  hanging.close();
  await pubsub?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('plan events', () => {
  it('publishes one CloudEvent per transition to Pub/Sub and to a webhook, every one signed', async () => {
    expect(process.env.PUBSUB_EMULATOR_HOST, 'the Pub/Sub emulator (BAILIFF_EMULATORS=pubsub)').toBeTruthy();
    const topicName = `bailiff-events-${randomBytes(4).toString('hex')}`;
    const [topic] = await pubsub.createTopic(topicName);
    [subscription] = await topic.createSubscription(`${topicName}-all`);
    const receiverUrl = await listen(receiver);
    received = [];
    const webhooks = [
      { url: `${receiverUrl}/structured`, secret: SECRET },
      { url: `${receiverUrl}/binary`, secret: SECRET, contentMode: 'binary' as const },
    ];
    const { app, clockOffset } = await setupApp('both', webhooks, topicName);
    let expected: Record<string, string[]>;
    try {
      expected = await driveEveryTransition(app, clockOffset);
      await app.events?.idle();
    } finally {
      await app.close();
    }
    const total = Object.values(expected).flat().length;

    const pulled = await receiveAll(subscription, total);
    expect(pulled).toHaveLength(total);
    const events = pulled.map((message) => {
      const event = JSON.parse(message.data) as PlanEvent;
      // What subscription filters read (`attributes.type = "bailiff.plan.proposed"`). The emulator
      // does not apply filters, so the attributes themselves are what is checked.
      expect(message.attributes).toEqual({ case: 'abby-sitgraves', type: event.type, plan: event.subject });
      expect(event).toMatchObject({ specversion: '1.0', source: 'bailiff/cases/abby-sitgraves', datacontenttype: 'application/json' });
      expect(event.type).toBe(`bailiff.plan.${event.data.event}`);
      expect(event.data.link).toBe(`${CONSOLE}/ui/plans/${event.subject}`);
      return event;
    });
    expect(new Set(events.map((event) => event.id)).size).toBe(total);
    expect(eventsByPlan(events)).toEqual(expected);
    expect(new Set(events.map((event) => event.data.event))).toEqual(
      new Set(['proposed', 'approved', 'rejected', 'expired', 'queued', 'succeeded', 'failed', 'rolled_back']),
    );

    expect(received).toHaveLength(2 * total);
    const byMode = { structured: [] as PlanEvent[], binary: [] as PlanEvent[] };
    for (const delivery of received) {
      const mode = delivery.url === '/binary' ? 'binary' : 'structured';
      expect(delivery.headers['content-type']).toMatch(mode === 'binary' ? /^application\/json/ : /^application\/cloudevents\+json/);
      expect(signatureValid(delivery, SECRET), `signature of ${String(delivery.headers['webhook-id'])}`).toBe(true);
      expect(signatureValid(delivery, `whsec_${randomBytes(24).toString('base64')}`)).toBe(false);
      // The ecosystem's own receivers: the CloudEvents SDK reads the event, Standard Webhooks verifies it.
      const headers = Object.fromEntries(Object.entries(delivery.headers).map(([name, value]) => [name, String(value)]));
      expect(() => new Webhook(SECRET).verify(delivery.body, headers)).not.toThrow();
      const event = HTTP.toEvent({ headers, body: delivery.body }) as CloudEvent<PlanEvent['data']>;
      expect(event.id).toBe(delivery.headers['webhook-id']);
      const { specversion, id, source, type, subject, time, datacontenttype, data } = event;
      byMode[mode].push({ specversion, id, source, type, subject, time, datacontenttype, data } as PlanEvent);
    }
    expect(eventsByPlan(byMode.structured)).toEqual(expected);
    expect(eventsByPlan(byMode.binary)).toEqual(expected);
    expect(byMode.binary.sort((a, b) => a.data.audit.seq - b.data.audit.seq)).toEqual(byMode.structured.sort((a, b) => a.data.audit.seq - b.data.audit.seq));
  });

  it('does not slow a plan when the webhook receiver hangs', async () => {
    const hangingUrl = await listen(hanging);
    const { app } = await setupApp('hanging', [{ url: `${hangingUrl}/hook`, secret: SECRET }]);
    try {
      const started = performance.now();
      const view = await app.service.propose(AGENT, sortPlan('Medical Records'));
      await app.service.approve(ALICE, view.plan.id, { planHash: view.plan.planHash, snapshotHash: view.report.snapshotHash });
      await app.service.apply(AGENT, view.plan.id);
      await waitFor(app, view.plan.id, ['succeeded']);
      // Each delivery attempt waits up to 10 s for the hanging receiver; had a transition waited
      // for one, this would take at least that long.
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      const closing = performance.now();
      await app.close();
      expect(performance.now() - closing, 'closing abandons the hanging deliveries').toBeLessThan(2_000);
    }
  });
});

/** Receives until `count` messages arrived (or 20 s passed), then a moment more to catch any extra one. */
function receiveAll(from: Subscription, count: number): Promise<Array<{ data: string; attributes: Record<string, string> }>> {
  const messages: Array<{ data: string; attributes: Record<string, string> }> = [];
  return new Promise((resolve, reject) => {
    let settle: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(deadline);
      clearTimeout(settle);
      from.removeAllListeners();
      from.close().then(() => resolve(messages), reject);
    };
    const deadline = setTimeout(finish, 20_000);
    from.on('error', (error: Error) => {
      clearTimeout(deadline);
      reject(error);
    });
    from.on('message', (message: { data: Buffer; attributes: Record<string, string>; ack(): void }) => {
      messages.push({ data: message.data.toString('utf8'), attributes: { ...message.attributes } });
      message.ack();
      if (messages.length >= count && !settle) settle = setTimeout(finish, 750);
    });
  });
}
