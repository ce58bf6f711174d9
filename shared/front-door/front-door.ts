/**
 * The front door: every request Bailiff serves passes here, whichever host received it (the
 * embedded node:http server or the Cloud Run `api` function), and here alone is decided who
 * answers it, in this order:
 *
 * 1. MCP (`/mcp` and its resource metadata): the MCP transport writes its own response;
 * 2. the approver's console (`/ui/...` and its assets);
 * 3. the API, for everything else (including its 404s).
 *
 * It sits above `http`, `mcp` and `console` so that none of them imports another.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerConsoleRequest } from '../console/serve.ts';
import { errorToResponse } from '../http/error-response.ts';
import { handleHttpRequest } from '../http/handler.ts';
import { bodyTooLarge } from '../http/json-body.ts';
import { writeHttpResponse } from '../http/node-io.ts';
import type { HttpDependencies, HttpRequest } from '../http/types.ts';
import { handleMcpHttp, isMcpPath } from '../mcp/http.ts';

export interface FrontDoorRequest {
  /** The host's request and response: MCP's transport reads and writes them itself. */
  node: IncomingMessage;
  response: ServerResponse;
  /** The same request as the core sees it; `rawBody` reads within the body limit or throws. */
  core: HttpRequest;
  /** Whether the body was read to its end: if not, the connection is closed after the answer. */
  bodyConsumed: () => boolean;
}

/** Answers one request. Never rejects: a failure is answered (or the connection dropped) and logged. */
export async function answerAtFrontDoor(request: FrontDoorRequest, deps: HttpDependencies): Promise<void> {
  const { node, response, core, bodyConsumed } = request;
  try {
    if (isMcpPath(core.path)) {
      await handleMcpHttp(node, response, core.path, deps, mcpBodyReader(core.rawBody, deps.limits.maxBodyBytes));
      return;
    }
    const answer = answerConsoleRequest(core, deps.console) ?? (await handleHttpRequest(core, deps));
    writeHttpResponse(response, answer, { closeConnection: !bodyConsumed() });
  } catch (error: unknown) {
    // The API answers its own errors, so this is MCP failing, or a response that could not be
    // written (the client went away).
    if (response.headersSent) {
      deps.logger.warn('could not finish a response', { path: core.path, error });
      response.destroy();
      return;
    }
    writeHttpResponse(response, errorToResponse(error, { requestId: randomUUID(), logger: deps.logger, logFields: { path: core.path } }), {
      closeConnection: true,
    });
  }
}

/**
 * MCP takes the body's bytes as they are, so the limit the API's JSON parser enforces is
 * enforced here: a lazy reader enforces it while reading; a body a framework already read
 * whole is measured.
 */
function mcpBodyReader(rawBody: HttpRequest['rawBody'], maxBodyBytes: number): () => Promise<Buffer | undefined> {
  if (typeof rawBody === 'function') return rawBody;
  return async () => {
    if (rawBody && rawBody.length > maxBodyBytes) throw bodyTooLarge(maxBodyBytes);
    return rawBody;
  };
}
