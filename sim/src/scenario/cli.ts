#!/usr/bin/env node
/**
 * The `dcq-sim` executable (`npx dcq-sim <scenario> …`, see `cli-args.ts` for the options): runs
 * {@link runCli} on the process's arguments and exits with its status.
 */
import { performance } from 'node:perf_hooks';
import { runCli } from './cli-run.js';

process.exitCode = runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTty: process.stderr.isTTY === true,
  nowMs: () => performance.now(),
});
