/**
 * Every setting, in the words an operator needs: docs/operations.md's configuration table is
 * generated from this and the schema's own defaults (`npm run docs:config`), and a test fails
 * when the two differ. Keyed by the schema, so a setting added without a line here does not
 * compile. Listed in the order the table shows them: the embedded server first, then the
 * executor, then Google Cloud.
 */
import { configSchema, type Config } from './config.ts';

export interface SettingReference {
  meaning: string;
  /** What the table says when the schema has no default, or when its default needs words. */
  defaultInWords?: string;
}

export const CONFIG_REFERENCE: { readonly [Name in keyof Config]-?: SettingReference } = {
  BAILIFF_MODE: {
    meaning: '`embedded`: a local directory, SQLite and an in-process queue; `gcp` (the deployed functions): Cloud Storage, Firestore and Pub/Sub',
  },
  PORT: { meaning: 'HTTP port (`npm start`)' },
  BAILIFF_WORKSPACE_DIR: { meaning: 'the workspace, embedded mode' },
  BAILIFF_STATE_DIR: { meaning: 'SQLite state, object metadata and development tokens, embedded mode' },
  BAILIFF_TOKENS: {
    defaultInWords: 'generated',
    meaning:
      '`{"<token>": {"principal": "...", "roles": ["agent"], "cases": ["smith-*"]}}`; without it, development tokens are generated and the server listens on loopback only. Principals are canonical ids (case-folded, NFKC); entries that fold or look alike are refused',
  },
  BAILIFF_POLICY_FILE: { defaultInWords: 'built-in', meaning: "the firm's policy: approval rules, limits, ethical walls ([security.md](security.md))" },
  BAILIFF_APPROVAL_TTL_HOURS: { meaning: 'an approval expires after this; the plan then needs a fresh dry run and approval' },
  BAILIFF_MAX_OPEN_PLANS: {
    meaning:
      "plans one principal may hold open (proposed, approved, queued, running); a further proposal is a 409 `conflict` until one finishes; `0`: no cap. A proposal over the policy's `limits.maxOperations` is a 422 `plan_invalid` before any dry run, and nothing of it is stored",
  },
  BAILIFF_MAX_BODY_BYTES: { meaning: 'largest request body' },
  BAILIFF_MAX_UPLOAD_BYTES: { meaning: "largest blob the embedded server's upload endpoint takes (Cloud uploads go to signed URLs)" },
  BAILIFF_EXECUTOR_CONCURRENCY: { meaning: 'actions on disjoint objects applied at once, to start with' },
  BAILIFF_EXECUTOR_MAX_CONCURRENCY: {
    meaning: 'the most it adapts up to while storage keeps pace; on 429/503 or slower storage it backs off (`shared/services/adaptive-concurrency.ts`)',
  },
  BAILIFF_EXECUTOR_BUDGET_MS: { meaning: 'work per executor invocation before it checkpoints and continues in a new one' },
  BAILIFF_LEASE_TTL_MS: { meaning: 'case lease lifetime; renewed whenever less than half of it is left' },
  BAILIFF_JOURNAL_BATCH: {
    meaning:
      "actions per journal write (one journal chunk and one audit record each; the plan's checkpoint is written at most every 5 s, its progress as it happens: every 0.1 s embedded, at most once a second on Firestore)",
  },
  BAILIFF_AUDIT_HMAC_KEY: { meaning: 'base64 key (≥ 32 bytes) that signs audit chain heads in embedded mode; keep it away from the state directory' },
  BAILIFF_AUDIT_KEY_FILE: {
    defaultInWords: '`<state>/audit-head.key`',
    meaning: 'where the embedded HMAC key is read from when the variable above is unset; the first start generates it and warns: move it elsewhere',
  },
  BAILIFF_WEBHOOKS: {
    meaning:
      '`[{"url": "...", "secret": "whsec_...", "contentMode": "structured"}]`: webhooks for plan events as CloudEvents (`structured` or `binary`), Standard Webhooks signatures',
  },
  BAILIFF_CONSOLE_URL: { defaultInWords: "the api's address", meaning: 'base of the console links in events' },
  BAILIFF_MCP_ALLOWED_ORIGINS: { defaultInWords: 'none', meaning: "browser origins besides the api's own that may call `/mcp` (comma-separated)" },
  WORKSPACE_BUCKET: { meaning: 'the bucket holding the cases (`gcp` mode; required there)' },
  GOOGLE_CLOUD_PROJECT: { meaning: 'the Google Cloud project (`gcp` mode)' },
  FIRESTORE_DATABASE: { meaning: 'the Firestore database holding plans, journals, leases and audit (`gcp` mode)' },
  BAILIFF_EXECUTION_TOPIC: { meaning: 'the Pub/Sub topic execution requests are published to (`gcp` mode)' },
  BAILIFF_DEAD_LETTER_SUBSCRIPTION: {
    meaning:
      "the subscription on the executions topic's dead-letter topic that the execution sweep reads, to fail the plans whose requests were given up on (`gcp` mode; Terraform sets it on the executor)",
  },
  BAILIFF_AUDIENCE: { meaning: 'expected audience of Google ID tokens: the api URL (`gcp` mode)' },
  BAILIFF_PRINCIPALS: { meaning: '`{"<email>": {"roles": [...], "cases": [...]}}`: who may do what (`gcp` mode)' },
  BAILIFF_ID_TOKEN_CERTS: {
    meaning:
      '`{"<kid>": "<PEM public key>"}`: pins the keys ID tokens are verified with instead of fetching Google\'s (air-gapped key sets, the emulator tests); leave unset in production',
  },
  BAILIFF_OAUTH_CLIENT_ID: { meaning: "the console's Google Sign-In client; its ID tokens are accepted besides `BAILIFF_AUDIENCE`'s (`gcp` mode)" },
  BAILIFF_EVENTS_TOPIC: { meaning: 'Pub/Sub topic for plan events (CloudEvents); unset: none published' },
  BAILIFF_SIGNER_SERVICE_ACCOUNT: {
    meaning: "`gcp` mode: the account whose rights signed URLs carry (Terraform's `bailiff-signer`); without it, file content and uploads are not served",
  },
  BAILIFF_SIGNER_KEY: { meaning: 'emulator tests only: a service-account key (JSON) to sign URLs locally; never in production' },
  BAILIFF_AUDIT_KMS_KEY: { meaning: 'Google Cloud: the Cloud KMS key version that signs audit chain heads (Terraform sets it)' },
  BAILIFF_AUDIT_BUCKET: {
    defaultInWords: 'the workspace bucket',
    meaning:
      'Google Cloud: the bucket the audit copies are written to, under `.bailiff/audit/`; Terraform creates it with a retention policy (`audit_retention_days`), so a copy cannot be rewritten or deleted before it expires, and sets it on both functions',
  },
  STORAGE_EMULATOR_HOST: { meaning: 'a Cloud Storage emulator (tests and local runs); unset in production' },
  FIRESTORE_EMULATOR_HOST: { meaning: 'the Firestore emulator (tests and local runs); unset in production' },
  PUBSUB_EMULATOR_HOST: { meaning: 'the Pub/Sub emulator (tests and local runs); unset in production' },
  NODE_ENV: {
    meaning: "read by the functions framework, not Bailiff: `production` keeps stack traces out of its own JSON parser's error pages; set on both functions",
  },
  LOG_LEVEL: { meaning: "structured JSON logs in Cloud Logging's shape" },
};

/** The default a setting takes when unset, as the schema itself computes it. */
function schemaDefault(name: keyof Config): string {
  const field = configSchema.shape[name] as { safeParse(value: unknown): { success: boolean; data?: unknown } };
  const parsed = field.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return '—';
  if (Array.isArray(parsed.data) && parsed.data.length === 0) return '—';
  return `\`${typeof parsed.data === 'string' ? parsed.data : JSON.stringify(parsed.data)}\``;
}

/** The configuration table of docs/operations.md, as Markdown. */
export function renderConfigTable(): string {
  const rows = (Object.keys(CONFIG_REFERENCE) as Array<keyof Config>).map((name) => {
    const reference = CONFIG_REFERENCE[name];
    return `| \`${name}\` | ${reference.defaultInWords ?? schemaDefault(name)} | ${reference.meaning} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
