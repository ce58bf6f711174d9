/**
 * Audit verification: recomputes every hash chain from the PlanStore's records, checks each
 * chain's head (so a truncated tail is caught), and checks the JSON Lines copies under
 * `.bailiff/audit/` against their own hashes and against the stored chain. Reports the first
 * broken link it finds.
 */
import { auditRecordSchema, hashAuditRecord, verifyAuditChain, type AuditRecord, type ChainBreak } from '../domain/audit.ts';
import { AUDIT_PREFIX } from '../domain/paths.ts';
import { listAll, type ObjectStore } from '../ports/object-store.ts';
import type { PlanStore } from '../ports/plan-store.ts';

export interface AuditVerification {
  ok: boolean;
  chains: number;
  records: number;
  files: number;
  firstBreak?: ChainBreak & { file?: string };
}

const PAGE = 1000;

export async function verifyAuditTrail(plans: PlanStore, objects: ObjectStore): Promise<AuditVerification> {
  let records = 0;
  const heads = await plans.listAuditChains();
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
    const broken = verifyAuditChain(chain);
    if (broken) return { ok: false, chains: heads.length, records, files: 0, firstBreak: broken };
    const last = chain[chain.length - 1];
    if (!last || last.seq !== head.seq || last.hash !== head.hash) {
      return {
        ok: false,
        chains: heads.length,
        records,
        files: 0,
        firstBreak: { chain: head.chain, seq: last?.seq ?? 0, reason: `the chain's head is record ${head.seq}, but the records stop at ${last?.seq ?? 0} (truncated)` },
      };
    }
    stored.set(head.chain, new Map(chain.map((record) => [record.seq, record.hash])));
  }

  let files = 0;
  for await (const page of listAll(objects, AUDIT_PREFIX)) {
    for (const object of page.objects) {
      files += 1;
      const fileBreak = checkAuditFile((await objects.read(object.name)).toString('utf8'), stored);
      if (fileBreak) return { ok: false, chains: heads.length, records, files, firstBreak: { ...fileBreak, file: object.name } };
    }
  }
  return { ok: true, chains: heads.length, records, files };
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
