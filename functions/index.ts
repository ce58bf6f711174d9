/**
 * Cloud Run functions entry points, registered with the functions framework. Nothing but
 * wiring: config is parsed once per instance, the app is built once, requests are translated.
 *   --target=api                                   HTTP API of shared/API.md
 *   --target=executor --signature-type=cloudevent  Pub/Sub-triggered executor
 */
import { cloudEvent, http, type CloudEvent } from '@google-cloud/functions-framework';
import { buildGcpApp, type App } from '../shared/composition.ts';
import { parseConfig } from '../shared/config.ts';
import { handleHttpRequest } from '../shared/http/handler.ts';
import { handleExecutionEvent } from '../shared/services/execution-delivery.ts';

let app: App | undefined;
function getApp(): App {
  app ??= buildGcpApp(parseConfig({ BAILIFF_MODE: 'gcp', ...process.env }));
  return app;
}

http('api', async (req, res) => {
  const current = getApp();
  const queryStart = req.originalUrl.indexOf('?');
  const response = await handleHttpRequest(
    {
      method: req.method,
      path: req.path,
      query: new URLSearchParams(queryStart >= 0 ? req.originalUrl.slice(queryStart + 1) : ''),
      headers: req.headers,
      rawBody: (req as { rawBody?: Buffer }).rawBody,
      remoteIp: req.ip,
    },
    {
      api: current.service,
      identity: current.identity,
      health: current.health,
      limits: { maxBodyBytes: current.config.BAILIFF_MAX_BODY_BYTES },
      logger: current.logger,
      projectId: current.config.GOOGLE_CLOUD_PROJECT,
    },
  );
  res.status(response.status).set(response.headers).send(response.body);
});

cloudEvent<unknown>('executor', async (event: CloudEvent<unknown>) => {
  const current = getApp();
  await handleExecutionEvent(event.data, current.executor, current.logger);
});
