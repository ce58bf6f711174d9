/**
 * The OpenAPI 3.1 document, derived from the route table and its zod schemas: request shapes
 * as the caller writes them (`io: 'input'`, so defaults are optional), responses as Bailiff
 * sends them. Nothing here is written by hand, so the document cannot drift from the code.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors.ts';
import type { RouteDefinition } from './types.ts';
import { approvalSchema, executionSummarySchema, issueSchema, planRecordSchema, planStatusSchema, reportSchema } from '../domain/plan.ts';
import { auditRecordSchema } from '../domain/audit.ts';
import { errorBodySchema, planDecisionsSchema, planViewSchema } from './schemas.ts';

export const API_VERSION = '1.0.0';

type JsonSchema = Record<string, unknown>;

const ERROR_REF = { $ref: '#/components/schemas/Error' };

/**
 * Schemas used by many routes, published once under `components.schemas`. Wherever one of them
 * appears inside another schema it becomes a `$ref` too, so generated clients (the Python
 * package's models) get one named class per shape instead of a numbered copy per route.
 */
const COMPONENTS: ReadonlyMap<z.ZodType, string> = new Map<z.ZodType, string>([
  [planViewSchema, 'PlanView'],
  [planRecordSchema, 'PlanRecord'],
  [reportSchema, 'Report'],
  [issueSchema, 'ReportIssue'],
  [approvalSchema, 'Approval'],
  [executionSummarySchema, 'ExecutionSummary'],
  [planDecisionsSchema, 'PlanDecisions'],
  [planStatusSchema, 'PlanStatus'],
  [auditRecordSchema, 'AuditRecord'],
  [errorBodySchema, 'Error'],
]);

/** Each component's JSON Schema as text, to recognise it wherever it is nested. */
const componentTexts = (): Map<string, string> => new Map([...COMPONENTS].map(([schema, name]) => [JSON.stringify(toSchema(schema, 'output')), name]));

/** `node` with every nested copy of a component (other than `self`) replaced by its `$ref`. */
function withComponentRefs(node: unknown, texts: ReadonlyMap<string, string>, self?: string): unknown {
  if (Array.isArray(node)) return node.map((item) => withComponentRefs(item, texts));
  if (node === null || typeof node !== 'object') return node;
  const name = texts.get(JSON.stringify(node));
  if (name !== undefined && name !== self) return { $ref: `#/components/schemas/${name}` };
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, withComponentRefs(value, texts)]));
}

/**
 * zod bounds every `int()` by the safe-integer range. In what the server answers that says
 * nothing a client needs, and generated clients would wrap each such field in a class of its
 * own, so it is dropped there; in what the server accepts it stays, because the server refuses a
 * larger integer and the contract must say so.
 */
function withoutSafeIntegerBounds({ jsonSchema }: { jsonSchema: Record<string, unknown> }): void {
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const options = { io, target: 'draft-2020-12', unrepresentable: 'any', ...(io === 'output' ? { override: withoutSafeIntegerBounds } : {}) } as const;
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, options) as JsonSchema;
  return rest;
}

function schemaOrRef(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const name = COMPONENTS.get(schema);
  return name ? { $ref: `#/components/schemas/${name}` } : toSchema(schema, io);
}

/** One OpenAPI parameter per property of an object schema (path or query). */
function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const objectSchema = toSchema(schema, 'input');
  const properties = (objectSchema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((objectSchema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: propertySchema,
    };
  });
}

function errorResponses(route: RouteDefinition): Record<string, JsonSchema> {
  const codes = new Set<ErrorCode>(route.errors);
  const takesInput = route.params !== undefined || route.query !== undefined || route.body !== undefined;
  if (takesInput) codes.add('invalid_input');
  if (route.body) codes.add('payload_too_large');
  if (route.access !== 'public') {
    codes.add('unauthenticated');
    codes.add('forbidden');
  }
  codes.add('internal');
  const responses: Record<string, JsonSchema> = {};
  for (const code of codes) {
    const status = String(ERROR_CODES[code]);
    const entry = responses[status] ?? { description: '', content: { 'application/json': { schema: ERROR_REF } } };
    entry.description = entry.description ? `${entry.description}; ${code}` : code;
    responses[status] = entry;
  }
  return responses;
}

function operationOf(route: RouteDefinition): JsonSchema {
  const operation: JsonSchema = {
    operationId: route.operationId,
    summary: route.summary,
    security: route.access === 'public' ? [] : [{ bearer: [] }],
  };
  if (route.access !== 'public') {
    operation.description = `Roles: ${[...route.access, 'admin'].filter((role, index, all) => all.indexOf(role) === index).join(', ')}.`;
  }
  const parameters = [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')];
  if (parameters.length > 0) operation.parameters = parameters;
  if (route.body) {
    operation.requestBody = {
      required: route.body.required,
      content: { [route.body.check === 'stream' ? 'application/octet-stream' : 'application/json']: { schema: schemaOrRef(route.body.schema, 'input') } },
    };
  }
  const success = route.status === 201 ? 'created' : route.status === 202 ? 'accepted' : 'ok';
  operation.responses = {
    [String(route.status)]: { description: success, content: { [route.produces ?? 'application/json']: { schema: schemaOrRef(route.response, 'output') } } },
    ...errorResponses(route),
  };
  return operation;
}

/**
 * Builds the OpenAPI 3.1 document of `routes`. Deterministic: the same table gives the same
 * document, so it can be snapshotted or diffed in review.
 */
export function buildOpenApiDocument(routes: readonly RouteDefinition[], options: { serverUrl?: string } = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    item[route.method.toLowerCase()] = operationOf(route);
  }
  const texts = componentTexts();
  const schemas: Record<string, JsonSchema> = {};
  for (const [schema, name] of COMPONENTS) schemas[name] = withComponentRefs(toSchema(schema, 'output'), texts, name) as JsonSchema;
  return {
    openapi: '3.1.0',
    info: {
      title: 'Bailiff',
      version: API_VERSION,
      description: 'Plans that change files in a case workspace: dry-run, approved by a person, executed exactly as approved, audited and reversible.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: [{ bearer: [] }],
    // The closed set of error codes with the status each is answered with (shared/errors.ts),
    // for clients that map codes to exceptions (the Python package generates its table from it).
    'x-error-statuses': { ...ERROR_CODES },
    paths: withComponentRefs(paths, texts),
    components: {
      schemas,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A Google-signed ID token on Google Cloud; a static token from BAILIFF_TOKENS locally.',
        },
      },
    },
  };
}
