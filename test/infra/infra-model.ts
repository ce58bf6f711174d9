/**
 * Reads the deployment descriptions the way the infrastructure tests need them: infra/*.tf
 * through HashiCorp's HCL parser (@cdktf/hcl2json, WebAssembly, so no terraform binary), the
 * functions' entry points from functions/index.ts, and a small evaluator that turns the simple
 * references Terraform uses for names and environment variables (`var.x`, `local.x`,
 * `google_x.y.name`, service account e-mails, topic ids) into the values they would have for a
 * sample set of variables. Anything it cannot evaluate is an error, never a guess.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseHcl } from '@cdktf/hcl2json';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export type Block = Record<string, unknown>;

/** Values for the variables that have no default, chosen to be recognisable in failures. */
export const SAMPLE = {
  project: 'sample-project',
  projectNumber: '123456789012',
  bucket: 'sample-workspace',
  principals: '{"agent@sample-project.iam.gserviceaccount.com":{"roles":["agent"]}}',
} as const;

/** Stands for a value only Google knows after apply, such as a function's run.app URL. */
export function computed(reference: string): string {
  return `<computed ${reference}>`;
}

export interface Grant {
  /** e.g. `google_storage_bucket_iam_member.api_reads_workspace` */
  address: string;
  type: string;
  role: string;
  /** The evaluated member, or undefined when it depends on `each`/`count`. */
  member: string | undefined;
  /** The resource the grant is on, e.g. `google_storage_bucket.workspace`, or `project`. */
  target: string;
}

export class TerraformConfig {
  readonly resources = new Map<string, Block>();
  readonly dataSources = new Map<string, Block>();
  readonly variables = new Map<string, Block>();
  readonly locals = new Map<string, unknown>();
  readonly outputs = new Map<string, Block>();
  /** Variable values for evaluation: the samples, then each variable's own default. */
  readonly vars: Record<string, unknown>;

  constructor(files: Array<Record<string, unknown>>) {
    for (const file of files) {
      for (const [type, byName] of Object.entries(asBlock(file.resource ?? {}))) {
        for (const [name, bodies] of Object.entries(asBlock(byName))) this.resources.set(`${type}.${name}`, first(bodies));
      }
      for (const [type, byName] of Object.entries(asBlock(file.data ?? {}))) {
        for (const [name, bodies] of Object.entries(asBlock(byName))) this.dataSources.set(`${type}.${name}`, first(bodies));
      }
      for (const [name, bodies] of Object.entries(asBlock(file.variable ?? {}))) this.variables.set(name, first(bodies));
      for (const [name, bodies] of Object.entries(asBlock(file.output ?? {}))) this.outputs.set(name, first(bodies));
      for (const block of asArray(file.locals ?? [])) {
        for (const [name, value] of Object.entries(asBlock(block))) this.locals.set(name, value);
      }
    }
    const defaults = Object.fromEntries([...this.variables].map(([name, body]) => [name, body.default]));
    this.vars = {
      ...defaults,
      project: SAMPLE.project,
      bucket_name: SAMPLE.bucket,
      principals: SAMPLE.principals,
      function_source_bucket: 'sample-sources',
      function_source_object: 'bailiff-functions.zip',
    };
  }

  /** The body of `type.name`; throws if Terraform does not declare it. */
  resource(address: string): Block {
    const body = this.resources.get(address);
    if (!body) throw new Error(`infra/ declares no resource ${address}`);
    return body;
  }

  resourcesOfType(type: string): Array<[name: string, body: Block]> {
    return [...this.resources].filter(([address]) => address.startsWith(`${type}.`)).map(([address, body]) => [address.slice(type.length + 1), body]);
  }

  /** The default a variable declares; throws if it declares none. */
  defaultOf(variable: string): unknown {
    const body = this.variables.get(variable);
    if (!body || !('default' in body)) throw new Error(`variable "${variable}" has no default`);
    return body.default;
  }

  /** Evaluates a parsed attribute: strings with `${...}` are resolved, other values returned as they are. */
  evaluate(value: unknown): unknown {
    if (typeof value !== 'string') return value;
    const parts = splitTemplate(value);
    const only = parts[0];
    if (parts.length === 1 && only?.kind === 'expr') return this.#evaluateExpression(only.text);
    return parts.map((part) => (part.kind === 'text' ? part.text : String(this.#evaluateExpression(part.text)))).join('');
  }

  /** Evaluates every value of a map attribute (e.g. environment_variables) to a string. */
  evaluateMap(value: unknown): Record<string, string> {
    return Object.fromEntries(Object.entries(asBlock(value)).map(([key, raw]) => [key, String(this.evaluate(raw))]));
  }

  /** Every `*_iam_member` grant, with its member evaluated where that needs no `each`. */
  grants(): Grant[] {
    return [...this.resources]
      .filter(([address]) => /^google_\w+_iam_member\./.test(address))
      .map(([address, body]) => {
        const type = address.split('.')[0] ?? '';
        const member = typeof body.member === 'string' && !/\beach\.|\bcount\./.test(body.member) ? String(this.evaluate(body.member)) : undefined;
        return { address, type, role: String(body.role), member, target: this.#grantTarget(type, body) };
      });
  }

  /**
   * Every `var.`, `local.`, `data.` and resource reference in resources, data sources, locals and
   * outputs, plus, with `includeVariables`, in variable blocks (their validations).
   */
  references(includeVariables = false): { vars: Set<string>; locals: Set<string>; resources: Set<string>; data: Set<string> } {
    const found = { vars: new Set<string>(), locals: new Set<string>(), resources: new Set<string>(), data: new Set<string>() };
    const visit = (value: unknown): void => {
      if (typeof value === 'string') {
        for (const part of splitTemplate(value)) {
          if (part.kind !== 'expr') continue;
          let text = part.text;
          for (const match of text.matchAll(/\bdata\.(\w+)\.(\w+)/g)) found.data.add(`${match[1]}.${match[2]}`);
          text = text.replace(/\bdata\.\w+\.\w+/g, '');
          for (const match of text.matchAll(/\bvar\.(\w+)/g)) found.vars.add(match[1] ?? '');
          for (const match of text.matchAll(/\blocal\.(\w+)/g)) found.locals.add(match[1] ?? '');
          for (const match of text.matchAll(/\b(google_\w+)\.([a-z_]\w*)/g)) found.resources.add(`${match[1]}.${match[2]}`);
        }
      } else if (Array.isArray(value)) {
        value.forEach(visit);
      } else if (value && typeof value === 'object') {
        Object.values(value).forEach(visit);
      }
    };
    [...this.resources.values(), ...this.dataSources.values(), ...this.outputs.values(), ...this.locals.values()].forEach(visit);
    if (includeVariables) [...this.variables.values()].forEach(visit);
    return found;
  }

  #grantTarget(type: string, body: Block): string {
    const onAttribute: Record<string, string> = {
      google_storage_bucket_iam_member: 'bucket',
      google_pubsub_topic_iam_member: 'topic',
      google_pubsub_subscription_iam_member: 'subscription',
      google_cloud_run_v2_service_iam_member: 'name',
      google_service_account_iam_member: 'service_account_id',
      google_kms_crypto_key_iam_member: 'crypto_key_id',
    };
    if (type === 'google_project_iam_member') return 'project';
    const attribute = onAttribute[type];
    if (!attribute) throw new Error(`the tests do not know what a ${type} grants on`);
    const raw = String(body[attribute]);
    if (/\beach\./.test(raw)) return '(each)';
    const reference = /^\$\{(google_\w+\.\w+)\.\w+\}$/.exec(raw)?.[1];
    if (!reference) throw new Error(`${type} on ${raw}: expected a reference to a resource declared in infra/`);
    return reference;
  }

  #evaluateExpression(expression: string): unknown {
    const text = expression.trim();
    let match: RegExpExecArray | null;
    if ((match = /^var\.(\w+)$/.exec(text))) {
      const name = match[1] ?? '';
      if (!this.variables.has(name)) throw new Error(`var.${name} is not declared`);
      const value = this.vars[name];
      if (value === undefined || value === null) throw new Error(`var.${name} has no value to evaluate with`);
      return value;
    }
    if ((match = /^local\.(\w+)$/.exec(text))) {
      const name = match[1] ?? '';
      if (!this.locals.has(name)) throw new Error(`local.${name} is not declared`);
      return this.evaluate(this.locals.get(name));
    }
    if ((match = /^data\.google_project\.(\w+)\.number$/.exec(text))) {
      if (!this.dataSources.has(`google_project.${match[1]}`)) throw new Error(`data.google_project.${match[1]} is not declared`);
      return SAMPLE.projectNumber;
    }
    if ((match = /^(google_\w+)\.(\w+)((?:\.\w+|\[\d+\])+)$/.exec(text))) {
      return this.#resourceAttribute(match[1] ?? '', match[2] ?? '', match[3] ?? '');
    }
    throw new Error(`the tests cannot evaluate \${${text}}; keep names and environment values to plain references`);
  }

  #resourceAttribute(type: string, name: string, path: string): unknown {
    const address = `${type}.${name}`;
    const body = this.resource(address);
    const project = body.project === undefined ? this.vars.project : this.evaluate(body.project);
    if (type === 'google_service_account' && (path === '.email' || path === '.name')) {
      const email = `${String(this.evaluate(body.account_id))}@${String(project)}.iam.gserviceaccount.com`;
      return path === '.email' ? email : `projects/${String(project)}/serviceAccounts/${email}`;
    }
    if (path === '.id' && type === 'google_pubsub_topic') return `projects/${String(project)}/topics/${String(this.evaluate(body.name))}`;
    if (path === '.id' && type === 'google_pubsub_subscription') return `projects/${String(project)}/subscriptions/${String(this.evaluate(body.name))}`;
    if (path === '.id' && type === 'google_kms_key_ring')
      return `projects/${String(project)}/locations/${String(this.evaluate(body.location))}/keyRings/${String(this.evaluate(body.name))}`;
    if (path === '.id' && type === 'google_kms_crypto_key') return `${String(this.evaluate(body.key_ring))}/cryptoKeys/${String(this.evaluate(body.name))}`;
    if (path === '.name' && 'name' in body) return this.evaluate(body.name);
    if (type === 'google_cloudfunctions2_function' && (path === '.url' || path === '.service_config[0].uri')) return computed(`${address}${path}`);
    throw new Error(`the tests cannot evaluate ${address}${path}`);
  }
}

/** Parses every infra/*.tf file. */
export async function loadTerraform(dir = join(repoRoot, 'infra')): Promise<TerraformConfig> {
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.tf'))
    .sort();
  if (names.length === 0) throw new Error(`no .tf files in ${dir}`);
  const files = await Promise.all(names.map(async (name) => (await parseHcl(name, readFileSync(join(dir, name), 'utf8'))) as Record<string, unknown>));
  return new TerraformConfig(files);
}

/**
 * The function names functions/index.ts registers with the functions framework, by signature.
 * Throws, naming the file, when it does not exist: a deployment of entry points that no code
 * registers must fail here, not at the first request.
 */
export function registeredEntryPoints(): { http: string[]; cloudEvent: string[] } {
  const path = join(repoRoot, 'functions', 'index.ts');
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`functions/index.ts, where the deployed entry points must be registered, cannot be read: ${(error as Error).message}`);
  }
  // `http('api', ...)`, also with a type argument: `cloudEvent<Payload>('executor', ...)`.
  const names = (signature: string) =>
    [...source.matchAll(new RegExp(`\\b${signature}\\s*(?:<[^>]*>)?\\s*\\(\\s*['"\`]([^'"\`]+)['"\`]`, 'g'))].map((match) => match[1] ?? '');
  return { http: names('http'), cloudEvent: names('cloudEvent') };
}

/** Bytes in a memory size written as Cloud Functions takes it (Kubernetes quantities: 256M, 1Gi). */
export function memoryBytes(size: unknown): number {
  const match = /^(\d+)(k|M|G|Ki|Mi|Gi)$/.exec(String(size));
  if (!match) throw new Error(`not a memory size the tests understand: ${String(size)}`);
  const unit = { k: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[match[2] as 'k' | 'M' | 'G' | 'Ki' | 'Mi' | 'Gi'];
  return Number(match[1]) * unit;
}

export function readJson(relativePath: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(repoRoot, relativePath), 'utf8')) as Record<string, unknown>;
}

/** The first block of a repeated HCL block (`service_config { ... }` parses as a list of one). */
export function first(value: unknown): Block {
  const list = asArray(value);
  if (list.length !== 1) throw new Error(`expected exactly one block, found ${list.length}`);
  return asBlock(list[0]);
}

export function asArray(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error(`expected a list, found ${JSON.stringify(value)}`);
  return value;
}

export function asBlock(value: unknown): Block {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`expected a block, found ${JSON.stringify(value)}`);
  return value as Block;
}

type TemplatePart = { kind: 'text' | 'expr'; text: string };

/** Splits `a${b}c` into text and expression parts, honouring nested braces and quoted strings. */
function splitTemplate(value: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  let index = 0;
  while (index < value.length) {
    if (value.startsWith('$${', index)) {
      text += '${';
      index += 3;
      continue;
    }
    if (!value.startsWith('${', index)) {
      text += value[index];
      index += 1;
      continue;
    }
    if (text) parts.push({ kind: 'text', text });
    text = '';
    let depth = 1;
    let quoted = false;
    let end = index + 2;
    for (; end < value.length && depth > 0; end += 1) {
      const char = value[end];
      if (quoted) {
        if (char === '\\') end += 1;
        else if (char === '"') quoted = false;
      } else if (char === '"') quoted = true;
      else if (char === '{') depth += 1;
      else if (char === '}') depth -= 1;
    }
    if (depth !== 0) throw new Error(`unbalanced interpolation in ${value}`);
    parts.push({ kind: 'expr', text: value.slice(index + 2, end - 1) });
    index = end;
  }
  if (text || parts.length === 0) parts.push({ kind: 'text', text });
  return parts;
}
