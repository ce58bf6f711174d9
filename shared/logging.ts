/**
 * Structured logs in the JSON shape Cloud Logging reads from stdout: one line per entry with
 * `severity`, `message`, optional `httpRequest`, and the plan and case as labels so an
 * operator can filter one plan's story across the api and executor functions.
 *
 * One logger is built per entry point and passed down; nothing writes to the console directly.
 * Callers pass fields, never request headers or bodies: the logger does not redact (a request
 * query goes through `redactedQueryString` before it is logged).
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const SEVERITY: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' };
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Cloud Logging's `HttpRequest` structure (the subset Bailiff fills in). */
export interface HttpRequestLog {
  requestMethod: string;
  requestUrl: string;
  status: number;
  /** Seconds with a unit, as Cloud Logging expects: `"0.042s"`. */
  latency: string;
  requestSize?: string;
  responseSize?: string;
  userAgent?: string;
  remoteIp?: string;
}

export interface LogFields {
  /** Becomes the `plan` label. */
  plan?: string;
  /** Becomes the `case` label. */
  case?: string;
  httpRequest?: HttpRequestLog;
  /** Full trace name, `projects/<project>/traces/<id>`, linking the entry to its request trace. */
  trace?: string;
  /** An error to record: its name, message and code are kept, its stack goes to `stack_trace`. */
  error?: unknown;
  [key: string]: unknown;
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every entry (for example the plan and case of one execution). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Receives one serialised JSON entry per call, without a trailing newline. Defaults to stdout. */
  write?: (line: string) => void;
  /** Source of the `time` field; injected by tests. */
  now?: () => Date;
}

const LABELS_KEY = 'logging.googleapis.com/labels';
const TRACE_KEY = 'logging.googleapis.com/trace';

/**
 * Builds a logger that writes Cloud Logging entries. Entries below `level` are dropped before
 * any serialisation work. A value that cannot be serialised (a cycle, a BigInt) is replaced
 * rather than losing the entry.
 */
export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const threshold = RANK[options.level];

  const build = (bound: LogFields): Logger => {
    const log = (level: LogLevel, message: string, fields?: LogFields) => {
      if (RANK[level] < threshold) return;
      write(serialiseEntry(level, message, { ...bound, ...fields }, now()));
    };
    return {
      debug: (message, fields) => log('debug', message, fields),
      info: (message, fields) => log('info', message, fields),
      warn: (message, fields) => log('warn', message, fields),
      error: (message, fields) => log('error', message, fields),
      child: (fields) => build({ ...bound, ...fields }),
    };
  };
  return build({});
}

/**
 * Query parameters whose values are credentials or secrets: a bearer token sent in the URL,
 * an API key, a signed URL's signature, an OAuth code, a password. Compared case-insensitively.
 */
const CREDENTIAL_PARAMETERS = new Set([
  'access_token',
  'id_token',
  'refresh_token',
  'token',
  'key',
  'api_key',
  'apikey',
  'signature',
  'sig',
  'x-goog-signature',
  'x-goog-credential',
  'x-amz-signature',
  'x-amz-credential',
  'code',
  'client_secret',
  'secret',
  'password',
  'passwd',
]);

/**
 * The one place a request's query becomes log text: the values of credential-looking
 * parameters are replaced by `REDACTED`, so a token a client put in the URL never reaches the
 * logs; the other parameters stay as they were sent.
 */
export function redactedQueryString(query: URLSearchParams): string {
  const redacted = new URLSearchParams();
  for (const [name, value] of query) redacted.append(name, CREDENTIAL_PARAMETERS.has(name.toLowerCase()) ? 'REDACTED' : value);
  return redacted.toString();
}

/** A logger that drops everything: for tests and tools that have nothing to say. */
export const silentLogger: Logger = createLogger({ level: 'error', write: () => {} });

function serialiseEntry(level: LogLevel, message: string, fields: LogFields, time: Date): string {
  const { plan, case: caseName, trace, error, httpRequest, ...rest } = fields;
  const entry: Record<string, unknown> = { severity: SEVERITY[level], message, time: time.toISOString(), ...rest };
  if (httpRequest) entry.httpRequest = httpRequest;
  const labels: Record<string, string> = {};
  if (plan !== undefined) labels.plan = String(plan);
  if (caseName !== undefined) labels.case = String(caseName);
  if (Object.keys(labels).length > 0) entry[LABELS_KEY] = labels;
  if (trace !== undefined) entry[TRACE_KEY] = trace;
  if (error !== undefined) {
    entry.error = describeError(error);
    // Error Reporting groups entries by a stack in `stack_trace`.
    if (error instanceof Error && error.stack) entry.stack_trace = error.stack;
  }
  return safeStringify(entry);
}

function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const described: Record<string, unknown> = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) described.code = code;
  if (error.cause !== undefined) described.cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
  return described;
}

function safeStringify(entry: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(entry, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) return describeError(value);
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[repeated]';
      seen.add(value);
    }
    return value;
  });
}
