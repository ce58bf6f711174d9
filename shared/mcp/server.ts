/**
 * The MCP server over any transport and either protocol era: lists the tools with JSON Schemas
 * generated from their zod schemas, validates arguments with those same schemas (so a bad field
 * is named exactly as the API would name it), runs the tool against a backend, and returns every
 * failure of a call as a tool error (`isError`) the model can act on. Only a call to a tool that
 * does not exist is a protocol error (-32602), as the specification asks.
 *
 * One factory serves both eras: the 2026-07-28 revision (stateless, the protocol version and the
 * client's capabilities in each request's `_meta`, `server/discover`) and the 2025-era
 * `initialize` handshake. The SDK's serving entries pick the era per request (HTTP) or per
 * connection (stdio). No tool ever asks the client for input (no elicitation, no input-required
 * result): approving a plan is a person's act in the console or the CLI, never an answer in a chat.
 */
import { ProtocolError, ProtocolErrorCode, Server, type CallToolResult, type ServerContext, type Tool } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { PlanViewBody } from '../client/index.ts';
import type { McpBackend } from './backend.ts';
import { statusInWords } from '../domain/lifecycle.ts';
import { plural } from '../domain/words.ts';
import { PLAN_REVIEW_RESOURCE, PLAN_REVIEW_TOOL_META, PLAN_REVIEW_URI, planReviewHtml } from './plan-review-app.ts';
import { invalidArguments, TOOLS, toolErrorText, type ToolCallContext, type ToolDefinition } from './tools.ts';

export const SERVER_INFO = { name: 'bailiff', version: '0.1.0' };

/** The revisions served, newest first: the stateless 2026-07-28 one and the 2025-era handshake ones. */
export const PROTOCOL_VERSIONS = ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26'] as const;

const INSTRUCTIONS =
  "Bailiff changes a law firm's case files only through plans a person approves. Read with list_files and read_file; " +
  'propose changes with propose_plan (typed operations) or plan_from_commands (shell lines); a person approves in the console ' +
  '(the link is in every result); then apply_plan runs it. wait_for_plan waits for the decision or the end of the execution.';

/** JSON Schema (draft-07, which MCP clients validate with) of a zod schema, as a request or a response. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Tool['inputSchema'] {
  const generated = z.toJSONSchema(schema, { io, target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>;
  delete generated.$schema;
  // Responses may gain fields over time; only requests are closed to unknown ones.
  return (io === 'output' ? openObjects(generated) : generated) as Tool['inputSchema'];
}

function openObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(openObjects);
  if (node === null || typeof node !== 'object') return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'additionalProperties' && value === false) continue;
    copy[key] = openObjects(value);
  }
  return copy;
}

/** Tools whose results the plan review App shows (MCP Apps: `_meta.ui.resourceUri`). */
const SHOWN_IN_PLAN_REVIEW = new Set(['propose_plan', 'get_plan']);

/** The tool list as MCP clients see it. Computed once: the tools never change. */
export const TOOL_LIST: Tool[] = TOOLS.map((tool) => ({
  name: tool.name,
  title: tool.annotations.title,
  description: tool.description,
  inputSchema: jsonSchemaOf(tool.input, 'input'),
  outputSchema: jsonSchemaOf(tool.output, 'output'),
  annotations: tool.annotations,
  ...(SHOWN_IN_PLAN_REVIEW.has(tool.name) ? { _meta: PLAN_REVIEW_TOOL_META } : {}),
}));

export async function callTool(tool: ToolDefinition, backend: McpBackend, args: unknown, context: ToolCallContext = {}): Promise<CallToolResult> {
  const parsed = tool.input.safeParse(args ?? {});
  const planId = typeof (args as { planId?: unknown } | undefined)?.planId === 'string' ? (args as { planId: string }).planId : undefined;
  if (!parsed.success) {
    return {
      isError: true,
      content: toolErrorText(invalidArguments(tool.name, parsed.error), { tool: tool.name }).map((text) => ({ type: 'text' as const, text })),
    };
  }
  try {
    // Bodies the API validates itself (plans, commands) go as sent, so it names fields as it always does.
    const result = await tool.run(backend, ['propose_plan', 'plan_from_commands'].includes(tool.name) ? args : parsed.data, context);
    return { structuredContent: result.structured, content: [{ type: 'text', text: result.text }] };
  } catch (error) {
    return { isError: true, content: toolErrorText(error, { tool: tool.name, planId, backend }).map((text) => ({ type: 'text' as const, text })) };
  }
}

type ProgressToken = string | number;

/**
 * Progress notifications for a waiting call: one when the wait starts, then one each time more
 * of the plan's actions have an outcome. The value counts those actions, so it only ever grows,
 * as the specification requires; the total is the plan's action count once it is known.
 */
export function progressReporter(
  token: ProgressToken,
  send: (params: { progressToken: ProgressToken; progress: number; total?: number; message: string }) => void,
): (view: PlanViewBody) => void {
  let last = -1;
  return (view) => {
    const execution = view.execution;
    const progress = execution ? execution.done + execution.failed + execution.skipped : 0;
    if (progress <= last) return;
    last = progress;
    const message = execution
      ? `${statusInWords(view.plan.status)}: ${progress.toLocaleString('en-US')} of ${plural(execution.actionCount, 'action')} done`
      : view.decisions.nextStep;
    send({ progressToken: token, progress, ...(execution ? { total: execution.actionCount } : {}), message });
  };
}

/** A fresh MCP server whose tools act through `backend`. */
export function createMcpServer(backend: McpBackend): Server {
  const server = new Server(SERVER_INFO, {
    // Resources: only the plan review App's HTML.
    capabilities: { tools: { listChanged: false }, resources: {} },
    instructions: INSTRUCTIONS,
    supportedProtocolVersions: [...PROTOCOL_VERSIONS],
  });
  server.setRequestHandler('tools/list', async () => ({ tools: TOOL_LIST }));
  server.setRequestHandler('resources/list', async () => ({ resources: [PLAN_REVIEW_RESOURCE] }));
  server.setRequestHandler('resources/templates/list', async () => ({ resourceTemplates: [] }));
  server.setRequestHandler('resources/read', async (request) => {
    if (request.params.uri !== PLAN_REVIEW_URI)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource not found: ${request.params.uri}; the one resource is ${PLAN_REVIEW_URI}`);
    return { contents: [{ uri: PLAN_REVIEW_URI, mimeType: PLAN_REVIEW_RESOURCE.mimeType, text: await planReviewHtml() }] };
  });
  server.setRequestHandler('tools/call', async (request, ctx: ServerContext) => {
    const tool = TOOLS.find((candidate) => candidate.name === request.params.name);
    if (!tool) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${request.params.name}; the tools are ${TOOLS.map((t) => t.name).join(', ')}`);
    }
    const token = request.params._meta?.progressToken ?? ctx.mcpReq._meta?.progressToken;
    // Notifications still being sent: the result waits for them, so a client never sees the
    // result before the progress that led to it.
    const sending: Array<Promise<unknown>> = [];
    const onPoll =
      token === undefined
        ? undefined
        : progressReporter(token, (params) => {
            // A client that went away misses a notification; the call itself goes on.
            sending.push(ctx.mcpReq.notify({ method: 'notifications/progress', params }).catch(() => undefined));
          });
    const result = await callTool(tool, backend, request.params.arguments, { onPoll, signal: ctx.mcpReq.signal });
    await Promise.all(sending);
    return server.projectCallToolResult(result, TOOL_LIST.find((listed) => listed.name === tool.name)?.outputSchema);
  });
  return server;
}
