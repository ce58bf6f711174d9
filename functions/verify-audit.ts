/**
 * `npm run audit:verify`: recomputes every audit chain from the stored records and the
 * `.bailiff/audit/` files, prints the result as JSON, and exits 1 at the first broken link.
 * Uses the same configuration as the server (BAILIFF_MODE picks embedded or gcp).
 */
import { parseConfig } from '../shared/config.ts';
import { silentLogger } from '../shared/logging.ts';
import { verifyAuditTrail } from '../shared/services/audit-verifier.ts';
import type { App } from '../shared/composition/common.ts';

async function main(): Promise<number> {
  const config = parseConfig(process.env);
  const app: App =
    config.BAILIFF_MODE === 'gcp'
      ? (await import('../shared/composition/gcp.ts')).buildGcpApp(config, { role: 'executor', logger: silentLogger })
      : (await import('../shared/composition/embedded.ts')).buildEmbeddedApp(config, { logger: silentLogger });
  try {
    const result = await verifyAuditTrail(app.plans, app.auditCopyStore);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result.ok ? 0 : 1;
  } finally {
    await app.close();
  }
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`audit verification could not run: ${error instanceof Error ? error.message : String(error)}\n`);
  return 2;
});
