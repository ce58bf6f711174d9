/**
 * Counts as people read them, one spelling for every surface that words a plan (lifecycle,
 * events and webhooks, CLI, MCP): "1 approval", "2 approvals", "5,000 files".
 */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}
