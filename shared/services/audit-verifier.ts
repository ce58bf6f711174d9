/**
 * Audit verification: recomputes every hash chain from the PlanStore's records, checks each
 * chain's head (so a truncated tail is caught) and, when the store signs heads, the head's
 * signature (so a consistent rewrite of records, head and copies is caught: nobody without the
 * key can sign the rewritten head). Then it checks the JSON Lines copies under
 * `.bailiff/audit/`: each line against its own hash and the stored chain; each copy against the
 * plan's stored records, as many as its name states (a truncated or altered copy); the newest
 * copy of each plan against all of them (a deleted or missing newest copy); and that every
 * finished plan has a copy (a deleted one). Reports the first break and every missing copy.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { auditRecordSchema, hashAuditRecord, verifyAuditChain, type AuditRecord, type ChainBreak } from '../domain/audit.ts';
import { AUDIT_PREFIX, auditObjectName, parseAuditObjectName } from '../domain/paths.ts';
import type { AuditHeadSigner } from '../ports/audit-head-signer.ts';
import { listAll, type ObjectStore } from '../ports/object-store.ts';
import type { AuditChainHead, PlanStore } from '../ports/plan-store.ts';

export interface AuditVerification {
  ok: boolean;
  chains: number;
  records: number;
  files: number;
  /** Whether chain heads are signed and their signatures were checked. */
  headsSigned: boolean;
  /** Copies that should exist (their plan has finished) but do not. */
  missingFiles: string[];
  firstBreak?: ChainBreak & { file?: string };
}

const PAGE = 1000;
/** How often, and how far apart, a copy break is looked at again before it is reported. */
const COPY_RECHECKS = 3;
const COPY_RECHECK_MS = 500;

type Break = NonNullable<AuditVerification['firstBreak']>;
/** Each plan's copies, with the record count their names state. */
type CopiesByPlan = Map<string, { caseName: string; copies: { name: string; count?: number }[] }>;

/** `covers`: the cases whose chains and copies are verified (the caller's walls leave some out). */
export async function verifyAuditTrail(plans: PlanStore, objects: ObjectStore, covers: (caseName: string) => boolean = () => true): Promise<AuditVerification> {
  const signer = plans.auditHeadSigner;
  const heads = (await plans.listAuditChains()).filter((head) => covers(head.chain));
  let chains = await verifyChains(plans, heads, signer);
  let copies = await verifyCopyFiles(plans, objects, covers, chains.stored);
  // The executor writes a plan's copy just after the plan reads finished, so a verify in that
  // moment finds it missing, or finds the newest copy a record short. Such a break is looked at
  // again a moment later (the chains read again too: the copy may hold records appended since);
  // a copy that was deleted or cut short stays broken and is reported.
  for (let look = 1; !chains.firstBreak && copies.firstBreak && look <= COPY_RECHECKS; look += 1) {
    await sleep(COPY_RECHECK_MS);
    chains = await verifyChains(plans, heads, signer);
    copies = await verifyCopyFiles(plans, objects, covers, chains.stored);
  }
  const { files, missingFiles } = copies;
  const firstBreak = chains.firstBreak ?? copies.firstBreak;
  return {
    ok: !firstBreak,
    chains: heads.length,
    records: chains.records,
    files,
    headsSigned: signer !== undefined,
    missingFiles,
    ...(firstBreak ? { firstBreak } : {}),
  };
}

/** The copies checked against the stored records, and the finished plans that have none. */
async function verifyCopyFiles(
  plans: PlanStore,
  objects: ObjectStore,
  covers: (caseName: string) => boolean,
  stored: ReadonlyMap<string, ReadonlyMap<number, string>>,
): Promise<{ files: number; missingFiles: string[]; firstBreak?: Break }> {
  const listed = await listCopies(objects, covers);
  let firstBreak: Break | undefined;
  if (listed.unnamed.length > 0) firstBreak = { chain: '?', seq: 0, reason: 'not named <case>/<plan>.<records>.jsonl', file: listed.unnamed[0]! };
  firstBreak ??= await verifyCopies(plans, objects, listed.copies, stored);
  const missingFiles: string[] = [];
  for (const { caseName, planId } of await expectedCopies(plans)) {
    if (!covers(caseName)) continue;
    if (!listed.copies.has(planId)) missingFiles.push(auditObjectName(caseName, planId, (await plans.readPlanAudit(planId)).length));
  }
  missingFiles.sort();
  if (!firstBreak && missingFiles.length > 0) {
    firstBreak = {
      chain: parseAuditObjectName(missingFiles[0]!)?.caseName ?? '?',
      seq: 0,
      reason: `the copy ${missingFiles[0]} of a finished plan is missing (deleted)`,
      file: missingFiles[0]!,
    };
  }
  return { files: listed.files, missingFiles, ...(firstBreak ? { firstBreak } : {}) };
}

/** Recomputes each chain and checks its head (and the head's signature); returns every stored hash for the copies' check. */
async function verifyChains(
  plans: PlanStore,
  heads: readonly AuditChainHead[],
  signer: AuditHeadSigner | undefined,
): Promise<{ records: number; stored: Map<string, Map<number, string>>; firstBreak?: Break }> {
  let records = 0;
  let firstBreak: Break | undefined;
  const stored = new Map<string, Map<number, string>>();
  for (const head of heads) {
    const chain: AuditRecord[] = [];
    for (let after = 0; ; ) {
      const page = await plans.readAuditChain(head.chain, after, PAGE);
      chain.push(...page);
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.seq;
    }
    records += chain.length;
    stored.set(head.chain, new Map(chain.map((record) => [record.seq, record.hash])));
    const broken = verifyAuditChain(chain);
    if (broken) {
      firstBreak ??= broken;
      continue;
    }
    const last = chain[chain.length - 1];
    if (!last || last.seq !== head.seq || last.hash !== head.hash) {
      firstBreak ??= {
        chain: head.chain,
        seq: last?.seq ?? 0,
        reason: `the chain's head is record ${head.seq}, but the records stop at ${last?.seq ?? 0} (truncated)`,
      };
      continue;
    }
    const unsigned = signer ? await checkHeadSignature(signer, head) : undefined;
    if (unsigned) firstBreak ??= { chain: head.chain, seq: head.seq, reason: unsigned };
  }
  return { records, stored, ...(firstBreak ? { firstBreak } : {}) };
}

/** The copies under `.bailiff/audit/` of the covered cases, grouped by plan; names that parse as no copy apart. */
async function listCopies(objects: ObjectStore, covers: (caseName: string) => boolean): Promise<{ files: number; copies: CopiesByPlan; unnamed: string[] }> {
  let files = 0;
  const copies: CopiesByPlan = new Map();
  const unnamed: string[] = [];
  for await (const page of listAll(objects, AUDIT_PREFIX)) {
    for (const object of page.objects) {
      // An emptied folder lists as its marker (embedded): no copy, and nothing misnamed.
      if (object.name.endsWith('/') || !covers(caseOfCopy(object.name))) continue;
      files += 1;
      const parsed = parseAuditObjectName(object.name);
      if (!parsed) {
        unnamed.push(object.name);
        continue;
      }
      const entry = copies.get(parsed.planId) ?? { caseName: parsed.caseName, copies: [] };
      entry.copies.push({ name: object.name, ...(parsed.records === undefined ? {} : { count: parsed.records }) });
      copies.set(parsed.planId, entry);
    }
  }
  return { files, copies, unnamed };
}

/** The first copy that does not hold what its name and the stored chain say it should. */
async function verifyCopies(
  plans: PlanStore,
  objects: ObjectStore,
  copies: CopiesByPlan,
  stored: ReadonlyMap<string, ReadonlyMap<number, string>>,
): Promise<Break | undefined> {
  for (const [planId, entry] of copies) {
    const inStore = await plans.readPlanAudit(planId);
    const texts = new Map<string, string>();
    for (const copy of entry.copies) texts.set(copy.name, (await objects.read(copy.name)).toString('utf8'));
    // A copy from before names carried the count held every record when it was written.
    const counted = entry.copies.map((copy) => ({ name: copy.name, count: copy.count ?? lineCount(texts.get(copy.name)!) }));
    const newest = Math.max(...counted.map((copy) => copy.count));
    for (const { name, count } of counted) {
      const text = texts.get(name)!;
      const fileBreak = checkAuditFile(text, stored) ?? checkCopyHolds(entry.caseName, planId, text, inStore, count, count === newest);
      if (fileBreak) return { ...fileBreak, file: name };
    }
  }
  return undefined;
}

/** Why a head's signature does not hold, or undefined when it does. */
async function checkHeadSignature(signer: AuditHeadSigner, head: AuditChainHead): Promise<string | undefined> {
  const signature = head.signature;
  if (!signature) return `the chain's head (record ${head.seq}) is not signed`;
  if (signature.seq !== head.seq || signature.hash !== head.hash) {
    return `the chain's head is record ${head.seq}, but its signature covers record ${signature.seq}${signature.seq === head.seq ? ' with another hash' : ''}`;
  }
  if (!(await signer.verify(head, signature))) return `the signature of the chain's head (record ${head.seq}) fails (signed as ${signature.keyId})`;
  return undefined;
}

function lineCount(text: string): number {
  return text.split('\n').filter((line) => line.trim() !== '').length;
}

/** The case a name under `.bailiff/audit/` belongs to, however malformed the rest (a case name has no `/`). */
function caseOfCopy(name: string): string {
  return name.slice(AUDIT_PREFIX.length).split('/')[0]!;
}

/**
 * A copy holds its plan's first `count` stored records, as its name states (fewer lines: a
 * truncated copy); the newest copy holds all of them (fewer: its newer copy was deleted, or
 * records were added that no copy has).
 */
function checkCopyHolds(
  caseName: string,
  planId: string,
  text: string,
  inStore: readonly AuditRecord[],
  count: number,
  newest: boolean,
): ChainBreak | undefined {
  const inCopy = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => auditRecordSchema.parse(JSON.parse(line)));
  const lastCopy = inCopy[inCopy.length - 1];
  const expected = inStore.slice(0, count);
  const same = inCopy.length === count && expected.length === count && inCopy.every((record, index) => record.hash === expected[index]!.hash);
  if (!same) {
    return {
      chain: caseName,
      seq: lastCopy?.seq ?? 0,
      reason: `the copy has ${inCopy.length} records ending ${lastCopy?.hash ?? 'nowhere'}, where its name promises the first ${count}; the stored chain has ${inStore.length} for plan ${planId} (truncated or altered)`,
    };
  }
  if (newest && count !== inStore.length) {
    return {
      chain: caseName,
      seq: lastCopy?.seq ?? 0,
      reason: `the newest copy holds ${count} records, the stored chain has ${inStore.length} for plan ${planId} ending ${inStore[inStore.length - 1]?.hash ?? 'nowhere'} (a newer copy is missing or incomplete)`,
    };
  }
  return undefined;
}

/** Every finished plan, and the compensation it ran, has a copy once its lease is released. */
async function expectedCopies(plans: PlanStore): Promise<{ caseName: string; planId: string }[]> {
  const expected: { caseName: string; planId: string }[] = [];
  let pageToken: string | undefined;
  do {
    const page = await plans.listPlans({ limit: 200, ...(pageToken ? { pageToken } : {}) });
    for (const plan of page.plans) {
      if (plan.kind === 'compensation' || !plan.execution?.finishedAt) continue;
      expected.push({ caseName: plan.case, planId: plan.id });
      if (plan.execution.compensation && (await plans.readPlanAudit(plan.execution.compensation)).length > 0) {
        expected.push({ caseName: plan.case, planId: plan.execution.compensation });
      }
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  return expected;
}

/** One plan's records, in order: each must hash correctly and equal the stored record at its place. */
function checkAuditFile(text: string, stored: ReadonlyMap<string, ReadonlyMap<number, string>>): ChainBreak | undefined {
  let previousSeq = 0;
  for (const [lineNumber, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return { chain: '?', seq: 0, reason: `line ${lineNumber + 1} is not JSON` };
    }
    const record = auditRecordSchema.safeParse(parsed);
    if (!record.success) return { chain: '?', seq: 0, reason: `line ${lineNumber + 1} is not an audit record` };
    const { chain, seq, hash } = record.data;
    if (hashAuditRecord(record.data) !== hash) return { chain, seq, reason: `line ${lineNumber + 1} does not match its hash (edited)` };
    if (seq <= previousSeq) return { chain, seq, reason: `line ${lineNumber + 1} is out of order` };
    if (stored.get(chain)?.get(seq) !== hash) return { chain, seq, reason: `line ${lineNumber + 1} differs from the stored chain` };
    previousSeq = seq;
  }
  return undefined;
}
