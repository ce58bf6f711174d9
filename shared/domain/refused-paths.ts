/**
 * Entries of a case that its listing reports but no call can touch (RefusedEntry: the embedded
 * store's symbolic links, names written in NFD, sockets and the like), looked up by the paths a
 * plan names. The dry run refuses an operation naming one, or a path through one, so the plan
 * is invalid when proposed rather than failing when it runs.
 */
import type { RefusedEntry, RefusedKind } from './objects.ts';
import { casePathOf, isInside, parentOf } from './paths.ts';

export interface RefusedPath {
  /** The case path as found on disk (NFD stays NFD), without a folder's trailing slash. */
  path: string;
  kind: RefusedKind;
}

export class RefusedPaths {
  /** By the NFC form of the path: plans name everything in NFC, so an NFD name is met so. */
  readonly #byPath = new Map<string, RefusedPath>();

  constructor(caseName: string, entries: Iterable<RefusedEntry>) {
    for (const entry of entries) {
      const path = casePathOf(caseName, entry.name)?.replace(/\/$/, '');
      if (path) this.#byPath.set(path.normalize('NFC'), { path, kind: entry.kind });
    }
  }

  get size(): number {
    return this.#byPath.size;
  }

  /** The refused entry at `path` (a case path, a trailing slash allowed) or at a folder above it. */
  at(path: string): RefusedPath | undefined {
    if (this.#byPath.size === 0) return undefined;
    for (let current: string | undefined = path.replace(/\/$/, ''); current !== undefined; current = parentOf(current)) {
      const found = this.#byPath.get(current.normalize('NFC'));
      if (found) return found;
    }
    return undefined;
  }

  /** The refused entries inside `folder`, in name order. */
  under(folder: string): RefusedPath[] {
    if (this.#byPath.size === 0) return [];
    return [...this.#byPath.entries()]
      .filter(([key]) => key !== folder && isInside(key, folder))
      .map(([, found]) => found)
      .sort((a, b) => (a.path < b.path ? -1 : 1));
  }
}

/** Why no plan may touch `path`, which is `found` or lies under it: the words of the dry run's error. */
export function describeRefused(found: RefusedPath, path: string): string {
  const through = found.path.normalize('NFC') === path.replace(/\/$/, '').normalize('NFC') ? '' : `, so \`${path}\` cannot be reached`;
  switch (found.kind) {
    case 'symbolic_link':
      return `\`${found.path}\` is a symbolic link, which Bailiff never follows${through}`;
    case 'name_not_nfc':
      return `\`${found.path}\` is named on disk in another Unicode normalisation (NFD, as macOS writes names)${through}; rename it on disk to its usual (NFC) form to use it`;
    case 'not_a_file':
      return `\`${found.path}\` is neither a file nor a folder Bailiff can use (a device, a socket, or a name with a backslash)${through}`;
  }
}
