/**
 * Object names on a local directory: the checks that keep a name inside the workspace (no
 * empty, `.` or `..` segment, no backslash or NUL, no symbolic link out of the root, the
 * staging area reserved), and where a checked name lives on disk.
 */
import type { BigIntStats } from 'node:fs';
import { lstatSync, realpathSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { invalidInput } from '../../errors.ts';
import { hasCode } from './fs-errors.ts';

/** Top-level directory of the workspace that holds temporary files. */
export const STAGING_DIR_NAME = '.bailiff-staging';
// Directories known to exist, and directories checked to be inside the root; bounded.
export const REMEMBERED_DIRECTORIES = 10_000;

/** A checked object name and where it lives. */
export interface Location {
  name: string;
  /** The name without a marker's trailing slash: the lock key and the path. */
  key: string;
  path: string;
  marker: boolean;
}

/** What is at a location now: the file (or a marker's directory) and its generation. */
export interface Present {
  stats: BigIntStats;
  generation: string;
}

export function generationOf(stats: BigIntStats): string {
  return `${stats.ino}-${stats.ctimeNs}`;
}

/** Adds to a bounded map, forgetting the oldest entry when full. */
function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > REMEMBERED_DIRECTORIES) map.delete(map.keys().next().value!);
}

/** The names of one workspace root, and the folders already checked to be inside it. */
export class WorkspaceNames {
  readonly #root: string;
  /** Folders whose real path was checked to be inside the root, by the identity they had then. */
  readonly #checkedDirectories = new Map<string, { dev: number; ino: number }>();

  constructor(root: string) {
    this.#root = root;
  }

  /** Checks a name and maps it into the root; paths.ts is the main guard, this is the second. */
  locate(name: string): Location {
    if (typeof name !== 'string' || name.length === 0) throw invalidInput('object name is empty');
    if (name.includes('\0') || name.includes('\\')) throw invalidInput(`object name ${JSON.stringify(name)} has a NUL or backslash`);
    const marker = name.endsWith('/');
    const key = marker ? name.slice(0, -1) : name;
    const segments = key.split('/');
    if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
      throw invalidInput(`object name ${JSON.stringify(name)} has an empty, \`.\` or \`..\` segment`);
    }
    if (segments[0] === STAGING_DIR_NAME) throw invalidInput(`${STAGING_DIR_NAME}/ is reserved for temporary files`);
    const path = resolve(this.#root, ...segments);
    if (!path.startsWith(this.#root + sep)) throw invalidInput(`object name ${JSON.stringify(name)} resolves outside the workspace`);
    return { name, key, path, marker };
  }

  /**
   * Refuses a path whose existing ancestors leave the root through a symbolic link. A folder
   * once checked is re-checked by one lstat: reached by the same path, it must still be a
   * directory (not a link) with the same device and inode, which a swapped ancestor would change
   * (the path would then lead to another directory). Only a folder moved out of the workspace
   * and replaced by a link to itself passes unnoticed, as any change made between the check and
   * the use always could.
   */
  assertInside(path: string, realRoot: string): void {
    const parent = dirname(path);
    const checked = this.#checkedDirectories.get(parent);
    if (checked) {
      const now = lstatSync(parent, { throwIfNoEntry: false });
      if (now?.isDirectory() && now.ino === checked.ino && now.dev === checked.dev) return;
      this.#checkedDirectories.delete(parent);
    }
    let dir = parent;
    for (;;) {
      try {
        const real = realpathSync.native(dir);
        if (real !== realRoot && !real.startsWith(realRoot + sep)) {
          throw invalidInput(`${relative(this.#root, path)} resolves outside the workspace through a symbolic link`);
        }
        if (dir === parent) {
          const stats = lstatSync(dir);
          if (stats.isDirectory()) remember(this.#checkedDirectories, dir, { dev: stats.dev, ino: stats.ino });
        }
        return;
      } catch (error) {
        if (!hasCode(error, 'ENOENT', 'ENOTDIR') || dir === this.#root) throw error;
        dir = dirname(dir);
      }
    }
  }

  /** A folder that was removed: it must be checked again if it comes back. */
  forget(dir: string): void {
    this.#checkedDirectories.delete(dir);
  }
}
