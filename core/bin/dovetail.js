#!/usr/bin/env node
// The `dovetail` command. Compiled code lives in ../dist (built by `npm ci` through the root `prepare` script).
import module from 'node:module';
import { setFlagsFromString } from 'node:v8';

// V8 lets its heap grow to up to 4× what the last full collection kept before it collects again. For a large sync
// that growth room, not live data, is most of the peak: at 100,000 events 22–28 MB is live and the peak was 250 MiB.
// Growing by at most 2× keeps an initial sync of 100,000 events at 1.8–1.9× the peak of 1,000 (bench/README.md,
// "V8's heap growth") for a few per cent more CPU on runs that large and none measured at 10,000. V8 reads this flag
// at every collection, so setting it here acts as `node --heap-growing-percent=100` would; a flag given to node
// itself wins.
if (!process.execArgv.some((arg) => arg.startsWith('--heap-growing-percent') || arg.startsWith('--heap_growing_percent'))) {
  setFlagsFromString('--heap-growing-percent=100');
}

// V8 11 (Node 20) compiles undici's HTTP parser, a WebAssembly module, a second time with its optimising compiler on
// a background thread after the first request, and the process waits for that compilation when it exits: 0.15–0.2 s
// added to every command that sent a request (bench/README.md, "The sixth round"). Staying on the baseline compiler
// costs nothing measurable (a 5,000-event initial sync used the same CPU). Node ≥ 22 does not wait, so it is left
// alone there; WebAssembly flags given to node itself win.
if (Number(process.versions.v8.split('.')[0]) < 12 && !process.execArgv.some((arg) => /^--(no-)?(wasm|liftoff)/.test(arg))) {
  setFlagsFromString('--no-wasm-tier-up');
  setFlagsFromString('--no-wasm-dynamic-tiering');
}

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
