/**
 * How the dry run's outcome is written down (simulate.ts decides it): the words of each
 * operation's line, the diff of the case before and after, and the snapshot hash an approval
 * is bound to. Lists stop at REPORT_LIST_LIMIT; totals stay exact.
 */
import { createHash } from 'node:crypto';
import type { Action, Expect } from './actions.ts';
import { canonicalJson } from './hash.ts';
import type { DryRunReport, Operation } from './plan.ts';
import type { SimulatedCase } from './simulation-draft.ts';

/** Report lists (per-operation lines, diff entries) stop here; totals stay exact. */
export const REPORT_LIST_LIMIT = 1000;

export const formatBytes = (bytes: number) =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/**
 * The preconditions an approval is bound to: what must be absent and which generations must
 * still hold. It is `hashOf` of one tuple per action (`[source, sourceExpect, destination,
 * expect]`, or `[name, expect]`), written out here piece by piece: the generic canonical JSON
 * of 100,000 tuples was a third of a large dry run.
 */
export function snapshotHashOf(actions: readonly Action[]): string {
  const hash = createHash('sha256');
  let pending = '[';
  actions.forEach((action, i) => {
    const tuple =
      action.kind === 'copy' || action.kind === 'move'
        ? `[${JSON.stringify(action.source)},${canonicalExpect(action.sourceExpect)},${JSON.stringify(action.destination)},${canonicalExpect(action.expect)}]`
        : `[${JSON.stringify(action.kind === 'delete' ? action.target : action.destination)},${canonicalExpect(action.expect)}]`;
    pending += i === 0 ? tuple : `,${tuple}`;
    if (pending.length >= 65_536) {
      hash.update(pending);
      pending = '';
    }
  });
  hash.update(`${pending}]`);
  return `sha256:${hash.digest('hex')}`;
}

/** `canonicalJson(expect)` for the three shapes an Expect has; anything else the generic way. */
function canonicalExpect(expect: Expect): string {
  const members = memberCount(expect);
  if (expect.state === 'absent' && members === 1) return '{"state":"absent"}';
  if (expect.state === 'generation' && members === 2 && typeof expect.generation === 'string')
    return `{"generation":${JSON.stringify(expect.generation)},"state":"generation"}`;
  if (expect.state === 'producedBy' && members === 2 && typeof expect.action === 'number')
    return `{"action":${JSON.stringify(expect.action)},"state":"producedBy"}`;
  return canonicalJson(expect);
}

/** `Object.keys(object).length` without the array: two per action of a 100,000-action plan. */
function memberCount(object: object): number {
  let count = 0;
  for (const key in object) if (Object.hasOwn(object, key)) count += 1;
  return count;
}

export function describeEffect(operation: Operation, objects: number, bytes: number): string {
  const amount = `${objects} object${objects === 1 ? '' : 's'}, ${formatBytes(bytes)}`;
  switch (operation.type) {
    case 'create_dir':
      return objects === 0 ? `folder ${operation.destination} already exists` : `create folder ${operation.destination}`;
    case 'write_file':
      return `write ${operation.destination} (${formatBytes(bytes)})${operation.overwrite ? ', replacing the old content' : ''}`;
    case 'copy':
      return `copy ${operation.source} to ${operation.destination} (${amount})`;
    case 'move':
      return `move ${operation.source} to ${operation.destination} (${amount})`;
    case 'delete':
      return `delete ${operation.source} (${amount}; kept as a backup)`;
    case 'restore':
      return `restore ${operation.destination} from its backup (${formatBytes(bytes)})`;
    case 'remove_folder':
      return objects === 0 ? `folder ${operation.destination} is already gone; nothing to remove` : `remove the folder ${operation.destination}`;
  }
}

export function diffTrees(initial: ReadonlyMap<string, string>, tree: SimulatedCase): DryRunReport['diff'] {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [key, object] of tree.objects) {
    if (!initial.has(key)) added.push(key);
    else if (!object.original) changed.push(key);
  }
  for (const key of initial.keys()) if (!tree.objects.has(key)) removed.push(key);
  const truncated = added.length > REPORT_LIST_LIMIT || removed.length > REPORT_LIST_LIMIT || changed.length > REPORT_LIST_LIMIT;
  return {
    added: firstSorted(added, REPORT_LIST_LIMIT),
    removed: firstSorted(removed, REPORT_LIST_LIMIT),
    changed: firstSorted(changed, REPORT_LIST_LIMIT),
    truncated,
  };
}

/**
 * The `limit` smallest strings of `list`, sorted (as `list.sort().slice(0, limit)`), without
 * sorting all of a list of 100,000 paths: candidates are kept in a buffer of twice the limit,
 * which is sorted and cut back whenever it fills.
 */
function firstSorted(list: readonly string[], limit: number): string[] {
  if (list.length <= limit * 2) return [...list].sort().slice(0, limit);
  let kept: string[] = [];
  let bound: string | undefined;
  for (const item of list) {
    if (bound !== undefined && item >= bound) continue;
    kept.push(item);
    if (kept.length >= limit * 2) {
      kept = kept.sort().slice(0, limit);
      bound = kept[limit - 1];
    }
  }
  return kept.sort().slice(0, limit);
}
