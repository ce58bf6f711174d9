/**
 * The plan review as an MCP App: the tools that answer with a plan link it, the `ui://`
 * resource is served with the MCP Apps MIME type in both protocol eras, and the page itself
 * — the real HTML with the ext-apps View SDK inside — renders a real `propose_plan` result in
 * headless Chromium, in a sandboxed iframe of a host page that speaks the host's side of the
 * MCP Apps handshake, as a chat client does. The page calls no tool: approving stays in the
 * console.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_APP_MIME_TYPE, PLAN_REVIEW_URI } from '../../shared/mcp/plan-review-app.ts';
import { launchBrowser, type Browser } from '../support/browser.ts';
import { startEmbeddedBailiff, TEST_TOKENS, type EmbeddedBailiff } from '../support/embedded-server.ts';

let bailiff: EmbeddedBailiff;
let client: Client;
let browser: Browser | undefined;

beforeAll(async () => {
  bailiff = await startEmbeddedBailiff({
    'projects/apps-case/intake/records_001.pdf': 'one',
    'projects/apps-case/intake/records_002.pdf': 'two',
    'projects/apps-case/old/draft.txt': 'draft',
  });
  client = new Client({ name: 'bailiff-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${bailiff.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKENS.agent}` } } }),
  );
});

afterAll(async () => {
  await client?.close();
  await browser?.close();
  await bailiff?.stop();
});

/** A 2026-07-28 request (no initialize): the same resource must come back on the new revision. */
async function readOnModernRevision(uri: string) {
  const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
  const response = await fetch(`${bailiff.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TEST_TOKENS.agent}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'resources/read',
      'mcp-name': uri,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri, _meta: meta } }),
  });
  return (await response.json()) as { result?: { contents: Array<{ uri: string; mimeType: string; text: string }> }; error?: { code: number } };
}

describe('the plan review MCP App', () => {
  it('is linked from propose_plan and get_plan and served as a ui:// resource in both eras', async () => {
    const { tools } = await client.listTools();
    const linked = tools
      .filter((tool) => (tool._meta as { ui?: { resourceUri?: string } } | undefined)?.ui?.resourceUri === PLAN_REVIEW_URI)
      .map((tool) => tool.name);
    expect(linked.sort()).toEqual(['get_plan', 'propose_plan']);
    const { resources } = await client.listResources();
    expect(resources).toEqual([expect.objectContaining({ uri: PLAN_REVIEW_URI, mimeType: 'text/html;profile=mcp-app' })]);
    const legacy = await client.readResource({ uri: PLAN_REVIEW_URI });
    expect(legacy.contents).toEqual([{ uri: PLAN_REVIEW_URI, mimeType: MCP_APP_MIME_TYPE, text: expect.stringContaining('<!doctype html>') }]);
    const modern = await readOnModernRevision(PLAN_REVIEW_URI);
    expect(modern.result?.contents[0]?.text).toBe((legacy.contents[0] as { text: string }).text);
    expect((await readOnModernRevision('ui://bailiff/other.html')).error?.code).toBe(-32602);
  });

  it('renders a proposed plan inside a host: status, totals, before and after, the console link, and calls no tool', async () => {
    const proposed = (await client.callTool({
      name: 'propose_plan',
      arguments: {
        case: 'apps-case',
        description: 'Sort <intake> & clear drafts',
        operations: [
          { type: 'create_dir', destination: 'Medical Records' },
          { type: 'move', source: 'intake/records_001.pdf', destination: 'Medical Records/records_001.pdf' },
          { type: 'delete', source: 'old/draft.txt' },
        ],
      },
    })) as CallToolResult;
    const planId = (proposed.structuredContent as { plan: { id: string } }).plan.id;
    const html = ((await client.readResource({ uri: PLAN_REVIEW_URI })).contents[0] as { text: string }).text;

    browser = await launchBrowser();
    const page = await browser.context.newPage();
    await page.setContent('<!doctype html><title>host</title><body></body>');
    // The host's side of the MCP Apps handshake, in the page: answer ui/initialize, then hand
    // the tool result over once the App says it is initialized. Every message the App sends is kept.
    await page.evaluate(
      ({ html, result }) => {
        const frame = document.createElement('iframe');
        frame.setAttribute('sandbox', 'allow-scripts');
        frame.style.width = '900px';
        frame.style.height = '700px';
        const seen: unknown[] = [];
        (window as unknown as { seen: unknown[] }).seen = seen;
        window.addEventListener('message', (event) => {
          if (event.source !== frame.contentWindow) return;
          const message = event.data as { id?: number; method?: string; params?: { protocolVersion?: string } };
          seen.push(message);
          const reply = (body: object) => frame.contentWindow!.postMessage({ jsonrpc: '2.0', ...body }, '*');
          if (message.method === 'ui/initialize') {
            reply({
              id: message.id,
              result: {
                protocolVersion: message.params?.protocolVersion,
                hostInfo: { name: 'test-host', version: '1.0.0' },
                hostCapabilities: {},
                hostContext: {},
              },
            });
          } else if (message.method === 'ui/notifications/initialized') {
            reply({ method: 'ui/notifications/tool-result', params: result });
          } else if (message.id !== undefined && message.method) {
            reply({ id: message.id, result: {} });
          }
        });
        frame.srcdoc = html;
        document.body.append(frame);
      },
      { html, result: proposed },
    );
    const view = page.frameLocator('iframe');
    await expect.poll(() => view.locator('h1').textContent(), { timeout: 15_000 }).toBe('Sort <intake> & clear drafts');
    const body = (await view.locator('main').innerText()).replace(/\s+/g, ' ');
    expect(body).toContain(`Plan ${planId} for case apps-case proposed dry run valid`);
    expect(body).toMatch(/Operations 3 Object actions \d+ Created \d+ Overwritten 0 Deleted \d+/);
    expect(await view.locator('.before li.removed').allTextContents()).toEqual(expect.arrayContaining(['draft.txt', 'records_001.pdf']));
    expect(await view.locator('.after li.added').allTextContents()).toContain('records_001.pdf');
    expect(await view.locator('.after li.folder').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^Medical Records\//)]));
    expect(await view.locator('a').getAttribute('href')).toBe(`${bailiff.url}/ui/plans/${planId}`);
    const seen = (await page.evaluate(() => (window as unknown as { seen: Array<{ method?: string }> }).seen)).map((message) => message.method);
    expect(seen).toContain('ui/initialize');
    expect(seen).not.toContain('tools/call');
  }, 120_000);
});
