/**
 * What the MCP tools need from Bailiff, and its two implementations: the HTTP client (for
 * `bailiff mcp` over stdio, next to a local Bailiff or pointed at a remote one) and PlanApi
 * in-process with the caller's principal (for `/mcp` on the api itself). Both raise errors in
 * the API's shape (code, message, details), which the tools turn into tool errors.
 */
import type { BailiffClient, FileTextBody, FileListBody, PlanFromCommandsBody, PlanViewBody } from '../client/index.ts';
import type { Principal } from '../ports/identity.ts';
import type { PlanApi } from '../services/plan-api.ts';
import type { FileHistoryApi } from '../services/file-history.ts';
import type { FileHistoryBody } from '../client/index.ts';
import { unavailable } from '../errors.ts';
import { planPageUrl } from '../domain/console-link.ts';

export interface WaitForPlanOptions {
  done: (view: PlanViewBody) => boolean;
  timeoutMs: number;
  intervalMs?: number;
  /** Called with every view read while waiting (progress notifications). */
  onPoll?: (view: PlanViewBody) => void;
  /** The client cancelled the call or went away. */
  signal?: AbortSignal;
}

export interface McpBackend {
  listFiles(caseName: string, query: { prefix?: string; recursive?: boolean }): Promise<FileListBody>;
  readFileText(caseName: string, path: string, page: { offset?: number; limit?: number }): Promise<FileTextBody>;
  fileHistory(caseName: string, path: string, page: { limit?: number; pageToken?: string }): Promise<FileHistoryBody>;
  propose(body: unknown): Promise<PlanViewBody>;
  proposeFromCommands(body: unknown): Promise<PlanFromCommandsBody>;
  getPlan(planId: string): Promise<PlanViewBody>;
  apply(planId: string): Promise<PlanViewBody>;
  rollback(planId: string): Promise<PlanViewBody>;
  /** Polls until `done` holds for the plan, the timeout passes or `signal` aborts (then `timedOut`). */
  waitForPlan(planId: string, options: WaitForPlanOptions): Promise<{ view: PlanViewBody; timedOut: boolean }>;
  /** The console page where a person reviews and approves the plan. */
  consoleUrl(planId: string): string;
  /** The longest wait one tool call may make here (an HTTP request must end before the api's timeout). */
  maxWaitSeconds: number;
}

/** The api function's request timeout is 60 s (infra/functions.tf); waits inside `/mcp` end well before it. */
export const IN_REQUEST_MAX_WAIT_SECONDS = 45;

export function clientBackend(client: BailiffClient): McpBackend {
  return {
    listFiles: (caseName, query) => client.listFiles(caseName, query),
    readFileText: (caseName, path, page) => client.readFileText(caseName, path, page),
    fileHistory: (caseName, path, page) => client.fileHistory(caseName, path, page),
    propose: (body) => client.propose(body as Parameters<BailiffClient['propose']>[0]),
    proposeFromCommands: (body) => client.proposeFromCommands(body as Parameters<BailiffClient['proposeFromCommands']>[0]),
    getPlan: (planId) => client.getPlan(planId),
    apply: (planId) => client.apply(planId),
    rollback: (planId) => client.rollback(planId),
    waitForPlan: (planId, options) => pollPlan(() => client.getPlan(planId), options),
    consoleUrl: (planId) => client.consoleUrl(planId),
    // Each poll is its own short request, so a stdio server may wait as long as the tools allow.
    maxWaitSeconds: Number.POSITIVE_INFINITY,
  };
}

/** PlanApi in-process, acting as `principal`; `publicUrl` is the api as callers reach it. */
export function planApiBackend(api: PlanApi, principal: Principal, publicUrl: string, history?: FileHistoryApi): McpBackend {
  const getPlan = (planId: string) => api.get(principal, planId) as Promise<PlanViewBody>;
  return {
    listFiles: async (caseName, query) => ({ case: caseName, files: await api.listFiles(principal, caseName, query) }),
    readFileText: (caseName, path, page) => api.readFileText(principal, caseName, { path, ...page }),
    fileHistory: async (caseName, path, page) => {
      if (!history) throw unavailable('this server keeps no document history');
      return history.history(principal, caseName, { path, ...page });
    },
    propose: (body) => api.propose(principal, body) as Promise<PlanViewBody>,
    proposeFromCommands: (body) => api.proposeFromCommands(principal, body) as Promise<PlanFromCommandsBody>,
    getPlan,
    apply: (planId) => api.apply(principal, planId) as Promise<PlanViewBody>,
    rollback: (planId) => api.rollback(principal, planId) as Promise<PlanViewBody>,
    waitForPlan: (planId, options) => pollPlan(() => getPlan(planId), options),
    consoleUrl: (planId) => planPageUrl(publicUrl, planId),
    maxWaitSeconds: IN_REQUEST_MAX_WAIT_SECONDS,
  };
}

/** The one polling loop behind both backends' waits. */
async function pollPlan(read: () => Promise<PlanViewBody>, options: WaitForPlanOptions): Promise<{ view: PlanViewBody; timedOut: boolean }> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  for (;;) {
    const view = await read();
    options.onPoll?.(view);
    if (options.done(view)) return { view, timedOut: false };
    if (Date.now() + interval > deadline || options.signal?.aborted) return { view, timedOut: true };
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
