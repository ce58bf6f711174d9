import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../errors.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { openApiDocument, ROUTES } from './routes.ts';

type Operation = {
  operationId: string;
  security: unknown[];
  parameters?: Array<{ name: string; in: string; required: boolean }>;
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, any> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, any> }> }>;
};

const document = openApiDocument() as {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, any>> };
};

const documented = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
const routed = ROUTES.map((route) => `${route.method} ${route.path}`);

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1', () => {
    expect(document.openapi).toBe('3.1.0');
  });

  it('documents every route of the table, and nothing else', () => {
    expect([...documented].sort()).toEqual([...routed].sort());
    expect(new Set(routed).size).toBe(routed.length);
  });

  it('covers the whole contract of API.md plus the admin and console additions', () => {
    expect(routed).toEqual(
      expect.arrayContaining([
        'GET /health',
        'GET /cases/{case}/files',
        'POST /plans',
        'GET /plans/{id}',
        'GET /plans',
        'POST /plans/{id}/validate',
        'POST /plans/{id}/approve',
        'POST /plans/{id}/reject',
        'POST /plans/{id}/apply',
        'POST /plans/{id}/rollback',
        'GET /plans/{id}/audit',
        'GET /audit/verify',
        'DELETE /cases/{case}/lease',
        'GET /openapi.json',
        'GET /me',
        'GET /inbox',
        'GET /plans/{id}/decisions',
        'GET /plans/{id}/operations',
        'GET /plans/{id}/results',
      ]),
    );
  });

  it.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))('describes %s completely', (_name, route) => {
    const operation = document.paths[route.path]![route.method.toLowerCase()]!;
    expect(operation.operationId).toBe(route.operationId);
    expect(operation.responses[String(route.status)]?.content?.[route.produces ?? 'application/json']?.schema).toBeDefined();
    expect(operation.responses['500']).toBeDefined();
    expect(operation.security).toEqual(route.access === 'public' ? [] : [{ bearer: [] }]);
    if (route.access !== 'public') {
      expect(operation.responses['401']).toBeDefined();
      expect(operation.responses['403']).toBeDefined();
    }
    const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
    expect(operation.parameters?.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name) ?? []).toEqual(pathParameters);
    for (const code of route.errors) expect(operation.responses[String(ERROR_CODES[code])]).toBeDefined();
    expect(operation.requestBody !== undefined).toBe(route.body !== undefined);
    if (route.body) expect(operation.responses['413']).toBeDefined();
  });

  it('describes request bodies as callers write them: defaults are optional', () => {
    const [propose, target] = document.paths['/plans']!.post!.requestBody!.content['application/json']!.schema.anyOf;
    expect(propose.required).toEqual(['case', 'description', 'operations']);
    expect(propose.properties.operations.items.oneOf).toHaveLength(5);
    expect(target.required).toEqual(['case', 'description', 'base', 'target']);
  });

  it('marks optional query parameters as optional', () => {
    const list = document.paths['/plans']!.get!.parameters!;
    expect(list.map((parameter) => [parameter.name, parameter.in, parameter.required])).toEqual([
      ['case', 'query', false],
      ['status', 'query', false],
      ['pageToken', 'query', false],
      ['limit', 'query', false],
    ]);
  });

  it('publishes shared shapes once, as components', () => {
    expect(Object.keys(document.components.schemas).sort()).toEqual([
      'Approval',
      'AuditRecord',
      'Error',
      'ExecutionSummary',
      'PlanDecisions',
      'PlanRecord',
      'PlanStatus',
      'PlanView',
      'Report',
      'ReportIssue',
    ]);
    expect(document.paths['/plans/{id}']!.get!.responses['200']!.content!['application/json']!.schema).toEqual({
      $ref: '#/components/schemas/PlanView',
    });
    expect(document.components.schemas.Error!.properties.error.properties.code.enum).toEqual(
      expect.arrayContaining([...Object.keys(ERROR_CODES), 'method_not_allowed']),
    );
  });

  it('refers to a component wherever its shape is nested, never copying it', () => {
    const planView = document.components.schemas.PlanView!;
    expect(planView.properties.plan).toEqual({ $ref: '#/components/schemas/PlanRecord' });
    expect(document.components.schemas.PlanRecord!.properties.report).toEqual({ $ref: '#/components/schemas/Report' });
    const list = document.paths['/plans']!.get!.responses['200']!.content!['application/json']!.schema;
    expect(list.properties.plans.items).toEqual({ $ref: '#/components/schemas/PlanRecord' });
    expect(JSON.stringify(document.components)).not.toContain(String(Number.MAX_SAFE_INTEGER));
  });

  it('keeps the safe-integer bound on what the server accepts, because it refuses larger integers', () => {
    const accepted = JSON.stringify(
      Object.values(document.paths).flatMap((item) => Object.values(item).map((operation) => operation.requestBody ?? operation.parameters)),
    );
    expect(accepted).toContain(String(Number.MAX_SAFE_INTEGER));
  });

  it('publishes every error code with its HTTP status', () => {
    expect((document as unknown as Record<string, unknown>)['x-error-statuses']).toEqual(ERROR_CODES);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(buildOpenApiDocument(ROUTES))).toBe(JSON.stringify(document));
  });
});
