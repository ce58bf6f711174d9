/**
 * The one spelling of a plan's console page, `<base>/ui/plans/<id>`, for every link Bailiff
 * hands out (the client, the MCP tools, the sandbox push, plan events, the start banner). The
 * id is encoded, so a link is a single path segment whatever it holds. The Python package's
 * `plan_page_url` is its twin.
 */
export function planPageUrl(base: string, planId: string): string {
  return `${base.replace(/\/+$/, '')}/ui/plans/${encodeURIComponent(planId)}`;
}
