/**
 * Turning request bytes into a JSON value, defensively: the content type must say JSON, the
 * bytes must be UTF-8, and the document's shape is bounded (nesting depth, array lengths,
 * value count) by a scan of the raw bytes before `JSON.parse` allocates anything. So a 32 MiB
 * body of `[0,0,0,...]` or ten thousand nested brackets is refused cheaply, and zod and the
 * recursive code behind it (canonical hashing) only ever see documents of a sane shape.
 */
import { invalidInput, payloadTooLarge, type BailiffError } from '../errors.ts';
import { PLAN_LIMITS } from '../domain/plan.ts';

export interface JsonShapeLimits {
  maxDepth: number;
  maxArrayLength: number;
  maxValues: number;
}

export const DEFAULT_JSON_LIMITS: JsonShapeLimits = {
  maxDepth: 64,
  maxArrayLength: PLAN_LIMITS.maxOperations,
  // A plan at the operation limit has about six values per operation.
  maxValues: 2_000_000,
};

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Checks the content type of a request that carries a body: `application/json`, optionally
 * with `charset=utf-8`. Throws `invalid_input` otherwise.
 */
export function requireJsonContentType(contentType: string | undefined): void {
  if (!contentType) throw invalidInput('a body needs `Content-Type: application/json`');
  const [mediaType = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json') {
    throw invalidInput(`unsupported content type \`${mediaType.slice(0, 100)}\`; send \`application/json\``);
  }
  for (const parameter of parameters) {
    const [name, value = ''] = parameter.split('=').map((part) => part.trim());
    if (name === 'charset' && value.replace(/"/g, '') !== 'utf-8' && value.replace(/"/g, '') !== 'utf8') {
      throw invalidInput(`unsupported charset \`${value.slice(0, 40)}\`; send UTF-8`);
    }
  }
}

/**
 * Scans raw JSON bytes for nesting depth, array lengths and value count without building
 * anything. Byte-wise scanning is safe for UTF-8: bytes of multi-byte characters are all
 * 0x80 or above and never look like structural characters. Malformed documents are left to
 * `JSON.parse`; this only measures.
 */
export function checkJsonShape(bytes: Uint8Array, limits: JsonShapeLimits): void {
  // Per open container: is it an array, and how many members so far (0 until a value starts).
  const isArray: boolean[] = [];
  const members: number[] = [];
  let values = 1;
  let inString = false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index]!;
    if (inString) {
      if (byte === BACKSLASH) index++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (isWhitespace(byte)) continue;
    const depth = members.length;
    if (depth > 0 && members[depth - 1] === 0 && byte !== CLOSE_ARRAY && byte !== CLOSE_OBJECT) {
      // The first member of the innermost container starts here.
      members[depth - 1] = 1;
      values++;
      checkArrayLength(isArray, members, limits);
    }
    switch (byte) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_ARRAY:
      case OPEN_OBJECT:
        if (depth + 1 > limits.maxDepth) {
          throw invalidInput(`JSON nested deeper than ${limits.maxDepth} levels`);
        }
        isArray.push(byte === OPEN_ARRAY);
        members.push(0);
        break;
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        isArray.pop();
        members.pop();
        break;
      case COMMA:
        if (depth > 0) {
          members[depth - 1]! += 1;
          values++;
          checkArrayLength(isArray, members, limits);
        }
        break;
      default:
        break;
    }
    if (values > limits.maxValues) throw invalidInput(`JSON body holds more than ${limits.maxValues} values`);
  }
}

function checkArrayLength(isArray: boolean[], members: number[], limits: JsonShapeLimits): void {
  const top = members.length - 1;
  if (isArray[top] && members[top]! > limits.maxArrayLength) {
    throw invalidInput(`a JSON array holds more than ${limits.maxArrayLength} elements`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a request body as JSON after checking its size, content type, encoding and shape.
 * An empty or absent body gives `undefined`. Throws `payload_too_large` or `invalid_input`;
 * the message names the problem and a position, never the body's content.
 */
export function parseJsonBody(rawBody: Buffer | undefined, contentType: string | undefined, limits: JsonShapeLimits & { maxBodyBytes: number }): unknown {
  if (rawBody === undefined || rawBody.length === 0) return undefined;
  if (rawBody.length > limits.maxBodyBytes) throw bodyTooLarge(limits.maxBodyBytes);
  requireJsonContentType(contentType);
  checkJsonShape(rawBody, limits);
  let text: string;
  try {
    text = utf8.decode(rawBody);
  } catch {
    throw invalidInput('body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8's message may quote the document; keep only the position or the offending character.
    const message = error instanceof Error ? error.message : '';
    const position = /at position (\d+)/.exec(message)?.[1];
    const token = /^Unexpected token '(.)'/u.exec(message)?.[1];
    if (position !== undefined) throw invalidInput(`malformed JSON at position ${position}`);
    throw invalidInput(token === undefined ? 'malformed JSON' : `malformed JSON: unexpected \`${token}\``);
  }
}

/** The error for a body above the limit, shared by the core and the streaming reader. */
export function bodyTooLarge(maxBodyBytes: number): BailiffError {
  return payloadTooLarge(`body larger than ${maxBodyBytes} bytes`);
}
