// One document's chain of custody (`/ui/cases/<case>/history?path=...`): every change Bailiff
// made to it, across renames and moves, newest first and a page at a time — the plan (linked),
// what it did, the path before and after, the object's generation and checksum, who proposed
// and who approved it (with their comments), when it ran, and the audit record to check it by.
// The history is the API's (GET /cases/{case}/files/history); the page only draws it.
import { get } from './api.js';
import { h, replace } from './dom.js';
import { ago, count, shortHash, when } from './format.js';

/** Changes per page; `?limit=` in the page's address asks for another size (up to the API's 200). */
const PAGE_SIZE = 20;

const CHANGE_WORDS = {
  created: 'Created',
  overwritten: 'Replaced',
  copied_in: 'Copied here',
  copied_out: 'Copied elsewhere',
  moved: 'Moved',
  deleted: 'Deleted',
  restored: 'Restored from its backup',
};

/** The console's address of a document's history, relative to the app's root. */
/** @param {string} caseName @param {string} path @param {{ pageToken?: string, limit?: number }} [page] */
export function historyHref(caseName, path, { pageToken, limit } = {}) {
  const query = new URLSearchParams({ path });
  if (limit) query.set('limit', String(limit));
  if (pageToken) query.set('page', pageToken);
  return `cases/${encodeURIComponent(caseName)}/history?${query}`;
}

export async function renderHistory(main, caseName, query) {
  const path = query.get('path') ?? '';
  const pageToken = query.get('page') ?? '';
  const limit = query.get('limit') ?? '';
  const params = new URLSearchParams({ path, limit: limit || String(PAGE_SIZE) });
  if (pageToken) params.set('pageToken', pageToken);
  const page = await get(`/cases/${encodeURIComponent(caseName)}/files/history?${params}`);

  replace(
    main,
    h(
      'div',
      { class: 'page page-history' },
      h('p', { class: 'crumbs' }, h('a', { href: './', 'data-link': true, text: '← All plans' })),
      h(
        'header',
        { class: 'page-head' },
        h('h1', {}, 'History of ', h('span', { class: 'history-path', text: path })),
        h('p', {
          class: 'lead',
          text: `Every change Bailiff made to this document in case ${caseName}, across renames and moves, newest first: which plan, who proposed and approved it, and the audit record that attests it.`,
        }),
      ),
      page.truncated
        ? h('p', {
            class: 'notice notice-warning',
            role: 'status',
            text: 'This document has more changes or moves than one history follows: the oldest are left out.',
          })
        : null,
      page.changes.length > 0
        ? h('ol', { class: 'history', 'aria-label': 'Changes, newest first' }, page.changes.map(changeItem))
        : h('p', { class: 'empty', text: pageToken ? 'No older changes.' : 'Bailiff has made no change to this document.' }),
      h(
        'nav',
        { class: 'pager', 'aria-label': 'Pages' },
        pageToken ? h('a', { href: historyHref(caseName, path, { limit }), 'data-link': true, class: 'button button-quiet', text: '← Newest' }) : null,
        page.nextPageToken
          ? h('a', {
              href: historyHref(caseName, path, { limit, pageToken: page.nextPageToken }),
              'data-link': true,
              class: 'button button-quiet',
              text: 'Older changes →',
            })
          : null,
      ),
    ),
  );
  // For tests: the page has drawn this document's history.
  document.documentElement.setAttribute('data-history-ready', path);
}

function changeItem(change) {
  const moved = change.pathBefore && change.pathAfter && change.pathBefore !== change.pathAfter;
  return h(
    'li',
    { class: `card history-item history-${change.change}` },
    h(
      'div',
      { class: 'history-title-row' },
      h('h2', { class: 'history-change', text: CHANGE_WORDS[change.change] ?? change.change }),
      h('a', { href: `plans/${encodeURIComponent(change.planId)}`, 'data-link': true, class: 'history-plan', text: change.description }),
      change.planKind === 'rollback' ? h('span', { class: 'tag', text: 'Rollback' }) : null,
      change.compensated ? h('span', { class: 'tag tag-error', text: 'Undone after a failure' }) : null,
    ),
    h(
      'dl',
      { class: 'facts' },
      fact(moved ? 'From → to' : 'Path', moved ? `${change.pathBefore} → ${change.pathAfter}` : (change.pathAfter ?? change.pathBefore ?? '')),
      fact('When', h('time', { datetime: change.ranAt, text: `${when(change.ranAt)} (${ago(change.ranAt)})` })),
      fact('Proposed by', change.proposer),
      fact(
        'Approved by',
        change.approvers.length > 0
          ? h(
              'ul',
              { class: 'history-approvers' },
              change.approvers.map((approver) =>
                h(
                  'li',
                  {},
                  h('strong', { text: approver.principal.startsWith('policy:') ? `Rule ${approver.principal.slice(7)}` : approver.principal }),
                  ` ${when(approver.at)}`,
                  approver.comment ? h('q', { text: approver.comment }) : null,
                ),
              ),
            )
          : 'no approver recorded',
      ),
      change.generation ? fact('Generation', h('code', { text: change.generation })) : null,
      change.md5 || change.crc32c
        ? fact('Checksum', h('code', { class: 'hash', title: change.md5 ?? change.crc32c, text: change.md5 ? `MD5 ${change.md5}` : `CRC32C ${change.crc32c}` }))
        : null,
      fact('Size', count(change.size, 'byte')),
      change.rollbackOf ? fact('Undoes', h('a', { href: `plans/${encodeURIComponent(change.rollbackOf)}`, 'data-link': true, text: change.rollbackOf })) : null,
      fact('Audit record', h('code', { class: 'hash', title: change.audit.hash, text: `#${change.audit.seq} ${shortHash(change.audit.hash)}` })),
    ),
  );
}

function fact(term, value) {
  return h('div', { class: 'fact' }, h('dt', { text: term }), h('dd', {}, value));
}
