#!/usr/bin/env node
// The `dovetail` command. Compiled code lives in ../dist (built by `npm ci` through the root `prepare` script).
import module from 'node:module';
import { applyRuntimeFlags } from '../dist/runtime-flags.js';

// V8's heap growth at most 2× between full collections, and on Node 20 no second compile of undici's WebAssembly
// parser for the exit to wait for (core/src/runtime-flags.ts); flags given to node itself win.
applyRuntimeFlags();

// Node ≥ 22.1 can keep on disk the code V8 compiles when a module loads (its top level; functions compiled on their
// first call are not kept) and reuse it while the file is unchanged: 8–15 ms less a command (bench/README.md,
// "Node's module compile cache").
// With no directory given Node uses $NODE_COMPILE_CACHE, else os.tmpdir()/node-compile-cache, and does nothing when
// NODE_DISABLE_COMPILE_CACHE=1. It reports a directory it cannot use in its result rather than throwing; the catch is
// for anything else: a cache is never a reason for the command to fail. Node 20 has no such cache.
// The CLI is imported below, once the cache is on, so that all of its modules go through it.
try {
  module.enableCompileCache?.();
} catch {
  // run without the cache
}
const { main } = await import('../dist/cli/main.js');

// A reader that went away (`dovetail sync --json | head`) is no reason to stop a sync half-way or print a
// stack trace: the rest of the output is dropped and the run ends as it would have.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err?.code !== 'EPIPE') throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  (err) => { console.error(`dovetail: ${err?.stack ?? err}`); exitWhenFlushed(3); },
);

/**
 * A command has finished once `main` settles (`serve` settles when the service has stopped), and everything it
 * writes is awaited: state, caches and logs (written synchronously). Waiting for the event loop to drain on its own
 * adds the runtime's clean-up after a large run (0.1–0.2 s after a 5,000-event CalDAV sync), so the process exits
 * as soon as stdout and stderr have taken what was written to them.
 */
function exitWhenFlushed(code) {
  let open = 2;
  const flushed = () => { if (--open === 0) process.exit(code); };
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.destroyed || stream.writableEnded) flushed();
    else stream.write('', flushed);
  }
}
