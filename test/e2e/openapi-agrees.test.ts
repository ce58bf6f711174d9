/**
 * The published document must not allow what the server refuses: for file reads whose path
 * names a folder, and for `write_file` with both or neither of `content` and `blob`, each sample
 * is judged by the OpenAPI schema (Ajv, JSON Schema 2020-12) and sent to the embedded server;
 * the two verdicts must be the same.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../shared/http/routes.ts';
import { startRoundTripServer, TOKENS, type RoundTripServer } from '../support/round-trip-server.ts';

const CASE = 'openapi-case';
type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, unknown> } };
const document = openApiDocument() as Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ components: document.components }, 'doc');

function queryParameter(path: string, name: string): (value: unknown) => boolean {
  const parameter = document.paths[path]!.get.parameters.find((entry: { name: string }) => entry.name === name);
  return ajv.compile(parameter.schema);
}

/** The POST /plans body schema, with its component references resolvable. */
const proposalAllowed = ajv.compile({ ...document.paths['/plans']!.post.requestBody.content['application/json'].schema, $defs: {} });

let bailiff: RoundTripServer;

beforeAll(async () => {
  bailiff = await startRoundTripServer('embedded');
  await bailiff.objects.write(`projects/${CASE}/Scans/a.txt`, Buffer.from('scan'));
  await bailiff.objects.write(`projects/${CASE}/b.txt`, Buffer.from('b'));
});

afterAll(async () => {
  await bailiff?.close();
});

async function status(method: string, path: string, body?: unknown): Promise<number> {
  const response = await fetch(`${bailiff.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKENS.agent}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('the OpenAPI document and the server agree', () => {
  for (const route of ['/cases/{case}/files/content', '/cases/{case}/files/text']) {
    it(`on the paths ${route} reads`, async () => {
      const allowed = queryParameter(route, 'path');
      for (const path of ['b.txt', 'Scans/a.txt', 'Scans/', 'Scans/a.txt/', 'b.txt/']) {
        const answer = await status('GET', `${route.replace('{case}', CASE)}?path=${encodeURIComponent(path)}`);
        expect([200, 400, 404], path).toContain(answer);
        const refused = answer === 400;
        expect({ path, documentAllows: allowed(path) }).toEqual({ path, documentAllows: !refused });
      }
    });
  }

  it('on write_file: exactly one of content and blob', async () => {
    const blob = `${CASE}/md5-${'0'.repeat(32)}-4`;
    const samples: Array<Record<string, unknown>> = [{ content: 'note' }, { blob }, { content: 'note', blob }, {}];
    for (const [i, fields] of samples.entries()) {
      const body = { case: CASE, description: 'one write', operations: [{ type: 'write_file', destination: `w-${i}.txt`, ...fields }] };
      const answer = await status('POST', '/plans', body);
      expect([201, 400], JSON.stringify(fields)).toContain(answer);
      expect({ fields, documentAllows: proposalAllowed(body) }).toEqual({ fields, documentAllows: answer === 201 });
    }
  });
});
