#!/usr/bin/env node
// The `dovetail` command. Compiled code lives in ../dist (built by `npm ci` through the root `prepare` script).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`dovetail: ${err?.stack ?? err}`); process.exitCode = 3; },
);
