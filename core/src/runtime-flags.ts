/**
 * V8 settings a Dovetail process applies at start, before it loads anything else: the `dovetail` command
 * (core/bin/dovetail.js) and the launcher of out-of-process connectors. Flags given to `node` itself win.
 * Measured in bench/README.md ("The fifth round", "The sixth round").
 */
import { setFlagsFromString } from 'node:v8';

/** The V8 flags to set, given node's own options and V8's version (pure, for tests). */
export function runtimeFlags(execArgv: readonly string[], v8Version: string): string[] {
  const flags: string[] = [];
  // V8 lets its heap grow to up to 4× what the last full collection kept before it collects again. For a large sync
  // that growth room, not live data, is most of the peak: at 100,000 events 22–28 MB is live and the peak was
  // 250 MiB. Growing by at most 2× keeps an initial sync of 100,000 events at 1.8–1.9× the peak of 1,000 for a few
  // per cent more CPU on runs that large and none measured at 10,000. V8 reads this flag at every collection.
  if (!execArgv.some((arg) => /^--heap[-_]growing[-_]percent/.test(arg))) flags.push('--heap-growing-percent=100');
  // V8 11 (Node 20) compiles undici's HTTP parser, a WebAssembly module, a second time with its optimising compiler
  // on a background thread after the first request, and the process waits for that compilation when it exits:
  // 0.1–0.2 s added to every process that sent a request. Staying on the baseline compiler cost nothing measurable
  // (a 5,000-event initial sync used the same CPU). Node ≥ 22 does not wait, so it is left alone there.
  if (Number(v8Version.split('.')[0]) < 12 && !execArgv.some((arg) => /^--(no-)?(wasm|liftoff)/.test(arg))) {
    flags.push('--no-wasm-tier-up', '--no-wasm-dynamic-tiering');
  }
  return flags;
}

/** Sets `runtimeFlags` for this process. */
export function applyRuntimeFlags(): void {
  for (const flag of runtimeFlags(process.execArgv, process.versions.v8)) setFlagsFromString(flag);
}
