/**
 * Cloud Run functions entry points, registered with the functions framework. Nothing but
 * wiring: config is parsed once per instance, the app is built once, requests are translated.
 *   --target=api                                   HTTP API of shared/API.md
 *   --target=executor --signature-type=cloudevent  Pub/Sub-triggered executor, and the execution
 *                                                  sweep that Cloud Scheduler publishes to the same topic
 */
import type { ServerResponse } from 'node:http';
import { cloudEvent, http, type CloudEvent } from '@google-cloud/functions-framework';
import { httpDependenciesOf, type App } from '../shared/composition/common.ts';
import { buildGcpApp } from '../shared/composition/gcp.ts';
import { parseConfig } from '../shared/config.ts';
import type { FunctionRequest } from '../shared/front-door/function-handler.ts';
import { handleExecutionEvent } from '../shared/services/execution-delivery.ts';

const apps: Partial<Record<'api' | 'executor', App>> = {};
type ApiHandler = (request: FunctionRequest, response: ServerResponse) => Promise<void>;
let apiHandler: Promise<ApiHandler> | undefined;

/**
 * Built on the first request rather than at import, so a bad config is reported by the request
 * that meets it; and per function, because only the api verifies callers (the executor is not
 * given BAILIFF_AUDIENCE or BAILIFF_PRINCIPALS).
 */
function getApp(role: 'api' | 'executor'): App {
  if (!apps[role]) {
    const app = buildGcpApp(parseConfig({ BAILIFF_MODE: 'gcp', ...process.env }), { role });
    apps[role] = app;
    // A changed policy reaches the api with a new revision: its walls withdraw the approvals
    // they now forbid (approve and apply check again anyway, so a request need not wait).
    if (role === 'api') {
      void app.service
        .withdrawWalledApprovalsEverywhere()
        .catch((error: unknown) =>
          app.logger.error('applying ethical walls to pending plans failed', { error: error instanceof Error ? error.message : String(error) }),
        );
    }
  }
  return apps[role];
}

/**
 * The HTTP stack (route table, schemas, OpenAPI, console, the MCP front door) is loaded by the
 * api's first request, not at import: the executor function, which loads this same module,
 * never serves it. A failed load is not kept, so the next request tries again.
 */
function loadApiHandler(current: App): Promise<ApiHandler> {
  apiHandler ??= import('../shared/front-door/function-handler.ts').then(
    ({ createFunctionHandler }) =>
      createFunctionHandler({
        ...httpDependenciesOf(current),
        console: { googleClientId: current.config.BAILIFF_OAUTH_CLIENT_ID },
        // MCP at /mcp: the resource is the api's own URL, and Google issues the ID tokens it accepts.
        mcp: {
          publicUrl: current.config.BAILIFF_AUDIENCE,
          authorizationServers: ['https://accounts.google.com'],
          allowedOrigins: current.config.BAILIFF_MCP_ALLOWED_ORIGINS,
        },
      }),
    (error: unknown) => {
      apiHandler = undefined;
      throw error;
    },
  );
  return apiHandler;
}

http('api', async (req, res) => {
  const handler = await loadApiHandler(getApp('api'));
  await handler(req as unknown as FunctionRequest, res as unknown as ServerResponse);
});

/**
 * Cloud Run sends SIGTERM about ten seconds before it stops an instance. The functions framework
 * answers it by exiting at once; an executor mid-plan would then leave its lease to expire (a
 * minute by default) before any redelivery could resume the plan. So the executor is told first:
 * it journals what finished, releases its lease and publishes a continuation, and only then is
 * the framework's exit let through.
 */
process.prependListener('SIGTERM', () => {
  const executor = apps.executor?.executor;
  if (!executor) return;
  const handedOver = executor.requestStop();
  const exit = process.exit.bind(process);
  process.exit = ((code?: number) => {
    void handedOver.finally(() => exit(code));
  }) as typeof process.exit;
});

/**
 * How long the executor waits, after its work, for plan events still being published. Cloud
 * Run takes the CPU away once a request is answered; the api cannot wait (its answers must not
 * depend on a notifier), but the executor's answer only acknowledges Pub/Sub.
 */
const EVENTS_GRACE_MS = 5_000;

cloudEvent<unknown>('executor', async (event: CloudEvent<unknown>) => {
  const current = getApp('executor');
  try {
    // Throwing makes the framework answer 500, so Pub/Sub redelivers; returning acknowledges.
    await handleExecutionEvent(event.data, current.executor, current.logger, event.id, current.sweep);
  } finally {
    if (current.events) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([current.events.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, EVENTS_GRACE_MS)))]);
      clearTimeout(timer);
    }
  }
});
