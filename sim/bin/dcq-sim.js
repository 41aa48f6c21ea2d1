#!/usr/bin/env node
// The `dcq-sim` command: runs the compiled CLI (build first: `npm run build`).
import('../dist/scenario/cli.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('dcq-sim: sim/dist is missing; run `npm run build` at the repository root first\n');
    process.exitCode = 2;
    return;
  }
  throw error;
});
