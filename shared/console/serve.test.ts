import { describe, expect, it } from 'vitest';
import { answerConsoleRequest, contentSecurityPolicy } from './serve.ts';

const get = (path: string, headers: Record<string, string> = {}, settings = {}) => answerConsoleRequest({ method: 'GET', path, headers }, settings);

describe('the console under /ui/', () => {
  it('leaves every other path to the API', () => {
    for (const path of ['/plans', '/health', '/uix', '/', '/openapi.json']) expect(get(path)).toBeUndefined();
  });

  it('serves the app shell for every page path, with a relative base so a path prefix in front is kept', () => {
    const inbox = get('/ui/')!;
    expect(inbox.status).toBe(200);
    expect(inbox.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(inbox.body).toContain('<base href="./">');
    expect(get('/ui/plans/pln_0000000001')!.body).toContain('<base href="../">');
    expect(get('/ui')).toMatchObject({ status: 308, headers: { location: 'ui/' } });
  });

  it('has no inline script or style and no absolute URL in the shell', () => {
    const { body } = get('/ui/')!;
    expect(body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(body).not.toMatch(/\sstyle=|<style/);
    expect(body).not.toMatch(/(src|href)="\//);
  });

  it('sends a strict Content-Security-Policy, opened for Google sign-in only when it is configured', () => {
    const strict = get('/ui/')!.headers['content-security-policy']!;
    expect(strict).toContain("default-src 'none'");
    expect(strict).toContain("script-src 'self';");
    expect(strict).toContain("frame-ancestors 'none'");
    expect(strict).not.toMatch(/unsafe|https:/);
    const withGoogle = contentSecurityPolicy({ googleClientId: '1-x.apps.googleusercontent.com' });
    expect(withGoogle).toContain("script-src 'self' https://accounts.google.com/gsi/client");
    expect(withGoogle).toContain('frame-src https://accounts.google.com/gsi/');
    expect(withGoogle).not.toMatch(/unsafe/);
    expect(get('/ui/config.json', {}, { googleClientId: '1-x.apps.googleusercontent.com' })!.body).toBe('{"googleClientId":"1-x.apps.googleusercontent.com"}');
    expect(JSON.parse(get('/ui/config.json')!.body)).toEqual({ googleClientId: null });
  });

  it('serves assets with an ETag and answers a revalidation with 304', () => {
    const script = get('/ui/assets/app.js')!;
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('no-cache');
    expect(script.headers.etag).toMatch(/^"[\w-]{22}"$/);
    expect(get('/ui/assets/app.js', { 'if-none-match': script.headers.etag! })).toMatchObject({ status: 304, body: '' });
    expect(get('/ui/assets/console.css')!.headers['content-type']).toBe('text/css; charset=utf-8');
    for (const missing of ['/ui/assets/nope.js', '/ui/assets/../serve.ts', '/ui/assets/%2e%2e/serve.ts']) expect(get(missing)!.status).toBe(404);
  });

  it('refuses anything but GET and HEAD', () => {
    expect(answerConsoleRequest({ method: 'POST', path: '/ui/', headers: {} })).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD' } });
  });
});
