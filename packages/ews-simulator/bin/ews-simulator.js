#!/usr/bin/env node
// Starts the EWS simulator in the foreground; the first line of stdout is its EWS URL.
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`ews-simulator: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
