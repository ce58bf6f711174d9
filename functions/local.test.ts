/**
 * `npm start` as a newcomer meets it: no tokens configured, so development tokens are made,
 * kept across restarts, printed, and accepted; the server listens on loopback only.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../shared/config.ts';
import { silentLogger } from '../shared/logging.ts';
import { formatBanner, startLocalServer } from './local.ts';
import { SAMPLE_PLAN, seedSampleCase } from './sample-case.ts';

let dir: string;
let config: Config;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bailiff-local-'));
  config = parseConfig({ PORT: '0', BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'), BAILIFF_STATE_DIR: join(dir, 'state') });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('startLocalServer', () => {
  it('creates development tokens, serves the API with them on loopback, and keeps them across restarts', async () => {
    const first = await startLocalServer(config, { logger: silentLogger });
    let tokens: string[];
    try {
      expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const devTokens = first.app.devTokens!;
      expect(devTokens.map((token) => token.principal)).toEqual(['agent@local', 'approver@local', 'approver2@local', 'admin@local']);
      tokens = devTokens.map((token) => token.token);
      expect((await stat(join(dir, 'state', 'dev-tokens.json'))).mode & 0o777).toBe(0o600);

      expect((await fetch(`${first.url}/health`)).status).toBe(200);
      expect((await fetch(`${first.url}/plans`)).status).toBe(401);
      const listed = await fetch(`${first.url}/plans`, { headers: { authorization: `Bearer ${tokens[0]}` } });
      expect(listed.status).toBe(200);
      expect(await listed.json()).toEqual({ plans: [] });
    } finally {
      await first.stop();
    }

    const second = await startLocalServer(config, { logger: silentLogger });
    try {
      expect(second.app.devTokens!.map((token) => token.token)).toEqual(tokens);
    } finally {
      await second.stop();
    }
  });

  it('listens on every interface when tokens are configured', async () => {
    const configured = parseConfig({
      PORT: '0',
      BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'),
      BAILIFF_STATE_DIR: join(dir, 'state-configured'),
      BAILIFF_TOKENS: JSON.stringify({ 'agent-token-0123456789abcdef': { principal: 'agent@firm.example', roles: ['agent'] } }),
    });
    const local = await startLocalServer(configured, { logger: silentLogger });
    try {
      expect(local.app.devTokens).toBeUndefined();
      expect(local.url).toMatch(/^http:\/\/localhost:\d+$/);
    } finally {
      await local.stop();
    }
  });
});

describe('seedSampleCase', () => {
  it("files the walk-through's case and proposes its plan once, on an empty workspace with development tokens only", async () => {
    const seeded = parseConfig({ PORT: '0', BAILIFF_WORKSPACE_DIR: join(dir, 'sample-workspace'), BAILIFF_STATE_DIR: join(dir, 'sample-state') });
    const local = await startLocalServer(seeded, { logger: silentLogger });
    try {
      const planId = await seedSampleCase(local.app);
      expect(planId).toBeDefined();
      const approver = { id: 'approver@local', roles: ['approver'] as const };
      const view = await local.app.service.get(approver, planId!);
      expect(view.plan).toMatchObject({ author: 'agent@local', status: 'proposed', description: SAMPLE_PLAN.description, operationCount: 5 });
      expect(view.report.valid).toBe(true);
      await expect(seedSampleCase(local.app)).resolves.toBeUndefined();
      expect(formatBanner(local.url, seeded, local.app.devTokens, planId)).toContain(`${local.url}/ui/plans/${planId}`);
    } finally {
      await local.stop();
    }
    const configured = parseConfig({
      PORT: '0',
      BAILIFF_WORKSPACE_DIR: join(dir, 'empty-workspace'),
      BAILIFF_STATE_DIR: join(dir, 'empty-state'),
      BAILIFF_TOKENS: JSON.stringify({ 'agent-token-0123456789abcdef': { principal: 'agent@firm.example', roles: ['agent'] } }),
    });
    const real = await startLocalServer(configured, { logger: silentLogger });
    try {
      await expect(seedSampleCase(real.app)).resolves.toBeUndefined();
    } finally {
      await real.stop();
    }
  });
});

describe('formatBanner', () => {
  it('names the URL, and each development token with its principal and role', () => {
    const banner = formatBanner('http://127.0.0.1:8080', { BAILIFF_WORKSPACE_DIR: './workspace', BAILIFF_STATE_DIR: './.bailiff' }, [
      { token: 'tok-agent-0123456789abcdef', principal: 'agent@local', roles: ['agent'] },
      { token: 'tok-admin-0123456789abcdef', principal: 'admin@local', roles: ['admin'] },
    ]);
    expect(banner).toContain('http://127.0.0.1:8080');
    expect(banner).toMatch(/agent@local\s+agent\s+tok-agent-0123456789abcdef/);
    expect(banner).toMatch(/admin@local\s+admin\s+tok-admin-0123456789abcdef/);
    expect(banner).toContain('dev-tokens.json');
    expect(banner).toContain('http://127.0.0.1:8080/ui/');
    expect(banner).toContain('MCP (Streamable HTTP): http://127.0.0.1:8080/mcp');
  });

  it('prints no token section when tokens are configured', () => {
    expect(formatBanner('http://localhost:8080', { BAILIFF_WORKSPACE_DIR: 'w', BAILIFF_STATE_DIR: 's' })).not.toContain('Bearer');
  });
});
