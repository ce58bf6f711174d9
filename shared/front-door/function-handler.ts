/**
 * The Cloud Run `api` function in front of the front door. The functions framework hands over
 * an express request whose body its own parsers have already read, keeping the bytes in
 * `rawBody`; the core re-parses those bytes itself so that limits and error shapes match the
 * embedded server. Typed structurally on node's request and response, so nothing here depends
 * on express.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { splitRequestTarget } from '../http/node-io.ts';
import type { HttpDependencies } from '../http/types.ts';
import { answerAtFrontDoor } from './front-door.ts';

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
    const core = {
      method: request.method ?? 'GET',
      path,
      query,
      headers: request.headers,
      // Read whole by the framework already; the limits are enforced behind the front door.
      rawBody: request.rawBody,
      ...(request.socket?.remoteAddress ? { remoteIp: request.socket.remoteAddress } : {}),
    };
    await answerAtFrontDoor({ node: request, response, core, bodyConsumed: () => true }, deps);
  };
}
