// The inbox: plans awaiting the signed-in person's decision first, then every plan matching
// the filters, newest first, a page at a time. What "awaiting you" means is the API's answer
// (GET /inbox), not this page's guess.
import { get } from './api.js';
import { h, notice, replace } from './dom.js';
import { ago, count, statusLabel, when } from './format.js';

const STATUSES = ['proposed', 'approved', 'queued', 'running', 'succeeded', 'failed', 'rejected', 'expired', 'rolled_back'];

export async function renderInbox(main, query, { navigate }) {
  const filters = { case: query.get('case') ?? '', status: query.get('status') ?? '', author: query.get('author') ?? '' };
  const pageToken = query.get('page') ?? '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  if (pageToken) params.set('pageToken', pageToken);
  params.set('limit', '25');
  const page = await get(`/inbox?${params}`);

  const search = (overrides) => {
    const next = new URLSearchParams();
    const merged = { ...filters, ...overrides };
    for (const [name, value] of Object.entries(merged)) if (value) next.set(name, value);
    const text = next.toString();
    return text ? `./?${text}` : './';
  };

  const filterForm = filterFormOf(filters, (overrides) => navigate(search(overrides)));

  const awaiting =
    page.awaitingYou.length > 0
      ? h(
          'section',
          { class: 'inbox-section', 'aria-labelledby': 'awaiting-heading' },
          h('h2', { id: 'awaiting-heading' }, 'Awaiting your decision ', h('span', { class: 'count', text: String(page.awaitingYou.length) })),
          planList(page.awaitingYou, true),
        )
      : null;

  const rest = h(
    'section',
    { class: 'inbox-section', 'aria-labelledby': 'all-heading' },
    h('h2', { id: 'all-heading', text: page.awaitingYou.length > 0 ? 'Other plans' : 'Plans' }),
    page.plans.length > 0
      ? planList(page.plans, false)
      : h('p', { class: 'empty', text: pageToken ? 'No more plans.' : page.awaitingYou.length > 0 ? 'No other plans.' : 'No plans match these filters.' }),
    h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages' },
      pageToken ? h('a', { href: search({ page: '' }), 'data-link': true, class: 'button button-quiet', text: '← Newest' }) : null,
      page.nextPageToken
        ? h('a', { href: search({ page: page.nextPageToken }), 'data-link': true, class: 'button button-quiet', text: 'Older plans →' })
        : null,
    ),
  );

  replace(
    main,
    h(
      'div',
      { class: 'page page-inbox' },
      h(
        'div',
        { class: 'page-head' },
        h('h1', { text: 'Plans' }),
        h('p', { class: 'lead', text: 'Changes assistants have proposed to case files. Nothing changes until a person approves it.' }),
      ),
      filterForm,
      page.awaitingYou.length === 0 && !pageToken ? notice('info', h('p', { text: 'Nothing is waiting for your decision.' })) : null,
      awaiting,
      rest,
    ),
  );
}

/**
 * The filter form; submitting it asks `go` for the first page of what the fields now say.
 * @param {{ case: string, status: string, author: string }} filters
 * @param {(overrides: Record<string, string>) => void} go
 */
function filterFormOf(filters, go) {
  const caseInput = h('input', { id: 'filter-case', name: 'case', value: filters.case, placeholder: 'e.g. abby-sitgraves', autocomplete: 'off' });
  const authorInput = h('input', { id: 'filter-author', name: 'author', value: filters.author, placeholder: 'e.g. agent@local', autocomplete: 'off' });
  const statusSelect = h(
    'select',
    { id: 'filter-status', name: 'status' },
    h('option', { value: '', text: 'Any status' }),
    STATUSES.map((status) => h('option', { value: status, selected: status === filters.status, text: statusLabel(status) })),
  );
  const filterForm = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      'aria-label': 'Filter plans',
      onsubmit: (event) => {
        event.preventDefault();
        go({ case: caseInput.value.trim(), author: authorInput.value.trim(), status: statusSelect.value, page: '' });
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'filter-case', text: 'Case' }), caseInput),
    h('div', { class: 'field' }, h('label', { for: 'filter-status', text: 'Status' }), statusSelect),
    h('div', { class: 'field' }, h('label', { for: 'filter-author', text: 'Proposed by' }), authorInput),
    h(
      'div',
      { class: 'field field-actions' },
      h('button', { type: 'submit', class: 'button', text: 'Filter' }),
      filters.case || filters.status || filters.author ? h('a', { href: './', 'data-link': true, class: 'button button-quiet', text: 'Clear' }) : null,
    ),
  );
  return filterForm;
}

function planList(plans, highlight) {
  return h(
    'ul',
    { class: ['plan-list', highlight && 'plan-list-awaiting'] },
    plans.map((plan) =>
      h(
        'li',
        { class: 'plan-row' },
        h(
          'a',
          { href: `plans/${encodeURIComponent(plan.id)}`, 'data-link': true, class: 'plan-link' },
          h('span', { class: 'plan-title', text: plan.description }),
          h(
            'span',
            { class: 'plan-meta' },
            h('span', { class: 'case-name', text: plan.case }),
            h('span', { text: `by ${plan.author}` }),
            h('time', { datetime: plan.createdAt, title: when(plan.createdAt), text: ago(plan.createdAt) }),
            h('span', { text: count(plan.operationCount, 'operation') }),
            plan.kind === 'rollback' ? h('span', { class: 'tag', text: 'Rollback' }) : null,
            !plan.report.valid ? h('span', { class: 'tag tag-error', text: 'Has errors' }) : null,
          ),
        ),
        h('span', { class: `status status-${plan.status}`, text: statusLabel(plan.status) }),
      ),
    ),
  );
}
