/**
 * The executor function stopped with a SIGTERM (Cloud Run's graceful stop) and then killed
 * with SIGKILLs at random instants while it applies a plan, as the sweep request arrives on the
 * executions topic every few seconds the way Cloud Scheduler publishes it. A SIGKILL just after
 * a hand-over can leave the plan `running` with no message left to deliver; the sweep must find
 * it and re-queue it, so the plan ends succeeded with the bucket exactly as promised and the
 * audit trail verifying. test/support/cloud-chaos.ts has the set-up and the checks.
 *
 * Typically 15 s. A SIGKILL that lands inside a Firestore transaction leaves that transaction's
 * locks held until the database gives up on it (60 s on the emulator), and every holder that
 * needs those documents waits that long: such a run takes about 80 s, hence the timeout.
 */
import { describe, it } from 'vitest';
import { runCloudChaos } from '../support/cloud-chaos.ts';

describe("the executor function stopped with SIGTERM, then killed with SIGKILLs, with the scheduler's sweep running", () => {
  it('ends the plan succeeded with nothing lost', { timeout: 180_000 }, async () => {
    // 300 operations: a 100-operation plan once ended after two of the four signals (a CI run).
    await runCloudChaos(['SIGTERM', 'SIGKILL', 'SIGKILL', 'SIGKILL'], { sweepEveryMs: 2_000, randomActionsBetweenKills: 12, reports: 220 });
  });
});
