/**
 * The Storage client that signs URLs, apart from the one that reads and lists: a signed URL
 * carries its signer's permissions, so the signer is its own, narrow identity.
 * - production: the api's own credentials impersonate the signing service account; each
 *   signature is an IAM `signBlob` call as that account (the api holds
 *   `roles/iam.serviceAccountTokenCreator` on it and nothing else of it);
 * - emulator tests: a throw-away key signs locally (fake-gcs-server checks no signature).
 */
import { Storage } from '@google-cloud/storage';
import { GoogleAuth, Impersonated } from 'google-auth-library';

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

export type SigningStorageSettings = { apiEndpoint?: string; projectId?: string } & (
  | { key: { client_email: string; private_key: string } }
  | { serviceAccount: string }
);

/**
 * A memoised factory: the impersonation's source credentials are found on the first signature,
 * not at start-up, so an instance without credentials still serves everything that needs none.
 */
export function createSigningStorage(settings: SigningStorageSettings): () => Promise<Storage> {
  let storage: Promise<Storage> | undefined;
  return () => (storage ??= build(settings));
}

async function build(settings: SigningStorageSettings): Promise<Storage> {
  let authClient: GoogleAuth;
  if ('key' in settings) {
    authClient = new GoogleAuth({ credentials: settings.key, scopes: [CLOUD_PLATFORM] });
  } else {
    const sourceClient = await new GoogleAuth({ scopes: [CLOUD_PLATFORM] }).getClient();
    authClient = new GoogleAuth({
      authClient: new Impersonated({ sourceClient, targetPrincipal: settings.serviceAccount, targetScopes: [CLOUD_PLATFORM], lifetime: 3600, delegates: [] }),
    });
  }
  return new Storage({
    authClient,
    ...(settings.apiEndpoint ? { apiEndpoint: settings.apiEndpoint } : {}),
    ...(settings.projectId ? { projectId: settings.projectId } : {}),
  });
}
