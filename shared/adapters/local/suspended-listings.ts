/**
 * Directory walks of a paged listing, kept between its pages. Without them every page walks
 * the case again from its start and re-reads (and re-sorts) the folder it stopped in: a case
 * of 100,000 files in 20 folders was read 5,000 entries at a time, a hundred times over, for a
 * listing whose pages hold 1,000. Resuming the walk makes a paged listing cost one walk.
 *
 * A resumed page sees a folder as it was when the walk first read it; what was created there
 * since is not listed, as if the listing had been one walk taken at once. A listing is not a
 * snapshot on Cloud Storage either, and the dry run and the executor re-check every object they
 * act on. A walk not resumed within `ttlMs` is dropped, and the page token still works: the
 * listing then walks again from the name the token holds.
 */
export interface SuspendedWalk<T = string> {
  walk: AsyncGenerator<T>;
  /** The first entry of the next page, already taken from the walk. */
  next: T;
}

export class SuspendedListings<T = string> {
  readonly #walks = new Map<string, SuspendedWalk<T> & { prefix: string; keptAt: number }>();
  readonly #capacity: number;
  readonly #ttlMs: number;

  constructor(options: { capacity: number; ttlMs: number }) {
    this.#capacity = options.capacity;
    this.#ttlMs = options.ttlMs;
  }

  /** Keeps the walk of a listing of `prefix` whose next page `token` asks for. */
  keep(token: string, prefix: string, suspended: SuspendedWalk<T>, now = Date.now()): void {
    this.#drop(token);
    this.#walks.set(token, { ...suspended, prefix, keptAt: now });
    for (const [oldest, kept] of this.#walks) {
      if (this.#walks.size <= this.#capacity && now - kept.keptAt < this.#ttlMs) break;
      this.#drop(oldest);
    }
  }

  /** The walk to resume for this page of this prefix, once; undefined when it was not kept. */
  take(token: string, prefix: string, now = Date.now()): SuspendedWalk<T> | undefined {
    const kept = this.#walks.get(token);
    if (!kept) return undefined;
    this.#walks.delete(token);
    if (kept.prefix !== prefix || now - kept.keptAt >= this.#ttlMs) {
      void kept.walk.return(undefined);
      return undefined;
    }
    return { walk: kept.walk, next: kept.next };
  }

  #drop(token: string): void {
    const kept = this.#walks.get(token);
    if (!kept) return;
    this.#walks.delete(token);
    void kept.walk.return(undefined);
  }
}
