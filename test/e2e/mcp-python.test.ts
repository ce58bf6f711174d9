/**
 * The MCP server as a Python agent sees it: the official Python `mcp` client, over Streamable
 * HTTP and over stdio (`bailiff mcp`), against the embedded server. The venv is built from
 * PyPI by the test setup (and reused while the pin holds).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePythonVenv, repoRoot } from '../setup/python-venv.ts';
import { startEmbeddedBailiff, TEST_TOKENS, type EmbeddedBailiff } from '../support/embedded-server.ts';

const run = promisify(execFile);
// 1.30.0: the newest 1.x, a 2025-11-25 client (the initialize handshake); agent/tests/test_mcp_modern.py
// drives the same server with the 2.x SDK pinned to 2026-07-28.
const PYTHON_MCP = 'mcp==1.30.0';

let bailiff: EmbeddedBailiff;

beforeAll(async () => {
  bailiff = await startEmbeddedBailiff({
    'projects/py-case/intake/a.pdf': 'a',
    'projects/py-case/intake/b.pdf': 'b',
  });
});

afterAll(async () => {
  await bailiff?.stop();
});

describe('MCP with the Python mcp client', () => {
  it('lists the tools, reads, proposes from commands and gets tool errors, over HTTP and stdio', async () => {
    const venv = await ensurePythonVenv('mcp-client', [PYTHON_MCP]);
    const script = join(import.meta.dirname, 'python', 'mcp_client_check.py');
    const { stdout } = await run(venv.python, [script, bailiff.url, TEST_TOKENS.agent, 'py-case', repoRoot.replace(/\/$/, ''), process.execPath], {
      timeout: 120_000,
    });
    const seen = JSON.parse(stdout) as Record<'http' | 'stdio', any>;
    for (const transport of ['http', 'stdio'] as const) {
      const view = seen[transport];
      expect(view.tools).toEqual([
        'apply_plan',
        'file_history',
        'get_plan',
        'list_files',
        'plan_from_commands',
        'propose_plan',
        'propose_rollback',
        'read_file',
        'wait_for_plan',
      ]);
      expect(view.annotations.apply_plan).toMatchObject({ readOnlyHint: false, destructiveHint: true });
      expect(view.annotations.read_file).toMatchObject({ readOnlyHint: true, destructiveHint: false });
      expect(view.proposed.status).toBe('proposed');
      expect(view.proposed.translation).toEqual([
        { line: 1, text: 'mkdir -p Py', operations: [0] },
        { line: 2, text: 'mv intake/*.pdf Py/', operations: [1, 2] },
      ]);
      expect(view.refused).toEqual({
        isError: true,
        text: 'Error invalid_input: invalid arguments for propose_plan\n  - operations.0.source: unsafe path: absolute paths are not allowed; paths are relative to the case folder',
      });
    }
    expect(seen.http.files).toEqual(['intake/a.pdf', 'intake/b.pdf']);
  });
});
