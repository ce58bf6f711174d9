/**
 * The process scenario 2 traces with `strace -f -c` to count Bailiff's system calls per move:
 * it seeds an inbox of `count` files, proposes, approves and queues the plan, says `ready` on
 * stdout and waits for a line on stdin (the parent attaches strace meanwhile), then executes
 * the plan and exits. Only the execution is traced, not the seeding or the proposal.
 *
 *   node embedded-execution-child.ts <dir> <count>
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FsObjectStore } from '../../../shared/adapters/local/fs-object-store.ts';
import { SqlitePlanStore } from '../../../shared/adapters/local/sqlite-plan-store.ts';
import { inboxFiles } from '../lib/fixtures.ts';
import { apply, execute, movePlan, proposeAndApprove, wireBailiff } from '../lib/wiring.ts';
import { seedDirectory } from './embedded-execution.ts';

const [dir, countText] = process.argv.slice(2);
const count = Number(countText);
if (!dir || !Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: embedded-execution-child.ts <dir> <count>\n');
  process.exit(2);
}

const root = join(dir, 'workspace');
const caseName = 'traced';
const files = inboxFiles(count);
await seedDirectory(join(root, 'projects', caseName), files);
await mkdir(join(dir, 'state'), { recursive: true });
const plans = new SqlitePlanStore(join(dir, 'state', 'bailiff.sqlite'));
const bailiff = wireBailiff({ objects: new FsObjectStore({ root, metadataDir: join(dir, 'state', 'object-metadata') }), plans });
const planId = await proposeAndApprove(bailiff, movePlan(caseName, files));
await apply(bailiff, planId);
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
await execute(bailiff, planId);
plans.close();
process.exit(0);
