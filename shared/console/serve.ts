/**
 * Serves the approver's console under `/ui/`: a few static files (shared/console/assets), the
 * app's shell for every page path (`/ui/plans/<id>` deep links included), and `config.json`
 * with what the page needs before anyone signs in. Used by both the node server and the Cloud
 * Run function, ahead of the API's route table; it never touches plans or tokens.
 *
 * The Content-Security-Policy allows nothing but this origin: no inline script or style, no
 * third party. The one exception is Google Identity Services, and only when a Google OAuth
 * client is configured: its script (accounts.google.com/gsi/client), its stylesheet, the
 * iframe it draws the button in and the endpoint it calls (accounts.google.com/gsi/), which is
 * what Google documents that sign-in needs.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsoleSettings, HttpResponse } from '../http/types.ts';

export type { ConsoleSettings };

export const CONSOLE_PREFIX = '/ui';

interface Asset {
  body: string;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

/** Where the assets are: beside this module, in the sources and in the compiled dist/ alike. */
const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (!contentType) continue;
    const body = readFileSync(join(dir, name), 'utf8');
    assets.set(name, { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return assets;
}

let cached: Map<string, Asset> | undefined;
function assets(): Map<string, Asset> {
  cached ??= loadAssets(ASSETS_DIR);
  return cached;
}

const GOOGLE_GSI = 'https://accounts.google.com/gsi/';

/** The policy for every console response; Google's sign-in origins only when it is configured. */
export function contentSecurityPolicy(settings: ConsoleSettings): string {
  const google = settings.googleClientId !== undefined;
  return [
    "default-src 'none'",
    `script-src 'self'${google ? ` ${GOOGLE_GSI}client` : ''}`,
    `style-src 'self'${google ? ` ${GOOGLE_GSI}style` : ''}`,
    "img-src 'self' data:",
    `connect-src 'self'${google ? ` ${GOOGLE_GSI}` : ''}`,
    ...(google ? [`frame-src ${GOOGLE_GSI}`] : []),
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function securityHeaders(settings: ConsoleSettings): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(settings),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // Google's sign-in pop-up talks back to the opener; without Google nothing needs an opener.
    'cross-origin-opener-policy': settings.googleClientId ? 'same-origin-allow-popups' : 'same-origin',
  };
}

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The shell for a page path, with a `<base>` that leads back to `/ui/` relatively: on Cloud
 * Run functions the api lives under a path prefix (`/bailiff-api/ui/...`) the function never
 * sees, so no URL in the page may be absolute.
 */
function shell(path: string): string {
  const depth = path.slice(CONSOLE_PREFIX.length + 1).split('/').length - 1;
  const base = depth === 0 ? './' : '../'.repeat(depth);
  return assets().get('index.html')!.body.replace('<base href="./">', `<base href="${base}">`);
}

/**
 * Answers a request for `/ui` or anything under it; `undefined` for every other path, which
 * the API handles. Only GET and HEAD; everything is public (the page holds no data).
 */
export function answerConsoleRequest(
  request: { method: string; path: string; headers: Record<string, string | string[] | undefined> },
  settings: ConsoleSettings = {},
): HttpResponse | undefined {
  const { path } = request;
  if (path !== CONSOLE_PREFIX && !path.startsWith(`${CONSOLE_PREFIX}/`)) return undefined;
  const headers = securityHeaders(settings);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return { status: 405, headers: { ...headers, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }, body: 'method not allowed\n' };
  }
  if (path === CONSOLE_PREFIX) {
    // `/ui` → `/ui/`, relatively, so the prefix Cloud Run adds in front is kept.
    return { status: 308, headers: { ...headers, location: 'ui/', 'cache-control': 'no-cache' }, body: '' };
  }
  if (path === `${CONSOLE_PREFIX}/config.json`) {
    const body = JSON.stringify({ googleClientId: settings.googleClientId ?? null });
    return { status: 200, headers: { ...headers, 'content-type': CONTENT_TYPES['.json']!, 'cache-control': 'no-cache' }, body };
  }
  const assetPrefix = `${CONSOLE_PREFIX}/assets/`;
  if (path.startsWith(assetPrefix)) {
    const asset = assets().get(path.slice(assetPrefix.length));
    if (!asset || path.slice(assetPrefix.length).includes('/')) {
      return { status: 404, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' }, body: 'not found\n' };
    }
    // Revalidated on every load (a cheap 304): a new release must never meet a stale module.
    const assetHeaders = { ...headers, 'content-type': asset.contentType, etag: asset.etag, 'cache-control': 'no-cache' };
    if (headerValue(request.headers, 'if-none-match') === asset.etag) return { status: 304, headers: assetHeaders, body: '' };
    return { status: 200, headers: assetHeaders, body: asset.body };
  }
  // Every other path under /ui/ is a page of the app: `/ui/`, `/ui/plans/<id>`, ...
  return { status: 200, headers: { ...headers, 'content-type': CONTENT_TYPES['.html']!, 'cache-control': 'no-cache' }, body: shell(path) };
}
