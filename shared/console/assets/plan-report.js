// The dry run's verdict on a plan, as the page shows it: what the plan does in counts a person
// can weigh (the server's whole-plan totals), and the errors and warnings it found.
import { h, notice } from './dom.js';
import { ago, bytes, count, number, plainText } from './format.js';

/** @param {any} view the plan view @param {any} decisions the caller's decisions on it */
export function riskSummary(view, decisions) {
  const { report } = view;
  const totals = report.totals;
  // Every count is the server's, over the whole plan: report.operations stops at 1,000. A
  // server from before whole-plan totals only has the list, so that is the fallback.
  const sum = (type) => report.operations.filter((operation) => operation.type === type).reduce((total, operation) => total + operation.objects, 0);
  const items = [
    ['Folders created', totals.foldersCreated ?? report.operations.filter((operation) => operation.type === 'create_dir').length],
    ['Files written', totals.objectsWritten ?? report.operations.filter((operation) => operation.type === 'write_file').length],
    ['Files copied', totals.objectsCopied ?? sum('copy')],
    ['Files moved', totals.objectsMoved ?? sum('move')],
    ['Files replaced', report.totals.objectsOverwritten],
    ['Files deleted', report.totals.objectsDeleted],
  ];
  return h(
    'section',
    { class: 'card plan-summary', 'aria-labelledby': 'risk-heading' },
    h('h2', { id: 'risk-heading', text: 'What this plan does' }),
    h(
      'ul',
      { class: 'risk' },
      items.map(([label, value]) =>
        h(
          'li',
          { class: ['risk-item', value > 0 && /replaced|deleted/i.test(label) && 'risk-item-alert'] },
          h('span', { class: 'risk-value', text: number(value) }),
          h('span', { class: 'risk-label', text: label }),
        ),
      ),
    ),
    h('p', {
      class: 'risk-bytes',
      text: `${bytes(report.totals.bytesWritten)} written, ${bytes(report.totals.bytesDeleted)} removed. Checked against ${count(report.listing.objects, 'file')} in the case ${ago(report.checkedAt)}.`,
    }),
    h('p', { class: 'verdict', text: decisions.policyVerdict }),
  );
}

/** @param {any} view the plan view */
export function reportIssues(view) {
  const { report } = view;
  if (report.errors.length === 0 && report.warnings.length === 0) {
    // A run that stopped says why in the progress card; this is only what the dry run found.
    const stopped = view.plan.execution?.lastError ? ' The run itself stopped: see above.' : '';
    const none = notice(stopped ? 'info' : 'success', h('p', { text: `The dry run found no errors and no warnings.${stopped}` }));
    none.classList.add('plan-summary');
    return none;
  }
  return h(
    'section',
    { class: 'card plan-summary', 'aria-labelledby': 'issues-heading' },
    h('h2', { id: 'issues-heading', text: 'Errors and warnings' }),
    report.errors.length > 0
      ? notice(
          'error',
          h('p', { text: `${count(report.errors.length, 'error')}: the plan cannot be approved as it is.` }),
          h(
            'ul',
            {},
            report.errors.slice(0, 50).map((issue) => h('li', { text: issueText(issue) })),
          ),
        )
      : null,
    report.warnings.length > 0
      ? notice(
          'warning',
          h('p', { text: count(report.warnings.length, 'warning') }),
          h(
            'ul',
            {},
            report.warnings.slice(0, 50).map((issue) => h('li', { text: issueText(issue) })),
          ),
        )
      : null,
  );
}

function issueText(issue) {
  return `${issue.operation !== undefined ? `Operation ${issue.operation + 1}: ` : ''}${plainText(issue.message)}`;
}
