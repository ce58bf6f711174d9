/**
 * What only the local-directory adapter promises, beyond the shared contract: generations that
 * notice edits by other programs, the folder rules, pruning, and the refusal of names and
 * symbolic links that would lead outside the workspace.
 */
import { createHash } from 'node:crypto';
import { link, mkdir, mkdtemp, readdir, rm, symlink, writeFile, rename as fsRename, stat as fsStat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBailiffError } from '../../errors.ts';
import { FsObjectStore, KeyedMutex, METADATA_FILE, STAGING_DIR_NAME } from './fs-object-store.ts';

const md5 = (text: string) => createHash('md5').update(text).digest('base64');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isBailiffError(error) ? error.code : `not a BailiffError: ${String(error)}`;
  }
  return 'resolved';
}

describe('FsObjectStore', () => {
  let dir: string;
  let root: string;
  let metadataDir: string;
  let store: FsObjectStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bailiff-fs-unit-'));
    root = join(dir, 'workspace');
    metadataDir = join(dir, 'metadata');
    store = new FsObjectStore({ root, metadataDir });
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('maps object names to files under the root, and keeps metadata out of it', async () => {
    await store.write('projects/c/a/b.txt', Buffer.from('hello'), { metadata: { k: 'v' } });
    expect((await fsStat(join(root, 'projects', 'c', 'a', 'b.txt'))).size).toBe(5);
    expect(await readdir(metadataDir)).toContain(METADATA_FILE);
    expect(await readdir(join(root, STAGING_DIR_NAME))).toEqual([]);
    expect((await store.list('')).objects.map((object) => object.name)).toEqual(['projects/c/a/b.txt']);
  });

  it('gives a new generation to an edit made by another program, and drops the stale metadata', async () => {
    const written = await store.write('projects/c/doc.txt', Buffer.from('ours'), { metadata: { 'bailiff-plan': 'p1' } });
    await writeFile(join(root, 'projects/c/doc.txt'), 'theirs, edited in place');
    const after = await store.stat('projects/c/doc.txt');
    expect(after?.generation).not.toBe(written.generation);
    expect(after?.metadata).toEqual({});
    // Its md5 is not known without reading the whole file, so stat does not claim one.
    expect(after?.md5).toBeUndefined();
    expect(await codeOf(store.write('projects/c/doc.txt', Buffer.from('x'), { ifGenerationMatch: written.generation }))).toBe('precondition_failed');
  });

  it('notices a file replaced by rename from outside', async () => {
    const written = await store.write('projects/c/doc.txt', Buffer.from('ours'));
    await writeFile(join(dir, 'replacement'), 'ours');
    await fsRename(join(dir, 'replacement'), join(root, 'projects/c/doc.txt'));
    expect((await store.stat('projects/c/doc.txt'))?.generation).not.toBe(written.generation);
  });

  it('refuses names that would leave the root or alias another name', async () => {
    for (const name of ['../escape.txt', 'projects/../../escape.txt', 'projects//c.txt', '/etc/passwd', 'a/./b', 'a\\b', `${STAGING_DIR_NAME}/x`, '/', '']) {
      expect(await codeOf(store.write(name, Buffer.alloc(0))), name).toBe('invalid_input');
    }
    expect(await codeOf(store.list('../'))).toBe('invalid_input');
  });

  it('refuses to write through a symbolic link that leads outside the root, and does not list links', async () => {
    const outside = join(dir, 'outside');
    await mkdir(outside);
    await mkdir(join(root, 'projects'), { recursive: true });
    await symlink(outside, join(root, 'projects', 'linked'));
    expect(await codeOf(store.write('projects/linked/x.txt', Buffer.from('x')))).toBe('invalid_input');
    expect(await readdir(outside)).toEqual([]);
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await symlink(join(outside, 'secret.txt'), join(root, 'projects', 'secret.txt'));
    expect(await codeOf(store.stat('projects/secret.txt'))).toBe('invalid_input');
    expect(await codeOf(store.read('projects/secret.txt'))).toBe('invalid_input');
    expect((await store.list('projects/')).objects).toEqual([]);
  });

  it('sees a folder that became a symbolic link after a move out of it, once the turn has ended', async () => {
    // The link check remembers real folders until the end of the event-loop turn; a link planted
    // later must be refused as before.
    const inbox = join(root, 'projects', 'smith', 'inbox');
    const doe = join(root, 'projects', 'doe');
    await mkdir(inbox, { recursive: true });
    await mkdir(doe, { recursive: true });
    await writeFile(join(inbox, 'a.txt'), 'a');
    await writeFile(join(inbox, 'b.txt'), 'b');
    await writeFile(join(doe, 'b.txt'), 'doe b');
    await store.rename('projects/smith/inbox/a.txt', 'projects/smith/a.txt', { ifGenerationMatch: '0' });
    await new Promise((resolve) => setImmediate(resolve));
    await rm(inbox, { recursive: true });
    await symlink('../doe', inbox);
    expect(await codeOf(store.rename('projects/smith/inbox/b.txt', 'projects/smith/b.txt', { ifGenerationMatch: '0' }))).toBe('invalid_input');
    expect(await readdir(doe)).toEqual(['b.txt']);
  });

  it('follows no symbolic link inside the workspace either, for any call, in any component', async () => {
    // smith/doelink -> ../doe (a folder link into another case), smith/memo.txt -> ../doe/memo.txt
    // (a file link), and a case folder that is itself a link (alias -> doe).
    const doe = join(root, 'projects', 'doe');
    await mkdir(join(doe, 'sub'), { recursive: true });
    await mkdir(join(root, 'projects', 'smith'), { recursive: true });
    await writeFile(join(doe, 'memo.txt'), 'doe memo');
    await writeFile(join(doe, 'sub', 'n.txt'), 'doe note');
    await symlink('../doe', join(root, 'projects', 'smith', 'doelink'));
    await symlink('../doe/memo.txt', join(root, 'projects', 'smith', 'memo.txt'));
    await symlink('doe', join(root, 'projects', 'alias'));
    await store.write('projects/smith/own.txt', Buffer.from('own'));
    const through = ['projects/smith/doelink/memo.txt', 'projects/smith/memo.txt', 'projects/alias/memo.txt', 'projects/smith/doelink/sub/n.txt'];
    const calls: Array<[string, () => Promise<unknown>]> = [];
    for (const name of through) {
      calls.push(
        [`stat ${name}`, () => store.stat(name)],
        [`read ${name}`, () => store.read(name)],
        [`openRead ${name}`, () => store.openRead(name)],
        [`write ${name}`, () => store.write(name, Buffer.from('x'))],
        [`writeFrom ${name}`, () => store.writeFrom(name, Readable.from([Buffer.from('x')]))],
        [`copy from ${name}`, () => store.copy(name, 'projects/smith/stolen.txt')],
        [`copy to ${name}`, () => store.copy('projects/smith/own.txt', name)],
        [`move from ${name}`, () => store.rename(name, 'projects/smith/stolen.txt')],
        [`move to ${name}`, () => store.rename('projects/smith/own.txt', name)],
        [`delete ${name}`, () => store.delete(name)],
      );
    }
    for (const marker of ['projects/smith/doelink/', 'projects/smith/doelink/planted/', 'projects/alias/planted/']) {
      calls.push(
        [`write ${marker}`, () => store.write(marker, Buffer.alloc(0))],
        [`delete ${marker}`, () => store.delete(marker)],
        [`stat ${marker}`, () => store.stat(marker)],
      );
    }
    for (const prefix of ['projects/smith/doelink/', 'projects/alias/', 'projects/alias/sub/']) calls.push([`list ${prefix}`, () => store.list(prefix)]);
    for (const [what, call] of calls) {
      const outcome = call();
      expect(await codeOf(outcome), what).toBe('invalid_input');
      await outcome.catch((error: Error) => expect(error.message, what).toMatch(/symbolic link/));
    }
    expect(await readdir(doe)).toEqual(['memo.txt', 'sub']);
    expect(await readdir(join(doe, 'sub'))).toEqual(['n.txt']);
    expect((await store.read('projects/doe/memo.txt')).toString()).toBe('doe memo');
    expect((await store.read('projects/smith/own.txt')).toString()).toBe('own');
    // The case's own listing shows its files and nothing behind its links.
    expect((await store.list('projects/smith/')).objects.map((object) => object.name)).toEqual(['projects/smith/own.txt']);
  });

  it('refuses a metadata directory inside the workspace', () => {
    expect(() => new FsObjectStore({ root, metadataDir: join(root, '.meta') })).toThrow(/outside the workspace/);
  });

  it('shows an empty directory made by anyone as a folder marker', async () => {
    await mkdir(join(root, 'projects', 'c', 'Scans'), { recursive: true });
    expect((await store.list('projects/c/')).objects.map((object) => object.name)).toEqual(['projects/c/Scans/']);
    expect(await store.stat('projects/c/Scans/')).toMatchObject({ size: 0, md5: md5('') });
    await store.write('projects/c/Scans/one.pdf', Buffer.from('%PDF'));
    // A folder that holds objects is not also a marker here (Cloud Storage would keep both).
    expect(await store.stat('projects/c/Scans/')).toBeUndefined();
  });

  it('prunes folders emptied by a delete or a move, but keeps projects/<case>', async () => {
    await store.write('projects/c/a/b/deep.txt', Buffer.from('x'));
    await store.write('projects/c/m/n/moved.txt', Buffer.from('y'));
    await store.delete('projects/c/a/b/deep.txt');
    await store.rename('projects/c/m/n/moved.txt', 'projects/other/moved.txt');
    expect(await readdir(join(root, 'projects', 'c'))).toEqual([]);
    expect((await store.list('projects/')).objects.map((object) => object.name)).toEqual(['projects/c/', 'projects/other/moved.txt']);
  });

  it('reports a file where a folder should be (and the reverse) as conflict', async () => {
    await store.write('projects/c/thing', Buffer.from('file'));
    expect(await codeOf(store.write('projects/c/thing/inside.txt', Buffer.from('x')))).toBe('conflict');
    expect(await codeOf(store.write('projects/c/thing/', Buffer.alloc(0)))).toBe('conflict');
    await store.write('projects/c/folder/inside.txt', Buffer.from('x'));
    expect(await codeOf(store.write('projects/c/folder', Buffer.from('x')))).toBe('conflict');
  });

  it('lists nothing under a prefix that runs through a file, and skips names it cannot address', async () => {
    await store.write('projects/c/file.txt', Buffer.from('x'));
    expect(await store.list('projects/c/file.txt/')).toEqual({ objects: [] });
    await writeFile(join(root, 'projects', 'c', 'back\\slash.txt'), 'made elsewhere');
    expect((await store.list('projects/c/')).objects.map((object) => object.name)).toEqual(['projects/c/file.txt']);
  });

  it('rejects a page token it did not issue', async () => {
    expect(await codeOf(store.list('', { pageToken: '***' }))).toBe('invalid_input');
  });

  it('keeps a moved file in exactly one place at every observation', async () => {
    await store.write('projects/c/a.txt', Buffer.from('payload'));
    let source = 'projects/c/a.txt';
    const seen: number[] = [];
    const watcher = (async () => {
      for (let i = 0; i < 200; i++) {
        const entries = await readdir(join(root, 'projects', 'c'));
        seen.push(entries.filter((entry) => entry.endsWith('.txt')).length);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let i = 0; i < 50; i++) {
      const target = `projects/c/${i % 2 === 0 ? 'b' : 'a'}.txt`;
      await store.rename(source, target, { ifGenerationMatch: '0' });
      source = target;
    }
    await watcher;
    // link-then-unlink may briefly show both names; never none.
    expect(seen.every((count) => count >= 1)).toBe(true);
    expect((await store.read(source)).toString()).toBe('payload');
  });

  it('takes over the records of the earlier file-per-record layout, an interrupted move included', async () => {
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    const legacy = async (name: string, suffix: string, value: unknown) => {
      await mkdir(join(metadataDir, sha(name).slice(0, 2)), { recursive: true });
      await writeFile(join(metadataDir, sha(name).slice(0, 2), `${sha(name)}.json${suffix}`), JSON.stringify(value));
    };
    await mkdir(join(root, 'projects', 'c'), { recursive: true });
    await writeFile(join(root, 'projects/c/kept.txt'), 'kept');
    const kept = await fsStat(join(root, 'projects/c/kept.txt'), { bigint: true });
    await legacy('projects/c/kept.txt', '', { name: 'projects/c/kept.txt', generation: `${kept.ino}-${kept.ctimeNs}`, metadata: { 'bailiff-plan': 'p0' } });
    // A move killed between link and unlink: the file under both names, with its intent and moving record.
    await writeFile(join(root, 'projects/c/from.txt'), 'moving');
    await link(join(root, 'projects/c/from.txt'), join(root, 'projects/c/to.txt'));
    const moved = await fsStat(join(root, 'projects/c/to.txt'), { bigint: true });
    const pending = { ino: String(moved.ino), size: String(moved.size), mtimeNs: String(moved.mtimeNs) };
    await legacy('projects/c/to.txt', '.pending', {
      name: 'projects/c/to.txt',
      generation: '',
      metadata: { 'bailiff-plan': 'p1' },
      pending,
      movedFrom: 'projects/c/from.txt',
    });
    await legacy('projects/c/from.txt', '.moving', { to: 'projects/c/to.txt', ino: String(moved.ino) });

    expect((await store.stat('projects/c/kept.txt'))?.metadata).toEqual({ 'bailiff-plan': 'p0' });
    expect(await store.stat('projects/c/from.txt')).toBeUndefined();
    expect((await store.stat('projects/c/to.txt'))?.metadata).toEqual({ 'bailiff-plan': 'p1' });
    expect((await store.list('projects/c/')).objects.map((object) => object.name)).toEqual(['projects/c/kept.txt', 'projects/c/to.txt']);
    expect((await readdir(metadataDir)).filter((entry) => !entry.startsWith(METADATA_FILE))).toEqual([]);
  });

  it('two stores over one root agree on generations, since those come from the files', async () => {
    const other = new FsObjectStore({ root, metadataDir });
    const written = await store.write('projects/c/shared.txt', Buffer.from('one'));
    expect((await other.stat('projects/c/shared.txt'))?.generation).toBe(written.generation);
    expect(await codeOf(other.write('projects/c/shared.txt', Buffer.from('two'), { ifGenerationMatch: '0' }))).toBe('precondition_failed');
  });
});

describe('KeyedMutex', () => {
  it('runs work on one key one at a time, and other keys freely', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const step = (label: string, ms: number) => async () => {
      log.push(`${label}:start`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`${label}:end`);
    };
    await Promise.all([mutex.run(['a'], step('a1', 20)), mutex.run(['a'], step('a2', 1)), mutex.run(['b'], step('b1', 1))]);
    expect(log.indexOf('a1:end')).toBeLessThan(log.indexOf('a2:start'));
    expect(log.indexOf('b1:end')).toBeLessThan(log.indexOf('a1:end'));
  });

  it('takes several keys in a fixed order, so crossing pairs do not deadlock', async () => {
    const mutex = new KeyedMutex();
    const results = await Promise.all([
      mutex.run(['x', 'y'], async () => 'xy'),
      mutex.run(['y', 'x'], async () => 'yx'),
      mutex
        .run(['y', 'x'], async () => {
          throw new Error('released anyway');
        })
        .catch((error: Error) => error.message),
      mutex.run(['x'], async () => 'x'),
    ]);
    expect(results).toEqual(['xy', 'yx', 'released anyway', 'x']);
  });
});
