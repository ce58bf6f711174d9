/**
 * Property-based fuzzing of the HTTP API on the embedded server: requests generated from the
 * shapes of the real schemas (and mangled versions of them), sent with every role. No request
 * may produce a 5xx, and none may change the workspace — nothing here is ever approved and
 * applied, so the case folder must be byte-for-byte what it was.
 */
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmbeddedApp, type EmbeddedApp } from '../../shared/composition/embedded.ts';
import { parseConfig } from '../../shared/config.ts';
import { startHttpServer, type RunningServer } from '../../shared/front-door/node-server.ts';
import { silentLogger } from '../../shared/logging.ts';

const TOKENS: Record<string, { principal: string; roles: string[] }> = {
  'fuzz-agent-token-000000000001': { principal: 'agent@firm.example', roles: ['agent'] },
  'fuzz-approver-token-0000000001': { principal: 'alice@firm.example', roles: ['approver'] },
  'fuzz-admin-token-00000000000001': { principal: 'root@firm.example', roles: ['admin'] },
};
const CASE = 'fuzz-case';

let dir: string;
let existingPlan = '';
let app: EmbeddedApp;
let server: RunningServer;

async function workspaceState(root: string): Promise<string[]> {
  const entries: string[] = [];
  const walk = async (folder: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (entry.name === '.bailiff-staging') continue;
      if (entry.isDirectory()) {
        entries.push(`${prefix}${entry.name}/`);
        await walk(join(folder, entry.name), `${prefix}${entry.name}/`);
      } else entries.push(`${prefix}${entry.name}=${await readFile(join(folder, entry.name), 'utf8')}`);
    }
  };
  await walk(root, '');
  return entries.sort();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bailiff-fuzz-'));
  const caseDir = join(dir, 'workspace', 'projects', CASE);
  await mkdir(join(caseDir, 'intake'), { recursive: true });
  await writeFile(join(caseDir, 'intake', 'a.pdf'), 'a');
  await writeFile(join(caseDir, 'notes.txt'), 'notes');
  await mkdir(join(dir, 'workspace', 'projects', `${CASE}-2`), { recursive: true });
  await writeFile(join(dir, 'workspace', 'projects', `${CASE}-2`, 'secret.txt`'), 'other client');
  // The fuzzer proposes hundreds of plans as one agent and decides none of them, so the cap on
  // open plans per principal (tested in test/e2e/plan-quotas.test.ts) is lifted here.
  const settings = {
    BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'),
    BAILIFF_STATE_DIR: join(dir, 'state'),
    BAILIFF_TOKENS: JSON.stringify(TOKENS),
    BAILIFF_MAX_OPEN_PLANS: '0',
  };
  app = buildEmbeddedApp(parseConfig(settings), { logger: silentLogger });
  server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    deps: {
      api: app.service,
      review: app.review,
      content: app.content,
      targets: app.targets,
      identity: app.identity,
      health: app.health,
      limits: { maxBodyBytes: 256 * 1024 },
      logger: silentLogger,
    },
  });
  // A real proposed plan, so the fuzzer also reaches approve, reject, apply and rollback on it.
  const proposed = await app.service.propose(
    { id: 'agent@firm.example', roles: ['agent'] },
    { case: CASE, description: 'target', operations: [{ type: 'delete', source: 'notes.txt' }] },
  );
  existingPlan = proposed.plan.id;
});

afterAll(async () => {
  await server?.close(100);
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

const hostileSegment = fc.constantFrom(
  '..',
  '.',
  '',
  '%2e%2e',
  '%252e%252e',
  '．．',
  '..\\',
  'C:',
  '\u0000',
  '\r\n',
  '.bailiff',
  '.well-known',
  'CON',
  'a\u202eb',
  '\ud800',
  'e\u0301',
  '~',
  'x'.repeat(300),
);
const pathArbitrary = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.array(fc.oneof(hostileSegment, fc.stringMatching(/^[A-Za-z0-9 _-]{1,12}$/)), { minLength: 1, maxLength: 5 }).map((segments) => segments.join('/')),
  fc.constantFrom('intake/a.pdf', 'intake/', 'notes.txt', '/etc/passwd', '../fuzz-case-2/secret.txt', 'intake/../../fuzz-case-2/'),
);
const operationArbitrary = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('create_dir', 'write_file', 'copy', 'move', 'delete', 'restore', 'remove_folder', 'chmod'),
      source: pathArbitrary,
      destination: pathArbitrary,
    },
    { requiredKeys: ['type'] },
  ),
  fc.record({
    type: fc.constant('write_file'),
    destination: pathArbitrary,
    content: fc.string({ maxLength: 50 }),
    encoding: fc.constantFrom('utf8', 'base64', 'latin1'),
    overwrite: fc.oneof(fc.boolean(), fc.constant('yes')),
  }),
  fc.anything({ maxDepth: 3 }),
);
const bodyArbitrary = fc.oneof(
  fc.record(
    {
      case: fc.oneof(fc.constantFrom(CASE, `${CASE}-2`, '../x', '', 'a/b'), fc.string({ maxLength: 20 })),
      description: fc.oneof(fc.string({ maxLength: 30 }), fc.integer()),
      operations: fc.array(operationArbitrary, { maxLength: 6 }),
      onError: fc.constantFrom('stop', 'rollback', 'explode'),
    },
    { requiredKeys: [] },
  ),
  // Target-state plans, and blob declarations.
  fc.record(
    {
      case: fc.constantFrom(CASE, `${CASE}-2`, '../x'),
      description: fc.string({ maxLength: 20 }),
      base: fc.array(
        fc.record(
          {
            path: pathArbitrary,
            generation: fc.oneof(fc.string({ maxLength: 12 }), fc.integer()),
            md5: fc.oneof(fc.constant('0'.repeat(32)), fc.string({ maxLength: 33 })),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      ),
      target: fc.array(
        fc.record(
          {
            path: pathArbitrary,
            size: fc.oneof(fc.nat(), fc.integer()),
            md5: fc.oneof(fc.constant('0'.repeat(32)), fc.string({ maxLength: 33 })),
            blob: fc.oneof(fc.constant(`${CASE}/md5-${'0'.repeat(32)}-1`), fc.string({ maxLength: 40 })),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      ),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      md5: fc.oneof(fc.constant('0'.repeat(32)), fc.string({ maxLength: 33 })),
      sha256: fc.string({ maxLength: 65 }),
      size: fc.oneof(fc.nat(), fc.integer(), fc.double()),
      contentType: fc.string({ maxLength: 20 }),
    },
    { requiredKeys: [] },
  ),
  fc.anything({ maxDepth: 4 }),
);
const requestArbitrary = fc.record({
  token: fc.constantFrom(...Object.keys(TOKENS), undefined, 'garbage-token-xxxxxxxxxxxx'),
  method: fc.oneof(
    { weight: 5, arbitrary: fc.constant('POST') },
    { weight: 3, arbitrary: fc.constant('GET') },
    { weight: 1, arbitrary: fc.constantFrom('DELETE', 'PUT', 'PATCH') },
  ),
  path: fc.oneof(
    fc.constantFrom(`/cases/${CASE}/snapshot`, `/cases/${CASE}/blobs`, `/cases/${CASE}/blobs/md5-${'0'.repeat(32)}-1`, `/cases/${CASE}-2/snapshot`),
    // A lone surrogate cannot be percent-encoded at all; the body arbitraries still send them.
    pathArbitrary.filter((path) => path.isWellFormed()).map((path) => `/cases/${CASE}/files/content?path=${encodeURIComponent(path)}`),
    fc.constantFrom(
      '/plans',
      '/health',
      '/audit/verify',
      `/cases/${CASE}/files`,
      `/cases/${CASE}/lease`,
      '/openapi.json',
      '/plans/pln_0000000000000000000000000/approve',
      '/plans/pln_0000000000000000000000000/apply',
    ),
    fc.constantFrom('', '/validate', '/approve', '/reject', '/apply', '/rollback', '/audit').map((suffix) => `/plans/${existingPlan}${suffix}`),
    fc
      .tuple(
        fc.constantFrom('/plans/', '/cases/', '/plans/pln_'),
        fc.string({ maxLength: 30 }),
        fc.constantFrom('', '/approve', '/apply', '/rollback', '/files', '/audit'),
      )
      .map(([a, b, c]) => `${a}${encodeURIComponent(b)}${c}`),
  ),
  body: fc.option(bodyArbitrary, { nil: undefined }),
  rawBody: fc.option(fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('{', '[[[[[[[', '{"case":', 'null', '\u0000')), { nil: undefined }),
});

describe('API fuzzing', () => {
  it('never answers 5xx and never changes the workspace', async () => {
    const root = join(dir, 'workspace');
    const before = await workspaceState(root);
    const statuses = new Map<number, number>();
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(requestArbitrary, async (request) => {
        const hasBody = request.method !== 'GET' && (request.body !== undefined || request.rawBody !== undefined);
        const response = await fetch(`${server.url}${request.path}`, {
          method: request.method,
          headers: { ...(request.token ? { authorization: `Bearer ${request.token}` } : {}), ...(hasBody ? { 'content-type': 'application/json' } : {}) },
          body: hasBody ? (request.rawBody ?? JSON.stringify(request.body)) : undefined,
        });
        const text = await response.text();
        requests += 1;
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect(response.status, `${request.method} ${request.path}: ${text.slice(0, 300)}`).toBeLessThan(500);
        expect(text).not.toMatch(/fuzz-(agent|approver|admin)-token|\.ts:\d+:\d+/);
      }),
      { numRuns: 1500, seed: 20261126 },
    );
    // Proposals are stored, but nothing ran: the workspace itself is untouched.
    expect(await workspaceState(root)).toEqual(before);
    expect(requests).toBe(1500);
    console.info(`[fuzz] ${requests} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, no 5xx, workspace unchanged`);
  });

  it('generates valid plans too, and every one it accepts stays inside its case', async () => {
    const validPath = fc
      .array(fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9 _-]{0,9}[A-Za-z0-9])?$/), { minLength: 1, maxLength: 3 })
      .map((segments) => segments.join('/'));
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ type: fc.constant('create_dir'), destination: validPath }),
            fc.record({ type: fc.constant('write_file'), destination: validPath, content: fc.string({ maxLength: 20 }) }),
          ),
          { minLength: 1, maxLength: 5 },
        ),
        async (operations) => {
          const response = await fetch(`${server.url}/plans`, {
            method: 'POST',
            headers: { authorization: 'Bearer fuzz-agent-token-000000000001', 'content-type': 'application/json' },
            body: JSON.stringify({ case: CASE, description: 'generated', operations }),
          });
          expect(response.status).toBe(201);
          const body = await response.json();
          accepted += 1;
          for (const path of [...body.report.diff.added, ...body.report.diff.removed, ...body.report.diff.changed]) {
            expect(path.startsWith('/') || path.split('/').includes('..')).toBe(false);
          }
        },
      ),
      { numRuns: 200, seed: 7 },
    );
    expect(accepted).toBe(200);
  });
});
