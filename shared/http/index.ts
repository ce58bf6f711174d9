/**
 * @module
 * Bailiff's HTTP layer: the server-independent core (`handleHttpRequest`), its route table and
 * OpenAPI document, and the adapters for node:http and the functions framework.
 */
export { handleHttpRequest } from './handler.ts';
export { createFunctionHandler, type FunctionRequest } from './function-handler.ts';
export { createRequestListener, startHttpServer, type RunningServer } from './node-server.ts';
export { openApiDocument, ROUTES } from './routes.ts';
export { buildOpenApiDocument } from './openapi.ts';
export { errorToResponse } from './error-response.ts';
export type { DependencyCheck, HealthReport, HttpDependencies, HttpLimits, HttpRequest, HttpResponse, RouteDefinition } from './types.ts';
