/**
 * The MCP server over any transport: lists the tools with JSON Schemas generated from their
 * zod schemas, validates arguments with those same schemas (so a bad field is named exactly
 * as the API would name it), runs the tool against a backend, and returns every failure as a
 * tool error (`isError`) the model can act on, never as a protocol error.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { McpBackend } from './backend.ts';
import { invalidArguments, TOOLS, toolErrorText, type ToolDefinition } from './tools.ts';

export const SERVER_INFO = { name: 'bailiff', version: '0.1.0' } as const;

const INSTRUCTIONS =
  'Bailiff changes a law firm\'s case files only through plans a person approves. Read with list_files and read_file; ' +
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

/** The tool list as MCP clients see it. Computed once: the tools never change. */
export const TOOL_LIST: Tool[] = TOOLS.map((tool) => ({
  name: tool.name,
  title: tool.annotations.title,
  description: tool.description,
  inputSchema: jsonSchemaOf(tool.input, 'input'),
  outputSchema: jsonSchemaOf(tool.output, 'output'),
  annotations: tool.annotations,
}));

export async function callTool(tool: ToolDefinition, backend: McpBackend, args: unknown): Promise<CallToolResult> {
  const parsed = tool.input.safeParse(args ?? {});
  const planId = typeof (args as { planId?: unknown } | undefined)?.planId === 'string' ? (args as { planId: string }).planId : undefined;
  if (!parsed.success) {
    return { isError: true, content: toolErrorText(invalidArguments(tool.name, parsed.error), { tool: tool.name }).map((text) => ({ type: 'text' as const, text })) };
  }
  try {
    // Bodies the API validates itself (plans, commands) go as sent, so it names fields as it always does.
    const result = await tool.run(backend, ['propose_plan', 'plan_from_commands'].includes(tool.name) ? args : parsed.data);
    return { structuredContent: result.structured, content: [{ type: 'text', text: result.text }] };
  } catch (error) {
    return { isError: true, content: toolErrorText(error, { tool: tool.name, planId, backend }).map((text) => ({ type: 'text' as const, text })) };
  }
}

/** A fresh MCP server whose tools act through `backend`. */
export function createMcpServer(backend: McpBackend): Server {
  const server = new Server(SERVER_INFO, { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOL_LIST }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const tool = TOOLS.find((candidate) => candidate.name === request.params.name);
    if (!tool) {
      return { isError: true, content: [{ type: 'text', text: `Error invalid_input: no tool named ${request.params.name}; the tools are ${TOOLS.map((t) => t.name).join(', ')}` }] };
    }
    return callTool(tool, backend, request.params.arguments);
  });
  return server;
}
