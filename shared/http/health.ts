/**
 * `GET /health`: runs the composition's dependency checks with a deadline and answers 200 or
 * 503 naming what failed. The endpoint is public, so it shows names and timings only; why a
 * check failed goes to the log, where connection details are safe.
 */
import type { HealthReport, HttpDependencies, RouteResult } from './types.ts';

export const DEFAULT_HEALTH_TIMEOUT_MS = 10_000;

/** Runs the checks and shapes the answer; never throws (a failing probe is an answer, not an error). */
export async function answerHealth(deps: Pick<HttpDependencies, 'health' | 'limits' | 'logger'>): Promise<RouteResult> {
  const timeoutMs = deps.limits.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  let report: HealthReport;
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`health checks did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    report = await Promise.race([deps.health(), deadline]);
  } catch (error) {
    deps.logger.error('health checks failed', { error });
    return {
      status: 503,
      body: { status: 'unavailable', checks: {}, error: { code: 'unavailable', message: 'health checks did not complete' } },
    };
  } finally {
    clearTimeout(timer);
  }

  const checks: Record<string, { ok: boolean; latencyMs?: number }> = {};
  const failing: string[] = [];
  for (const [name, check] of Object.entries(report)) {
    checks[name] = check.latencyMs === undefined ? { ok: check.ok } : { ok: check.ok, latencyMs: check.latencyMs };
    if (!check.ok) {
      failing.push(name);
      deps.logger.warn(`health check failed: ${name}`, { dependency: name, reason: check.message });
    }
  }
  if (failing.length === 0) return { status: 200, body: { status: 'ok', checks } };
  return {
    status: 503,
    body: { status: 'unavailable', checks, error: { code: 'unavailable', message: `unavailable: ${failing.join(', ')}` } },
  };
}
