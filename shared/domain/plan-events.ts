/**
 * Plan events as CloudEvents (structured JSON, spec 1.0): which audit records are notified,
 * and the one shape every notifier receives. Derived from audit records only, so every
 * transition that is audited is notified, and nothing else needs to remember to.
 */
import type { AuditEventType, AuditRecord } from './audit.ts';
import { planPageUrl } from './console-link.ts';
import { plural } from './words.ts';

/** The audit records people are notified about, by the event name they carry. */
export const NOTIFIED_EVENTS = {
  'plan.proposed': 'proposed',
  'plan.approved': 'approved',
  'plan.rejected': 'rejected',
  'plan.expired': 'expired',
  'plan.queued': 'queued',
  'plan.succeeded': 'succeeded',
  'plan.failed': 'failed',
  'plan.rolled_back': 'rolled_back',
} as const satisfies Partial<Record<AuditEventType, string>>;

export type PlanEventName = (typeof NOTIFIED_EVENTS)[keyof typeof NOTIFIED_EVENTS];

/** CloudEvents `type` prefix: `bailiff.plan.approved`, ... */
export const PLAN_EVENT_TYPE_PREFIX = 'bailiff.plan.';

export interface PlanEvent {
  specversion: '1.0';
  /** `<case>/<seq>`: the audit record's place in its chain, so a redelivery has the same id. */
  id: string;
  /** `bailiff/cases/<case>` */
  source: string;
  type: `${typeof PLAN_EVENT_TYPE_PREFIX}${PlanEventName}`;
  /** The plan id. */
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: {
    planId: string;
    case: string;
    event: PlanEventName;
    /** Who caused it: a person, an agent, `policy:<rule>` or `bailiff`. */
    actor: string;
    /** The plan's page in the console. */
    link: string;
    /** A sentence for a chat message or an e-mail subject. */
    summary: string;
    /** The audit record's own data (approvals so far, reason, counts, ...). */
    details: Record<string, unknown>;
    /** The audit record this event was derived from, to check it against the chain. */
    audit: { chain: string; seq: number; hash: string };
  };
}

function summaryOf(event: PlanEventName, record: AuditRecord): string {
  const plan = `Plan ${record.planId} in case ${record.chain}`;
  const data = record.data;
  switch (event) {
    case 'proposed':
      return `${plan} was proposed by ${record.actor} and awaits approval`;
    case 'approved':
      return data.complete === false
        ? `${plan} was approved by ${record.actor} (${String(data.approvals)} of ${plural(Number(data.approvalsRequired), 'approval')})`
        : `${plan} was approved by ${record.actor}`;
    case 'rejected':
      return `${plan} was rejected by ${record.actor}: ${String(data.reason ?? '')}`;
    case 'expired':
      return `${plan}: its approval expired; it needs a fresh dry run and approval`;
    case 'queued':
      return `${plan} was queued for execution by ${record.actor}`;
    case 'succeeded':
      return `${plan} ran successfully`;
    case 'failed':
      return `${plan} failed: ${String(data.reason ?? 'see the plan page')}`;
    case 'rolled_back':
      return `${plan} was rolled back by ${String(data.by ?? record.actor)}`;
  }
}

/** The console page of a plan under `consoleBase` (the api's own address); spelled in console-link.ts. */
export { planPageUrl };

/** The CloudEvent for an audit record, or undefined when the record is not notified. */
export function planEventFromAudit(record: AuditRecord, consoleBase: string): PlanEvent | undefined {
  const event = (NOTIFIED_EVENTS as Partial<Record<string, PlanEventName>>)[record.type];
  if (!event || !record.planId) return undefined;
  return {
    specversion: '1.0',
    id: `${record.chain}/${record.seq}`,
    source: `bailiff/cases/${record.chain}`,
    type: `${PLAN_EVENT_TYPE_PREFIX}${event}`,
    subject: record.planId,
    time: record.at,
    datacontenttype: 'application/json',
    data: {
      planId: record.planId,
      case: record.chain,
      event,
      actor: record.actor,
      link: planPageUrl(consoleBase, record.planId),
      summary: summaryOf(event, record),
      details: record.data,
      audit: { chain: record.chain, seq: record.seq, hash: record.hash },
    },
  };
}
