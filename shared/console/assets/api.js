// The console's only door to Bailiff: the same HTTP API agents use, with the signed-in
// person's token. Errors come back as ApiError with the API's own words.
import { h, notice } from './dom.js';
import { plainText } from './format.js';

const TOKEN_KEY = 'bailiff.token';

/** The api's root, relative to the page: `<base>` points at …/ui/, the API is one level up. */
export const apiRoot = new URL('..', document.baseURI);

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Listeners told when the API refuses the token (401): the app returns to sign-in. */
const unauthenticatedListeners = new Set();
export function onUnauthenticated(listener) {
  unauthenticatedListeners.add(listener);
}

export async function call(method, path, body) {
  return (await request(method, path, body)).json;
}

/**
 * GET that answers `{ changed: false }` while the resource still has `etag`, else
 * `{ changed: true, body, etag }`: a page following a plan re-reads it cheaply every second.
 */
export async function getIfChanged(path, etag) {
  const answer = await request('GET', path, undefined, etag ? { 'if-none-match': etag } : {});
  if (answer.status === 304) return { changed: false };
  return { changed: true, body: answer.json, etag: answer.etag };
}

async function request(method, path, body, extraHeaders = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json', ...extraHeaders };
  const current = token();
  if (current) headers.authorization = `Bearer ${current}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(new URL(path.replace(/^\//, ''), apiRoot), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', 'Bailiff could not be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok && response.status !== 304) {
    const error = json?.error;
    const apiError = new ApiError(response.status, error?.code ?? 'http', error?.message ?? `Bailiff answered ${response.status}.`, error?.details ?? []);
    if (response.status === 401) for (const listener of unauthenticatedListeners) listener(apiError);
    throw apiError;
  }
  return { status: response.status, json, etag: response.headers.get('etag') };
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body ?? {});

const CODE_WORDS = {
  forbidden: 'You are not allowed to do this.',
  not_found: 'This was not found, or you have no access to its case.',
  conflict: 'The plan changed in the meantime.',
  hash_mismatch: 'The plan changed since you opened it, so your approval would not match what you reviewed. Reload the page and review it again.',
  report_changed: 'The plan’s effects changed since you reviewed it: review again.',
  plan_invalid: 'The dry run found errors, so the plan cannot be approved.',
  unavailable: 'Bailiff cannot reach one of its services right now. Try again in a moment.',
  rate_limited: 'Too many requests; wait a moment and try again.',
  internal: 'Something went wrong inside Bailiff. Quote the reference below to your administrator.',
};

/** An error in words: a headline and the API's details as sentences (never JSON). */
export function describeError(error) {
  if (!(error instanceof ApiError)) return { headline: 'Something went wrong in this page. Reload it and try again.', lines: [] };
  const lines = [];
  const words = CODE_WORDS[error.code];
  const headline =
    error.code === 'hash_mismatch' || error.code === 'report_changed' || error.code === 'internal' || !words
      ? (words ?? error.message)
      : `${words} ${capitalise(error.message)}.`;
  for (const detail of error.details.slice(0, 10)) {
    if (detail && typeof detail.message === 'string') lines.push(plainText(detail.path ? `${detail.path}: ${detail.message}` : detail.message));
  }
  if (error.code === 'internal' && error.message) lines.push(error.message);
  return { headline: plainText(headline.replace(/\.\.$/, '.')), lines };
}

function capitalise(text) {
  return text ? text[0].toUpperCase() + text.slice(1).replace(/\.$/, '') : '';
}

/** An error as a notice box: the headline and the API's details, one paragraph each. */
export function errorNotice(error) {
  const { headline, lines } = describeError(error);
  return notice(
    'error',
    h('p', { text: headline }),
    lines.map((line) => h('p', { class: 'detail', text: line })),
  );
}
