/**
 * Object names on a local directory: the checks that keep a name inside the workspace (no
 * empty, `.` or `..` segment, no backslash or NUL, no symbolic link on the way, the
 * staging area reserved), and where a checked name lives on disk.
 */
import type { BigIntStats } from 'node:fs';
import { lstatSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { invalidInput } from '../../errors.ts';
import { hasCode } from './fs-errors.ts';

/** Top-level directory of the workspace that holds temporary files. */
export const STAGING_DIR_NAME = '.bailiff-staging';
// Directories known to exist (see fs-writes.ts); bounded.
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

/** The names of one workspace root. */
export class WorkspaceNames {
  readonly #root: string;
  /** Folders found to be real folders (not links) during the current event-loop turn. */
  readonly #realFolders = new Set<string>();
  #forgetting = false;

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
   * Refuses a path that passes through a symbolic link: every component below the root, the
   * last one included, is looked at with `lstat` (never followed) until the first that does not
   * exist yet. A link is refused wherever it points, inside the case, into another case or out of
   * the workspace: comparing resolved prefixes would let `smith/doelink -> ../doe` through.
   * Hard links are ordinary files. A link planted between this check and the use is the one race
   * left, as any change made between a check and a use always could be.
   *
   * Returns what is at the last component (undefined when it, or a folder on its way, does not
   * exist), so a caller about to look the path up need not `lstat` it again.
   *
   * The folders on the way that were found to be real folders are not looked at again until the
   * current event-loop turn ends: the operations started in one turn (a batch of moves out of
   * one inbox) share one look per folder instead of one each. For a move that widens no race,
   * as its `link` comes a turn after its check anyway (it awaits its intent record's commit in
   * between); for a read or a stat the window grows from the check's own microseconds to at
   * most the rest of one turn. Either way only another program can plant a link (this store
   * never makes one), which it could as well do just after the check.
   */
  assertNoLinks(path: string): BigIntStats | undefined {
    const root = this.#root;
    const segments = path.startsWith(root + sep) ? path.slice(root.length + 1).split(sep) : relative(root, path).split(sep);
    const lastIndex = segments.length - 1;
    let current = root;
    for (let index = 0; index <= lastIndex; index += 1) {
      current = `${current}${sep}${segments[index]}`;
      const last = index === lastIndex;
      if (!last && this.#realFolders.has(current)) continue;
      let stats: BigIntStats | undefined;
      try {
        stats = lstatSync(current, { bigint: true, throwIfNoEntry: false });
      } catch (error) {
        if (hasCode(error, 'ENOTDIR')) return undefined; // a file where a folder would be: the caller reports it
        throw error;
      }
      if (!stats) return undefined;
      if (stats.isSymbolicLink()) {
        const link = segments.slice(0, index + 1).join('/');
        throw invalidInput(`\`${link}\` is a symbolic link; the workspace never follows links`, [{ message: 'symbolic link', link }]);
      }
      if (last) return stats;
      if (stats.isDirectory()) this.#rememberRealFolder(current);
    }
    return undefined;
  }

  #rememberRealFolder(folder: string): void {
    this.#realFolders.add(folder);
    if (this.#forgetting) return;
    this.#forgetting = true;
    setImmediate(() => {
      this.#realFolders.clear();
      this.#forgetting = false;
    }).unref();
  }
}
