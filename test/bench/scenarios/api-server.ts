/**
 * The embedded HTTP server as `npm start` runs it (buildEmbeddedApp + startHttpServer), in a
 * process of its own so the load generator does not share its event loop. Reports its URL over
 * IPC and stops when the parent disconnects or sends SIGTERM.
 *
 *   BAILIFF_WORKSPACE_DIR=… BAILIFF_STATE_DIR=… BAILIFF_TOKENS=… node api-server.ts
 */
import { buildEmbeddedApp } from '../../../shared/composition/embedded.ts';
import { parseConfig } from '../../../shared/config.ts';
import { startHttpServer } from '../../../shared/front-door/node-server.ts';

const config = parseConfig(process.env);
const app = buildEmbeddedApp(config);
const server = await startHttpServer({
  port: 0,
  host: '127.0.0.1',
  deps: {
    api: app.service,
    review: app.review,
    identity: app.identity,
    health: app.health,
    limits: { maxBodyBytes: config.BAILIFF_MAX_BODY_BYTES },
    logger: app.logger,
  },
});
process.send?.({ url: server.url });

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.close(2_000);
  await app.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('disconnect', () => void stop());
