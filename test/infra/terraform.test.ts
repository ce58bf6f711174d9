/**
 * infra/ against the code: the Terraform must deploy the entry points functions/index.ts
 * registers, set only environment variables shared/config.ts reads (and every one gcp mode
 * needs), keep the executor inside the memory and time the design promises, and give the api
 * no way to change the workspace. Values are read from the parsed .tf files and checked
 * against values taken from the code, so a change on either side that breaks the other fails.
 */
import { sweepRequestSchema } from '../../shared/services/execution-delivery.ts';
import { describe, expect, it } from 'vitest';
import { configSchema, parseConfig } from '../../shared/config.ts';
import { auditObjectName, backupObjectName, blobObjectName, objectName, PROJECTS_PREFIX, STAGING_PREFIX, SYSTEM_PREFIX } from '../../shared/domain/paths.ts';
import { ROLES } from '../../shared/ports/identity.ts';
import { asArray, asBlock, computed, first, loadTerraform, memoryBytes, readJson, registeredEntryPoints, SAMPLE, type Block } from './infra-model.ts';

const tf = await loadTerraform();
const configDefaults = configSchema.parse({});

const api = tf.resource('google_cloudfunctions2_function.api');
const executor = tf.resource('google_cloudfunctions2_function.executor');
const apiService = first(api.service_config);
const executorService = first(executor.service_config);
const apiEnv = tf.evaluateMap(apiService.environment_variables);
const executorEnv = tf.evaluateMap(executorService.environment_variables);
const bucket = tf.resource('google_storage_bucket.workspace');
const executionTopic = tf.resource('google_pubsub_topic.executions');
const deadLetterTopic = tf.resource('google_pubsub_topic.executions_dead_letter');

const apiAccount = `serviceAccount:${String(tf.evaluate('${google_service_account.api.email}'))}`;
const signerAccount = `serviceAccount:${String(tf.evaluate('${google_service_account.signer.email}'))}`;
const executorAccount = `serviceAccount:${String(tf.evaluate('${google_service_account.executor.email}'))}`;
const pubsubAgent = `serviceAccount:service-${SAMPLE.projectNumber}@gcp-sa-pubsub.iam.gserviceaccount.com`;

/** Roles that let a holder read objects and nothing more. */
const READ_ONLY_STORAGE_ROLES = new Set([
  'roles/storage.objectViewer',
  'roles/storage.legacyObjectReader',
  'roles/storage.legacyBucketReader',
  'roles/storage.bucketViewer',
]);

function grantsTo(member: string) {
  return tf
    .grants()
    .filter((grant) => grant.member === member)
    .map((grant) => `${grant.role} on ${grant.target}`)
    .sort();
}

describe('the functions Terraform deploys', () => {
  it('are the entry points functions/index.ts registers: api over HTTP, executor as a CloudEvent handler', () => {
    const registered = registeredEntryPoints();
    expect(registered.http).toContain('api');
    expect(registered.cloudEvent).toContain('executor');

    expect(first(api.build_config).entry_point).toBe('api');
    expect(first(executor.build_config).entry_point).toBe('executor');
    const deployed = tf.resourcesOfType('google_cloudfunctions2_function').map(([, body]) => first(body.build_config).entry_point);
    expect(deployed.sort()).toEqual(['api', 'executor']);
  });

  it('run on Node.js 24, the major version the repository pins and develops with', () => {
    const pkg = readJson('package.json');
    const pinnedNode = String(asBlock(pkg.devDependencies).node);
    for (const [, body] of tf.resourcesOfType('google_cloudfunctions2_function')) {
      expect(first(body.build_config).runtime).toBe('nodejs24');
      expect(first(body.build_config).runtime).toBe(`nodejs${pinnedNode.split('.')[0]}`);
    }
  });

  it('ship the compiled dist/ that package.json names as main, without a remote build step', () => {
    const pkg = readJson('package.json');
    const outDir = String(asBlock(readJson('tsconfig.build.json').compilerOptions).outDir);
    expect(pkg.main).toBe(`${outDir}/functions/index.js`);
    for (const [, body] of tf.resourcesOfType('google_cloudfunctions2_function')) {
      expect(first(body.build_config).environment_variables).toEqual({ GOOGLE_NODE_RUN_SCRIPTS: '' });
      // Cloud Build rolls out later code; an apply must not roll it back.
      expect(asArray(first(body.lifecycle).ignore_changes)).toContain('${build_config[0].source}');
    }
  });

  it('set only variables shared/config.ts reads, and a configuration it accepts in gcp mode', () => {
    // NODE_OPTIONS is Node's own (the executor's young-generation size, measured in npm run bench).
    const known = new Set([...Object.keys(configSchema.shape), 'NODE_OPTIONS']);
    for (const env of [apiEnv, executorEnv]) {
      for (const name of Object.keys(env)) expect(known, `${name} is not read by shared/config.ts`).toContain(name);
      const config = parseConfig(env);
      expect(config.BAILIFF_MODE).toBe('gcp');
      expect(config.WORKSPACE_BUCKET).toBe(SAMPLE.bucket);
      expect(config.GOOGLE_CLOUD_PROJECT).toBe(SAMPLE.project);
      expect(config.FIRESTORE_DATABASE).toBe(tf.defaultOf('firestore_database'));
    }
  });

  it('tell the api its own URL as the ID-token audience, checked against the URL Google gives it', () => {
    const expected = `https://${String(tf.defaultOf('region'))}-${SAMPLE.project}.cloudfunctions.net/${String(tf.evaluate(api.name))}`;
    expect(apiEnv.BAILIFF_AUDIENCE).toBe(expected);
    expect(apiEnv.BAILIFF_PRINCIPALS).toBe(SAMPLE.principals);
    const postcondition = first(first(api.lifecycle).postcondition);
    expect(postcondition.condition).toBe('${self.url == local.api_url}');
    expect(tf.evaluate('${local.api_url}')).toBe(expected);
    expect(tf.evaluate(tf.outputs.get('api_url')?.value)).toBe(computed('google_cloudfunctions2_function.api.url'));
  });

  it('publish plan events to the events topic, with console links to the api, and accept the console OAuth client from its variable', () => {
    const eventsTopic = tf.resource('google_pubsub_topic.events');
    expect(apiEnv.BAILIFF_EVENTS_TOPIC).toBe(tf.evaluate(eventsTopic.name));
    expect(executorEnv.BAILIFF_EVENTS_TOPIC).toBe(tf.evaluate(eventsTopic.name));
    expect(executorEnv.BAILIFF_CONSOLE_URL).toBe(apiEnv.BAILIFF_AUDIENCE);
    expect(apiService.environment_variables).toMatchObject({ BAILIFF_OAUTH_CLIENT_ID: '${var.console_oauth_client_id}' });
    expect(parseConfig(apiEnv).BAILIFF_OAUTH_CLIENT_ID).toBeUndefined();
    expect(tf.evaluate(tf.outputs.get('events_topic')?.value)).toBe(`projects/${SAMPLE.project}/topics/${String(tf.evaluate(eventsTopic.name))}`);
  });

  it('name the execution topic shared/config.ts defaults to', () => {
    expect(tf.evaluate(executionTopic.name)).toBe(configDefaults.BAILIFF_EXECUTION_TOPIC);
    expect(apiEnv.BAILIFF_EXECUTION_TOPIC).toBe(configDefaults.BAILIFF_EXECUTION_TOPIC);
    expect(executorEnv.BAILIFF_EXECUTION_TOPIC).toBe(configDefaults.BAILIFF_EXECUTION_TOPIC);
  });

  it('keep the executor within 256 MiB and stop its work before the function times out', () => {
    expect(memoryBytes(executorService.available_memory)).toBeLessThanOrEqual(256 * 2 ** 20);
    const timeoutSeconds = Number(executorService.timeout_seconds);
    // Gen2 event-driven functions stop at 9 minutes; the design's chunking assumes that bound.
    expect(timeoutSeconds).toBeLessThanOrEqual(540);
    const budgetMs = parseConfig(executorEnv).BAILIFF_EXECUTOR_BUDGET_MS;
    expect(executorEnv.BAILIFF_EXECUTOR_BUDGET_MS, 'set explicitly, next to the timeout it must undercut').toBeDefined();
    // Room for the batch in flight, the checkpoint and publishing the continuation.
    expect(budgetMs / 1000).toBeLessThanOrEqual(timeoutSeconds - 60);
  });

  it('size and expose the api and the executor as intended', () => {
    expect(memoryBytes(apiService.available_memory)).toBe(512e6);
    expect(apiService.timeout_seconds).toBe(60);
    expect(apiService.ingress_settings).toBe('ALLOW_ALL');
    expect(executorService.ingress_settings).toBe('ALLOW_INTERNAL_ONLY');
    expect(tf.evaluate(apiService.service_account_email)).toBe(apiAccount.replace('serviceAccount:', ''));
    expect(tf.evaluate(executorService.service_account_email)).toBe(executorAccount.replace('serviceAccount:', ''));
    expect(tf.evaluate(apiService.max_instance_count)).toBe(tf.defaultOf('api_max_instances'));
    expect(tf.evaluate(executorService.max_instance_count)).toBe(tf.defaultOf('executor_max_instances'));
  });
});

describe('the workspace bucket', () => {
  it('is reached through IAM only and can never be made public', () => {
    expect(bucket.uniform_bucket_level_access).toBe(true);
    expect(bucket.public_access_prevention).toBe('enforced');
    const onBucket = tf.grants().filter((grant) => grant.type === 'google_storage_bucket_iam_member');
    expect(onBucket.length).toBeGreaterThan(0);
    expect(onBucket.map((grant) => grant.member ?? '').filter((member) => /allUsers|allAuthenticatedUsers/.test(member))).toEqual([]);
  });

  it('keeps deleted objects 7 days in soft delete instead of versioning them, and cannot be destroyed by an apply', () => {
    expect(first(bucket.soft_delete_policy).retention_duration_seconds).toBe(7 * 24 * 60 * 60);
    expect(first(bucket.versioning).enabled).toBe(false);
    expect(first(bucket.lifecycle).prevent_destroy).toBe(true);
  });

  it('ages out the backups the code writes, after backup_retention_days, and never the audit files', () => {
    const rules = asArray(bucket.lifecycle_rule).map(asBlock);
    const deletes = rules.filter((rule) => first(rule.action).type === 'Delete' && first(rule.condition).age === '${var.backup_retention_days}');
    expect(deletes).toHaveLength(1);
    const condition = first(deletes[0]?.condition);
    expect(condition.age).toBe('${var.backup_retention_days}');
    expect(tf.defaultOf('backup_retention_days')).toBe(90);
    const prefixes = asArray(condition.matches_prefix).map(String);
    expect(prefixes).toHaveLength(1);
    const prefix = prefixes[0] ?? '';
    expect(prefix.startsWith(SYSTEM_PREFIX)).toBe(true);
    expect(backupObjectName('plan-1', 0, 'projects/smith/intake/scan.pdf').startsWith(prefix)).toBe(true);
    expect(auditObjectName('smith', 'plan-1', 7).startsWith(prefix)).toBe(false);
    expect(`projects/smith/${prefix}`.startsWith(prefix)).toBe(false);
  });
});

describe('the staging area for blobs', () => {
  const rules = asArray(bucket.lifecycle_rule).map(asBlock);

  it('ages out uploads after staging_retention_days, and only uploads: never case files, backups or audit files', () => {
    const staging = rules.filter((rule) => first(rule.condition).age === '${var.staging_retention_days}');
    expect(staging).toHaveLength(1);
    expect(first(staging[0]?.action).type).toBe('Delete');
    expect(tf.defaultOf('staging_retention_days')).toBe(1);
    const prefixes = asArray(first(staging[0]?.condition).matches_prefix).map(String);
    expect(prefixes).toEqual([STAGING_PREFIX]);
    const blob = blobObjectName({ case: 'smith', algorithm: 'md5', digest: '0'.repeat(32), size: 5 });
    expect(blob.startsWith(prefixes[0]!)).toBe(true);
    for (const other of [objectName('smith', 'intake/a.pdf'), backupObjectName('p', 0, 'projects/smith/a'), auditObjectName('smith', 'p', 7)]) {
      expect(other.startsWith(prefixes[0]!), other).toBe(false);
    }
    // Every rule deletes under the system area only.
    for (const rule of rules)
      for (const prefix of asArray(first(rule.condition).matches_prefix).map(String)) expect(prefix.startsWith(SYSTEM_PREFIX)).toBe(true);
  });

  it('is writable only through the signer, which can create objects there and read case content, conditioned on the names the code builds', () => {
    const grants = tf.grants().filter((grant) => grant.member === signerAccount);
    expect(grants.map((grant) => `${grant.role} on ${grant.target}`).sort()).toEqual([
      'roles/storage.objectCreator on google_storage_bucket.workspace',
      'roles/storage.objectViewer on google_storage_bucket.workspace',
    ]);
    const conditionOf = (role: string) => {
      const grant = grants.find((candidate) => candidate.role === role)!;
      const expression = String(tf.evaluate(first(tf.resource(grant.address).condition).expression));
      return /^resource\.name\.startsWith\("projects\/_\/buckets\/([^/]+)\/objects\/(.*)"\)$/.exec(expression);
    };
    const creates = conditionOf('roles/storage.objectCreator');
    expect(creates?.[1]).toBe(SAMPLE.bucket);
    expect(creates?.[2]).toBe(STAGING_PREFIX);
    const reads = conditionOf('roles/storage.objectViewer');
    expect(reads?.[2]).toBe(PROJECTS_PREFIX);
    expect(objectName('smith', 'a.pdf').startsWith(reads![2]!)).toBe(true);
    expect(backupObjectName('p', 0, 'projects/smith/a').startsWith(reads![2]!)).toBe(false);
  });

  it('tells the api to sign as the signer, which the api may do and nobody else', () => {
    expect(`serviceAccount:${apiEnv.BAILIFF_SIGNER_SERVICE_ACCOUNT}`).toBe(signerAccount);
    expect(parseConfig(apiEnv).BAILIFF_SIGNER_SERVICE_ACCOUNT).toBe(signerAccount.replace('serviceAccount:', ''));
    expect(executorEnv.BAILIFF_SIGNER_SERVICE_ACCOUNT).toBeUndefined();
    const tokenCreators = tf
      .grants()
      .filter((grant) => grant.role === 'roles/iam.serviceAccountTokenCreator' && grant.target === 'google_service_account.signer');
    expect(tokenCreators.map((grant) => grant.member)).toEqual([apiAccount]);
    expect(JSON.stringify(tf.locals.get('required_services'))).toContain('iamcredentials.googleapis.com');
  });
});

describe('the audit head signing key', () => {
  const key = tf.resource('google_kms_crypto_key.audit_heads');
  it('is an EC P-256 signing key in Cloud KMS that an apply cannot destroy, named to both functions as its first version', () => {
    expect(key.purpose).toBe('ASYMMETRIC_SIGN');
    expect(first(key.version_template).algorithm).toBe('EC_SIGN_P256_SHA256');
    expect(first(key.lifecycle).prevent_destroy).toBe(true);
    for (const env of [apiEnv, executorEnv]) {
      expect(env.BAILIFF_AUDIT_KMS_KEY).toBe(
        `projects/${SAMPLE.project}/locations/${String(tf.defaultOf('region'))}/keyRings/bailiff/cryptoKeys/audit-heads/cryptoKeyVersions/1`,
      );
      expect(parseConfig(env).BAILIFF_AUDIT_KMS_KEY).toBe(env.BAILIFF_AUDIT_KMS_KEY);
    }
  });

  it('may be used to sign, and its public key read, by the two functions only; nobody is granted more', () => {
    const onKey = tf.grants().filter((grant) => grant.target === 'google_kms_crypto_key.audit_heads');
    expect(onKey.map((grant) => `${grant.role} ${grant.member}`).sort()).toEqual(
      [
        `roles/cloudkms.publicKeyViewer ${apiAccount}`,
        `roles/cloudkms.publicKeyViewer ${executorAccount}`,
        `roles/cloudkms.signer ${apiAccount}`,
        `roles/cloudkms.signer ${executorAccount}`,
      ].sort(),
    );
    expect(tf.grants().filter((grant) => grant.role.startsWith('roles/cloudkms.') && grant.target !== 'google_kms_crypto_key.audit_heads')).toEqual([]);
  });
});

describe('Firestore', () => {
  it('is a native-mode database protected from deletion', () => {
    const database = tf.resource('google_firestore_database.bailiff');
    expect(database.type).toBe('FIRESTORE_NATIVE');
    expect(database.delete_protection_state).toBe('DELETE_PROTECTION_ENABLED');
  });

  // The Firestore PlanStore's queries, with its default collection prefix `bailiff`
  // (shared/adapters/gcp/firestore-plan-store.ts lists the same indexes in its header).
  it('has the composite indexes plan listing needs: by case, by status, by both, newest first', () => {
    const indexes = tf.resourcesOfType('google_firestore_index').map(([, body]) => {
      expect(body.database).toBe('${google_firestore_database.bailiff.name}');
      const fields = asArray(body.fields)
        .map(asBlock)
        .map((field) => `${String(field.field_path)} ${String(field.order)}`);
      return `${String(body.collection)}: ${fields.join(', ')}`;
    });
    expect(indexes.sort()).toEqual([
      'bailiff_plans: case ASCENDING, createdAt DESCENDING, __name__ DESCENDING',
      'bailiff_plans: case ASCENDING, status ASCENDING, createdAt DESCENDING, __name__ DESCENDING',
      'bailiff_plans: status ASCENDING, createdAt DESCENDING, __name__ DESCENDING',
    ]);
  });

  it('indexes audit records by plan across every chain, for the collection-group query', () => {
    const fields = tf.resourcesOfType('google_firestore_field').map(([, body]) => {
      const indexes = asArray(first(body.index_config).indexes).map(asBlock);
      return `${String(body.collection)}.${String(body.field)}: ${indexes.map((index) => `${String(index.query_scope)} ${String(index.order)}`).join(', ')}`;
    });
    expect(fields).toEqual(['bailiff_audit_records.planId: COLLECTION_GROUP ASCENDING']);
  });
});

describe('execution delivery', () => {
  const subscriptions = tf.resourcesOfType('google_pubsub_subscription');
  const onTopic = (topic: string) => subscriptions.filter(([, body]) => body.topic === `\${google_pubsub_topic.${topic}.id}`);
  const trigger = tf.resource('google_pubsub_subscription.executor');

  it('has exactly one trigger, so every request is delivered once, not once per subscription', () => {
    expect(onTopic('executions').map(([name]) => name)).toEqual(['executor']);
    for (const [, body] of tf.resourcesOfType('google_cloudfunctions2_function')) expect(body.event_trigger).toBeUndefined();
  });

  it('pushes to the executor on the path the functions framework turns into a messagePublished CloudEvent', () => {
    const push = first(trigger.push_config);
    const endpoint = String(tf.evaluate(push.push_endpoint));
    const executorUri = computed('google_cloudfunctions2_function.executor.service_config[0].uri');
    expect(endpoint).toBe(`${executorUri}/projects/${SAMPLE.project}/topics/${configDefaults.BAILIFF_EXECUTION_TOPIC}`);
    // The framework reads the topic from the request path with this pattern.
    expect(/projects\/[^/?]+\/topics\/[^/?]+/.exec(endpoint.slice(executorUri.length))?.[0]).toBe(
      `projects/${SAMPLE.project}/topics/${configDefaults.BAILIFF_EXECUTION_TOPIC}`,
    );
    const token = first(push.oidc_token);
    expect(`serviceAccount:${String(tf.evaluate(token.service_account_email))}`).toBe(executorAccount);
    expect(tf.evaluate(token.audience)).toBe(executorUri);
    expect(grantsTo(executorAccount)).toContain('roles/run.invoker on google_cloudfunctions2_function.executor');
  });

  it('waits out the executor, backs off from 10 s to 600 s, and dead-letters after 10 attempts', () => {
    expect(trigger.ack_deadline_seconds).toBe(600);
    expect(Number(trigger.ack_deadline_seconds)).toBeGreaterThanOrEqual(Number(executorService.timeout_seconds));
    expect(first(trigger.retry_policy)).toEqual({ minimum_backoff: '10s', maximum_backoff: '600s' });
    const deadLetter = first(trigger.dead_letter_policy);
    expect(deadLetter.dead_letter_topic).toBe('${google_pubsub_topic.executions_dead_letter.id}');
    expect(deadLetter.max_delivery_attempts).toBe(10);
    expect(first(trigger.expiration_policy).ttl).toBe('');
  });

  it('keeps dead letters on their own topic, in a pull subscription operators read', () => {
    expect(tf.evaluate(deadLetterTopic.name)).toBe(`${configDefaults.BAILIFF_EXECUTION_TOPIC}-dead-letter`);
    const readers = onTopic('executions_dead_letter');
    expect(readers).toHaveLength(1);
    const [, reader] = readers[0] as [string, Block];
    expect(reader.push_config).toBeUndefined();
    expect(first(reader.expiration_policy).ttl).toBe('');
  });

  it('lets the Pub/Sub service agent dead-letter (publish there, ack here) and sign the pushes', () => {
    expect(tf.evaluate('${local.pubsub_service_agent}')).toBe(pubsubAgent);
    expect(grantsTo(pubsubAgent)).toEqual([
      'roles/iam.serviceAccountTokenCreator on google_service_account.executor',
      'roles/pubsub.publisher on google_pubsub_topic.executions_dead_letter',
      'roles/pubsub.subscriber on google_pubsub_subscription.executor',
    ]);
  });
});

describe('IAM', () => {
  it('gives the api read-only objects, Firestore, and publishing to the execution topic: nothing that writes or deletes a file', () => {
    const grants = grantsTo(apiAccount);
    expect(grants).toEqual([
      '${google_project_iam_custom_role.hold_keeper.name} on google_storage_bucket.workspace',
      'roles/cloudkms.publicKeyViewer on google_kms_crypto_key.audit_heads',
      'roles/cloudkms.signer on google_kms_crypto_key.audit_heads',
      'roles/datastore.user on project',
      'roles/iam.serviceAccountTokenCreator on google_service_account.signer',
      'roles/pubsub.publisher on google_pubsub_topic.events',
      'roles/pubsub.publisher on google_pubsub_topic.executions',
      'roles/pubsub.viewer on google_pubsub_topic.executions',
      // GET /audit/verify reads the audit copies.
      'roles/storage.objectViewer on google_storage_bucket.audit',
      'roles/storage.objectViewer on google_storage_bucket.workspace',
    ]);
    const storageRoles = tf.grants().filter((grant) => grant.member === apiAccount && grant.role.startsWith('roles/storage.'));
    for (const grant of storageRoles) expect(READ_ONLY_STORAGE_ROLES).toContain(grant.role);
  });

  it('lets the api place and release legal holds, which changes object metadata only: no create, no delete', () => {
    const role = tf.resource('google_project_iam_custom_role.hold_keeper');
    expect([...(role.permissions as string[])].sort()).toEqual(['storage.objects.get', 'storage.objects.update']);
  });

  it('makes the executor the only identity that can write the workspace', () => {
    expect(grantsTo(executorAccount)).toEqual([
      'roles/cloudkms.publicKeyViewer on google_kms_crypto_key.audit_heads',
      'roles/cloudkms.signer on google_kms_crypto_key.audit_heads',
      'roles/datastore.user on project',
      'roles/pubsub.publisher on google_pubsub_topic.events',
      'roles/pubsub.publisher on google_pubsub_topic.executions',
      // The execution sweep reads and acknowledges dead letters (infra/scheduler.tf).
      'roles/pubsub.subscriber on google_pubsub_subscription.executions_dead_letter',
      'roles/run.invoker on google_cloudfunctions2_function.executor',
      // The audit copies: created and read, never replaced or deleted.
      'roles/storage.objectCreator on google_storage_bucket.audit',
      'roles/storage.objectUser on google_storage_bucket.workspace',
      'roles/storage.objectViewer on google_storage_bucket.audit',
    ]);
    const writers = tf
      .grants()
      .filter(
        (grant) => grant.target === 'google_storage_bucket.workspace' && grant.role.startsWith('roles/storage.') && !READ_ONLY_STORAGE_ROLES.has(grant.role),
      );
    // The signer's create-only grant is conditioned on the staging area (checked above), which is never case content.
    expect(writers.filter((grant) => grant.member !== signerAccount).map((grant) => grant.member)).toEqual([executorAccount]);
    expect(writers.filter((grant) => grant.member === signerAccount).map((grant) => grant.role)).toEqual(['roles/storage.objectCreator']);
  });

  it('lets exactly the principals call the api, in the roles the code knows', () => {
    const invokers = tf.resource('google_cloud_run_v2_service_iam_member.api_invokers');
    expect(invokers.for_each).toBe('${toset(keys(jsondecode(var.principals)))}');
    expect(invokers.role).toBe('roles/run.invoker');
    expect(invokers.name).toBe('${google_cloudfunctions2_function.api.name}');
    const validation = first(tf.variables.get('principals')?.validation);
    const allowed = /contains\(\[([^\]]*)\], role\)/.exec(String(validation.condition))?.[1];
    expect(
      allowed
        ?.split(',')
        .map((role) => role.trim().replaceAll('"', ''))
        .sort(),
    ).toEqual([...ROLES].sort());
  });

  it('grants no basic roles, and to the public only invoking the api, only when the console is configured', () => {
    for (const grant of tf.grants()) expect(grant.role).not.toMatch(/^roles\/(owner|editor|viewer)$/);
    const publicGrants = tf.grants().filter((grant) => /allUsers|allAuthenticatedUsers/.test(grant.member ?? ''));
    expect(publicGrants.map((grant) => `${grant.address}: ${grant.role} on ${grant.target} to ${grant.member}`)).toEqual([
      'google_cloud_run_v2_service_iam_member.api_browsers: roles/run.invoker on google_cloudfunctions2_function.api to allUsers',
    ]);
    const browsers = tf.resource('google_cloud_run_v2_service_iam_member.api_browsers');
    expect(browsers.count).toBe('${var.console_oauth_client_id == "" ? 0 : 1}');
    expect(tf.defaultOf('console_oauth_client_id')).toBe('');
  });
});

describe('the audit bucket', () => {
  const audit = tf.resource('google_storage_bucket.audit');

  it('keeps every copy from being overwritten or deleted for audit_retention_days, and is where both functions find the copies', () => {
    const policy = first(audit.retention_policy);
    expect(policy.retention_period).toBe('${var.audit_retention_days * 86400}');
    expect(policy.is_locked).toBe('${var.audit_retention_locked}');
    expect(tf.defaultOf('audit_retention_days')).toBeGreaterThanOrEqual(7 * 365);
    // Locking is irreversible: the operator decides.
    expect(tf.defaultOf('audit_retention_locked')).toBe(false);
    expect(audit.uniform_bucket_level_access).toBe(true);
    expect(audit.public_access_prevention).toBe('enforced');
    expect(first(audit.lifecycle).prevent_destroy).toBe(true);
    expect(audit.lifecycle_rule).toBeUndefined();
    const name = String(tf.evaluate(audit.name));
    expect(name).not.toBe(String(tf.evaluate(bucket.name)));
    for (const env of [apiEnv, executorEnv]) {
      expect(env.BAILIFF_AUDIT_BUCKET).toBe(name);
      expect(parseConfig({ ...env, BAILIFF_MODE: 'gcp' }).BAILIFF_AUDIT_BUCKET).toBe(name);
    }
  });

  it('lets the executor create and read copies and the api read them; nobody can replace or delete one', () => {
    const onAudit = tf.grants().filter((grant) => grant.target === 'google_storage_bucket.audit');
    expect(onAudit.map((grant) => `${grant.role} to ${grant.member}`).sort()).toEqual(
      [
        `roles/storage.objectCreator to ${executorAccount}`,
        `roles/storage.objectViewer to ${executorAccount}`,
        `roles/storage.objectViewer to ${apiAccount}`,
      ].sort(),
    );
  });
});

describe('the execution sweep', () => {
  it('is asked for by Cloud Scheduler on the executions topic, in the one shape the executor runs it for, and reads the dead-letter subscription', () => {
    const target = first(tf.resource('google_cloud_scheduler_job.execution_sweep').pubsub_target);
    expect(target.topic_name).toBe('${google_pubsub_topic.executions.id}');
    const hcl = /base64encode\(jsonencode\((\{.*\})\)\)/.exec(String(target.data))?.[1];
    const body: unknown = JSON.parse((hcl ?? '').replace(/(\w+) =/g, '"$1":'));
    expect(sweepRequestSchema.safeParse(body).success).toBe(true);
    const environment = tf.evaluateMap(first(executor.service_config).environment_variables);
    expect(environment.BAILIFF_DEAD_LETTER_SUBSCRIPTION).toBe(tf.evaluate(tf.resource('google_pubsub_subscription.executions_dead_letter').name));
  });
});

describe('the configuration as a whole', () => {
  it('refers only to variables, locals, resources and data sources it declares, and uses every variable', () => {
    const refs = tf.references(true);
    const used = tf.references().vars;
    for (const name of refs.vars) expect(tf.variables.has(name), `var.${name}`).toBe(true);
    for (const name of refs.locals) expect(tf.locals.has(name), `local.${name}`).toBe(true);
    for (const address of refs.resources) expect(tf.resources.has(address), address).toBe(true);
    for (const address of refs.data) expect(tf.dataSources.has(address), `data.${address}`).toBe(true);
    for (const name of tf.variables.keys()) expect(used.has(name), `variable "${name}" is never used`).toBe(true);
  });

  it('outputs the api URL, the bucket and the topic', () => {
    expect(tf.evaluate(tf.outputs.get('workspace_bucket')?.value)).toBe(SAMPLE.bucket);
    expect(tf.evaluate(tf.outputs.get('execution_topic')?.value)).toBe(`projects/${SAMPLE.project}/topics/${configDefaults.BAILIFF_EXECUTION_TOPIC}`);
    expect(tf.outputs.has('api_url')).toBe(true);
  });
});
