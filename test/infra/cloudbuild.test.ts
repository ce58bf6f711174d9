/**
 * cloudbuild.yaml against infra/ and the code: it must test before it deploys, and deploy each
 * function with exactly the settings Terraform gives it (runtime, entry point, memory, timeout,
 * instances, ingress, service account, environment), so that neither a build nor a later
 * `terraform apply` silently changes what the other set.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { asBlock, first, loadTerraform, memoryBytes, readJson, registeredEntryPoints, repoRoot, SAMPLE, type Block } from './infra-model.ts';

const tf = await loadTerraform();
const build = asBlock(parseYaml(readFileSync(join(repoRoot, 'cloudbuild.yaml'), 'utf8')));
const steps = (build.steps as Block[]).map(asBlock);
const substitutionDefaults = asBlock(build.substitutions);

interface Step {
  id: string;
  name: string;
  entrypoint?: string;
  args: string[];
  script?: string;
  waitFor?: string[];
}

const allSteps: Step[] = steps.map((step) => ({
  id: String(step.id),
  name: String(step.name),
  entrypoint: step.entrypoint === undefined ? undefined : String(step.entrypoint),
  args: Array.isArray(step.args) ? step.args.map(String) : [],
  script: step.script === undefined ? undefined : String(step.script),
  waitFor: Array.isArray(step.waitFor) ? step.waitFor.map(String) : undefined,
}));

function step(id: string): Step {
  const found = allSteps.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`cloudbuild.yaml has no step "${id}"`);
  return found;
}

/** Every step that must finish before `id` starts: Cloud Build waits for all earlier steps unless waitFor says otherwise. */
function prerequisites(id: string): Set<string> {
  const index = allSteps.findIndex((candidate) => candidate.id === id);
  const direct = allSteps[index]?.waitFor ?? allSteps.slice(0, index).map((candidate) => candidate.id);
  const all = new Set<string>();
  for (const before of direct) {
    if (before === '-') continue;
    all.add(before);
    for (const transitive of prerequisites(before)) all.add(transitive);
  }
  return all;
}

/** The values substitutions take for a build of the sample project, as Cloud Build would expand them. */
const substitutions: Record<string, string> = {
  PROJECT_ID: SAMPLE.project,
  ...Object.fromEntries(Object.entries(substitutionDefaults).map(([key, value]) => [key, String(value)])),
  _BUCKET: SAMPLE.bucket,
};

function substitute(text: string): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const value = substitutions[name];
    if (value === undefined) throw new Error(`cloudbuild.yaml uses $${name}, which is neither built in nor declared`);
    // User substitutions may refer to built-in ones (dynamicSubstitutions).
    return value.includes('$') ? substitute(value) : value;
  });
}

interface Deploy {
  functionName: string;
  flags: Map<string, string | true>;
}

function deployOf(stepId: string): Deploy {
  const { entrypoint, args } = step(stepId);
  expect(entrypoint).toBe('gcloud');
  expect(args.slice(0, 2)).toEqual(['functions', 'deploy']);
  const flags = new Map<string, string | true>();
  for (const arg of args.slice(3)) {
    const match = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unexpected argument ${arg} in step ${stepId}`);
    const name = match[1] ?? '';
    if (flags.has(name)) throw new Error(`--${name} given twice in step ${stepId}`);
    flags.set(name, match[2] === undefined ? true : substitute(match[2]));
  }
  return { functionName: substitute(args[2] ?? ''), flags };
}

function envFlag(value: string | true | undefined): Record<string, string> {
  if (typeof value !== 'string') return {};
  return Object.fromEntries(
    value
      .split(',')
      .filter((pair) => pair !== '')
      .map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
  );
}

const INGRESS = { ALLOW_ALL: 'all', ALLOW_INTERNAL_ONLY: 'internal-only', ALLOW_INTERNAL_AND_GCLB: 'internal-and-gclb' } as const;

describe('cloudbuild.yaml', () => {
  it('installs, type-checks and runs the whole test suite before it builds, and deploys only after all of that', () => {
    expect(step('install').args).toEqual(['ci']);
    expect(step('install').entrypoint).toBe('npm');
    expect(step('typecheck').args).toEqual(['run', 'typecheck']);
    expect(step('test').script).toMatch(/^\s*npm test\s*$/m);
    expect(step('build').script).toMatch(/^\s*npm run build\s*$/m);
    for (const deploy of ['deploy-api', 'deploy-executor']) {
      const before = prerequisites(deploy);
      for (const needed of ['check-substitutions', 'install', 'typecheck', 'test', 'build']) expect(before, `${deploy} waits for ${needed}`).toContain(needed);
    }
    expect(prerequisites('test')).toContain('install');
  });

  it('runs the tests where the emulators, Java, Go and the pinned Node.js all are', () => {
    const test = step('test');
    expect(test.name).toMatch(/^gcr\.io\/google\.com\/cloudsdktool\/google-cloud-cli:(\d+\.\d+\.\d+-)?emulators$/);
    expect(test.script).toContain('.tools/node/bin');
    expect(test.script).toContain('.tools/go/bin');
    for (const toolchain of ['toolchain-node', 'toolchain-go', 'install']) expect(prerequisites('test')).toContain(toolchain);
    // Every Node.js step uses the version package.json pins as its `node` devDependency.
    const pinned = String(asBlock(readJson('package.json').devDependencies).node);
    const nodeImages = allSteps.filter((candidate) => candidate.name.startsWith('node:')).map((candidate) => candidate.name);
    expect(nodeImages.length).toBeGreaterThan(0);
    for (const image of nodeImages) expect(image).toMatch(new RegExp(`^node:${pinned.replaceAll('.', '\\.')}-`));
  });

  it('has substitution defaults equal to the Terraform variables they stand for, and refuses to run without a bucket', () => {
    expect(substitutionDefaults._REGION).toBe(tf.defaultOf('region'));
    expect(substitutionDefaults._FIRESTORE_DATABASE).toBe(tf.defaultOf('firestore_database'));
    expect(Number(substitutionDefaults._API_MAX_INSTANCES)).toBe(tf.defaultOf('api_max_instances'));
    expect(Number(substitutionDefaults._EXECUTOR_MAX_INSTANCES)).toBe(tf.defaultOf('executor_max_instances'));
    expect(substitutionDefaults._PROJECT).toBe('${PROJECT_ID}');
    expect(asBlock(build.options).dynamicSubstitutions).toBe(true);
    expect(substitutionDefaults._BUCKET).toBe('');
    expect(step('check-substitutions').script).toMatch(/-z "\$\{_BUCKET\}"[\s\S]*exit 1/);
  });

  it('deploys the folder the build step stages', () => {
    const staged = /bash infra\/package-source\.sh (\S+)/.exec(step('build').script ?? '')?.[1];
    expect(staged).toBeDefined();
    for (const id of ['deploy-api', 'deploy-executor']) expect(deployOf(id).flags.get('source')).toBe(staged);
  });

  describe.each([
    { stepId: 'deploy-api', resource: 'google_cloudfunctions2_function.api', entryPoint: 'api' },
    { stepId: 'deploy-executor', resource: 'google_cloudfunctions2_function.executor', entryPoint: 'executor' },
  ])('$stepId', ({ stepId, resource, entryPoint }) => {
    const body = tf.resource(resource);
    const buildConfig = first(body.build_config);
    const service = first(body.service_config);

    it('deploys the function Terraform declares, at the entry point functions/index.ts registers', () => {
      const { functionName, flags } = deployOf(stepId);
      expect(functionName).toBe(tf.evaluate(body.name));
      expect(flags.get('gen2')).toBe(true);
      expect(flags.get('project')).toBe(SAMPLE.project);
      expect(flags.get('region')).toBe(tf.evaluate(body.location));
      expect(flags.get('entry-point')).toBe(buildConfig.entry_point);
      expect(flags.get('entry-point')).toBe(entryPoint);
      const registered = registeredEntryPoints();
      expect([...registered.http, ...registered.cloudEvent]).toContain(entryPoint);
    });

    it('matches Terraform on runtime, memory, timeout, instances, ingress and identity', () => {
      const { flags } = deployOf(stepId);
      expect(flags.get('runtime')).toBe(buildConfig.runtime);
      expect(flags.get('runtime')).toBe('nodejs24');
      expect(memoryBytes(flags.get('memory'))).toBe(memoryBytes(service.available_memory));
      expect(flags.get('timeout')).toBe(`${String(service.timeout_seconds)}s`);
      expect(Number(flags.get('max-instances'))).toBe(tf.evaluate(service.max_instance_count));
      expect(flags.get('ingress-settings')).toBe(INGRESS[service.ingress_settings as keyof typeof INGRESS]);
      expect(flags.get('service-account')).toBe(tf.evaluate(service.service_account_email));
      expect(envFlag(flags.get('set-build-env-vars'))).toEqual(buildConfig.environment_variables);
    });

    it('leaves who may invoke it to Terraform, over HTTP, with the push subscription as the executor trigger', () => {
      const { flags } = deployOf(stepId);
      expect(flags.get('trigger-http')).toBe(true);
      expect(flags.has('allow-unauthenticated')).toBe(false);
      // `--no-allow-unauthenticated` removes an allUsers grant on every rollout: harmless on the
      // executor, which is never public, but on the api it would take the console away from the
      // firm that turned it on (infra/iam.tf, api_browsers).
      expect(flags.has('no-allow-unauthenticated')).toBe(stepId === 'deploy-executor');
      // An Eventarc trigger would add a second subscription beside infra/'s and deliver twice.
      for (const eventFlag of ['trigger-topic', 'trigger-event', 'trigger-event-filters', 'trigger-bucket', 'retry'])
        expect(flags.has(eventFlag), `--${eventFlag}`).toBe(false);
      expect(body.event_trigger).toBeUndefined();
    });
  });

  it('sets exactly the executor environment Terraform sets', () => {
    const { flags } = deployOf('deploy-executor');
    const expected = tf.evaluateMap(first(tf.resource('google_cloudfunctions2_function.executor').service_config).environment_variables);
    expect(envFlag(flags.get('set-env-vars'))).toEqual(expected);
    expect(flags.has('update-env-vars')).toBe(false);
  });

  it('updates every api variable Terraform sets but BAILIFF_PRINCIPALS and BAILIFF_OAUTH_CLIENT_ID, which it leaves to Terraform', () => {
    const { flags } = deployOf('deploy-api');
    const {
      BAILIFF_PRINCIPALS: principals,
      BAILIFF_OAUTH_CLIENT_ID: oauthClient,
      ...expected
    } = tf.evaluateMap(first(tf.resource('google_cloudfunctions2_function.api').service_config).environment_variables);
    expect(principals).toBeDefined();
    expect(oauthClient).toBeDefined();
    expect(envFlag(flags.get('update-env-vars'))).toEqual(expected);
    // --set-env-vars (or clearing or removing) would drop BAILIFF_PRINCIPALS and lock everyone out.
    for (const replacing of ['set-env-vars', 'clear-env-vars', 'remove-env-vars', 'env-vars-file']) expect(flags.has(replacing), `--${replacing}`).toBe(false);
  });
});
