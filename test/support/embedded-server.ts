/**
 * An embedded Bailiff for client, CLI and MCP tests: a temporary workspace seeded with files,
 * SQLite state, fixed tokens, and the HTTP server on a free loopback port.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildEmbeddedApp, type EmbeddedApp } from '../../shared/composition/embedded.ts';
import { httpDependenciesOf } from '../../shared/composition/common.ts';
import { parseConfig } from '../../shared/config.ts';
import { startHttpServer, type RunningServer } from '../../shared/front-door/node-server.ts';
import { silentLogger } from '../../shared/logging.ts';

export const TEST_TOKENS = {
  agent: 'agent-token-0123456789abcdef',
  approver: 'approver-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
  approver2: 'approver2-token-0123456789abcdef',
} as const;

const TOKEN_TABLE = {
  [TEST_TOKENS.agent]: { principal: 'agent@firm.example', roles: ['agent'] },
  [TEST_TOKENS.approver]: { principal: 'alice@firm.example', roles: ['approver'] },
  [TEST_TOKENS.approver2]: { principal: 'bob@firm.example', roles: ['approver'] },
  [TEST_TOKENS.admin]: { principal: 'root@firm.example', roles: ['admin'] },
};

export interface EmbeddedBailiff {
  url: string;
  app: EmbeddedApp;
  server: RunningServer;
  workspace: string;
  /** The folder of a case on disk. */
  caseDir(name: string): string;
  stop(): Promise<void>;
}

/** Starts Bailiff with `files` (paths under the workspace, such as `projects/c/a.txt`) in place. */
export async function startEmbeddedBailiff(files: Record<string, string | Buffer> = {}): Promise<EmbeddedBailiff> {
  const dir = await mkdtemp(join(tmpdir(), 'bailiff-toolkit-'));
  const workspace = join(dir, 'workspace');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(workspace, path)), { recursive: true });
    await writeFile(join(workspace, path), content);
  }
  await mkdir(workspace, { recursive: true });
  const config = parseConfig({
    BAILIFF_WORKSPACE_DIR: workspace,
    BAILIFF_STATE_DIR: join(dir, 'state'),
    BAILIFF_TOKENS: JSON.stringify(TOKEN_TABLE),
    PORT: '0',
  });
  const app = buildEmbeddedApp(config, { logger: silentLogger });
  const server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    deps: { ...httpDependenciesOf(app), limits: { maxBodyBytes: 8 * 1024 * 1024 }, logger: silentLogger },
  });
  return {
    url: server.url,
    app,
    server,
    workspace,
    caseDir: (name) => join(workspace, 'projects', name),
    async stop() {
      await server.close(100);
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
