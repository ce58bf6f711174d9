/**
 * What every CLI command gets: where to write, whether that is a terminal (colours, live
 * progress, prompts), `--json`, a client built from the environment, and the one mapping from
 * API error codes to the documented exit codes.
 */
import { readFile } from 'node:fs/promises';
import { styleText } from 'node:util';
import { BailiffApiError, BailiffClient, type ApiErrorDetail } from '../client/index.ts';
import type { ErrorCode } from '../errors.ts';

/** The exit codes `bailiff` documents (README, "CLI"). */
export const EXIT = {
  ok: 0,
  /** Anything unexpected: a bug, an internal error on the server. */
  unexpected: 1,
  /** The command line itself: unknown command or option, missing argument, unreadable file. */
  usage: 2,
  /** Bailiff refused the input: invalid_input, plan_invalid, payload_too_large. */
  invalid: 3,
  /** unauthenticated or forbidden. */
  denied: 4,
  notFound: 5,
  /** The plan is in the wrong state, or changed: conflict, hash_mismatch, precondition_failed. */
  state: 6,
  /** Bailiff could not be reached or is unavailable: retry later. */
  unavailable: 7,
  /** The outcome is bad: an applied plan failed, or the audit trail does not verify. */
  failed: 8,
  /** `--wait` gave up before the plan finished. */
  timeout: 9,
  /** Declined at a prompt. */
  cancelled: 10,
} as const;

const EXIT_BY_CODE: Record<ErrorCode, number> = {
  invalid_input: EXIT.invalid,
  plan_invalid: EXIT.invalid,
  payload_too_large: EXIT.invalid,
  range_not_satisfiable: EXIT.invalid,
  unauthenticated: EXIT.denied,
  forbidden: EXIT.denied,
  not_found: EXIT.notFound,
  method_not_allowed: EXIT.unexpected,
  conflict: EXIT.state,
  hash_mismatch: EXIT.state,
  report_changed: EXIT.state,
  precondition_failed: EXIT.state,
  object_held: EXIT.state,
  rate_limited: EXIT.unavailable,
  unavailable: EXIT.unavailable,
  internal: EXIT.unexpected,
};

export function exitCodeFor(error: unknown): number {
  if (error instanceof CliExit) return error.exitCode;
  if (error instanceof BailiffApiError) return EXIT_BY_CODE[error.code] ?? EXIT.unexpected;
  return EXIT.unexpected;
}

/** The `error.code` of a failure the CLI itself decides, named after its exit code. */
const CODE_BY_EXIT: Record<number, string> = Object.fromEntries(
  Object.entries(EXIT).map(([name, exitCode]) => [exitCode, name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)]),
);

export interface CliExitOptions {
  /** An API error code when the failure is one (`invalid_input`, `plan_invalid`); else named after the exit code. */
  code?: string;
  /** The fields at fault, as the API names them (`{ path: 'case', message }`). */
  details?: ApiErrorDetail[];
  /**
   * The command's answer when it has one but its outcome is a failure (a dry run with errors, a
   * failed plan, a broken audit trail): with `--json` its fields are printed beside `error` and
   * `exitCode`, in the one document; without, the command has already shown it.
   */
  result?: object;
}

/** Ends a command with an exit code and a message for stderr (already printed when empty). */
export class CliExit extends Error {
  readonly exitCode: number;
  readonly code: string;
  readonly details: ApiErrorDetail[];
  readonly result?: object;
  constructor(exitCode: number, message = '', options: CliExitOptions = {}) {
    super(message);
    this.exitCode = exitCode;
    this.code = options.code ?? CODE_BY_EXIT[exitCode] ?? 'unexpected';
    this.details = options.details ?? [];
    this.result = options.result;
  }
}

/**
 * The one shape of a failure under `--json`: `{"error": {"code", "message", ...}, "exitCode": N}`,
 * on stdout. API errors keep their code, status, details and request id; a result the command
 * had (see CliExitOptions.result) keeps its fields beside them.
 */
export function jsonFailure(error: unknown, exitCode: number): Record<string, unknown> {
  if (error instanceof BailiffApiError) {
    return {
      // The request id helps only with a server's own failure (it finds the logged cause).
      error: {
        code: error.code,
        message: error.message,
        details: error.details,
        status: error.status,
        ...(error.requestId && error.status >= 500 ? { requestId: error.requestId } : {}),
      },
      exitCode,
    };
  }
  if (error instanceof CliExit) {
    const message = error.message || `exit ${exitCode}`;
    return { ...error.result, error: { code: error.code, message, ...(error.details.length > 0 ? { details: error.details } : {}) }, exitCode };
  }
  return { error: { code: 'unexpected', message: error instanceof Error ? error.message : String(error) }, exitCode };
}

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

type Style = Parameters<typeof styleText>[0];

export class CliContext {
  readonly io: CliIo;
  /** Set from the global `--json` option before a command runs. */
  json = false;
  private clientInstance: BailiffClient | undefined;
  private readonly makeClient: () => BailiffClient;

  constructor(io: CliIo, makeClient?: () => BailiffClient) {
    this.io = io;
    this.makeClient = makeClient ?? (() => BailiffClient.fromEnvironment(io.env));
  }

  get client(): BailiffClient {
    this.clientInstance ??= this.makeClient();
    return this.clientInstance;
  }

  /** Live redraws and prompts need a terminal on both ends; `--json` never gets them. */
  get interactive(): boolean {
    return !this.json && this.io.stdout.isTTY === true;
  }

  /** Colours only on a terminal, and never when NO_COLOR is set. */
  get colour(): boolean {
    return this.interactive && !this.io.env.NO_COLOR;
  }

  paint(style: Style, text: string): string {
    return this.colour ? styleText(style, text, { validateStream: false }) : text;
  }

  out(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  err(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** `--json` output: the API's body as it came, one document. */
  printJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A prompt is answered by a person only when both ends are a terminal; `--json` never asks. */
  get canAsk(): boolean {
    return this.interactive && this.io.stdin.isTTY === true;
  }

  /**
   * A decision a person makes: `--yes` says it on the command line; otherwise it is asked on
   * the terminal and only `y` agrees. Without a terminal and without `--yes` nothing is decided
   * (piped input is not a person's answer).
   */
  async confirmDecision(question: string, yes: boolean | undefined, verb: string): Promise<void> {
    if (yes) return;
    if (!this.canAsk)
      throw new CliExit(EXIT.usage, `${verb} asks before it acts, and there is no terminal to ask on: add --yes to ${verb} without being asked`);
    if (!(await this.confirm(question))) throw new CliExit(EXIT.cancelled, `not ${verb === 'approve' ? 'approved' : 'rejected'}`);
  }

  /** Asks a yes/no question on the terminal; answers no at end of input. */
  async confirm(question: string): Promise<boolean> {
    this.io.stdout.write(`${question} [y/N] `);
    const answer = await readLine(this.io.stdin);
    return answer.trim().toLowerCase() === 'y';
  }
}

function readLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let buffered = '';
    const onData = (chunk: Buffer | string) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline >= 0) finish(buffered.slice(0, newline));
    };
    const onEnd = () => finish(buffered);
    const finish = (line: string) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.pause();
      resolve(line);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.resume();
  });
}

/** Reads a whole file, or stdin for `-`; a missing file is a usage error. */
export async function readInput(path: string, io: CliIo): Promise<string> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliExit(EXIT.usage, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
