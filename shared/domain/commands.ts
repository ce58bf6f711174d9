/**
 * Shell commands → plan operations: the lines an agent would type (`mkdir -p "Medical
 * Records"`, `mv intake/*.pdf "Medical Records/"`) turned into the typed operations of a plan.
 * Nothing is ever executed: the lines are parsed with POSIX quoting rules, globs are expanded
 * against the case's listing as it will be after the previous lines, and anything that is not
 * one of five plain file commands is refused with its line, column and reason.
 *
 * Supported, and nothing else:
 *   mkdir [-p] DIR...        cp [-r|-R] SRC... DEST      touch FILE...
 *   mv SRC... DEST           rm [-r|-R] [-f] PATH...     (flags may be combined: -rf, -fr)
 * Read-only commands (ls, find, cat, stat, ...) are refused with a pointer to the read tools:
 * this translator only describes changes.
 *
 * Words are split in shell-words.ts and globs matched in shell-globs.ts.
 *
 * Pure: the same lines and listing always give the same result.
 */
import { z } from 'zod';
import { CaseTree } from './case-tree.ts';
import { baseName, checkCasePath, childPath, isInside, parentOf } from './paths.ts';
import { caseNameSchema, onErrorSchema, PLAN_LIMITS, type Operation } from './plan.ts';
import { expandGlob } from './shell-globs.ts';
import { hasGlob, LineError, splitWords, wordText, type Word } from './shell-words.ts';

/** The operations a translation produces (an agent's subset, already in parsed form). */
export type CommandOperation = Extract<Operation, { type: 'create_dir' | 'write_file' | 'copy' | 'move' | 'delete' }>;

export interface CommandError {
  /** 1-based line number in the text sent. */
  line: number;
  /** 1-based column (in characters) where the problem starts. */
  column: number;
  message: string;
}

export interface LineTranslation {
  line: number;
  /** The line as sent. */
  text: string;
  /** Indices into `operations` that this line produced (empty when it changes nothing). */
  operations: number[];
}

export type CommandTranslation = { ok: true; operations: CommandOperation[]; translation: LineTranslation[] } | { ok: false; errors: CommandError[] };

/** Most lines one request may carry; a plan's operation limit still applies afterwards. */
export const MAX_COMMAND_LINES = 10_000;
/** Most glob words one request may expand: each is matched against the whole case listing. */
export const MAX_GLOB_WORDS = 500;
/** Most characters of commands one request may carry. */
export const MAX_COMMANDS_LENGTH = 1_000_000;

const READ_ONLY = new Set(['ls', 'find', 'cat', 'stat', 'head', 'tail', 'less', 'more', 'tree', 'du', 'file', 'grep', 'wc', 'pwd', 'echo']);
const SUPPORTED = ['mkdir', 'mv', 'cp', 'rm', 'touch'] as const;
type CommandName = (typeof SUPPORTED)[number];

// ---------------------------------------------------------------------------------------------
// The case as it will be: files and folder markers, with folders derived from what is in them.

/** The case as it will be after the lines so far: its keys only (files, and folder markers). */
class CaseModel extends CaseTree<true> {
  constructor(paths: Iterable<string>) {
    super();
    for (const path of paths) if (path !== '') this.add(path);
  }

  override add(key: string, object: true = true): void {
    super.add(key, object);
  }

  /** The case root (`''`) always exists. */
  isFolder(path: string): boolean {
    return path === '' || this.folderExists(path);
  }

  exists(path: string): boolean {
    return this.isFile(path) || this.isFolder(path);
  }

  /** Every key under a folder (its marker included), sorted. */
  keysUnder(folder: string): string[] {
    return this.objectsUnder(folder);
  }
}

// ---------------------------------------------------------------------------------------------
// Commands.

interface Argument {
  /** As written after quoting (and `./` removed), or as a glob matched it. */
  raw: string;
  column: number;
}

interface ParsedCommand {
  name: CommandName;
  column: number;
  flags: Set<string>;
  /** Operand words, globs not yet expanded (they depend on the lines before). */
  operands: Word[];
}

const ALLOWED_FLAGS: Record<CommandName, readonly string[]> = {
  mkdir: ['p'],
  mv: [],
  cp: ['r', 'R'],
  rm: ['r', 'R', 'f'],
  touch: [],
};
const USAGE: Record<CommandName, string> = {
  mkdir: 'mkdir [-p] DIR...',
  mv: 'mv SOURCE... DEST',
  cp: 'cp [-r] SOURCE... DEST',
  rm: 'rm [-r] [-f] PATH...',
  touch: 'touch FILE...',
};

/** Parses a line into a command, or undefined for a blank or comment line. Throws LineError. */
function parseCommand(line: string): ParsedCommand | undefined {
  const words = splitWords(line);
  if (words.length === 0) return undefined;
  const [first, ...rest] = words;
  const name = wordText(first!);
  const quotedName = first!.chars.some((c) => c.quoted);
  if (!quotedName && /^[A-Za-z_][A-Za-z0-9_]*=/.test(name)) {
    throw new LineError(first!.column, 'variable assignments are not supported');
  }
  if (READ_ONLY.has(name)) {
    throw new LineError(
      first!.column,
      `\`${name}\` only reads, and these commands only describe changes; read the case with list_files / read_file (GET /cases/{case}/files)`,
    );
  }
  if (!(SUPPORTED as readonly string[]).includes(name)) {
    throw new LineError(first!.column, `\`${name}\` is not supported; only ${SUPPORTED.join(', ')} are`);
  }
  const command = name as CommandName;
  const flags = new Set<string>();
  const operands: Word[] = [];
  let optionsEnded = false;
  for (const word of rest) {
    const text = wordText(word);
    if (!optionsEnded && text === '--') {
      optionsEnded = true;
      continue;
    }
    if (!optionsEnded && text.startsWith('-') && text.length > 1) {
      for (const flag of text.slice(1)) {
        if (!ALLOWED_FLAGS[command].includes(flag)) {
          throw new LineError(word.column, `unknown option \`${text}\` for ${command}; usage: ${USAGE[command]}`);
        }
        flags.add(flag === 'R' ? 'r' : flag);
      }
      continue;
    }
    operands.push(word);
  }
  const needed = command === 'mv' || command === 'cp' ? 2 : 1;
  if (operands.length < needed) {
    const column = Array.from(line.trimEnd()).length + 1;
    throw new LineError(column, `${command} needs ${needed === 2 ? 'a source and a destination' : 'at least one path'}; usage: ${USAGE[command]}`);
  }
  return { name: command, column: first!.column, flags, operands };
}

/** Removes leading `./` (as many as written); `.` alone is the case folder itself. */
function stripDotSlash(text: string): string {
  let path = text;
  while (path.startsWith('./')) path = path.slice(2);
  return path;
}

/** A checked path inside the case, via the path rules; `''` stands for the case folder. */
function casePath(argument: Argument, caseName: string, allowRoot: boolean): { path: string; folderHint: boolean } {
  const text = stripDotSlash(argument.raw);
  if (text === '' || text === '.' || text === './') {
    if (allowRoot) return { path: '', folderHint: true };
    throw new LineError(argument.column, 'the case folder itself cannot be used here');
  }
  const checked = checkCasePath(text, caseName);
  if (!checked.ok) throw new LineError(argument.column, `\`${argument.raw}\`: ${checked.reason}`);
  return checked.value;
}

/**
 * Translates `text` (newline-separated lines) against the case's current paths (relative to
 * the case, folder markers ending in `/`). Syntax is checked on every line first, so one answer
 * names every line that cannot be parsed; then lines are translated in order, and the first
 * one that cannot be (a missing source, a clash) stops the translation.
 */
export function translateCommands(text: string, caseName: string, currentPaths: Iterable<string>): CommandTranslation {
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_COMMAND_LINES) {
    return { ok: false, errors: [{ line: MAX_COMMAND_LINES + 1, column: 1, message: `more than ${MAX_COMMAND_LINES} lines` }] };
  }
  const parsed: Array<{ line: number; text: string; command: ParsedCommand }> = [];
  const errors: CommandError[] = [];
  lines.forEach((lineText, index) => {
    try {
      const command = parseCommand(lineText);
      if (command) parsed.push({ line: index + 1, text: lineText, command });
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      errors.push({ line: index + 1, column: error.column, message: error.message });
    }
  });
  if (errors.length > 0) return { ok: false, errors };
  if (parsed.length === 0) return { ok: false, errors: [{ line: 1, column: 1, message: 'no commands: send at least one of mkdir, mv, cp, rm, touch' }] };

  let globs = 0;
  for (const { line, command } of parsed) {
    for (const word of command.operands) {
      if (hasGlob(word) && ++globs > MAX_GLOB_WORDS) {
        return { ok: false, errors: [{ line, column: word.column, message: `more than ${MAX_GLOB_WORDS} glob patterns in one request; split the commands` }] };
      }
    }
  }
  const model = new CaseModel(currentPaths);
  const operations: CommandOperation[] = [];
  const translation: LineTranslation[] = [];
  for (const { line, text: lineText, command } of parsed) {
    try {
      const produced = translateLine(command, model, caseName);
      translation.push({ line, text: lineText, operations: produced.map((_, i) => operations.length + i) });
      operations.push(...produced);
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      return { ok: false, errors: [{ line, column: error.column, message: error.message }] };
    }
  }
  if (operations.length === 0) {
    return { ok: false, errors: [{ line: parsed[0]!.line, column: 1, message: 'the commands change nothing, so there is no plan to propose' }] };
  }
  return { ok: true, operations, translation };
}

/** Operands after glob expansion; an unmatched glob is an error unless `rm -f` may ignore it. */
function expandOperands(command: ParsedCommand, model: CaseModel): Argument[] {
  const expanded: Argument[] = [];
  for (const word of command.operands) {
    if (!hasGlob(word)) {
      expanded.push({ raw: wordText(word), column: word.column });
      continue;
    }
    const matches = expandGlob(word, model);
    if (matches.length === 0) {
      if (command.name === 'rm' && command.flags.has('f')) continue;
      throw new LineError(word.column, `\`${wordText(word)}\` matches nothing in the case`);
    }
    for (const match of matches) expanded.push({ raw: match, column: word.column });
  }
  return expanded;
}

function translateLine(command: ParsedCommand, model: CaseModel, caseName: string): CommandOperation[] {
  const args = expandOperands(command, model);
  switch (command.name) {
    case 'mkdir':
      return args.flatMap((arg) => mkdir(arg, model, caseName, command.flags.has('p')));
    case 'touch':
      return args.flatMap((arg) => touch(arg, model, caseName));
    case 'rm':
      return args.flatMap((arg) => rm(arg, model, caseName, command.flags));
    case 'mv':
    case 'cp':
      return transfer(command.name, args, model, caseName, command.flags.has('r'));
  }
}

function requireParent(path: string, arg: Argument, model: CaseModel): void {
  const parent = parentOf(path) ?? '';
  if (model.isFile(parent)) throw new LineError(arg.column, `\`${parent}\` is a file, not a folder`);
  if (!model.isFolder(parent)) throw new LineError(arg.column, `folder \`${parent}\` does not exist; create it first with mkdir -p`);
}

function mkdir(arg: Argument, model: CaseModel, caseName: string, parents: boolean): CommandOperation[] {
  const { path } = casePath(arg, caseName, false);
  for (let folder: string | undefined = path; folder !== undefined; folder = parentOf(folder)) {
    if (model.isFile(folder)) throw new LineError(arg.column, `\`${folder}\` is a file, not a folder`);
  }
  if (model.isFolder(path)) {
    if (parents) return [];
    throw new LineError(arg.column, `\`${path}\` already exists (mkdir -p accepts existing folders)`);
  }
  if (!parents) requireParent(path, arg, model);
  model.add(`${path}/`);
  return [{ type: 'create_dir', destination: path }];
}

function touch(arg: Argument, model: CaseModel, caseName: string): CommandOperation[] {
  const { path, folderHint } = casePath(arg, caseName, false);
  // An existing file or folder keeps its content; only its time would change, which Bailiff does not model.
  if (model.exists(path)) return [];
  if (folderHint) throw new LineError(arg.column, `\`${arg.raw}\`: touch needs a file name, not a folder`);
  requireParent(path, arg, model);
  model.add(path);
  return [{ type: 'write_file', destination: path, content: '', encoding: 'utf8', overwrite: false }];
}

function rm(arg: Argument, model: CaseModel, caseName: string, flags: Set<string>): CommandOperation[] {
  const { path, folderHint } = casePath(arg, caseName, false);
  if (model.isFile(path) && !folderHint) {
    model.remove(path);
    return [{ type: 'delete', source: path }];
  }
  if (model.isFolder(path)) {
    if (!flags.has('r')) throw new LineError(arg.column, `\`${path}\` is a folder; use rm -r to delete it and everything in it`);
    for (const key of model.keysUnder(path)) model.remove(key);
    return [{ type: 'delete', source: `${path}/` }];
  }
  if (flags.has('f')) return [];
  throw new LineError(arg.column, `\`${arg.raw}\` does not exist (rm -f ignores missing paths)`);
}

/** mv and cp: `SRC DEST` renames or copies to DEST; into DEST when it is a folder (required with several sources). */
function transfer(kind: 'mv' | 'cp', args: Argument[], model: CaseModel, caseName: string, recursive: boolean): CommandOperation[] {
  const destinationArg = args.at(-1)!;
  const sources = args.slice(0, -1);
  if (sources.length === 0) throw new LineError(destinationArg.column, `${kind} needs a source and a destination; usage: ${USAGE[kind]}`);
  const destination = casePath(destinationArg, caseName, true);
  const intoFolder = model.isFolder(destination.path);
  if (!intoFolder) {
    if (model.isFile(destination.path) && destination.folderHint) throw new LineError(destinationArg.column, `\`${destination.path}\` is a file, not a folder`);
    if (destination.folderHint) throw new LineError(destinationArg.column, `folder \`${destination.path}\` does not exist; create it first with mkdir -p`);
    if (sources.length > 1)
      throw new LineError(destinationArg.column, `with several sources the destination must be an existing folder; \`${destination.path}\` is not`);
    requireParent(destination.path, destinationArg, model);
  }
  const operations: CommandOperation[] = [];
  for (const sourceArg of sources) {
    const source = casePath(sourceArg, caseName, false);
    const target = intoFolder ? childPath(destination.path, baseName(source.path)) : destination.path;
    if (model.isFile(source.path) && !source.folderHint) {
      if (model.isFolder(target)) throw new LineError(sourceArg.column, `\`${target}\` is a folder; a file cannot replace it`);
      if (target === source.path) throw new LineError(sourceArg.column, `\`${source.path}\` and its destination are the same file`);
      const overwrite = model.isFile(target);
      if (kind === 'mv') model.remove(source.path);
      model.add(target);
      operations.push({ type: kind === 'mv' ? 'move' : 'copy', source: source.path, destination: target, overwrite });
      continue;
    }
    if (!model.isFolder(source.path) || source.path === '') {
      throw new LineError(sourceArg.column, `\`${sourceArg.raw}\` does not exist`);
    }
    if (kind === 'cp' && !recursive) throw new LineError(sourceArg.column, `\`${source.path}\` is a folder; use cp -r to copy it`);
    if (isInside(target, source.path)) throw new LineError(sourceArg.column, `cannot ${kind} \`${source.path}\` into itself`);
    if (model.isFile(target)) throw new LineError(sourceArg.column, `\`${target}\` is a file; a folder cannot replace it`);
    const keys = model.keysUnder(source.path);
    const targets = keys.map((key) => target + key.slice(source.path.length));
    let overwrite = false;
    if (model.isFolder(target)) {
      if (kind === 'mv') throw new LineError(sourceArg.column, `\`${target}\` already exists; mv does not merge folders`);
      overwrite = targets.some((key) => model.isFile(key));
    }
    if (kind === 'mv') for (const key of keys) model.remove(key);
    for (const key of targets) model.add(key);
    operations.push({ type: kind === 'mv' ? 'move' : 'copy', source: `${source.path}/`, destination: `${target}/`, overwrite });
  }
  return operations;
}

/** The body of `POST /plans/from-commands`: a plan's fields, with shell lines instead of operations. */
export const fromCommandsInputSchema = z.strictObject({
  case: caseNameSchema,
  description: z.string().trim().min(1).max(PLAN_LIMITS.maxDescriptionLength),
  commands: z
    .string()
    .min(1)
    .max(MAX_COMMANDS_LENGTH)
    .meta({ description: 'Newline-separated lines: `mkdir [-p]`, `mv`, `cp [-r]`, `rm [-r] [-f]`, `touch`, with POSIX quoting and globs' }),
  onError: onErrorSchema.default('stop'),
});
export type FromCommandsInput = z.output<typeof fromCommandsInputSchema>;

/** Which operations each line produced, as returned beside the plan. */
export const lineTranslationSchema = z.object({
  line: z.number().int(),
  text: z.string(),
  operations: z.array(z.number().int()),
});
