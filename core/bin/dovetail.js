#!/usr/bin/env node
// The `dovetail` command. Compiled code lives in ../dist (built by `npm ci` through the root `prepare` script).
import { main } from '../dist/cli/main.js';

// A reader that went away (`dovetail sync --json | head`) is no reason to stop a sync half-way or print a
// stack trace: the rest of the output is dropped and the run ends as it would have.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err?.code !== 'EPIPE') throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`dovetail: ${err?.stack ?? err}`); process.exitCode = 3; },
);
