// A plan's audit trail: its records in order, each with its place and hash in the case's chain,
// and, for those who may, whether the whole audit trail verifies.
import { errorNotice, get } from './api.js';
import { h, notice } from './dom.js';
import { AUDIT_LABELS, count, number, shortHash, when } from './format.js';

/** The audit card's nodes for plan `id` (already URI-encoded); `verifyAudit` is the plan view's decision. */
export async function auditTrail(id, verifyAudit) {
  const [audit, verification] = await Promise.all([
    get(`/plans/${id}/audit`),
    verifyAudit.allowed ? get('/audit/verify').catch((error) => ({ error })) : Promise.resolve(undefined),
  ]);
  let chain;
  if (!verification) chain = notice('info', h('p', { text: `Chain verification: ${verifyAudit.reason}` }));
  else if (verification.error) chain = errorNotice(verification.error);
  else if (verification.ok)
    chain = notice(
      'success',
      h('p', {
        text: `Audit chain verified: ${count(verification.records, 'record')} in ${count(verification.chains, 'chain')}, every link intact${verification.files ? `, and ${count(verification.files, 'stored copy', 'stored copies')} match` : ''}.`,
      }),
    );
  else
    chain = notice(
      'error',
      h('p', {
        text: `The audit chain of ${verification.firstBreak.chain} is broken at record ${verification.firstBreak.seq}: ${verification.firstBreak.reason}.`,
      }),
    );
  return [
    chain,
    h(
      'ol',
      { class: 'timeline' },
      audit.records.map((record) =>
        h(
          'li',
          { class: `timeline-item event-${record.type.replace('.', '-')}` },
          h('time', { datetime: record.at, text: when(record.at) }),
          h('span', { class: 'timeline-what' }, h('strong', { text: AUDIT_LABELS[record.type] ?? record.type }), ` by ${record.actor}`),
          auditDetail(record) ? h('span', { class: 'timeline-detail', text: auditDetail(record) }) : null,
          h('code', { class: 'hash', title: record.hash, text: `#${record.seq} ${shortHash(record.hash)}` }),
        ),
      ),
    ),
  ];
}

function auditDetail(record) {
  const data = record.data ?? {};
  if (record.type === 'plan.approved')
    return data.rule ? `rule ${data.rule}` : `${data.approvals ?? 1} of ${data.approvalsRequired ?? 1}${data.comment ? ` — “${data.comment}”` : ''}`;
  if (record.type === 'plan.rejected') return data.reason ?? '';
  if (record.type === 'plan.succeeded' || record.type === 'plan.failed')
    return `${number(data.done ?? 0)} done, ${number(data.stale ?? 0)} stale, ${number(data.failed ?? 0)} failed${data.reason ? ` — ${data.reason}` : ''}`;
  if (record.type === 'execution.actions') return data.count !== undefined ? count(data.count, 'step') : '';
  if (record.type === 'plan.proposed') return `${count(data.operations ?? 0, 'operation')}${data.valid === false ? ', with errors' : ''}`;
  if (record.type === 'plan.rolled_back') return data.by ? `by plan ${data.by}` : '';
  return '';
}
