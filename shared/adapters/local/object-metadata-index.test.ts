/**
 * The local store's record index: what this process writes it reads back at once, what another
 * connection (another process) sees is only what was committed, and `durable()` is the point
 * from which a crash can no longer lose a change.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectMetadataIndex } from './object-metadata-index.ts';

describe('ObjectMetadataIndex', () => {
  let dir: string;
  const open: ObjectMetadataIndex[] = [];
  const index = () => {
    const opened = new ObjectMetadataIndex(join(dir, 'objects.sqlite'));
    open.push(opened);
    return opened;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bailiff-index-'));
  });

  afterEach(async () => {
    for (const opened of open.splice(0)) opened.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads its own changes at once; another connection sees them once they are durable', async () => {
    const writer = index();
    const reader = index();
    writer.set('projects/c/a.txt', 'pending', { ino: '1' });
    writer.set('projects/c/a.txt', 'moving', { to: 'projects/c/b.txt', ino: '1' });
    expect(writer.read('projects/c/a.txt')).toEqual({ pending: { ino: '1' }, moving: { to: 'projects/c/b.txt', ino: '1' } });
    expect(reader.read('projects/c/a.txt')).toEqual({});
    await writer.durable();
    expect(reader.read('projects/c/a.txt')).toEqual({ pending: { ino: '1' }, moving: { to: 'projects/c/b.txt', ino: '1' } });
  });

  it('commits the last word of a turn on each record, and removals too', async () => {
    const writer = index();
    writer.set('n', 'sidecar', { generation: 'g1' });
    await writer.durable();
    writer.set('n', 'sidecar', { generation: 'g2' });
    writer.set('n', 'pending', { ino: '7' });
    writer.remove('n', 'pending');
    expect(writer.read('n')).toEqual({ sidecar: { generation: 'g2' } });
    await writer.durable();
    expect(index().read('n')).toEqual({ sidecar: { generation: 'g2' } });
    writer.remove('n', 'sidecar');
    // Not awaited: committed at the end of the turn all the same.
    await new Promise((resolve) => setImmediate(resolve));
    expect(index().read('n')).toEqual({});
  });

  it('keeps what it committed across reopening, and commits on close what is still pending', async () => {
    const first = index();
    first.set('kept', 'sidecar', { generation: 'g' });
    first.close();
    expect(index().read('kept')).toEqual({ sidecar: { generation: 'g' } });
  });
});
