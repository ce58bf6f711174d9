/**
 * How one action of a plan changes storage: a `put`, a copy or move, or a delete, each under the
 * preconditions the dry run recorded, after the backup of what it overwrites or removes. A failed
 * precondition is resolved by looking at the objects (Bailiff's provenance metadata): this
 * action's own earlier write counts as done, anything else as stale. A move deletes its source
 * only once the copy matches it.
 */
import {
  isProducedBy,
  provenance,
  type Action,
  type DeleteAction,
  type Expect,
  type ObjectFacts,
  type PutAction,
  type TransferAction,
} from '../domain/actions.ts';
import { contentBuffer } from '../domain/plan.ts';
import { isBailiffError } from '../errors.ts';
import type { CopyOptions, ObjectInfo, ObjectStore } from '../ports/object-store.ts';
import type { JournalEntry, PlanStore } from '../ports/plan-store.ts';

/** One action's journal entry before the run stamps it with the action's index and the time. */
export type ActionResult = Omit<JournalEntry, 'action' | 'at'>;

type Verdict = { ok: true; generation?: string } | { ok: false; message: string };

/** A copy's source as far as the executor knows it: the generation to copy, and what the copy must match. */
type KnownSource = Pick<ObjectInfo, 'generation' | 'size' | 'md5' | 'crc32c'>;

function checksumsOf(facts: Pick<ObjectFacts, 'md5' | 'crc32c'> | undefined): Pick<ObjectFacts, 'md5' | 'crc32c'> {
  return { ...(facts?.md5 ? { md5: facts.md5 } : {}), ...(facts?.crc32c ? { crc32c: facts.crc32c } : {}) };
}

/**
 * The recorded headers a copy carries over, so the store need not read the object for them.
 * Only with a recorded content type: a listing that reports none may not report headers at all.
 */
function headersOf(facts: ObjectFacts | undefined): { sourceHeaders?: CopyOptions['sourceHeaders'] } {
  if (!facts?.contentType) return {};
  return { sourceHeaders: { contentType: facts.contentType, ...(facts.headers ? { headers: facts.headers } : {}) } };
}

/** Applies the actions of one plan to storage; one per plan run. */
export class ActionApplier {
  private readonly objects: ObjectStore;
  private readonly plans: PlanStore;
  private readonly planId: string;

  constructor(objects: ObjectStore, plans: PlanStore, planId: string) {
    this.objects = objects;
    this.plans = plans;
    this.planId = planId;
  }

  /** Applies one action. What storage throws other than a failed precondition or a missing object is thrown on. */
  apply(action: Action): Promise<ActionResult> {
    return action.kind === 'put' ? this.put(action) : action.kind === 'delete' ? this.delete(action) : this.transfer(action);
  }

  /** Whether `object` is what `expect` requires; the generation to use as a precondition. */
  private judge(name: string, object: ObjectInfo | undefined, expect: Expect): Verdict {
    switch (expect.state) {
      case 'absent':
        return object ? { ok: false, message: `\`${name}\` exists now but did not when the plan was approved` } : { ok: true, generation: '0' };
      case 'generation':
        if (!object) return { ok: false, message: `\`${name}\` was removed after approval` };
        return object.generation === expect.generation
          ? { ok: true, generation: object.generation }
          : { ok: false, message: `\`${name}\` was changed after approval` };
      case 'producedBy':
        if (object && isProducedBy(object.metadata, this.planId, expect.action)) return { ok: true, generation: object.generation };
        return { ok: false, message: `\`${name}\` is not the object action ${expect.action} of this plan wrote` };
    }
  }

  /** On a store that ignores copy and delete preconditions, each action looks before it changes anything. */
  private get looksFirst(): boolean {
    return this.objects.preconditionsEnforced === false;
  }

  private mine(object: ObjectInfo | undefined, action: Action): boolean {
    return object !== undefined && isProducedBy(object.metadata, this.planId, action.index);
  }

  /**
   * Copies what is about to be overwritten or deleted into the plan's backup area: one rewrite
   * carrying the generation to keep and `ifGenerationMatch: 0`. A failed precondition is
   * resolved by looking at the backup: this action's (an earlier attempt made it) is used;
   * anything else is thrown for the caller to judge the object it backs up.
   */
  private async backUp(action: Action, name: string, generation: string): Promise<{ backup: string; backupGeneration: string }> {
    const backup = action.backup!;
    try {
      const info = await this.objects.copy(name, backup, {
        ifSourceGenerationMatch: generation,
        ifGenerationMatch: '0',
        metadata: provenance(this.planId, action.index),
        ...headersOf(action.replacedFacts),
      });
      return { backup, backupGeneration: info.generation };
    } catch (error) {
      if (!isBailiffError(error, 'precondition_failed') && !isBailiffError(error, 'not_found')) throw error;
      const existing = await this.objects.stat(backup);
      if (this.mine(existing, action)) return { backup, backupGeneration: existing!.generation };
      throw error;
    }
  }

  /** The backup an earlier attempt of `action` made, if it was to make one and did. */
  private async earlierBackup(action: Action): Promise<{ backup: string; backupGeneration: string } | undefined> {
    if (!action.backup || !('expect' in action) || action.expect.state === 'absent') return undefined;
    const existing = await this.objects.stat(action.backup);
    return this.mine(existing, action) ? { backup: action.backup, backupGeneration: existing!.generation } : undefined;
  }

  /**
   * Writes a `write_file`'s content or a folder marker: one upload carrying the recorded
   * generation (or `"0"`), after the backup of what it overwrites. Only a failed precondition
   * (a retried upload whose first attempt landed, a resumed attempt, someone else's change)
   * costs a look at the object.
   */
  private async put(action: PutAction): Promise<ActionResult> {
    let generation: string;
    if (action.expect.state === 'producedBy' || this.looksFirst) {
      // Over an object an earlier action of this plan wrote, its generation is known only by
      // looking; on a store that ignores preconditions, looking is the only check there is.
      const current = await this.objects.stat(action.destination);
      // Written by an earlier attempt that was not journaled: its backup must still be recorded,
      // or the undo of this action would delete the object instead of restoring what it replaced.
      if (this.mine(current, action)) return { outcome: 'done', generation: current!.generation, ...(await this.earlierBackup(action)) };
      const verdict = this.judge(action.destination, current, action.expect);
      if (!verdict.ok) return { outcome: 'stale', message: verdict.message };
      generation = verdict.generation!;
    } else {
      generation = action.expect.state === 'absent' ? '0' : action.expect.generation;
    }
    let backup: { backup: string; backupGeneration: string } | undefined;
    try {
      if (action.backup && action.expect.state !== 'absent') backup = await this.backUp(action, action.destination, generation);
      let content: Buffer = Buffer.alloc(0);
      if (!action.destination.endsWith('/')) {
        const [operation] = await this.plans.readOperations(this.planId, action.operation, 1);
        if (operation?.type !== 'write_file') return { outcome: 'failed', message: `operation ${action.operation} is not a write_file` };
        content = contentBuffer(operation);
      }
      const written = await this.objects.write(action.destination, content, { ifGenerationMatch: generation, metadata: provenance(this.planId, action.index) });
      return { outcome: 'done', generation: written.generation, ...backup };
    } catch (error) {
      if (!isBailiffError(error, 'precondition_failed') && !isBailiffError(error, 'not_found')) throw error;
      const after = await this.objects.stat(action.destination);
      if (this.mine(after, action)) return { outcome: 'done', generation: after!.generation, ...(backup ?? (await this.earlierBackup(action))) };
      const verdict = this.judge(action.destination, after, action.expect);
      return { outcome: 'stale', message: verdict.ok ? `\`${action.destination}\` changed while the plan ran` : verdict.message, ...backup };
    }
  }

  /**
   * A copy or move. With the generations the dry run recorded, a move is one rewrite (source
   * generation, destination generation or `"0"`, Bailiff's provenance) checked from its own
   * answer, then one delete of the source at its generation: two requests, three with the
   * backup of an overwrite. A source or destination the plan itself writes first is looked at.
   */
  private async transfer(action: TransferAction): Promise<ActionResult> {
    if (action.sourceExpect.state === 'generation' && action.expect.state !== 'producedBy' && !this.looksFirst) {
      const source: KnownSource = { generation: action.sourceExpect.generation, size: action.size, ...checksumsOf(action.sourceFacts) };
      return this.copyOrMove(action, source, action.expect.state === 'absent' ? '0' : action.expect.generation, action.sourceFacts);
    }
    const [source, destination] = await Promise.all([this.objects.stat(action.source), this.objects.stat(action.destination)]);
    const settled = await this.settleTransfer(action, source, destination);
    if (settled) return settled;
    const sourceVerdict = this.judge(action.source, source, action.sourceExpect);
    if (!sourceVerdict.ok) return { outcome: 'stale', message: sourceVerdict.message };
    const destinationVerdict = this.judge(action.destination, destination, action.expect);
    if (!destinationVerdict.ok) return { outcome: 'stale', message: destinationVerdict.message };
    return this.copyOrMove(action, source!, destinationVerdict.generation!, {
      ...checksumsOf(source),
      ...(source!.contentType ? { contentType: source!.contentType } : {}),
      ...(source!.headers ? { headers: source!.headers } : {}),
    });
  }

  private async copyOrMove(
    action: TransferAction,
    source: KnownSource,
    destinationGeneration: string,
    sourceFacts: ObjectFacts | undefined,
  ): Promise<ActionResult> {
    let backup: { backup: string; backupGeneration: string } | undefined;
    try {
      if (action.backup && action.expect.state !== 'absent') backup = await this.backUp(action, action.destination, destinationGeneration);
      const options = {
        ifSourceGenerationMatch: source.generation,
        ifGenerationMatch: destinationGeneration,
        metadata: provenance(this.planId, action.index),
        ...headersOf(sourceFacts),
      };
      if (action.kind === 'move' && this.objects.rename) {
        const moved = await this.objects.rename(action.source, action.destination, options);
        return { outcome: 'done', generation: moved.generation, ...backup };
      }
      const copied = await this.objects.copy(action.source, action.destination, options);
      if (action.kind === 'move') {
        const verdict = await this.deleteMovedSource(action, source, copied);
        if (verdict) return { outcome: verdict.outcome, message: verdict.message, generation: copied.generation, ...backup };
      }
      return { outcome: 'done', generation: copied.generation, ...backup };
    } catch (error) {
      if (!isBailiffError(error, 'precondition_failed') && !isBailiffError(error, 'not_found')) throw error;
      // A precondition failed: someone else's change, an earlier attempt's copy, or a retried
      // request whose first attempt landed. Only the objects can tell which.
      const [sourceNow, destinationNow] = await Promise.all([this.objects.stat(action.source), this.objects.stat(action.destination)]);
      const settled = await this.settleTransfer(action, sourceNow, destinationNow, backup);
      if (settled) return settled;
      const sourceVerdict = this.judge(action.source, sourceNow, action.sourceExpect);
      const destinationVerdict = this.judge(action.destination, destinationNow, action.expect);
      const message = !sourceVerdict.ok
        ? sourceVerdict.message
        : !destinationVerdict.ok
          ? destinationVerdict.message
          : `\`${action.source}\` or \`${action.destination}\` changed while the plan ran`;
      return { outcome: 'stale', message, ...backup };
    }
  }

  /**
   * When the destination is this action's copy (made by an earlier attempt, or by a request
   * whose answer was lost): the action is done, once a move has deleted its source if that is
   * still the recorded version. Undefined when the destination is not this action's.
   */
  private async settleTransfer(
    action: TransferAction,
    source: ObjectInfo | undefined,
    destination: ObjectInfo | undefined,
    backup?: { backup: string; backupGeneration: string },
  ): Promise<ActionResult | undefined> {
    if (!this.mine(destination, action)) return undefined;
    // The backup an earlier attempt made must be journaled with it, or the undo of this action
    // would delete the object instead of restoring what it replaced.
    const kept = backup ?? (await this.earlierBackup(action));
    if (action.kind === 'move' && source && this.judge(action.source, source, action.sourceExpect).ok) {
      const verdict = await this.deleteMovedSource(action, source, destination!);
      if (verdict) return { outcome: verdict.outcome, message: verdict.message, generation: destination!.generation, ...kept };
    }
    return { outcome: 'done', generation: destination!.generation, ...kept };
  }

  /**
   * Deletes a moved object's source, only once the copy is proven identical: same size and
   * checksum as the source at its generation (recorded by the dry run, or looked up when the
   * dry run's listing had no checksum).
   */
  private async deleteMovedSource(
    action: TransferAction,
    source: KnownSource,
    copy: ObjectInfo,
  ): Promise<{ outcome: 'stale' | 'failed'; message: string } | undefined> {
    let known = source;
    if (!known.md5 && !known.crc32c) {
      const looked = await this.objects.stat(action.source);
      if (!looked) return undefined;
      if (looked.generation !== source.generation)
        return { outcome: 'stale', message: `\`${action.source}\` changed during the move; both versions were kept` };
      known = looked;
    }
    const sameChecksum = known.md5 && copy.md5 ? known.md5 === copy.md5 : known.crc32c && copy.crc32c ? known.crc32c === copy.crc32c : false;
    if (known.size !== copy.size || !sameChecksum) {
      return { outcome: 'failed', message: `the copy of \`${action.source}\` does not match it (size or checksum); the source was kept` };
    }
    try {
      await this.objects.delete(action.source, { ifGenerationMatch: source.generation });
    } catch (error) {
      if (isBailiffError(error, 'not_found')) return undefined;
      if (isBailiffError(error, 'precondition_failed')) {
        return { outcome: 'stale', message: `\`${action.source}\` changed during the move; both versions were kept` };
      }
      throw error;
    }
    return undefined;
  }

  /**
   * Deletes one object at its recorded generation, after its backup: two requests. A failed
   * backup precondition is resolved by looking (the object changed, or was already deleted by
   * an earlier attempt that kept the backup).
   */
  private async delete(action: DeleteAction): Promise<ActionResult> {
    let generation: string;
    if (action.expect.state === 'generation' && !this.looksFirst) {
      generation = action.expect.generation;
    } else {
      // An object an earlier action of this plan wrote: its generation is known only by looking.
      const current = await this.objects.stat(action.target);
      if (!current) {
        const backup = await this.objects.stat(action.backup);
        if (this.mine(backup, action)) return { outcome: 'done', backup: action.backup, backupGeneration: backup!.generation };
        return { outcome: 'stale', message: `\`${action.target}\` was removed after approval` };
      }
      const verdict = this.judge(action.target, current, action.expect);
      if (!verdict.ok) return { outcome: 'stale', message: verdict.message };
      generation = verdict.generation!;
    }
    let backup: { backup: string; backupGeneration: string };
    try {
      backup = await this.backUp(action, action.target, generation);
    } catch (error) {
      if (!isBailiffError(error, 'precondition_failed') && !isBailiffError(error, 'not_found')) throw error;
      const current = await this.objects.stat(action.target);
      const verdict = this.judge(action.target, current, action.expect);
      return { outcome: 'stale', message: verdict.ok ? `\`${action.target}\` changed while the plan ran` : verdict.message };
    }
    try {
      await this.objects.delete(action.target, { ifGenerationMatch: generation });
    } catch (error) {
      if (isBailiffError(error, 'precondition_failed')) return { outcome: 'stale', message: `\`${action.target}\` changed while the plan ran`, ...backup };
      if (!isBailiffError(error, 'not_found')) throw error;
    }
    return { outcome: 'done', ...backup };
  }
}
