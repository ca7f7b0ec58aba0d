/** A connector context for tests: frozen settings, secrets from a plain object, a recording logger. */
import type { ConnectorCache, ConnectorContext, CredentialStore, Logger } from '../sdk/connector.js';
import { tableScope } from '../sdk/cache-scope.js';
import { StringTable } from '../sdk/string-table.js';

/** A logger that records `[level, message or object]` pairs instead of printing them. */
export function recordingLogger(lines: [string, unknown][] = []): Logger {
  const at = (level: string) => (obj: object | string, msg?: string) => { lines.push([level, msg ?? obj]); };
  const logger: Logger = { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

export interface TestContextOptions {
  /** Secret values by settings key (what `{ "env": … }` would resolve to). */
  secrets?: Record<string, string>;
  logger?: Logger;
  /** Folder relative paths in settings resolve against (default: the working directory). */
  baseDir?: string;
  endpoint?: string;
  signal?: AbortSignal;
  /** The endpoint's credential file (default: kept in memory; use `credentialStore()` from the host for a real file). */
  credentials?: CredentialStore;
  /** The endpoint's cache (default: a fresh one in memory; pass the same `memoryCache()` to two contexts to share it). */
  cache?: ConnectorCache;
}

/** A credential store in memory, for tests. */
export function memoryCredentials(initial?: string): CredentialStore & { text?: string } {
  const store = {
    text: initial,
    location: '(memory)',
    read: async () => store.text,
    write: async (t: string) => { store.text = t; },
    clear: async () => { store.text = undefined; },
  };
  return store;
}

/**
 * A connector cache in memory, for tests: `scopes` shows what it holds (non-empty scopes, each as an object). A
 * handle from `scope()` works on the cache's own table, as the host's does in process.
 */
export function memoryCache(): ConnectorCache & { readonly scopes: Map<string, Record<string, string>> } {
  const tables = new Map<string, StringTable>();
  const tableFor = (scope: string) => {
    let table = tables.get(scope);
    if (!table) tables.set(scope, (table = new StringTable()));
    return table;
  };
  return {
    get scopes() {
      return new Map([...tables].filter(([, t]) => t.size > 0).map(([scope, t]) => [scope, Object.fromEntries(t.entries())]));
    },
    read: async (scope) => Object.fromEntries(tables.get(scope)?.entries() ?? []),
    write: async (scope, entries) => {
      const table = tableFor(scope);
      table.clear();
      for (const [key, value] of Object.entries(entries)) table.set(key, value);
    },
    scope: async (scope) => tableScope(tableFor(scope), () => undefined),
  };
}

/** The context the host would give a connector for `settings`; pass it to `definition.create`. */
export function testContext<S>(settings: S, options: TestContextOptions = {}): ConnectorContext<S> {
  const secrets = options.secrets ?? {};
  return {
    endpoint: options.endpoint ?? 'test',
    settings: Object.freeze({ ...settings }),
    logger: options.logger ?? recordingLogger(),
    secrets: {
      get: async (key) => {
        const value = secrets[key];
        if (value === undefined) throw new Error(`no secret "${key}" in this test context`);
        return value;
      },
      maybe: async (key) => secrets[key],
    },
    signal: options.signal ?? new AbortController().signal,
    baseDir: options.baseDir ?? process.cwd(),
    credentials: options.credentials ?? memoryCredentials(),
    cache: options.cache ?? memoryCache(),
  };
}
