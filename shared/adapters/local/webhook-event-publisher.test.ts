import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP, type CloudEvent } from 'cloudevents';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { NOTIFIED_EVENTS, planEventFromAudit, type PlanEvent } from '../../domain/plan-events.ts';
import type { AuditEventType } from '../../domain/audit.ts';
import { silentLogger } from '../../logging.ts';
import { signWebhook, WebhookEventPublisher, type CloudEventContentMode } from './webhook-event-publisher.ts';

const event = planEventFromAudit(
  {
    chain: 'smith',
    seq: 3,
    type: 'plan.approved',
    planId: 'pln_0000000001',
    actor: 'alice@firm.example',
    at: '2026-11-30T10:00:00.000Z',
    data: { complete: true },
    prevHash: 'sha256:a',
    hash: 'sha256:b',
  },
  'http://127.0.0.1:8080',
)!;

const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

async function receiver(answer: (attempt: number) => number) {
  const requests: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      requests.push({ headers: request.headers, body });
      response.writeHead(answer(requests.length)).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, requests };
}

describe('Standard Webhooks signatures', () => {
  it("match the specification's published example", () => {
    // From the Standard Webhooks reference libraries' tests.
    expect(signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });
});

describe('WebhookEventPublisher', () => {
  it('retries a failing receiver with backoff, keeping the message id, until it answers 2xx', async () => {
    const target = await receiver((attempt) => (attempt < 3 ? 503 : 204));
    const publisher = new WebhookEventPublisher({
      targets: [{ url: target.url, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
      logger: silentLogger,
      retryDelaysMs: [10, 20, 40],
    });
    await publisher.publish(event);
    expect(target.requests).toHaveLength(3);
    expect(new Set(target.requests.map((request) => request.headers['webhook-id']))).toEqual(new Set([event.id]));
    for (const request of target.requests) {
      expect(request.headers['webhook-signature']).toBe(
        signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', event.id, Number(request.headers['webhook-timestamp']), request.body),
      );
    }
    await publisher.close();
  });

  it('gives up after the last retry without throwing', async () => {
    const target = await receiver(() => 500);
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => warnings.push(message) };
    const publisher = new WebhookEventPublisher({
      targets: [{ url: target.url, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
      logger,
      retryDelaysMs: [5, 5],
    });
    await expect(publisher.publish(event)).resolves.toBeUndefined();
    expect(target.requests).toHaveLength(3);
    expect(warnings).toEqual(['gave up delivering a plan event to a webhook']);
  });

  it('stops retrying when closed', async () => {
    const target = await receiver(() => 500);
    const publisher = new WebhookEventPublisher({
      targets: [{ url: target.url, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
      logger: silentLogger,
      retryDelaysMs: [60_000],
    });
    const delivery = publisher.publish(event);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await publisher.close();
    await delivery;
    expect(target.requests).toHaveLength(1);
  });
});

/** One event of every notified type, with data as the audit records carry it. */
const everyEvent: PlanEvent[] = Object.keys(NOTIFIED_EVENTS).map(
  (type, index) =>
    planEventFromAudit(
      {
        chain: 'smith-v-jones',
        seq: index + 1,
        type: type as AuditEventType,
        planId: 'pln_0000000002',
        actor: 'alice@firm.example',
        at: `2026-11-30T10:0${index}:00.000Z`,
        data: { reason: 'wrong folder "Intake" — 100% sure', approvals: 1, approvalsRequired: 2, complete: true },
        prevHash: 'sha256:a',
        hash: `sha256:${index}`,
      },
      'https://bailiff.firm.example',
    )!,
);

describe('deliveries as the CloudEvents and Standard Webhooks SDKs receive them', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  for (const contentMode of ['structured', 'binary'] as const satisfies readonly CloudEventContentMode[]) {
    it(`${contentMode} mode: every event type parses with the cloudevents SDK and verifies with standardwebhooks`, async () => {
      const target = await receiver(() => 204);
      const publisher = new WebhookEventPublisher({ targets: [{ url: target.url, secret, contentMode }], logger: silentLogger, retryDelaysMs: [] });
      for (const planEvent of everyEvent) await publisher.publish(planEvent);
      await publisher.close();
      expect(target.requests).toHaveLength(everyEvent.length);

      for (const [index, request] of target.requests.entries()) {
        const sent = everyEvent[index]!;
        expect(request.headers['content-type']).toMatch(contentMode === 'structured' ? /^application\/cloudevents\+json/ : /^application\/json/);
        expect(Object.keys(request.headers).some((name) => name.startsWith('ce-'))).toBe(contentMode === 'binary');

        const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
        const received = HTTP.toEvent({ headers, body: request.body }) as CloudEvent<PlanEvent['data']>;
        expect(received.validate()).toBe(true);
        expect({
          specversion: received.specversion,
          id: received.id,
          source: received.source,
          type: received.type,
          subject: received.subject,
          time: received.time,
          datacontenttype: received.datacontenttype,
          data: received.data,
        }).toEqual(sent);

        // The signature covers the exact body received, whichever mode carried it.
        expect(new Webhook(secret).verify(request.body, headers)).toEqual(JSON.parse(request.body));
        expect(() => new Webhook('whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA').verify(request.body, headers)).toThrow(/signature/i);
        expect(() => new Webhook(secret).verify(request.body.replace('pln_0000000002', 'pln_0000000003'), headers)).toThrow(/signature/i);
      }
    });
  }
});
