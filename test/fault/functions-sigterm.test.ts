/**
 * The executor function stopped with SIGTERM while it applies a plan, as Cloud Run stops an
 * instance: it must hand over (journal what finished, release its lease, publish a
 * continuation) and exit within ten seconds, and the next delivery must acquire the lease free
 * instead of waiting it out. test/support/cloud-chaos.ts has the set-up and the checks.
 */
import { describe, it } from 'vitest';
import { runCloudChaos } from '../support/cloud-chaos.ts';

describe('the executor function stopped with SIGTERM while it applies a plan', () => {
  it('hands over, exits in time, and the plan ends succeeded with the bucket exactly as promised', { timeout: 600_000 }, async () => {
    await runCloudChaos(['SIGTERM']);
  });
});
