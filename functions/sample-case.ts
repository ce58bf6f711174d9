/**
 * The first run's sample case, for someone trying Bailiff for the first time: when `npm start`
 * runs with development tokens on a workspace that holds no case at all, it files three scans
 * under `projects/sample-first-run/intake/` and has the development agent propose a plan for
 * them, so the console has a plan to review without anyone typing a command. It is a case of
 * its own: the README's "Five minutes" files `abby-sitgraves` itself, so following it after the
 * first run leaves no stale plan behind. It never touches a workspace that already holds a
 * case, and never runs with real tokens.
 */
import type { EmbeddedApp } from '../shared/composition/embedded.ts';

export const SAMPLE_CASE = 'sample-first-run';

const SAMPLE_FILES: Record<string, string> = {
  'intake/records_001.pdf': 'medical record one\n',
  'intake/records_002.pdf': 'medical record two\n',
  'intake/police-report.pdf': 'police report\n',
};

/** The sample's plan: the same sorting of intake the README walks through, in its own case. */
export const SAMPLE_PLAN = {
  case: SAMPLE_CASE,
  description: 'Sort intake into the firm structure',
  operations: [
    { type: 'create_dir', destination: 'Medical Records/Provider1' },
    { type: 'move', source: 'intake/records_001.pdf', destination: 'Medical Records/Provider1/records_001.pdf' },
    { type: 'move', source: 'intake/records_002.pdf', destination: 'Medical Records/Provider1/records_002.pdf' },
    { type: 'move', source: 'intake/police-report.pdf', destination: 'Police/report.pdf' },
    { type: 'write_file', destination: 'Reports/summary.md', content: '# Intake sorted\n' },
  ],
};

/** Seeds the sample case and proposes its plan; returns the plan id, or undefined when it did nothing. */
export async function seedSampleCase(app: EmbeddedApp): Promise<string | undefined> {
  const agent = app.devTokens?.find((token) => token.roles.includes('agent'));
  if (!agent) return undefined;
  const existing = await app.objects.list('projects/', { pageSize: 1 });
  if (existing.objects.length > 0) return undefined;
  for (const [path, content] of Object.entries(SAMPLE_FILES)) {
    await app.objects.write(`projects/${SAMPLE_CASE}/${path}`, Buffer.from(content), { ifGenerationMatch: '0' });
  }
  const view = await app.service.propose({ id: agent.principal, roles: agent.roles, ...(agent.cases ? { cases: agent.cases } : {}) }, SAMPLE_PLAN);
  return view.plan.id;
}
