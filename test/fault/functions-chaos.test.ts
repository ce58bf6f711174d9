/**
 * The executor function killed with SIGKILL four times at random instants while it applies a
 * plan (SIGKILL leaves no time to hand over: Pub/Sub redelivers, and the next holder takes the
 * dead one's lease over once it expires, then resumes from the journal). test/support/cloud-chaos.ts
 * has the set-up and the checks.
 */
import { describe, it } from 'vitest';
import { runCloudChaos } from '../support/cloud-chaos.ts';

describe('the executor function killed with SIGKILL while it applies a plan', () => {
  it('ends the plan succeeded with the bucket exactly as promised', { timeout: 600_000 }, async () => {
    await runCloudChaos(['SIGKILL', 'SIGKILL', 'SIGKILL', 'SIGKILL']);
  });
});
