/**
 * Bailiff on one machine (`npm start`, through functions/start.ts). Parses the configuration once, builds the embedded app
 * (local directory, SQLite, in-process executions), serves the HTTP API on `PORT`, resumes
 * executions a previous run left queued or running, sweeps for stalled ones every minute, and
 * shuts down cleanly within 5 s on SIGINT/SIGTERM.
 *
 * With generated development tokens the server listens on the loopback interface only: those
 * tokens are printed to the terminal, and a stranger on the network should not be able to
 * use them. Configure `BAILIFF_TOKENS` to serve other hosts.
 */
import { join } from 'node:path';
import { DEV_TOKENS_FILE } from '../shared/adapters/local/static-token-identity.ts';
import { buildEmbeddedApp, type EmbeddedApp } from '../shared/composition/embedded.ts';
import { httpDependenciesOf } from '../shared/composition/common.ts';
import { parseConfig, type Config } from '../shared/config.ts';
import { BailiffError } from '../shared/errors.ts';
import { startHttpServer, type RunningServer } from '../shared/front-door/node-server.ts';
import type { StaticToken } from '../shared/identity-settings.ts';
import { createLogger, type Logger } from '../shared/logging.ts';
import { SAMPLE_CASE, seedSampleCase } from './sample-case.ts';
import { planPageUrl } from '../shared/domain/console-link.ts';

/** How long requests in flight may take to finish after a shutdown signal. */
const SHUTDOWN_GRACE_MS = 3_000;

/** How often the embedded server sweeps for stalled and dead-lettered executions (Cloud Scheduler's job does it on Google Cloud). */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * A signalled server exits by itself within this, whatever is still pending: a person pressed
 * Ctrl-C once and expects the prompt back. What a forced exit leaves is what a crash leaves,
 * which the next start resumes (the journal, not this process, is the truth).
 */
const SHUTDOWN_DEADLINE_MS = 4_500;

export interface LocalServer {
  app: EmbeddedApp;
  server: RunningServer;
  url: string;
  /** Stops accepting requests, lets those in flight finish, then waits for running executions. */
  stop(): Promise<void>;
}

/**
 * Builds the embedded app from `config` and serves it. Resolves once the server listens and
 * interrupted executions have been re-queued.
 */
export async function startLocalServer(config: Config, options: { logger?: Logger } = {}): Promise<LocalServer> {
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL });
  const app = buildEmbeddedApp(config, { logger });
  let server: RunningServer;
  try {
    server = await startHttpServer({
      port: config.PORT,
      ...(app.devTokens ? { host: '127.0.0.1' } : {}),
      deps: { ...httpDependenciesOf(app), mcp: { allowedOrigins: config.BAILIFF_MCP_ALLOWED_ORIGINS } },
    });
  } catch (error) {
    await app.close();
    throw error;
  }
  const resumed = await app.resumeInterrupted();
  if (resumed > 0) logger.info('re-queued executions interrupted by the last shutdown', { resumed });
  const withdrawn = await app.service.withdrawWalledApprovalsEverywhere();
  if (withdrawn > 0) logger.info('withdrew approvals that ethical walls now forbid', { plans: withdrawn });
  // Every minute: a plan whose request was lost or dead-lettered does not stay queued or running.
  const sweeping = setInterval(() => {
    app.sweep.run().catch((error: unknown) => logger.warn('the execution sweep failed; it runs again in a minute', { error }));
  }, SWEEP_INTERVAL_MS);
  sweeping.unref();
  logger.info('bailiff listening', { url: server.url, mode: 'embedded' });
  return {
    app,
    server,
    url: server.url,
    async stop() {
      clearInterval(sweeping);
      // Nothing new is delivered: a continuation published by a plan handing over waits in the
      // queue and is dropped with it, as the next start resumes that plan from the PlanStore.
      app.queue.holdDeliveries();
      // Running plans hand over at their next safe point (journaled, lease released `continued`).
      await Promise.all([server.close(SHUTDOWN_GRACE_MS), app.executor.requestStop()]);
      await app.queue.close();
      await app.close();
    },
  };
}

/** The start-up message for a person at a terminal: where to call, and with which tokens. */
export function formatBanner(
  url: string,
  config: Pick<Config, 'BAILIFF_WORKSPACE_DIR' | 'BAILIFF_STATE_DIR'>,
  devTokens?: readonly StaticToken[],
  samplePlanId?: string,
): string {
  const lines = [
    '',
    `  Bailiff is running at ${url}`,
    `  Approver's console: ${url}/ui/  (open it in a browser and paste a token below)`,
    `  workspace: ${config.BAILIFF_WORKSPACE_DIR}    state: ${config.BAILIFF_STATE_DIR}`,
    `  API reference: ${url}/openapi.json`,
    `  MCP (Streamable HTTP): ${url}/mcp    CLI: npx bailiff --help`,
  ];
  if (devTokens && devTokens.length > 0) {
    const width = Math.max(...devTokens.map((token) => token.principal.length));
    lines.push(
      '',
      `  Development tokens (kept in ${join(config.BAILIFF_STATE_DIR, DEV_TOKENS_FILE)}; set BAILIFF_TOKENS to use your own):`,
      ...devTokens.map((token) => `    ${token.principal.padEnd(width)}  ${token.roles.join(',').padEnd(8)}  ${token.token}`),
      '',
      '  Listening on the loopback interface only, because these tokens are printed here. Try:',
      `    curl -H "Authorization: Bearer ${devTokens[0]!.token}" ${url}/plans`,
    );
  }
  if (samplePlanId) {
    lines.push(
      '',
      `  First run: a sample case (${SAMPLE_CASE}) was filed in the workspace, and agent@local proposed a plan for it.`,
      `  Review it in the console as approver@local: ${planPageUrl(url, samplePlanId)}`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

function describeStartupError(error: unknown): string {
  if (error instanceof BailiffError) {
    const details = error.details.map((detail) => `\n  - ${detail.path ? `${detail.path}: ` : ''}${detail.message}`).join('');
    return `bailiff: ${error.message}${details}`;
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return 'bailiff: the port is already in use; set PORT to another one';
  if (code === 'EACCES') return 'bailiff: not allowed to listen on that port; set PORT above 1024';
  return `bailiff: could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

/** How often a server started by `npm start` checks that npm is still there. */
const LAUNCHER_POLL_MS = 250;

/**
 * Under `npm start` a SIGTERM sent to npm (a supervisor's, or `kill`'s) is forwarded to the shell
 * npm runs the script in, which dies of it without passing it on: this process is left running,
 * orphaned, holding the state directory. So a server started by a package manager's script
 * treats its parent going away as the signal. Started any other way (`node functions/start.ts`
 * under nohup or a service manager) it keeps running without its parent, as such a process should.
 */
function watchLauncher(onGone: () => void): void {
  if (!process.env.npm_lifecycle_event) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, LAUNCHER_POLL_MS);
  timer.unref();
}

/** Parses the configuration, serves, prints the banner and handles shutdown signals (functions/start.ts runs it). */
export async function main(env: Record<string, string | undefined>): Promise<void> {
  let local: LocalServer;
  let logger: Logger;
  let config: Config;
  try {
    config = parseConfig(env);
    logger = createLogger({ level: config.LOG_LEVEL });
    local = await startLocalServer(config, { logger });
  } catch (error) {
    process.stderr.write(`${describeStartupError(error)}\n`);
    process.exit(1);
  }
  let samplePlanId: string | undefined;
  try {
    samplePlanId = await seedSampleCase(local.app);
  } catch (error) {
    logger.warn('could not file the sample case', { error });
  }
  // stdout carries JSON log lines; the banner goes to the terminal beside them.
  process.stderr.write(formatBanner(local.url, config, local.app.devTokens, samplePlanId));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn('second signal: exiting without waiting for executions', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down: finishing requests and executions in flight (signal again to force)', { signal });
    setTimeout(() => {
      logger.warn('shutdown took too long: exiting now; the next start resumes what was running', { signal, deadlineMs: SHUTDOWN_DEADLINE_MS });
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    local.stop().then(
      () => {
        logger.info('bailiff stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('unclean shutdown', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  watchLauncher(() => shutdown('launcher exited'));
  process.on('unhandledRejection', (error) => logger.error('unhandled rejection', { error }));
}
