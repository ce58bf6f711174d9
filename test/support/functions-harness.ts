/**
 * The two Cloud Run functions as child processes under the functions framework, for end-to-end
 * tests on the emulators: start (on a chosen port, so a killed executor can come back where the
 * push subscription delivers), stop, and Google-style ID tokens signed with a test key whose
 * public half the api is given through `BAILIFF_ID_TOKEN_CERTS`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort } from '../setup/free-port.ts';
import { createIdTokenSigner } from './google-id-tokens.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FRAMEWORK = join(ROOT, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src', 'main.js');
export const AUDIENCE = 'https://api.bailiff.test';
const signer = createIdTokenSigner(AUDIENCE);

/** `BAILIFF_ID_TOKEN_CERTS` for an api that must accept `idToken`'s tokens. */
export const ID_TOKEN_CERTS = JSON.stringify(signer.certs);

/** A Google-shaped ID token for `email`, issued for `AUDIENCE`, valid for an hour. */
export function idToken(email: string): string {
  return signer.sign({ email, sub: email });
}

export interface RunningFunction {
  url: string;
  port: number;
  child: ChildProcess;
}

/** Starts one function and waits until it answers; `output` collects both streams, for failures. */
export async function startFunction(target: 'api' | 'executor', env: Record<string, string>, output: string[], port?: number): Promise<RunningFunction> {
  const chosen = port ?? (await freeLoopbackPort());
  const args = [FRAMEWORK, `--target=${target}`, `--source=${join(ROOT, 'functions', 'index.ts')}`, `--port=${chosen}`];
  if (target === 'executor') args.push('--signature-type=cloudevent');
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => output.push(`[${target}] ${chunk}`));
  child.stderr!.on('data', (chunk: Buffer) => output.push(`[${target}] ${chunk}`));
  const url = `http://127.0.0.1:${chosen}`;
  for (let i = 0; i < 300; i += 1) {
    if (child.exitCode !== null) throw new Error(`${target} exited: ${output.join('')}`);
    const ok = await fetch(`${url}/health`).then(
      () => true,
      () => false,
    );
    if (ok) return { url, port: chosen, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${target} did not start: ${output.join('')}`);
}

/** Signals a function's process (SIGKILL unless told) and waits until it is gone. */
export async function killFunction(running: RunningFunction, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
  if (running.child.exitCode !== null || running.child.signalCode !== null) return;
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill(signal);
  await exited;
}
