/**
 * Actions: what a dry run turns a plan's operations into — one step per object, each with
 * the preconditions the approver's snapshot implies. The executor applies actions, never
 * operations, so it does exactly what the report showed and nothing it has to re-derive.
 */
import { z } from 'zod';

/**
 * What an object must look like when an action touches it.
 * - `absent`: it must not exist (new destinations).
 * - `generation`: it must still be the version the dry run saw.
 * - `producedBy`: it must be the object an earlier action of the same plan wrote (its
 *   generation is only known at execution, so the executor checks Bailiff's metadata).
 */
export const expectSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('absent') }),
  z.object({ state: z.literal('generation'), generation: z.string() }),
  z.object({ state: z.literal('producedBy'), action: z.number().int() }),
]);
export type Expect = z.infer<typeof expectSchema>;

/**
 * What the dry run saw of an object at the generation an action expects (a copy's source, or
 * what an overwrite or delete removes): its checksums and headers. The executor checks a copy
 * against these checksums and gives it these headers, without reading the object again.
 * Absent for an object the plan itself writes first (its generation is known only then).
 */
export const objectFactsSchema = z.object({
  md5: z.string().optional(),
  crc32c: z.string().optional(),
  contentType: z.string().optional(),
  /** Content-Encoding, -Disposition, -Language and Cache-Control, when the object has them. */
  headers: z.record(z.string(), z.string()).optional(),
});
export type ObjectFacts = z.infer<typeof objectFactsSchema>;

const base = {
  index: z.number().int(),
  /** The plan operation this action was expanded from. */
  operation: z.number().int(),
  /** In a compensation plan: the action of the failed plan this one helps undo. */
  undoes: z.number().int().optional(),
  /** What the dry run saw of the object the action overwrites or deletes (which its backup copies). */
  replacedFacts: objectFactsSchema.optional(),
};

export const actionSchema = z.discriminatedUnion('kind', [
  /** Write the content of a `write_file` operation, or an empty folder marker for `create_dir`. */
  z.object({
    ...base,
    kind: z.literal('put'),
    destination: z.string(),
    expect: expectSchema,
    size: z.number().int(),
    /** Where the overwritten object is kept first; set when `expect` is not `absent`. */
    backup: z.string().optional(),
  }),
  z.object({
    ...base,
    kind: z.enum(['copy', 'move']),
    source: z.string(),
    sourceExpect: expectSchema,
    sourceFacts: objectFactsSchema.optional(),
    destination: z.string(),
    expect: expectSchema,
    size: z.number().int(),
    backup: z.string().optional(),
  }),
  z.object({
    ...base,
    kind: z.literal('delete'),
    target: z.string(),
    expect: expectSchema,
    size: z.number().int(),
    backup: z.string(),
  }),
]);
export type Action = z.infer<typeof actionSchema>;
export type PutAction = Extract<Action, { kind: 'put' }>;
export type TransferAction = Extract<Action, { kind: 'copy' | 'move' }>;
export type DeleteAction = Extract<Action, { kind: 'delete' }>;

/** The object names an action reads or writes: actions sharing one must keep their order. */
export function touchedNames(action: Action): string[] {
  switch (action.kind) {
    case 'put':
      return [action.destination];
    case 'copy':
    case 'move':
      return [action.source, action.destination];
    case 'delete':
      return [action.target];
  }
}

/** One object an action relies on, and what it must look like then. */
export interface Precondition {
  name: string;
  expect: Expect;
}

/** Every precondition of an action: the source first (for copies and moves), then the object it writes or removes. */
export function preconditionsOf(action: Action): Precondition[] {
  switch (action.kind) {
    case 'put':
      return [{ name: action.destination, expect: action.expect }];
    case 'copy':
    case 'move':
      return [
        { name: action.source, expect: action.sourceExpect },
        { name: action.destination, expect: action.expect },
      ];
    case 'delete':
      return [{ name: action.target, expect: action.expect }];
  }
}

/** Metadata keys Bailiff writes on every object it creates, to resolve ambiguous outcomes by looking. */
export const PLAN_METADATA_KEY = 'bailiff-plan';
export const ACTION_METADATA_KEY = 'bailiff-action';

export function provenance(planId: string, action: number): Record<string, string> {
  return { [PLAN_METADATA_KEY]: planId, [ACTION_METADATA_KEY]: String(action) };
}

export function isProducedBy(metadata: Record<string, string> | undefined, planId: string, action: number): boolean {
  return metadata?.[PLAN_METADATA_KEY] === planId && metadata?.[ACTION_METADATA_KEY] === String(action);
}
