/**
 * Legal holds placed and released by an administrator (`POST /cases/{case}/holds`, `bailiff hold`):
 * the store records the hold on the object (Cloud Storage's `temporaryHold` or `eventBasedHold`
 * through the Storage API; the embedded store in its object metadata), every change is audited
 * on the case's chain, and the backups Bailiff keeps of the document get the same hold, so no
 * lifecycle rule deletes an earlier version of a held document. Holds placed outside Bailiff are
 * honoured the same way: the dry run reads them from its listing (domain/holds.ts).
 */
import { holdBodySchema, type SettableHoldKind } from '../domain/holds.ts';
import type { ObjectHolds } from '../domain/objects.ts';
import { BACKUPS_PREFIX, objectName } from '../domain/paths.ts';
import { caseNameSchema } from '../domain/plan.ts';
import { invalidInput, zodIssueDetails } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { Principal } from '../ports/identity.ts';
import { listAll, type ObjectStore } from '../ports/object-store.ts';
import type { PlanStore } from '../ports/plan-store.ts';
import { requireRole, type CaseAccess } from './authorization.ts';

export interface HoldServiceDeps {
  /** Case scope and ethical walls: the one place access to a case is decided. */
  access: CaseAccess;
  objects: ObjectStore;
  plans: PlanStore;
  clock: Clock;
}

/** What `POST /cases/{case}/holds` answers: the file's holds now, and how many of its backups followed. */
export interface HoldAnswer {
  case: string;
  path: string;
  kind: SettableHoldKind;
  held: boolean;
  generation: string;
  /** Every hold and retention the file is under now. */
  holds: ObjectHolds;
  /** Backups of the file (under `.bailiff/backups/`) that got the same change. */
  backups: number;
}

/** `.bailiff/backups/<plan>/<action>/<object name>`: the object name a backup keeps, if `name` is a backup. */
function backedUpName(name: string): string | undefined {
  if (!name.startsWith(BACKUPS_PREFIX)) return undefined;
  const match = /^[^/]+\/\d+\/(.+)$/.exec(name.slice(BACKUPS_PREFIX.length));
  return match?.[1];
}

export class HoldService {
  private readonly deps: HoldServiceDeps;

  constructor(deps: HoldServiceDeps) {
    this.deps = deps;
  }

  /**
   * Places or releases one hold on one object of the case (a file, or a folder marker ending in
   * `/`, which is an object too). Idempotent; audited every time.
   */
  async setHold(principal: Principal, caseRaw: string, body: unknown): Promise<HoldAnswer> {
    requireRole(principal, 'placing or releasing a hold', 'admin');
    const caseName = caseNameSchema.safeParse(caseRaw);
    if (!caseName.success) throw invalidInput('invalid case name', zodIssueDetails(caseName.error));
    await this.deps.access.requireCase(principal, caseName.data, 'placing or releasing a hold');
    const parsed = holdBodySchema.safeParse(body);
    if (!parsed.success) throw invalidInput('invalid hold', zodIssueDetails(parsed.error));
    const { path, kind, held } = parsed.data;
    const name = objectName(caseName.data, path);
    const info = await this.deps.objects.setHold(name, kind, held);
    const backups = await this.followingBackups(name, kind, held);
    await this.deps.plans.appendAudit([
      {
        chain: caseName.data,
        type: held ? 'hold.placed' : 'hold.released',
        actor: principal.id,
        at: this.deps.clock.now().toISOString(),
        data: { path, kind, generation: info.generation, backups },
      },
    ]);
    return { case: caseName.data, path, kind, held, generation: info.generation, holds: info.holds ?? {}, backups };
  }

  /**
   * Gives every backup of `name` the same hold change: a backup of a held document is one of its
   * earlier versions, and a held object is one no lifecycle rule deletes. Backups are named by
   * plan, so finding them reads the backup area's listing once; holds change rarely.
   */
  private async followingBackups(name: string, kind: SettableHoldKind, held: boolean): Promise<number> {
    let count = 0;
    for await (const page of listAll(this.deps.objects, BACKUPS_PREFIX, { withMetadata: false })) {
      for (const object of page.objects) {
        if (backedUpName(object.name) !== name) continue;
        await this.deps.objects.setHold(object.name, kind, held);
        count += 1;
      }
    }
    return count;
  }
}
