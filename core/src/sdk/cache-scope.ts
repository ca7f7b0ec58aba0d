/**
 * A `CacheScope` over a `StringTable`: the one implementation behind the host's connector cache, the out-of-process
 * SDK's copy of a scope and the test helpers' cache.
 */
import type { CacheScope } from './connector.js';
import { StringTable } from './string-table.js';

/** Matches a lone surrogate (in `u` mode a well-formed pair is one code point and does not match). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** True when `key` and `value` are strings a `StringTable` keeps exactly (UTF-8 cannot hold a lone surrogate). */
export function keepableEntry(key: unknown, value: unknown): key is string {
  return typeof key === 'string' && typeof value === 'string' && !LONE_SURROGATE.test(key) && !LONE_SURROGATE.test(value);
}

/**
 * A handle on `table`: `changed()` runs after each `set` to another value and each `delete` that removed an entry;
 * `flush` is the handle's `flush` (default: nothing to do).
 */
export function tableScope(table: StringTable, changed: () => void, flush: () => Promise<void> = async () => {}): CacheScope {
  return {
    get size() {
      return table.size;
    },
    get: (key) => table.get(key),
    set(key, value) {
      if (!keepableEntry(key, value) || table.get(key) === value) return;
      table.set(key, value);
      changed();
    },
    delete(key) {
      if (!table.delete(key)) return false;
      changed();
      return true;
    },
    keys: () => table.keys(),
    flush,
  };
}

/** A table holding `entries` (those `keepableEntry` accepts). */
export function tableOf(entries: Iterable<[string, unknown]>): StringTable {
  const table = new StringTable();
  for (const [key, value] of entries) if (keepableEntry(key, value)) table.set(key, value as string);
  return table;
}

/** A scope kept in memory only, for a connector given no cache (nothing to flush). */
export function memoryCacheScope(): CacheScope {
  return tableScope(new StringTable(), () => undefined);
}
