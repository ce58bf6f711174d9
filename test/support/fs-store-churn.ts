/**
 * A child process for the SIGKILL tests of the local store: it writes, copies and renames
 * objects with Bailiff's provenance metadata as fast as it can, until it is killed. Each
 * object's content names the step that made it, so the parent can tell which metadata it must
 * carry. Usage: node fs-store-churn.ts <root> <metadataDir>
 */
import { FsObjectStore } from '../../shared/adapters/local/fs-object-store.ts';

const [root, metadataDir] = process.argv.slice(2);
if (!root || !metadataDir) throw new Error('usage: fs-store-churn.ts <root> <metadataDir>');
const store = new FsObjectStore({ root, metadataDir });
const meta = (step: number) => ({ 'bailiff-plan': 'pln_churn', 'bailiff-action': String(step) });

for (let step = 0; ; step += 3) {
  const base = `projects/churn/${step % 50}`;
  // A new file, a copy of it, and a rename of the copy: every publishing path of the store.
  await store.write(`${base}/w-${step}.txt`, Buffer.from(`step ${step}`), { ifGenerationMatch: '0', metadata: meta(step) });
  await store.copy(`${base}/w-${step}.txt`, `${base}/c-${step + 1}.txt`, { ifGenerationMatch: '0', metadata: meta(step + 1) });
  await store.rename!(`${base}/c-${step + 1}.txt`, `${base}/r-${step + 2}.txt`, { ifGenerationMatch: '0', metadata: meta(step + 2) });
  await store.write(`${base}/m-${step}/`, Buffer.alloc(0), { ifGenerationMatch: '0', metadata: meta(step) });
  if (step === 0) process.stdout.write('ready\n');
}
