/**
 * The Google Cloud composition root: Cloud Storage, Firestore and Pub/Sub, for the two
 * deployed functions (and the emulator tests).
 */
import { Firestore } from '@google-cloud/firestore';
import type { Config } from '../config.ts';
import { invalidInput, unauthenticated } from '../errors.ts';
import { createLogger } from '../logging.ts';
import type { IdentityVerifier } from '../ports/identity.ts';
import { createGcsStorage, GcsObjectStore } from '../adapters/gcp/gcs-object-store.ts';
import { FirestorePlanStore } from '../adapters/gcp/firestore-plan-store.ts';
import { FirestoreFileHistoryIndex } from '../adapters/gcp/firestore-file-history-index.ts';
import { GoogleIdTokenIdentity } from '../adapters/gcp/google-id-token-identity.ts';
import { assemble, type App, type BuildOptions } from './common.ts';
import { createSigningStorage } from '../adapters/gcp/signing-storage.ts';
import { GcsUrlSigner } from '../adapters/gcp/gcs-url-signer.ts';
import type { UrlSigner } from '../ports/url-signer.ts';
import type { AuditHeadSigner } from '../ports/audit-head-signer.ts';
import { KmsAuditHeadSigner, type KmsSigningClient } from '../adapters/gcp/kms-audit-head-signer.ts';
import { decodeAuditKey, HmacAuditHeadSigner } from '../adapters/local/hmac-audit-head-signer.ts';
import { createRequire } from 'node:module';
import { LazyPubSub, LazyPubSubDeadLetters, LazyPubSubExecutionQueue } from './lazy-pubsub.ts';

/** The signer the config names: an impersonated service account, or (emulator tests) a local key. */
function createUrlSigner(config: Config, projectId: string | undefined): UrlSigner | undefined {
  if (!config.WORKSPACE_BUCKET) return undefined;
  const key = config.BAILIFF_SIGNER_KEY;
  if (!key && !config.BAILIFF_SIGNER_SERVICE_ACCOUNT) return undefined;
  const storage = createSigningStorage({
    ...(config.STORAGE_EMULATOR_HOST ? { apiEndpoint: config.STORAGE_EMULATOR_HOST } : {}),
    ...(projectId ? { projectId } : {}),
    ...(key ? { key } : { serviceAccount: config.BAILIFF_SIGNER_SERVICE_ACCOUNT! }),
  });
  return new GcsUrlSigner({ storage, bucket: config.WORKSPACE_BUCKET });
}
import { buildEventPublisher } from './events.ts';

/**
 * The audit head signer: the Cloud KMS key version the config names; an HMAC key only where no
 * KMS key is set (the emulator tests, as no KMS emulator exists); none when neither is set.
 */
function createAuditHeadSigner(config: Config): AuditHeadSigner | undefined {
  if (config.BAILIFF_AUDIT_KMS_KEY) {
    // Loaded only when configured: the KMS client brings its own gRPC stubs.
    const { KeyManagementServiceClient } = createRequire(import.meta.url)('@google-cloud/kms') as typeof import('@google-cloud/kms');
    return new KmsAuditHeadSigner(new KeyManagementServiceClient() as unknown as KmsSigningClient, config.BAILIFF_AUDIT_KMS_KEY);
  }
  if (config.BAILIFF_AUDIT_HMAC_KEY) return new HmacAuditHeadSigner(decodeAuditKey(config.BAILIFF_AUDIT_HMAC_KEY, 'BAILIFF_AUDIT_HMAC_KEY'));
  return undefined;
}

/** The executor function answers only Pub/Sub pushes; it never verifies callers' tokens. */
const noCallers: IdentityVerifier = {
  async verify() {
    throw unauthenticated('this function does not serve the HTTP API');
  },
};

export interface GcpBuildOptions extends BuildOptions {
  /** `api` verifies Google ID tokens (and so needs BAILIFF_AUDIENCE and BAILIFF_PRINCIPALS); `executor` does not. */
  role: 'api' | 'executor';
  identity?: IdentityVerifier;
}

/** Cloud Storage, Firestore and Pub/Sub: the deployed functions. */
export function buildGcpApp(config: Config, options: GcpBuildOptions): App {
  if (!config.WORKSPACE_BUCKET) throw invalidInput('WORKSPACE_BUCKET is required in gcp mode');
  const projectId = config.GOOGLE_CLOUD_PROJECT;
  const storage = createGcsStorage({ projectId, apiEndpoint: config.STORAGE_EMULATOR_HOST });
  const firestore = new Firestore({ projectId, databaseId: config.FIRESTORE_DATABASE, ignoreUndefinedProperties: true });
  // Created on first use: most requests never publish (lazy-pubsub.ts).
  const pubsub = new LazyPubSub({ projectId });
  const objects = new GcsObjectStore({ storage, bucket: config.WORKSPACE_BUCKET });
  const auditHeadSigner = createAuditHeadSigner(config);
  const plans = new FirestorePlanStore({ firestore, ...(auditHeadSigner ? { auditHeadSigner } : {}) });
  const queue = new LazyPubSubExecutionQueue(pubsub, config.BAILIFF_EXECUTION_TOPIC);
  const identity =
    options.identity ?? (options.role === 'api' ? GoogleIdTokenIdentity.fromConfig(config, { certs: config.BAILIFF_ID_TOKEN_CERTS }) : noCallers);
  const signer = createUrlSigner(config, projectId);
  const events = buildEventPublisher(config, options.logger ?? createLogger({ level: config.LOG_LEVEL }), () => pubsub.client());
  const fileHistory = new FirestoreFileHistoryIndex({ firestore });
  if (config.BAILIFF_DEAD_LETTER_SUBSCRIPTION && !projectId) throw invalidInput('GOOGLE_CLOUD_PROJECT is required with BAILIFF_DEAD_LETTER_SUBSCRIPTION');
  const deadLetters =
    config.BAILIFF_DEAD_LETTER_SUBSCRIPTION && projectId ? new LazyPubSubDeadLetters(pubsub, projectId, config.BAILIFF_DEAD_LETTER_SUBSCRIPTION) : undefined;
  // The audit copies in a bucket of their own, whose retention policy the workspace's cannot have.
  const auditCopies = config.BAILIFF_AUDIT_BUCKET ? new GcsObjectStore({ storage, bucket: config.BAILIFF_AUDIT_BUCKET }) : undefined;
  const app = assemble(config, { objects, plans, queue }, identity, options, events, {
    ...(signer ? { signer } : {}),
    ...(deadLetters ? { deadLetters } : {}),
    ...(auditCopies ? { auditCopies } : {}),
    fileHistory,
  });
  return {
    ...app,
    async close() {
      await deadLetters?.close();
      await events?.close();
      await Promise.allSettled([firestore.terminate(), pubsub.close()]);
    },
  };
}
