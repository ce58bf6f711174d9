import { serveStdio } from '../../mcp/stdio.ts';
import type { CliCommand } from '../command.ts';

export const mcpCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('mcp')
      .description('serve the Bailiff tools over MCP on stdin/stdout (for an agent), talking to BAILIFF_URL')
      .action(async () => {
        await serveStdio(ctx.client, { stdin: ctx.io.stdin, stdout: ctx.io.stdout });
      });
  },
};
