/**
 * Reading a case's bytes, snapshotting it and bringing content in as blobs, over HTTP on both
 * backends: the embedded server streams and receives bytes itself; on Cloud (fake-gcs-server)
 * the api answers with V4 signed URLs and the bytes go to the storage service directly.
 *
 * What fake-gcs-server cannot show, and so is not claimed here: it checks no signature, no
 * expiry, no signed `Content-MD5` and no `x-goog-if-generation-match` on signed requests. The
 * tests therefore check the signed URL's shape (V4 algorithm, the headers it covers, the one
 * object it names) and rely on the dry run's own blob check for wrong content.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoundTripServer, TOKENS, type BackendName, type RoundTripServer } from '../support/round-trip-server.ts';

const md5Hex = (data: Buffer) => createHash('md5').update(data).digest('hex');
const sha256Hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');

for (const backend of ['embedded', 'cloud'] as BackendName[]) {
  describe(`file content, snapshots and blobs (${backend})`, () => {
    let server: RoundTripServer;
    const pdf = randomBytes(300 * 1024);

    async function call(method: string, path: string, token: string | undefined, init: { body?: unknown; headers?: Record<string, string> } = {}) {
      return fetch(`${server.url}${path}`, {
        method,
        redirect: 'manual',
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    }

    /** Follows a 307 to a signed URL the way a client must: without Bailiff's token. */
    async function readBytes(path: string, headers: Record<string, string> = {}): Promise<Response> {
      const first = await call('GET', `/cases/intake-case/files/content?path=${encodeURIComponent(path)}`, TOKENS.agent, { headers });
      if (first.status !== 307) return first;
      return fetch(first.headers.get('location')!, { headers });
    }

    beforeAll(async () => {
      server = await startRoundTripServer(backend);
      await server.objects.write('projects/intake-case/Scans/scan 1.pdf', pdf, { contentType: 'application/pdf' });
      await server.objects.write('projects/intake-case/notes.txt', Buffer.from('0123456789'), { contentType: 'text/plain' });
      await server.objects.write('projects/intake-case/Empty/', Buffer.alloc(0));
      await server.objects.write('projects/other-case/secret.txt', Buffer.from('not yours'));
    });

    afterAll(async () => {
      await server?.close();
    });

    it('serves a file byte for byte with its generation as ETag (Cloud: a 307 to a V4 signed URL of that generation)', async () => {
      const stat = await server.objects.stat('projects/intake-case/Scans/scan 1.pdf');
      const first = await call('GET', `/cases/intake-case/files/content?path=${encodeURIComponent('Scans/scan 1.pdf')}`, TOKENS.agent);
      expect(first.headers.get('etag')).toBe(`"${stat!.generation}"`);
      if (backend === 'cloud') {
        expect(first.status).toBe(307);
        const location = new URL(first.headers.get('location')!);
        expect(location.searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
        expect(Number(location.searchParams.get('X-Goog-Expires'))).toBeLessThanOrEqual(300);
        expect(location.searchParams.get('generation')).toBe(stat!.generation);
        expect(decodeURIComponent(location.pathname)).toMatch(/\/projects\/intake-case\/Scans\/scan 1\.pdf$/);
      } else {
        expect(first.status).toBe(200);
        expect(first.headers.get('content-type')).toBe('application/pdf');
        expect(first.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''scan%201.pdf");
        expect(first.headers.get('x-content-type-options')).toBe('nosniff');
      }
      const response = await readBytes('Scans/scan 1.pdf');
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(pdf)).toBe(true);
    });

    it('honours Range and If-None-Match', async () => {
      const ranged = await readBytes('notes.txt', { range: 'bytes=2-5' });
      expect(ranged.status).toBe(206);
      expect(await ranged.text()).toBe('2345');
      const suffix = await readBytes('notes.txt', { range: 'bytes=-3' });
      expect(await suffix.text()).toBe('789');
      const stat = await server.objects.stat('projects/intake-case/notes.txt');
      const cached = await call('GET', '/cases/intake-case/files/content?path=notes.txt', TOKENS.agent, {
        headers: { 'if-none-match': `"${stat!.generation}"` },
      });
      expect(cached.status).toBe(304);
      if (backend === 'embedded') {
        const outside = await call('GET', '/cases/intake-case/files/content?path=notes.txt', TOKENS.agent, { headers: { range: 'bytes=10-' } });
        expect(outside.status).toBe(416);
        expect((await outside.json()).error.code).toBe('range_not_satisfiable');
      }
    });

    it('refuses folders, missing files, hostile paths, other cases and anonymous callers', async () => {
      const cases: Array<[string, string | undefined, number]> = [
        ['/cases/intake-case/files/content?path=Empty/', TOKENS.agent, 400],
        ['/cases/intake-case/files/content?path=missing.pdf', TOKENS.agent, 404],
        ['/cases/intake-case/files/content?path=..%2Fother-case%2Fsecret.txt', TOKENS.agent, 400],
        ['/cases/intake-case/files/content?path=.bailiff%2Fstaging%2Fx', TOKENS.agent, 400],
        ['/cases/intake-case/files/content?path=notes.txt', TOKENS.otherAgent, 403],
        ['/cases/intake-case/files/content?path=notes.txt', undefined, 401],
        ['/cases/intake-case/files/content', TOKENS.agent, 400],
      ];
      for (const [path, token, status] of cases) {
        const response = await call('GET', path, token);
        expect(response.status, path).toBe(status);
      }
    });

    it('snapshots every object with size, md5, generation and content type, in pages', async () => {
      const all: Array<Record<string, unknown>> = [];
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const response = await call(
          'GET',
          `/cases/intake-case/snapshot?limit=1${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`,
          TOKENS.agent,
        );
        expect(response.status).toBe(200);
        const page = (await response.json()) as { objects: Array<Record<string, unknown>>; nextPageToken?: string };
        all.push(...page.objects);
        pageToken = page.nextPageToken;
        pages += 1;
      } while (pageToken);
      expect(pages).toBe(3);
      expect(all.map((entry) => entry.path)).toEqual(['Empty/', 'Scans/scan 1.pdf', 'notes.txt']);
      const scan = all.find((entry) => entry.path === 'Scans/scan 1.pdf')!;
      const stat = await server.objects.stat('projects/intake-case/Scans/scan 1.pdf');
      expect(scan).toMatchObject({ size: pdf.length, md5: md5Hex(pdf), generation: stat!.generation, contentType: 'application/pdf' });
      if (backend === 'cloud') expect(scan.crc32c).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    });

    it('declares a blob, uploads it where told, and answers `exists` from then on', async () => {
      const content = randomBytes(2 * 1024 * 1024 + 17);
      const declaration = { md5: md5Hex(content), sha256: sha256Hex(content), size: content.length, contentType: 'application/pdf' };
      const declared = await call('POST', '/cases/intake-case/blobs', TOKENS.agent, { body: declaration });
      expect(declared.status).toBe(200);
      const answer = (await declared.json()) as {
        blob: string;
        exists: boolean;
        upload: { method: string; url: string; headers: Record<string, string>; authorization: string };
      };
      expect(answer).toMatchObject({ blob: `intake-case/md5-${declaration.md5}-${content.length}`, exists: false });
      if (backend === 'cloud') {
        expect(answer.upload.authorization).toBe('signed');
        const url = new URL(answer.upload.url);
        expect(decodeURIComponent(url.pathname)).toMatch(new RegExp(`/\\.bailiff/staging/intake-case/md5-${declaration.md5}-${content.length}$`));
        expect(url.searchParams.get('X-Goog-SignedHeaders')).toBe('content-md5;content-type;host;x-goog-if-generation-match');
        expect(answer.upload.headers).toEqual({
          'content-md5': createHash('md5').update(content).digest('base64'),
          'content-type': 'application/pdf',
          'x-goog-if-generation-match': '0',
        });
      } else {
        expect(answer.upload).toMatchObject({
          method: 'PUT',
          authorization: 'bearer',
          url: `/cases/intake-case/blobs/md5-${declaration.md5}-${content.length}`,
        });
      }
      const target = answer.upload.authorization === 'bearer' ? `${server.url}${answer.upload.url}` : answer.upload.url;
      const auth: Record<string, string> = answer.upload.authorization === 'bearer' ? { authorization: `Bearer ${TOKENS.agent}` } : {};
      const uploaded = await fetch(target, { method: 'PUT', headers: { ...answer.upload.headers, ...auth }, body: new Uint8Array(content) });
      expect(uploaded.ok).toBe(true);
      const again = (await (await call('POST', '/cases/intake-case/blobs', TOKENS.agent, { body: declaration })).json()) as {
        exists: boolean;
        upload?: unknown;
      };
      expect(again).toEqual({ blob: answer.blob, exists: true });
      const stored = await server.objects.stat(`.bailiff/staging/intake-case/md5-${declaration.md5}-${content.length}`);
      expect(stored).toMatchObject({ size: content.length, contentType: 'application/pdf' });
      // Staged blobs are never case content.
      const snapshot = (await (await call('GET', '/cases/intake-case/snapshot', TOKENS.agent)).json()) as { objects: Array<{ path: string }> };
      expect(snapshot.objects.map((entry) => entry.path).some((path) => path.includes('staging'))).toBe(false);
    });

    it('refuses bad declarations precisely, and other cases', async () => {
      const content = Buffer.from('x');
      const bad: Array<[unknown, string]> = [
        [{ size: 1 }, 'md5'],
        [{ md5: 'ABC', size: 1 }, 'md5'],
        [{ md5: md5Hex(content), size: -1 }, 'size'],
        [{ md5: md5Hex(content), size: 1, contentType: 'pdf' }, 'contentType'],
        [{ md5: md5Hex(content), size: 1, extra: true }, ''],
      ];
      for (const [body, field] of bad) {
        const response = await call('POST', '/cases/intake-case/blobs', TOKENS.agent, { body });
        expect(response.status, JSON.stringify(body)).toBe(400);
        const error = (await response.json()) as { error: { details: Array<{ path: string }> } };
        expect(
          error.error.details.map((detail) => detail.path),
          JSON.stringify(body),
        ).toContain(field);
      }
      expect((await call('POST', '/cases/intake-case/blobs', TOKENS.otherAgent, { body: { md5: md5Hex(content), size: 1 } })).status).toBe(403);
      expect((await call('POST', '/cases/intake-case/blobs', TOKENS.approver, { body: { md5: md5Hex(content), size: 1 } })).status).toBe(403);
    });

    if (backend === 'embedded') {
      it('publishes an upload only when its bytes are the declared ones', async () => {
        const content = randomBytes(64 * 1024);
        const id = `md5-${md5Hex(content)}-${content.length}`;
        const put = (body: Buffer, blobId = id) =>
          fetch(`${server.url}/cases/intake-case/blobs/${blobId}`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${TOKENS.agent}`, 'content-type': 'application/pdf' },
            body: new Uint8Array(body),
          });
        const tampered = Buffer.from(content);
        tampered[100] = (tampered[100]! + 1) % 256;
        const wrongHash = await put(tampered);
        expect(wrongHash.status).toBe(400);
        expect((await wrongHash.json()).error.message).toMatch(/md5/);
        const tooLong = await put(Buffer.concat([content, Buffer.from('!')]));
        expect(tooLong.status).toBe(413);
        const tooShort = await put(content.subarray(1));
        expect(tooShort.status).toBe(400);
        expect(await server.objects.stat(`.bailiff/staging/intake-case/${id}`)).toBeUndefined();
        const ok = await put(content);
        expect(ok.status).toBe(201);
        expect(await ok.json()).toMatchObject({
          blob: `intake-case/${id}`,
          size: content.length,
          alreadyUploaded: false,
          md5: md5Hex(content),
          sha256: sha256Hex(content),
        });
        const sha = `sha256-${sha256Hex(content)}-${content.length}`;
        expect((await put(content, sha)).status).toBe(201);
        expect((await put(content, 'md5-zz-1')).status).toBe(400);
      });
    } else {
      it('refuses a sha256-only declaration: Cloud Storage can verify an upload by MD5 only', async () => {
        const response = await call('POST', '/cases/intake-case/blobs', TOKENS.agent, { body: { sha256: sha256Hex(Buffer.from('x')), size: 1 } });
        expect(response.status).toBe(400);
        expect((await response.json()).error.details[0].message).toMatch(/MD5/);
      });
    }
  });
}
