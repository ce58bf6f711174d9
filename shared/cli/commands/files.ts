import type { CliCommand } from '../command.ts';
import { formatBytes } from '../format.ts';

export const filesCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('files')
      .description("list a case's files")
      .argument('<case>', 'case name (a folder under projects/)')
      .option('--prefix <folder>', 'only under this folder, such as intake/')
      .option('--flat', 'only directly in the folder, not in its subfolders')
      .action(async (caseName: string, options: { prefix?: string; flat?: boolean }) => {
        const body = await ctx.client.listFiles(caseName, { prefix: options.prefix, ...(options.flat ? { recursive: false } : {}) });
        if (ctx.json) return ctx.printJson(body);
        if (body.files.length === 0) return ctx.out(ctx.paint('dim', `no files in ${caseName}${options.prefix ? ` under ${options.prefix}` : ''}`));
        const width = Math.max(...body.files.map((file) => formatBytes(file.size).length));
        for (const file of body.files) ctx.out(`${formatBytes(file.size).padStart(width)}  ${ctx.paint('dim', file.updated)}  ${file.path}`);
      });
  },
};
