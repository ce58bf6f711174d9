// The before/after tree of a case: every file the plan touches, marked with what happens to
// it (moves as `from → to`), inside folders that fold away what does not change. Built from
// the plan's operations, its dry-run diff and the case's listing; drawn lazily, so a plan of
// 10,000 operations puts only the rows a person opens into the page.
import { h, replace } from './dom.js';
import { bytes, count, number } from './format.js';

/** Rows drawn at once inside one folder; the rest behind "Show more". */
const CHUNK = 200;
/** Rows opened automatically when the tree first appears. */
const INITIAL_ROWS = 250;

const CHANGE_LABELS = {
  created: 'New folder',
  new: 'New file',
  overwritten: 'Replaced',
  copied: 'Copied here',
  'moved-in': 'Moved here',
  'moved-out': 'Moved away',
  deleted: 'Deleted',
  restored: 'Restored',
  removed: 'Folder removed',
  error: 'Error',
};

export const LEGEND = Object.entries(CHANGE_LABELS);

function newFolder(name, path) {
  return { kind: 'folder', name, path, children: new Map(), change: null, changes: 0, unchanged: 0 };
}

function nodeAt(root, path, kind) {
  const trimmed = path.replace(/\/$/, '');
  if (!trimmed) return root;
  const parts = trimmed.split('/');
  let folder = root;
  parts.forEach((part, index) => {
    const last = index === parts.length - 1;
    const childPath = parts.slice(0, index + 1).join('/');
    let child = folder.children.get(part);
    if (!child) {
      child = last && kind === 'file' ? { kind: 'file', name: part, path: childPath, change: null, size: undefined } : newFolder(part, childPath);
      folder.children.set(part, child);
    } else if (!last && child.kind === 'file') {
      // A name used both as a file and a folder prefix: keep the folder view.
      const folderNode = newFolder(part, childPath);
      folder.children.set(part, folderNode);
      child = folderNode;
    }
    folder = child;
  });
  return folder;
}

function mark(node, change, detail) {
  // The first change shown wins, except that "moved here" or "new" beats a later "replaced".
  if (!node.change || node.change.type === 'moved-out') node.change = { type: change, detail };
}

function isFolderPath(path, existingFolders) {
  return path.endsWith('/') || existingFolders.has(path.replace(/\/$/, ''));
}

/** Puts the case listing into the tree; returns its folders and its files' sizes by path. */
function plantListing(root, files) {
  const existingFolders = new Set();
  const existing = new Map();
  for (const file of files) {
    if (file.path.endsWith('/')) {
      existingFolders.add(file.path.slice(0, -1));
      nodeAt(root, file.path, 'folder');
    } else {
      existing.set(file.path, file.size);
      const parts = file.path.split('/');
      for (let i = 1; i < parts.length; i += 1) existingFolders.add(parts.slice(0, i).join('/'));
      nodeAt(root, file.path, 'file').size = file.size;
    }
  }
  return { existingFolders, existing };
}

/**
 * Builds the tree. `files` is the case listing ({path, size}), `operations` the plan's
 * operation summaries, `diff` the dry-run diff (its `changed` names overwritten files).
 */
export function buildTree({ files, operations, diff, beforeRun, failing = new Set() }) {
  const root = newFolder('', '');
  const { existingFolders, existing } = plantListing(root, files);
  // What a plan replaces is the dry run's word (its diff, as the tiles count it), not today's
  // listing: files that arrived since the dry run would otherwise show as "Replaces a file" beside
  // "0 replaced". Only when the diff was cut short does the listing fill in, before the run.
  const replaced = new Set(diff?.changed ?? []);
  const wasThere = (path) => replaced.has(path) || (beforeRun && Boolean(diff?.truncated) && existing.has(path));
  for (const operation of operations) {
    const { type, source, destination } = operation;
    if (failing.has(operation.index)) {
      // What the dry run refused is shown as an error where it would have landed, not as a change.
      const node = nodeAt(root, destination ?? source, (destination ?? source).endsWith('/') ? 'folder' : 'file');
      node.change = { type: 'error', detail: `operation ${operation.index + 1} cannot be done (see Errors and warnings)` };
      continue;
    }
    switch (type) {
      case 'create_dir':
        mark(nodeAt(root, destination, 'folder'), 'created');
        break;
      case 'write_file': {
        const node = nodeAt(root, destination, 'file');
        mark(
          node,
          wasThere(destination) ? 'overwritten' : 'new',
          operation.content ? `${bytes(operation.content.bytes)}, ${operation.content.mediaType}` : undefined,
        );
        node.operation = operation;
        break;
      }
      case 'copy':
      case 'move':
      case 'restore': {
        const folder = isFolderPath(source, existingFolders);
        const target = nodeAt(root, destination, folder ? 'folder' : 'file');
        const arrow = `${source.replace(/\/$/, '')} → ${destination.replace(/\/$/, '')}`;
        if (type === 'move') {
          mark(target, 'moved-in', arrow);
          if (!folder && wasThere(destination)) target.change.replaces = true;
          const from = nodeAt(root, source, folder ? 'folder' : 'file');
          from.change = { type: 'moved-out', detail: `→ ${destination.replace(/\/$/, '')}` };
        } else if (type === 'copy') {
          mark(target, wasThere(destination) ? 'overwritten' : 'copied', `copy of ${source.replace(/\/$/, '')}`);
        } else {
          mark(target, 'restored', 'from the backup taken before the plan ran');
        }
        break;
      }
      case 'delete':
        mark(nodeAt(root, source, isFolderPath(source, existingFolders) ? 'folder' : 'file'), 'deleted');
        break;
      case 'remove_folder':
        mark(nodeAt(root, destination, 'folder'), 'removed');
        break;
      default:
        break;
    }
  }
  tally(root);
  root.changeTypes = new Set();
  const collect = (folder) => {
    for (const child of folder.children.values()) {
      if (child.change) root.changeTypes.add(child.change.type);
      if (child.change?.replaces) root.changeTypes.add('overwritten');
      if (child.kind === 'folder') collect(child);
    }
  };
  collect(root);
  return root;
}

function tally(folder) {
  let changes = 0;
  let unchanged = 0;
  for (const child of folder.children.values()) {
    if (child.kind === 'folder') {
      tally(child);
      changes += child.changes + (child.change ? 1 : 0);
      unchanged += child.unchanged;
    } else if (child.change) changes += 1;
    else unchanged += 1;
  }
  folder.changes = changes;
  folder.unchanged = unchanged;
}

function sortedChildren(folder) {
  return [...folder.children.values()].sort((a, b) =>
    a.kind === b.kind ? a.name.localeCompare(b.name, 'en', { numeric: true }) : a.kind === 'folder' ? -1 : 1,
  );
}

function badge(change) {
  return h('span', { class: `change change-${change.type}`, text: CHANGE_LABELS[change.type] ?? change.type });
}

/** One row per unchanged child, closed: a button draws them when asked. */
function quietRow(quiet, draw) {
  const files = quiet.filter((child) => child.kind === 'file').length;
  const folders = quiet.length - files;
  const hidden = quiet.reduce((sum, child) => sum + (child.kind === 'folder' ? child.unchanged : 1), 0);
  const label = `${[folders ? count(folders, 'unchanged folder') : '', files ? count(files, 'unchanged file') : ''].filter(Boolean).join(' and ')}${folders ? ` (${count(hidden, 'file')} in all)` : ''}`;
  const item = h('li', { class: 'tree-quiet' });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'tree-toggle tree-toggle-quiet',
      'aria-expanded': 'false',
      onclick: () => {
        const inner = h('ul', { class: 'tree' });
        drawChunked(inner, quiet, draw);
        item.replaceChildren(inner);
      },
    },
    h('span', { class: 'chevron', 'aria-hidden': 'true' }),
    `${label}, not changed`,
  );
  item.append(button);
  return item;
}

/** Draws `nodes` into `list` a chunk at a time, with a button for the next chunk. */
function drawChunked(list, nodes, draw) {
  let shown = 0;
  const more = h('li', { class: 'tree-more' });
  const step = () => {
    const next = nodes.slice(shown, shown + CHUNK);
    shown += next.length;
    for (const node of next) list.insertBefore(draw(node), more.isConnected ? more : null);
    if (shown < nodes.length) {
      replace(
        more,
        h(
          'button',
          { type: 'button', class: 'button button-quiet button-small', onclick: step },
          `Show ${number(Math.min(CHUNK, nodes.length - shown))} more of ${number(nodes.length - shown)}`,
        ),
      );
      if (!more.isConnected) list.append(more);
    } else more.remove();
  };
  step();
}

/**
 * A file's row: its change, a preview button when the change has content to show, and a link to
 * the document's history (who moved, renamed or replaced it, on whose approval).
 */
function fileRow(node, onPreview, historyHref) {
  return h(
    'li',
    { class: ['tree-file', node.change && `is-${node.change.type}`] },
    h('span', { class: 'tree-name' }, h('span', { class: 'icon icon-file', 'aria-hidden': 'true' }), node.name),
    node.change ? badge(node.change) : null,
    node.change?.replaces ? h('span', { class: 'change change-overwritten', text: 'Replaces a file' }) : null,
    node.change?.detail ? h('span', { class: 'tree-detail', text: node.change.detail }) : null,
    node.operation && onPreview
      ? h('button', { type: 'button', class: 'button button-quiet button-small', onclick: () => onPreview(node.operation), text: 'Preview' })
      : null,
    historyHref
      ? h('a', { href: historyHref(node.path), 'data-link': true, class: 'tree-history', 'aria-label': `History of ${node.path}`, text: 'History' })
      : null,
  );
}

/**
 * Draws the tree into `container`. `open` holds the paths of open folders and is kept up to
 * date as folders open and close; when it is given, exactly those open, otherwise what changes
 * opens while the first screenful lasts. `historyHref(path)`, when given, links each file to its history.
 * @param {HTMLElement} container
 * @param {any} root
 * @param {{ onPreview?: (path: string) => void, open?: Set<string>, historyHref?: (path: string) => string }} [options]
 */
export function renderTree(container, root, { onPreview, open: openPaths, historyHref } = {}) {
  let budget = INITIAL_ROWS;
  const remembered = openPaths instanceof Set && openPaths.size > 0;
  const opened = openPaths instanceof Set ? openPaths : new Set();
  const list = h('ul', { class: 'tree' });
  fillFolder(list, root, 0);
  replace(container, list);

  function fillFolder(list, folder, depth) {
    const children = sortedChildren(folder);
    const touched = children.filter((child) => child.change || (child.kind === 'folder' && child.changes > 0));
    const quiet = children.filter((child) => !touched.includes(child));
    drawChunked(list, touched, (child) => row(child, depth));
    if (quiet.length > 0) list.append(quietRow(quiet, (child) => row(child, depth)));
  }

  function row(node, depth) {
    budget -= 1;
    if (node.kind === 'file') return fileRow(node, onPreview, historyHref);
    const summary = [node.changes ? count(node.changes, 'change') : '', node.unchanged ? `${number(node.unchanged)} unchanged` : ''].filter(Boolean).join(', ');
    const item = h('li', { class: ['tree-folder', node.change && `is-${node.change.type}`] });
    const childList = h('ul', { class: 'tree', hidden: true });
    let filled = false;
    const expandable = node.children.size > 0;
    const toggle = h(
      'button',
      { type: 'button', class: 'tree-toggle', 'aria-expanded': 'false', disabled: !expandable },
      h('span', { class: 'chevron', 'aria-hidden': 'true' }),
      h('span', { class: 'icon icon-folder', 'aria-hidden': 'true' }),
      h('span', { class: 'tree-name', text: `${node.name}/` }),
      summary ? h('span', { class: 'tree-count', text: summary }) : null,
    );
    const open = () => {
      if (!filled) {
        fillFolder(childList, node, depth + 1);
        filled = true;
      }
      childList.hidden = false;
      toggle.setAttribute('aria-expanded', 'true');
      opened.add(node.path);
    };
    toggle.addEventListener('click', () => {
      if (toggle.getAttribute('aria-expanded') === 'true') {
        childList.hidden = true;
        toggle.setAttribute('aria-expanded', 'false');
        opened.delete(node.path);
      } else open();
    });
    item.append(
      toggle,
      node.change ? badge(node.change) : '',
      node.change?.detail ? h('span', { class: 'tree-detail', text: node.change.detail }) : '',
      childList,
    );
    // Open what changes, while the first screenful lasts; the rest opens on request.
    if (remembered ? opened.has(node.path) : expandable && node.changes > 0 && budget > 0 && node.changes <= budget) open();
    return item;
  }
}
