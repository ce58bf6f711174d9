/**
 * The bench's data: "an inbox of N scanned files, 1–64 KiB, to be filed into 20 folders".
 * Sizes come from a fixed seed, so every run and every contender moves exactly the same bytes.
 */
import { randomBytes } from 'node:crypto';
import { KiB, seededRandom } from './util.ts';

export const FOLDERS = 20;

export interface FileSpec {
  /** Path inside the case, such as `inbox/f-00042.bin`. */
  source: string;
  /** Where the plan files it, such as `folder-02/f-00042.bin`. */
  destination: string;
  folder: string;
  size: number;
}

export function inboxFiles(count: number, options: { minBytes?: number; maxBytes?: number; seed?: number } = {}): FileSpec[] {
  const min = options.minBytes ?? 1 * KiB;
  const max = options.maxBytes ?? 64 * KiB;
  const random = seededRandom(options.seed ?? 20261126);
  const digits = String(count).length;
  return Array.from({ length: count }, (_, i) => {
    const name = `f-${String(i).padStart(digits, '0')}.bin`;
    const folder = `folder-${String(i % FOLDERS).padStart(2, '0')}`;
    return { source: `inbox/${name}`, destination: `${folder}/${name}`, folder, size: min + Math.floor(random() * (max - min + 1)) };
  });
}

/** One random block; each file is a prefix of it (content is irrelevant to every contender). */
let block: Buffer | undefined;
export function contentOf(size: number): Buffer {
  block ??= randomBytes(64 * KiB);
  if (size <= block.length) return block.subarray(0, size);
  return Buffer.concat(Array.from({ length: Math.ceil(size / block.length) }, () => block!)).subarray(0, size);
}

export function totalBytes(files: readonly FileSpec[]): number {
  return files.reduce((sum, file) => sum + file.size, 0);
}
