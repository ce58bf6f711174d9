/**
 * Adapter for the Cloud Run `api` function. The functions framework hands over an express
 * request whose body its own parsers have already read, keeping the bytes in `rawBody`; the
 * core re-parses those bytes itself so that limits and error shapes match the local server.
 * Typed structurally on node's request and response, so nothing here depends on express.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerConsoleRequest } from '../console/serve.ts';
import { handleMcpHttp, isMcpPath } from '../mcp/http.ts';
import { handleHttpRequest } from './handler.ts';
import { splitRequestTarget, writeHttpResponse } from './node-server.ts';
import type { HttpDependencies } from './types.ts';

/** The parts of the framework's request the core reads. */
export type FunctionRequest = IncomingMessage & { rawBody?: Buffer; originalUrl?: string };

/**
 * Returns the handler to register with `http('api', ...)`.
 *
 * One request never reaches it: malformed JSON sent as `application/json` is refused by the
 * framework's body parser with express's HTML 400 page, which carries the parser's stack
 * trace unless `NODE_ENV=production`. Deployments must set it.
 */
export function createFunctionHandler(deps: HttpDependencies): (request: FunctionRequest, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    const { path, query } = splitRequestTarget(request.originalUrl ?? request.url ?? '/');
    if (isMcpPath(path)) {
      const rawBody = request.rawBody;
      if (rawBody && rawBody.length > deps.limits.maxBodyBytes) {
        response.writeHead(413, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'payload_too_large', message: `the body is larger than ${deps.limits.maxBodyBytes} bytes` } }));
        return;
      }
      await handleMcpHttp(request, response, path, deps, async () => rawBody);
      return;
    }
    const page = answerConsoleRequest({ method: request.method ?? 'GET', path, headers: request.headers }, deps.console);
    if (page) {
      writeHttpResponse(response, page);
      return;
    }
    const answer = await handleHttpRequest(
      {
        method: request.method ?? 'GET',
        path,
        query,
        headers: request.headers,
        rawBody: request.rawBody,
        ...(request.socket?.remoteAddress ? { remoteIp: request.socket.remoteAddress } : {}),
      },
      deps,
    );
    writeHttpResponse(response, answer);
  };
}
