// A plan's operations as the page lists them: fetched a page at a time, shown a thousand at a
// time with the dry run's word on each, and the content a write_file would put, previewed.
import { get } from './api.js';
import { h, notice, replace } from './dom.js';
import { bytes, number } from './format.js';

const OPERATION_PAGE = 5000;
/** Operations listed at a time: the rest are a click away, and the list says how many there are. */
const OPERATIONS_SHOWN = 1000;
const TYPE_WORDS = {
  create_dir: 'Create folder',
  write_file: 'Write file',
  copy: 'Copy',
  move: 'Move',
  delete: 'Delete',
  restore: 'Restore',
  remove_folder: 'Remove folder',
};

export async function loadOperations(id, total) {
  const requests = [];
  for (let offset = 0; offset < total; offset += OPERATION_PAGE) requests.push(get(`/plans/${id}/operations?offset=${offset}&limit=${OPERATION_PAGE}`));
  const pages = await Promise.all(requests);
  return pages.flatMap((page) => page.operations);
}

function operationPaths(operation) {
  if (operation.source && operation.destination) return `${operation.source} → ${operation.destination}`;
  return operation.destination ?? operation.source ?? '';
}

/** The list, its count line and its "show more" button. @param {any} report @param {any[]} operations @param {(operation: any) => void} onPreview */
export function operationList(report, operations, onPreview) {
  const issuesByOperation = new Map();
  for (const issue of [...report.errors.map((issue) => ({ ...issue, level: 'error' })), ...report.warnings.map((issue) => ({ ...issue, level: 'warning' }))]) {
    if (issue.operation === undefined) continue;
    const list = issuesByOperation.get(issue.operation) ?? [];
    list.push(issue);
    issuesByOperation.set(issue.operation, list);
  }
  const list = h('ol', { class: 'operations' });
  const more = h('div', { class: 'list-more' });
  const showing = h('p', { class: 'hint list-count', 'aria-live': 'polite' });
  let shown = 0;
  const step = () => {
    for (const operation of operations.slice(shown, shown + OPERATIONS_SHOWN)) {
      const issues = issuesByOperation.get(operation.index) ?? [];
      const effect = report.operations[operation.index]?.effect;
      list.append(
        h(
          'li',
          {
            class: [
              'operation',
              issues.some((issue) => issue.level === 'error') && 'has-error',
              issues.some((issue) => issue.level === 'warning') && 'has-warning',
            ],
          },
          h('span', { class: 'operation-index', text: `${operation.index + 1}.` }),
          h('span', { class: 'operation-type', text: TYPE_WORDS[operation.type] ?? operation.type }),
          h('span', { class: 'operation-paths', text: operationPaths(operation) }),
          operation.content
            ? h('button', { type: 'button', class: 'button button-quiet button-small', onclick: () => onPreview(operation), text: 'Preview' })
            : null,
          effect ? h('span', { class: 'operation-effect', text: effect }) : null,
          issues.map((issue) => h('span', { class: `issue issue-${issue.level}`, text: `${issue.level === 'error' ? 'Error' : 'Warning'}: ${issue.message}` })),
        ),
      );
    }
    shown = Math.min(shown + OPERATIONS_SHOWN, operations.length);
    replace(showing, shown < operations.length ? `Showing ${number(shown)} of ${number(operations.length)} operations.` : null);
    replace(
      more,
      shown < operations.length
        ? h('button', {
            type: 'button',
            class: 'button button-quiet',
            onclick: step,
            text: `Show ${number(Math.min(OPERATIONS_SHOWN, operations.length - shown))} more`,
          })
        : null,
    );
  };
  step();
  return [showing, list, more];
}

export function showPreview(dialog, operation) {
  const content = operation.content;
  const close = h('button', { type: 'button', class: 'button', onclick: () => dialog.close(), text: 'Close' });
  replace(
    dialog,
    h('h2', { id: 'preview-title', text: operation.destination }),
    h('p', {
      class: 'hint',
      text: `${TYPE_WORDS.write_file}: ${bytes(content.bytes)}, ${content.mediaType}${operation.overwrite ? ', replacing the file there' : ''}`,
    }),
    content.preview !== undefined
      ? h('pre', { class: 'preview-text', tabindex: '0', text: content.preview + (content.previewTruncated ? '\n…' : '') })
      : notice('info', h('p', { text: 'This content is not text, so it cannot be shown here; its size and type are above.' })),
    content.previewTruncated ? h('p', { class: 'hint', text: 'Only the beginning is shown.' }) : null,
    h('div', { class: 'dialog-actions' }, close),
  );
  dialog.showModal();
  close.focus();
}
