/**
 * Two small services beside PlanService, for agents' tools: proposing a plan from shell lines,
 * and reading a text file of a case in bounded pages. PlanService delegates to them, so they
 * get its ports and its propose path without growing the lifecycle code.
 */
import type { z } from 'zod';
import { fromCommandsInputSchema, translateCommands, type LineTranslation } from '../domain/commands.ts';
import { casePathOf, casePrefix, objectName } from '../domain/paths.ts';
import { caseNameSchema, casePathSchema, type PlanInput } from '../domain/plan.ts';
import { invalidInput, notFound, payloadTooLarge, zodIssueDetails } from '../errors.ts';
import type { Principal } from '../ports/identity.ts';
import { listAll, type ObjectStore } from '../ports/object-store.ts';
import { requireRole, type CaseAccess } from './authorization.ts';
import type { FileText, PlanView } from './plan-api.ts';

/** Largest page of text one read returns, in bytes. */
export const MAX_READ_PAGE_BYTES = 256 * 1024;
export const DEFAULT_READ_PAGE_BYTES = 64 * 1024;
/** Largest file that can be read at all: ObjectStore reads whole objects. */
export const MAX_READABLE_FILE_BYTES = 16 * 1024 * 1024;

export interface CaseToolsDeps {
  objects: ObjectStore;
  listPageSize?: number;
  access: CaseAccess;
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string, pathPrefix: string[] = []): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(`invalid ${what}`, zodIssueDetails(result.error, pathPrefix));
  return result.data;
}

/**
 * Lists the case once, translates the lines against it, and hands the operations to `propose`
 * (the ordinary propose path: same validation, dry run and audit). A line that cannot be
 * translated is an `invalid_input` whose details carry `line`, `column` and `message`.
 */
export async function proposeFromCommands(
  deps: CaseToolsDeps,
  principal: Principal,
  body: unknown,
  propose: (input: PlanInput) => Promise<PlanView>,
): Promise<PlanView & { translation: LineTranslation[] }> {
  requireRole(principal, 'proposing a plan', 'agent');
  const input = parseOrThrow(fromCommandsInputSchema, body, 'commands');
  await deps.access.requireCase(principal, input.case, 'propose');
  const paths: string[] = [];
  for await (const page of listAll(deps.objects, casePrefix(input.case), { pageSize: deps.listPageSize, withMetadata: false })) {
    for (const object of page.objects) {
      const path = casePathOf(input.case, object.name);
      if (path) paths.push(path);
    }
  }
  const translated = translateCommands(input.commands, input.case, paths);
  if (!translated.ok) {
    throw invalidInput(
      'the commands cannot be turned into a plan',
      translated.errors.map((error) => ({ ...error })),
    );
  }
  const view = await propose({ case: input.case, description: input.description, onError: input.onError, operations: translated.operations });
  return { ...view, translation: translated.translation };
}

/** A page of a text file: UTF-8, never cut inside a character; binary content is refused. */
export async function readCaseFileText(
  deps: CaseToolsDeps,
  principal: Principal,
  caseRaw: string,
  query: { path: string; offset?: number; limit?: number },
): Promise<FileText> {
  requireRole(principal, 'reading files', 'agent', 'approver');
  const caseName = parseOrThrow(caseNameSchema, caseRaw, 'case name');
  await deps.access.requireCase(principal, caseName, 'read files');
  const path = parseOrThrow(casePathSchema, query.path, 'path', ['path']);
  if (path.endsWith('/')) throw invalidInput('invalid path', [{ path: 'path', message: 'name a file, not a folder' }]);
  const name = objectName(caseName, path);
  const info = await deps.objects.stat(name);
  if (!info) throw notFound(`\`${path}\` does not exist in case ${caseName}`);
  if (info.size > MAX_READABLE_FILE_BYTES) {
    throw payloadTooLarge(`\`${path}\` is ${info.size} bytes; only files up to ${MAX_READABLE_FILE_BYTES} bytes can be read`);
  }
  const data = await deps.objects.read(name);
  const offset = query.offset ?? 0;
  const limit = Math.min(query.limit ?? DEFAULT_READ_PAGE_BYTES, MAX_READ_PAGE_BYTES);
  if (offset > data.length) throw invalidInput('invalid offset', [{ path: 'offset', message: `past the end of the file (${data.length} bytes)` }]);
  if (offset < data.length && isContinuationByte(data[offset]!)) {
    throw invalidInput('invalid offset', [{ path: 'offset', message: 'not at the start of a character; use the nextOffset a previous page returned' }]);
  }
  let end = Math.min(offset + limit, data.length);
  while (end < data.length && end > offset && isContinuationByte(data[end]!)) end -= 1;
  const slice = data.subarray(offset, end);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(slice);
  } catch {
    text = '\u0000';
  }
  if (text.includes('\u0000')) throw invalidInput(`\`${path}\` is not a text file`, [{ path: 'path', message: 'binary content (not UTF-8 text)' }]);
  return {
    case: caseName,
    path,
    size: data.length,
    generation: info.generation,
    updated: info.updated,
    offset,
    text,
    ...(end < data.length ? { nextOffset: end } : {}),
  };
}

function isContinuationByte(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}
