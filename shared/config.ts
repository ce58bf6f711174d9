/**
 * Configuration: a pure function of the environment, parsed once at start-up by each entry
 * point and passed down. Nothing else reads `process.env`.
 */
import { z } from 'zod';
import { invalidInput, zodIssueDetails } from './errors.ts';
import { idTokenCertsSetting, jsonSetting, principalsSetting, tokensSetting } from './identity-settings.ts';

const intFromEnv = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);
/** A text setting that is unset when empty, so a deployment can clear it by setting it to ''. */
const optionalText = () =>
  z
    .string()
    .optional()
    .transform((value) => (value ? value : undefined));

const MiB = 1024 * 1024;

/** A webhook: where to post plan events, and the Standard Webhooks secret (`whsec_` + base64) to sign them with. */
export const webhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/, 'a Standard Webhooks secret: whsec_ followed by base64 of at least 12 bytes'),
  /**
   * How the CloudEvent travels (its HTTP binding's content modes): `structured` (the default) posts
   * the whole event as `application/cloudevents+json`; `binary` posts its data as
   * `application/json` with the attributes in `ce-*` headers.
   */
  contentMode: z.enum(['structured', 'binary']).optional(),
});
export const webhooksSchema = z.array(webhookSchema).max(20);
export type WebhookTarget = z.infer<typeof webhookSchema>;

export const configSchema = z.object({
  /** `embedded`: local directory, SQLite, in-process queue. `gcp`: Cloud Storage, Firestore, Pub/Sub. */
  BAILIFF_MODE: z.enum(['embedded', 'gcp']).default('embedded'),
  PORT: intFromEnv(8080, 0),
  BAILIFF_WORKSPACE_DIR: z.string().default('./workspace'),
  BAILIFF_STATE_DIR: z.string().default('./.bailiff'),
  /** JSON `{ "<token>": { "principal": "...", "roles": [...], "cases": [...] } }` (embedded mode). */
  BAILIFF_TOKENS: tokensSetting,
  WORKSPACE_BUCKET: z.string().optional(),
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  FIRESTORE_DATABASE: z.string().default('(default)'),
  BAILIFF_EXECUTION_TOPIC: z.string().default('bailiff-executions'),
  /**
   * The subscription on the executions' dead-letter topic (gcp mode). Set on the executor: the
   * sweep fails the plan of each request parked there. Unset: dead letters wait for an operator.
   */
  BAILIFF_DEAD_LETTER_SUBSCRIPTION: z.string().min(1).optional(),
  /** Expected `aud` of Google ID tokens: the api function's URL. */
  BAILIFF_AUDIENCE: z.string().optional(),
  /** JSON `{ "<email>": { "roles": [...], "cases": [...] } }`: who may do what on Google Cloud. */
  BAILIFF_PRINCIPALS: principalsSetting,
  /**
   * JSON `{ "<kid>": "<PEM public key>" }`: pins the keys ID tokens are verified with instead of
   * fetching Google's (an air-gapped key set, or the emulator tests). Issuer, audience, expiry and
   * e-mail checks still apply. Leave unset in production.
   */
  BAILIFF_ID_TOKEN_CERTS: idTokenCertsSetting,
  /**
   * OAuth client ID of the console's Google Sign-In (Google Identity Services). ID tokens issued
   * for it are accepted besides those for BAILIFF_AUDIENCE, with the same principals and roles.
   * Empty or unset: the console on Google Cloud offers no Google sign-in.
   */
  BAILIFF_OAUTH_CLIENT_ID: optionalText(),
  /** Pub/Sub topic that receives every plan event as a CloudEvent; unset: none published. */
  BAILIFF_EVENTS_TOPIC: optionalText(),
  /**
   * JSON `[{"url": "https://...", "secret": "whsec_...", "contentMode": "structured"}]`: webhooks
   * that receive every plan event as a CloudEvent, signed per the Standard Webhooks specification.
   */
  BAILIFF_WEBHOOKS: jsonSetting.pipe(webhooksSchema.optional()).transform((hooks) => hooks ?? []),
  /**
   * Comma-separated browser origins (`https://host[:port]`) that may call `/mcp` besides the api's
   * own, such as a web-based MCP client; a request with any other Origin header is refused (403).
   */
  BAILIFF_MCP_ALLOWED_ORIGINS: z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    )
    .pipe(z.array(z.string().refine(isOrigin, 'an origin: scheme, host and optional port, such as https://app.example.com'))),
  /** Where people open the console, for the links in notifications; defaults to the api's own address. */
  BAILIFF_CONSOLE_URL: z.url().optional(),
  /** Path of the firm's policy file (JSON); without it, the built-in conservative policy applies. */
  BAILIFF_POLICY_FILE: z.string().optional(),
  /** Actions in flight when an execution starts; adaptive concurrency moves it up to the maximum below. */
  BAILIFF_EXECUTOR_CONCURRENCY: intFromEnv(32),
  /** The most actions in flight while storage keeps up (latency flat, no 429/503); set it to the concurrency above to fix it. */
  BAILIFF_EXECUTOR_MAX_CONCURRENCY: intFromEnv(128),
  /** Work time per executor invocation before it checkpoints and continues in a new one. */
  BAILIFF_EXECUTOR_BUDGET_MS: intFromEnv(7 * 60 * 1000),
  BAILIFF_LEASE_TTL_MS: intFromEnv(60 * 1000),
  BAILIFF_APPROVAL_TTL_HOURS: intFromEnv(72),
  /**
   * Plans one principal may hold open (proposed, approved, queued or running) before a new
   * proposal is refused; 0 means no cap. Rollbacks are never refused by it.
   */
  BAILIFF_MAX_OPEN_PLANS: intFromEnv(200, 0),
  BAILIFF_MAX_BODY_BYTES: intFromEnv(32 * MiB),
  /** Largest blob the embedded server's upload endpoint accepts (Cloud uploads go to signed URLs). */
  BAILIFF_MAX_UPLOAD_BYTES: intFromEnv(1024 ** 3),
  /**
   * The service account whose signature the api's signed URLs carry (gcp mode). The api signs as
   * it through IAM `signBlob`; its only grants are reading case content and creating objects in
   * the staging area (infra/iam.tf). Without a signer, file content and uploads are not served.
   */
  BAILIFF_SIGNER_SERVICE_ACCOUNT: z.string().email().optional(),
  /**
   * A service-account key (JSON with `client_email` and `private_key`) to sign URLs locally
   * instead: for the emulator tests. Never in production — a key file is a long-lived secret.
   */
  BAILIFF_SIGNER_KEY: jsonSetting.pipe(z.object({ client_email: z.email(), private_key: z.string().startsWith('-----BEGIN', 'a PEM private key') }).optional()),
  /**
   * Base64 HMAC key (at least 32 bytes) that signs each audit chain's head (embedded mode). Keep it
   * away from the state directory: whoever holds it and the state can rewrite the trail unseen.
   * Unset: read from BAILIFF_AUDIT_KEY_FILE, which the first start creates with a fresh key.
   * On Google Cloud, used only where no KMS key is set (the emulator tests).
   */
  BAILIFF_AUDIT_HMAC_KEY: optionalText(),
  /** The file the embedded HMAC key is read from, or generated into; default `<state dir>/audit-head.key`. */
  BAILIFF_AUDIT_KEY_FILE: optionalText(),
  /**
   * Google Cloud: the Cloud KMS asymmetric signing key version (EC_SIGN_P256_SHA256) that signs
   * each audit chain's head, `projects/…/locations/…/keyRings/…/cryptoKeys/…/cryptoKeyVersions/N`.
   */
  BAILIFF_AUDIT_KMS_KEY: z
    .string()
    .regex(/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+\/cryptoKeyVersions\/\d+$/, 'a Cloud KMS key version resource name')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /**
   * Google Cloud: the bucket the audit copies go to (under `.bailiff/audit/`), apart from the
   * workspace; Terraform gives it a retention policy, so nobody can rewrite or delete a copy
   * before it expires. Unset or empty: the copies go to the workspace bucket.
   */
  BAILIFF_AUDIT_BUCKET: z
    .string()
    .optional()
    .transform((value) => (value ? value : undefined)),
  /** Actions per journal batch: one journal write and one audit record per batch. */
  BAILIFF_JOURNAL_BATCH: intFromEnv(500),
  /** Emulator addresses (tests and local runs against emulators); unset in production. */
  STORAGE_EMULATOR_HOST: z.string().optional(),
  FIRESTORE_EMULATOR_HOST: z.string().optional(),
  PUBSUB_EMULATOR_HOST: z.string().optional(),
  /**
   * Read by express inside the functions framework, not by Bailiff: `production` makes the
   * framework's own JSON parser answer bad bodies without a stack trace. Set on both functions.
   */
  NODE_ENV: z.enum(['production', 'development', 'test']).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

/** Whether `value` is exactly an origin (no path, query or trailing slash), as browsers send it. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/** Parses the environment once; a bad value stops start-up with every problem named. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw invalidInput('invalid configuration', zodIssueDetails(result.error));
  }
  const config = result.data;
  if (config.BAILIFF_MODE === 'gcp' && !config.WORKSPACE_BUCKET) {
    throw invalidInput('invalid configuration', [{ path: 'WORKSPACE_BUCKET', message: 'required in gcp mode' }]);
  }
  return config;
}
