/**
 * The OpenAPI 3.1 document, derived from the route table and its zod schemas: request shapes
 * as the caller writes them (`io: 'input'`, so defaults are optional), responses as Bailiff
 * sends them. Nothing here is written by hand, so the document cannot drift from the code.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors.ts';
import type { RouteDefinition } from './types.ts';
import { errorBodySchema, planViewSchema } from './schemas.ts';

export const API_VERSION = '1.0.0';

type JsonSchema = Record<string, unknown>;

const ERROR_REF = { $ref: '#/components/schemas/Error' };

/** Schemas used by many routes, published once under `components.schemas`. */
const COMPONENTS: ReadonlyMap<z.ZodType, string> = new Map<z.ZodType, string>([
  [planViewSchema, 'PlanView'],
  [errorBodySchema, 'Error'],
]);

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
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
  const schemas: Record<string, JsonSchema> = {};
  for (const [schema, name] of COMPONENTS) schemas[name] = toSchema(schema, 'output');
  return {
    openapi: '3.1.0',
    info: {
      title: 'Bailiff',
      version: API_VERSION,
      description:
        'Plans that change files in a case workspace: dry-run, approved by a person, executed exactly as approved, audited and reversible.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: [{ bearer: [] }],
    paths,
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
