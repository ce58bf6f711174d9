/**
 * Helpers for tests on Google's storage-testbench (started by test/setup/storage-testbench.ts):
 * its address, its Retry Test API, and a view of an ObjectStore without the testbench's own
 * bookkeeping metadata.
 */
import type { Storage } from '@google-cloud/storage';
import { createGcsStorage, type GcsStorageSettings } from '../../shared/adapters/gcp/gcs-object-store.ts';
import type { Readable } from 'node:stream';
import type { SettableHoldKind } from '../../shared/domain/holds.ts';
import type {
  CopyOptions,
  GenerationPrecondition,
  ListOptions,
  ListPage,
  ObjectInfo,
  ObjectReadStream,
  ObjectStore,
  OpenReadOptions,
  WriteOptions,
} from '../../shared/ports/object-store.ts';

/** The testbench's address, or a loud failure naming the setting that would start it. */
export function testbenchEndpoint(): string {
  const endpoint = process.env.STORAGE_TESTBENCH_HOST;
  if (!endpoint) {
    throw new Error(
      `STORAGE_TESTBENCH_HOST is not set: the global test setup did not start storage-testbench ` +
        `(BAILIFF_EMULATORS=${process.env.BAILIFF_EMULATORS ?? 'all'}; it must be all or include testbench)`,
    );
  }
  return endpoint;
}

/** A Storage client for the testbench; `retryTestId` tags every request for the Retry Test API. */
export function testbenchStorage(options: { projectId?: string; retryTestId?: string; retryOptions?: GcsStorageSettings['retryOptions'] } = {}): Storage {
  return createGcsStorage({
    apiEndpoint: testbenchEndpoint(),
    projectId: options.projectId ?? 'bailiff-test',
    ...(options.retryOptions ? { retryOptions: options.retryOptions } : {}),
    ...(options.retryTestId ? { requestHeaders: { 'x-retry-test-id': options.retryTestId } } : {}),
  });
}

/** JSON API method names, as the Retry Test API keys its instructions. */
export type JsonApiMethod = 'storage.objects.insert' | 'storage.objects.get' | 'storage.objects.list' | 'storage.objects.delete' | 'storage.objects.rewrite';

export interface RetryTestState {
  id: string;
  completed: boolean;
  /** The instructions not yet consumed, per method. */
  instructions: Partial<Record<JsonApiMethod, string[]>>;
}

/**
 * Registers a Retry Test: each instruction (`return-503`, `return-reset-connection`,
 * `return-broken-stream-after-256K`, ...) is consumed by the next request of its method that
 * carries the returned id in `x-retry-test-id`.
 */
export async function createRetryTest(instructions: Partial<Record<JsonApiMethod, string[]>>): Promise<string> {
  const response = await fetch(`${testbenchEndpoint()}/retry_test`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instructions, transport: 'HTTP' }),
  });
  if (!response.ok) throw new Error(`the testbench refused the retry test (${response.status}): ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** What is left of a Retry Test: a fault not consumed means the request never happened. */
export async function retryTestState(id: string): Promise<RetryTestState> {
  const response = await fetch(`${testbenchEndpoint()}/retry_test/${id}`);
  if (!response.ok) throw new Error(`no retry test ${id} (${response.status}): ${await response.text()}`);
  return (await response.json()) as RetryTestState;
}

// The testbench records how each object was uploaded in its custom metadata
// (`x_emulator_upload: multipart`, `x_testbench_upload`, checksums it was sent); Cloud Storage
// adds nothing there. Tests compare metadata exactly, so this view leaves those keys out.
const TESTBENCH_KEY = /^x_(emulator|testbench)_/;

function withoutMarkers(info: ObjectInfo): ObjectInfo {
  const metadata = Object.fromEntries(Object.entries(info.metadata).filter(([key]) => !TESTBENCH_KEY.test(key)));
  return { ...info, metadata };
}

/** The same store, minus the testbench's bookkeeping keys in the metadata it reports. */
export class TestbenchMarkersHidden implements ObjectStore {
  readonly #inner: ObjectStore;

  constructor(inner: ObjectStore) {
    this.#inner = inner;
  }

  async list(prefix: string, options?: ListOptions): Promise<ListPage> {
    const page = await this.#inner.list(prefix, options);
    return { ...page, objects: page.objects.map(withoutMarkers) };
  }

  async stat(name: string): Promise<ObjectInfo | undefined> {
    const info = await this.#inner.stat(name);
    return info && withoutMarkers(info);
  }

  read(name: string): Promise<Buffer> {
    return this.#inner.read(name);
  }

  async openRead(name: string, options?: OpenReadOptions): Promise<ObjectReadStream> {
    const opened = await this.#inner.openRead(name, options);
    return { ...opened, info: withoutMarkers(opened.info) };
  }

  async writeFrom(name: string, source: Readable, options?: WriteOptions): Promise<ObjectInfo> {
    return withoutMarkers(await this.#inner.writeFrom(name, source, options));
  }

  async write(name: string, data: Buffer, options?: WriteOptions): Promise<ObjectInfo> {
    return withoutMarkers(await this.#inner.write(name, data, options));
  }

  async copy(source: string, destination: string, options?: CopyOptions): Promise<ObjectInfo> {
    return withoutMarkers(await this.#inner.copy(source, destination, options));
  }

  delete(name: string, options?: GenerationPrecondition): Promise<void> {
    return this.#inner.delete(name, options);
  }

  async setHold(name: string, kind: SettableHoldKind, held: boolean): Promise<ObjectInfo> {
    return withoutMarkers(await this.#inner.setHold(name, kind, held));
  }

  health(): Promise<void> {
    return this.#inner.health();
  }
}
