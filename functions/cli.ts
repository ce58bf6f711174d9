#!/usr/bin/env node
/**
 * `bailiff`: the npm bin (`npx bailiff --help` in the repo after `npm ci`). Nothing but wiring:
 * process streams in, exit code out. Runs on the Node 24 that `npm ci` installs, which npx
 * puts first on the PATH; Node 24 runs the TypeScript sources directly.
 */
import { runCli } from '../shared/cli/program.ts';

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
