/**
 * The plan review as an MCP App (the MCP Apps extension, `@modelcontextprotocol/ext-apps`): a
 * `ui://` HTML resource that chat clients able to render Apps show inside the conversation
 * when `propose_plan` or `get_plan` answers. It shows what a person needs to judge the plan —
 * status, totals, the case before and after as trees, errors and warnings — and the console
 * link. It is read-only: it calls no tool, and approving stays in the console or the CLI.
 *
 * The page is one self-contained document (hosts render it in a sandboxed iframe, often without
 * network access): the ext-apps View SDK, bundled with its dependencies, is inlined into it.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

export const PLAN_REVIEW_URI = 'ui://bailiff/plan-review.html';
/** The MIME type of an MCP App's HTML (ext-apps' RESOURCE_MIME_TYPE). */
export const MCP_APP_MIME_TYPE = 'text/html;profile=mcp-app';
/** What a tool's `_meta` says to link the App to its results. */
export const PLAN_REVIEW_TOOL_META = { ui: { resourceUri: PLAN_REVIEW_URI } } as const;

export const PLAN_REVIEW_RESOURCE = {
  uri: PLAN_REVIEW_URI,
  name: 'plan-review',
  title: 'Plan review',
  description: 'A plan as a person reviews it: status, totals, the case before and after, errors, warnings and the console link. Read-only.',
  mimeType: MCP_APP_MIME_TYPE,
};

let html: Promise<string> | undefined;

/** The App's HTML, built once per process. */
export function planReviewHtml(): Promise<string> {
  return (html ??= buildHtml());
}

/**
 * The SDK bundle is an ES module ending in one `export{local as Name, ...}` statement. An inline
 * classic script cannot import, so that statement becomes a global the view script reads.
 */
async function viewSdkScript(): Promise<string> {
  const bundle = await readFile(createRequire(import.meta.url).resolve('@modelcontextprotocol/ext-apps/app-with-deps'), 'utf8');
  const exported = /export\s*\{([^}]*)\};?\s*(\/\/# sourceMappingURL=\S*\s*)?$/.exec(bundle);
  if (!exported) throw new Error('the MCP Apps SDK bundle no longer ends in one export statement');
  const members = exported[1]!
    .split(',')
    .map((entry) => entry.trim().split(/\s+as\s+/))
    .map(([local, name]) => `${JSON.stringify(name ?? local)}: ${local}`);
  return `${bundle.slice(0, exported.index)}\nglobalThis.McpApps = { ${members.join(', ')} };\n`;
}

/** The view's look: plain, and readable in a host's narrow panel. */
const STYLE = `  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; padding: 12px 14px; color: #1d2330; background: #fff; }
  h1 { font-size: 16px; margin: 0 0 4px; }
  .status { display: inline-block; padding: 1px 8px; border-radius: 10px; background: #e8ecf3; font-weight: 600; }
  .invalid { background: #fde2e1; color: #8a1c17; }
  table { border-collapse: collapse; margin: 8px 0; }
  td { padding: 1px 12px 1px 0; }
  .trees { display: flex; gap: 24px; flex-wrap: wrap; }
  .trees section { flex: 1 1 240px; }
  h2 { font-size: 13px; margin: 10px 0 4px; text-transform: uppercase; letter-spacing: .04em; color: #4a5568; }
  ul { margin: 0; padding-left: 16px; list-style: none; }
  li.added::before { content: '+ '; color: #1a7f37; }
  li.removed::before { content: '− '; color: #b42318; }
  li.changed::before { content: '~ '; color: #9a6700; }
  li.folder { font-weight: 600; }
  .issues li { list-style: disc; margin-left: 8px; }
  .note { color: #4a5568; }
`;

/** The view: renders the proposal's result (totals, before and after trees, issues) as it arrives from the host. */
const VIEW_SCRIPT = `(() => {
  const root = document.getElementById('plan');
  const element = (tag, attributes, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    for (const child of children) node.append(child);
    return node;
  };

  /** Paths as a folder tree; each leaf marked added, removed or changed. */
  function tree(entries) {
    const top = new Map();
    for (const [path, kind] of entries) {
      let level = top;
      const parts = path.split('/').filter(Boolean);
      parts.forEach((part, index) => {
        const leaf = index === parts.length - 1;
        const key = leaf ? part : part + '/';
        if (!level.has(key)) level.set(key, leaf ? kind : new Map());
        if (!leaf) level = level.get(key);
      });
    }
    const render = (level) => element('ul', {}, ...[...level.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) =>
      value instanceof Map ? element('li', { class: 'folder' }, name, render(value)) : element('li', { class: value }, name)));
    return entries.length === 0 ? element('p', { class: 'note' }, 'nothing') : render(top);
  }

  function show(result) {
    const view = result.structuredContent;
    if (!view || !view.plan || !view.report) return;
    const { plan, report } = view;
    const text = (result.content || []).map((part) => part.text || '').join('\\n');
    const link = (text.match(/https?:\\/\\/\\S+\\/ui\\/plans\\/[A-Za-z0-9_]+/) || [])[0];
    const totals = report.totals;
    const diff = report.diff;
    const before = [...diff.removed.map((path) => [path, 'removed']), ...diff.changed.map((path) => [path, 'changed'])];
    const after = [...diff.added.map((path) => [path, 'added']), ...diff.changed.map((path) => [path, 'changed'])];
    const issues = (title, list) => list.length === 0 ? '' : element('section', {}, element('h2', {}, title),
      element('ul', { class: 'issues' }, ...list.map((issue) => element('li', {}, (issue.operation === undefined ? '' : 'operation ' + (issue.operation + 1) + ': ') + issue.message))));
    root.replaceChildren(
      element('h1', {}, plan.description),
      element('p', {}, 'Plan ', element('code', {}, plan.id), ' for case ', element('strong', {}, plan.case), ' ',
        element('span', { class: 'status', 'data-status': plan.status }, plan.status), ' ',
        element('span', { class: report.valid ? 'status' : 'status invalid' }, report.valid ? 'dry run valid' : 'dry run NOT valid')),
      element('table', { class: 'totals' },
        element('tr', {}, element('td', {}, 'Operations'), element('td', {}, String(totals.operations))),
        element('tr', {}, element('td', {}, 'Object actions'), element('td', {}, String(totals.actions))),
        element('tr', {}, element('td', {}, 'Created'), element('td', {}, String(totals.objectsCreated))),
        element('tr', {}, element('td', {}, 'Overwritten'), element('td', {}, String(totals.objectsOverwritten))),
        element('tr', {}, element('td', {}, 'Deleted'), element('td', {}, String(totals.objectsDeleted)))),
      element('div', { class: 'trees' },
        element('section', { class: 'before' }, element('h2', {}, 'Before: removed or changed'), tree(before)),
        element('section', { class: 'after' }, element('h2', {}, 'After: added or changed'), tree(after))),
      diff.truncated ? element('p', { class: 'note' }, 'The lists stop here on a plan this large; the totals are exact.') : '',
      issues('Errors', [...report.errors, ...((report.policy && report.policy.violations) || [])]),
      issues('Warnings', report.warnings),
      element('p', {}, 'Only a person approves, in the console: ', link ? element('a', { href: link, target: '_blank', rel: 'noopener' }, link) : 'open the plan in the Bailiff console'),
    );
  }

  const app = new McpApps.App({ name: 'bailiff-plan-review', version: '1.0.0' }, {});
  app.ontoolresult = (result) => show(result);
  app.connect().catch((error) => root.replaceChildren(element('p', { class: 'note' }, 'Could not reach the host: ' + error.message)));
})();
`;

async function buildHtml(): Promise<string> {
  // `</script` inside the inlined code would end the element early.
  const sdk = (await viewSdkScript()).replaceAll('</script', '<\\/script');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plan review</title>
<style>
${STYLE}</style>
</head>
<body>
<main id="plan"><p class="note">Waiting for a plan…</p></main>
<script>${sdk}</script>
<script>
${VIEW_SCRIPT}</script>
</body>
</html>
`;
}
