/**
 * ical.js, loaded on first use. The library is 270 kB of source, compiled in ~30 ms; a run that parses and writes
 * no iCalendar text (a no-change sync, `dovetail validate`) never loads it, though the SDK and the engine import the
 * model's time functions. Every model module uses `ICAL` from here, so there is one instance (its timezone registry
 * included): the same module `import ICAL from 'ical.js'` gives, loaded synchronously through require(esm)
 * (Node ≥ 20.19).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type Lib from 'ical.js';

let lib: typeof Lib | undefined;
function load(): typeof Lib {
  return (lib ??= (createRequire(import.meta.url)(fileURLToPath(import.meta.resolve('ical.js'))) as { default: typeof Lib }).default);
}

/** ical.js's default export; the module loads when a member is first read. */
export const ICAL: typeof Lib = new Proxy({} as typeof Lib, {
  get: (_target, key) => Reflect.get(load(), key),
  set: (_target, key, value) => Reflect.set(load(), key, value),
  has: (_target, key) => Reflect.has(load(), key),
});

/** The library's classes as types (`ICAL.Component` in a signature), as with `import ICAL from 'ical.js'`. */
export declare namespace ICAL {
  export type Component = Lib.Component;
  export type Duration = Lib.Duration;
  export type Period = Lib.Period;
  export type Property = Lib.Property;
  export type Recur = Lib.Recur;
  export type RecurIterator = Lib.RecurIterator;
  export type Time = Lib.Time;
  export type Timezone = Lib.Timezone;
}
