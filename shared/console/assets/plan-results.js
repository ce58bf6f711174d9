// A run's result, step by step: failures first, then the rest in plan order, a hundred rows at
// a time. Drawn on a plan's page once the plan has run.
import { get } from './api.js';
import { h, replace } from './dom.js';
import { bytes, number } from './format.js';

const LIST_CHUNK = 100;
const OUTCOME_WORDS = { done: 'Done', stale: 'Stale (file had changed)', failed: 'Failed', skipped: 'Skipped', compensated: 'Undone', 'not run': 'Not run' };

/** The results of plan `id` (already URI-encoded), as the nodes of its card. */
export async function stepResults(id) {
  const page = await get(`/plans/${id}/results?limit=5000`);
  const counts = {};
  for (const action of page.actions) counts[action.outcome ?? 'not run'] = (counts[action.outcome ?? 'not run'] ?? 0) + 1;
  const ordered = [...page.actions].sort((a, b) => rank(a) - rank(b) || a.index - b.index);
  const table = h(
    'table',
    { class: 'results' },
    h('caption', { class: 'visually-hidden', text: 'Result of each step' }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Step' }), h('th', { scope: 'col', text: 'What' }), h('th', { scope: 'col', text: 'Result' }))),
  );
  const body = h('tbody');
  table.append(body);
  const more = h('div', { class: 'list-more' });
  let shown = 0;
  const step = () => {
    for (const action of ordered.slice(shown, shown + LIST_CHUNK)) {
      body.append(
        h(
          'tr',
          { class: `result-row result-${action.outcome ?? 'none'}` },
          h('td', { text: String(action.index + 1) }),
          h('td', { text: actionWords(action) }),
          h(
            'td',
            {},
            h('span', { class: `outcome outcome-${action.outcome ?? 'none'}`, text: OUTCOME_WORDS[action.outcome] ?? 'Not run' }),
            action.message ? h('span', { class: 'outcome-message', text: action.message }) : null,
          ),
        ),
      );
    }
    shown = Math.min(shown + LIST_CHUNK, ordered.length);
    replace(
      more,
      shown < ordered.length
        ? h('button', {
            type: 'button',
            class: 'button button-quiet',
            onclick: step,
            text: `Show ${number(Math.min(LIST_CHUNK, ordered.length - shown))} more`,
          })
        : null,
    );
  };
  step();
  return [
    h('p', {
      class: 'results-summary',
      text: Object.entries(counts)
        .map(([outcome, n]) => `${number(n)} ${(OUTCOME_WORDS[outcome] ?? outcome).toLowerCase()}`)
        .join(' · '),
    }),
    page.total > page.actions.length
      ? h('p', { class: 'hint', text: `Showing the first ${number(page.actions.length)} of ${number(page.total)} steps.` })
      : null,
    h('div', { class: 'table-scroll' }, table),
    more,
  ];
}

function rank(action) {
  return { failed: 0, stale: 1, skipped: 2, compensated: 3 }[action.outcome] ?? 4;
}

function actionWords(action) {
  if (action.kind === 'move') return `Move ${action.source} → ${action.destination}`;
  if (action.kind === 'copy') return `Copy ${action.source} → ${action.destination}`;
  if (action.kind === 'delete') return `Delete ${action.destination}`;
  return action.destination.endsWith('/') ? `Create folder ${action.destination}` : `Write ${action.destination} (${bytes(action.size)})`;
}
