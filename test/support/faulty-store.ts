/**
 * An ObjectStore wrapper for fault injection: it counts storage calls, "crashes" at a chosen
 * one (that call and every later one fail as if the process had died mid-request: the request
 * may or may not have reached storage), and can run a hook at a chosen call (a person editing
 * the workspace while a plan runs). The inner store is always a real adapter.
 */
import { unavailable } from '../../shared/errors.ts';
import type { Readable } from 'node:stream';
import type { SettableHoldKind } from '../../shared/domain/holds.ts';
import type { CopyOptions, GenerationPrecondition, ListOptions, ObjectStore, OpenReadOptions, WriteOptions } from '../../shared/ports/object-store.ts';

export class FaultyObjectStore implements ObjectStore {
  calls = 0;
  private crashAt: number | undefined;
  /** When true the crashing call is still sent to storage before failing (the answer is lost). */
  private crashAfterSending = false;
  private dead = false;
  private hooks = new Map<number, () => Promise<void>>();
  private nameHooks: Array<{ method: string; name: string; hook: () => Promise<void> }> = [];
  private crashOnMethodName: string | undefined;
  readonly rename?: ObjectStore['rename'];
  readonly preconditionsEnforced?: boolean;
  private readonly inner: ObjectStore;

  constructor(inner: ObjectStore) {
    this.inner = inner;
    if (inner.preconditionsEnforced !== undefined) this.preconditionsEnforced = inner.preconditionsEnforced;
    if (inner.rename) this.rename = (source, destination, options) => this.call(() => inner.rename!(source, destination, options), 'rename', source);
  }

  crashAtCall(call: number, afterSending: boolean): void {
    this.crashAt = call;
    this.crashAfterSending = afterSending;
    this.dead = false;
    this.calls = 0;
  }

  /** Crashes at the next call of `method` (and every call after it). */
  crashOnNext(method: 'list' | 'stat' | 'read' | 'write' | 'copy' | 'delete' | 'rename'): void {
    this.crashOnMethodName = method;
  }

  onCall(call: number, hook: () => Promise<void>): void {
    this.hooks.set(call, hook);
  }

  /** Runs `hook` once, just before the first `method` call on object `name` (for `list`, the prefix) reaches storage. */
  beforeFirst(method: 'list' | 'stat' | 'write' | 'copy' | 'delete' | 'rename', name: string, hook: () => Promise<void>): void {
    this.nameHooks.push({ method, name, hook });
  }

  revive(): void {
    this.crashAt = undefined;
    this.crashOnMethodName = undefined;
    this.dead = false;
  }

  private async call<T>(operation: () => Promise<T>, method = '', name = ''): Promise<T> {
    if (this.dead) throw unavailable('simulated crash: the process is gone');
    const named = this.nameHooks.findIndex((entry) => entry.method === method && entry.name === name);
    if (named >= 0) await this.nameHooks.splice(named, 1)[0]!.hook();
    if (this.crashOnMethodName !== undefined && method === this.crashOnMethodName) {
      this.dead = true;
      throw unavailable('simulated crash');
    }
    this.calls += 1;
    const hook = this.hooks.get(this.calls);
    if (hook) {
      this.hooks.delete(this.calls);
      await hook();
    }
    if (this.crashAt !== undefined && this.calls >= this.crashAt) {
      this.dead = true;
      if (this.crashAfterSending) await operation().catch(() => undefined);
      throw unavailable('simulated crash');
    }
    return operation();
  }

  list(prefix: string, options?: ListOptions) {
    return this.call(() => this.inner.list(prefix, options), 'list', prefix);
  }
  stat(name: string) {
    return this.call(() => this.inner.stat(name), 'stat', name);
  }
  read(name: string) {
    return this.call(() => this.inner.read(name), 'read', name);
  }
  openRead(name: string, options?: OpenReadOptions) {
    return this.call(() => this.inner.openRead(name, options));
  }
  write(name: string, data: Buffer, options?: WriteOptions) {
    return this.call(() => this.inner.write(name, data, options), 'write', name);
  }
  writeFrom(name: string, source: Readable, options?: WriteOptions) {
    return this.call(() => this.inner.writeFrom(name, source, options));
  }
  copy(source: string, destination: string, options?: CopyOptions) {
    return this.call(() => this.inner.copy(source, destination, options), 'copy', source);
  }
  delete(name: string, options?: GenerationPrecondition) {
    return this.call(() => this.inner.delete(name, options), 'delete', name);
  }
  setHold(name: string, kind: SettableHoldKind, held: boolean) {
    return this.call(() => this.inner.setHold(name, kind, held), 'setHold', name);
  }
  health() {
    return this.inner.health();
  }
}
