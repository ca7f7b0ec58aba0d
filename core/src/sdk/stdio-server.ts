/**
 * The server behind `runStdio(definition)` (stdio.ts): serves a connector definition over stdin/stdout, so one codebase runs in process (the
 * host imports `main`) and out of process (the host starts the manifest's `process` command, whose module calls
 * `runStdio`). stdout carries protocol only: while it runs, `console.log` and stray `process.stdout.write` calls go
 * to stderr, and the context's logger writes JSON lines to stderr, which the host logs under the connector's name.
 */
import { DEFAULT_MAX_MESSAGE_BYTES, type RunStdioOptions } from './stdio.js';
import { JSONRPCErrorCode, JSONRPCErrorException } from 'json-rpc-2.0';
import { createRequire } from 'node:module';
import { readLines } from '../protocol/lines.js';
import {
  loadResultToWire, OPTIONAL_METHODS, PROTOCOL_VERSION, writeResultToWire,
  type CancelParams, type CollectionMetadataParams, type CreateCollectionParams, type UpdateCollectionParams, type InitializeParams, type InitializeResult, type ListParams, type LoadParams,
  type CacheReadParams, type CacheWriteParams, type CredentialsWriteParams, type SecretParams, type UnwatchParams, type WatchParams, type WatchResult, type WriteParams,
} from '../protocol/messages.js';
import { createPeer, serve, type Peer } from '../protocol/peer.js';
import { tableOf, tableScope } from './cache-scope.js';
import type { CacheScope, CollectionMetadata, Connector, ConnectorCache, ConnectorContext, ConnectorDefinition, Logger, WatchHandle } from './connector.js';

const REQUIRED = ['check', 'discover', 'list', 'load', 'write'] as const;

function freeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) freeze(v);
  }
  return value;
}

/**
 * The connector cache of a child: kept by the host, reached with `cache.read` / `cache.write`. Unavailable (reads `{}`,
 * drops writes) when the host offers none (`maxBytes` undefined) or is gone; a failed request or an oversized write is
 * logged at debug level and otherwise ignored, as a cache never fails a run. A scope opened with `scope()` is read
 * once into a table of the child's and sent back whole by its `flush()` when it changed (the same two messages).
 */
function remoteCache(peer: Peer, maxBytes: number | undefined, logger: Logger, hostGone: () => boolean): ConnectorCache {
  const opened = new Map<string, Promise<CacheScope>>();
  const cache: ConnectorCache = {
    async read(scope) {
      if (maxBytes === undefined || hostGone()) return {};
      try {
        const entries = await peer.request('cache.read', { scope } satisfies CacheReadParams, undefined);
        return typeof entries === 'object' && entries !== null ? entries as Record<string, string> : {};
      } catch (e) {
        logger.debug({ scope }, `connector cache not read: ${(e as Error).message}`);
        return {};
      }
    },
    async write(scope, entries) {
      if (maxBytes === undefined || hostGone()) return;
      const params: CacheWriteParams = { scope, entries: { ...entries } };
      const bytes = Buffer.byteLength(JSON.stringify(params));
      if (bytes > maxBytes) {
        logger.debug({ scope, bytes, maxBytes }, 'connector cache write dropped: larger than the host accepts');
        return;
      }
      try {
        await peer.request('cache.write', params, undefined);
      } catch (e) {
        logger.debug({ scope }, `connector cache not written: ${(e as Error).message}`);
      }
    },
    scope(scope) {
      let pending = opened.get(scope);
      if (!pending) {
        pending = cache.read(scope).then((entries) => {
          const table = tableOf(Object.entries(entries));
          let changed = false;
          return tableScope(table, () => { changed = true; }, async () => {
            if (!changed) return;
            changed = false;
            await cache.write(scope, Object.fromEntries(table.entries()));
          });
        });
        opened.set(scope, pending);
      }
      return pending;
    },
  };
  return cache;
}

/** Keeps stdout for the protocol: console output and stray writes go to stderr. Returns the real stdout writer. */
function reserveStdout(): (line: string) => void {
  const realWrite = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  return (line) => { realWrite(line); };
}

/**
 * Serves `definition` over stdio until the host closes stdin or sends `close`. Resolves when the connector is closed;
 * with the default streams the process then exits.
 */
export function serveStdio<S>(definition: ConnectorDefinition<S>, options: RunStdioOptions = {}): Promise<void> {
  // pino is required here, not at import: a host that imports the SDK in process never needs it.
  const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');
  const input = options.input ?? process.stdin;
  const send = options.output ? (line: string) => { options.output!.write(line); } : reserveStdout();
  const logger = pino({ level: 'trace', base: undefined }, options.logStream ?? pino.destination({ dest: 2, sync: true })) as unknown as Logger;
  const peer = createPeer(send);
  const controller = new AbortController();
  const watches = new Map<string, WatchHandle>();
  let connector: Connector | undefined;
  let watchCounter = 0;
  let finished = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => { resolveDone = resolve; });

  const need = (): Connector => {
    if (!connector) throw new JSONRPCErrorException('the connector is not initialized', JSONRPCErrorCode.InvalidRequest);
    return connector;
  };
  let closing: Promise<void> | undefined;
  /** Closes the watches and the connector, once. A connector's `close` may still ask the host (a cache write). */
  const closeConnector = () => (closing ??= (async () => {
    for (const handle of watches.values()) await handle.close().catch(() => undefined);
    watches.clear();
    await connector?.close?.().catch((e: unknown) => logger.warn({ err: e }, 'close failed'));
  })());
  const finish = async () => {
    if (finished) return;
    finished = true;
    stopReading();
    // The host is gone or done: requests to it would never be answered.
    peer.rejectAllPendingRequests('the host closed the connection');
    controller.abort(new Error('the host closed the connection'));
    await closeConnector();
    resolveDone();
    if (!options.output) setImmediate(() => process.exit(0));
  };

  serve<InitializeParams, InitializeResult>(peer, 'initialize', async (p) => {
    if (p.protocolVersion !== PROTOCOL_VERSION) {
      throw new Error(`this connector speaks protocol ${PROTOCOL_VERSION}, the host ${String(p.protocolVersion)}`);
    }
    if (connector) throw new Error('already initialized');
    const contextLogger = logger.child({ endpoint: p.endpoint });
    const context: ConnectorContext<S> = {
      endpoint: p.endpoint,
      settings: freeze(structuredClone(p.settings)) as Readonly<S>,
      logger: contextLogger,
      secrets: {
        get: async (key) => (await peer.request('secrets.get', { key } satisfies SecretParams, undefined)) as string,
        maybe: async (key) => ((await peer.request('secrets.maybe', { key } satisfies SecretParams, undefined)) ?? undefined) as string | undefined,
      },
      credentials: {
        location: p.credentialsLocation,
        read: async () => ((await peer.request('credentials.read', {}, undefined)) ?? undefined) as string | undefined,
        write: async (text) => { await peer.request('credentials.write', { text } satisfies CredentialsWriteParams, undefined); },
        clear: async () => { await peer.request('credentials.clear', {}, undefined); },
      },
      cache: remoteCache(peer, typeof p.cacheMaxBytes === 'number' ? p.cacheMaxBytes : undefined, contextLogger, () => finished),
      signal: controller.signal,
      baseDir: p.baseDir,
    };
    const created = await definition.create(context);
    const missing = REQUIRED.filter((m) => typeof (created as unknown as Record<string, unknown>)?.[m] !== 'function');
    if (missing.length) throw new Error(`create() returned an object without ${missing.join(', ')}`);
    connector = created;
    return { protocolVersion: PROTOCOL_VERSION, methods: OPTIONAL_METHODS.filter((m) => typeof created[m] === 'function') };
  });
  serve(peer, '$/ping', () => 'pong');
  serve(peer, 'check', () => need().check());
  serve(peer, 'discover', () => need().discover());
  serve<ListParams, unknown>(peer, 'list', (p) => {
    const { window, ...rest } = p.options;
    return need().list(p.collection, { ...rest, ...(window ? { window: { start: new Date(window.start), end: new Date(window.end) } } : {}) });
  });
  serve<LoadParams, unknown>(peer, 'load', async (p) => (await need().load(p.collection, p.ids, p.options)).map(loadResultToWire));
  serve<WriteParams, unknown>(peer, 'write', async (p) => (await need().write(p.collection, p.ops)).map(writeResultToWire));
  serve<CreateCollectionParams, unknown>(peer, 'createCollection', (p) => {
    const c = need();
    if (!c.createCollection) throw new Error('this connector cannot create collections');
    return c.createCollection(p.spec);
  });
  serve<CollectionMetadataParams, unknown>(peer, 'collectionMetadata', (p) => {
    const c = need();
    if (!c.collectionMetadata) throw new Error('this connector cannot read collection metadata');
    return c.collectionMetadata(p.collection);
  });
  serve<UpdateCollectionParams, CollectionMetadata | null>(peer, 'updateCollection', async (p) => {
    const c = need();
    if (!c.updateCollection) throw new Error('this connector cannot update collections');
    return (await c.updateCollection(p.collection, p.changes)) ?? null;
  });
  serve<WatchParams, WatchResult>(peer, 'watch', async (p) => {
    const c = need();
    if (!c.watch) throw new Error('this connector cannot watch');
    const watchId = `w${++watchCounter}`;
    watches.set(watchId, await c.watch(p.collection, () => peer.notify('watch.changed', { watchId }, undefined)));
    return { watchId };
  });
  serve<UnwatchParams, null>(peer, 'unwatch', async (p) => {
    const handle = watches.get(p.watchId);
    watches.delete(p.watchId);
    await handle?.close();
    return null;
  });
  // The connector is closed before the answer, while the host still serves its requests.
  serve(peer, 'close', async () => {
    await closeConnector();
    setImmediate(() => { void finish(); });
    return null;
  });
  serve<CancelParams, void>(peer, '$/cancel', (p) => { controller.abort(new Error(p?.reason ?? 'cancelled by the host')); });

  const stopReading = readLines(input, {
    maxBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    onLine: (line) => {
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        send(`${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: JSONRPCErrorCode.ParseError, message: 'parse error' } })}\n`);
        return;
      }
      peer.receiveAndSend(message, undefined, undefined).catch((e: unknown) => logger.warn({ err: e }, 'protocol error'));
    },
    onError: (e) => { logger.error(`message from the host refused: ${e.message}`); void finish(); },
  });
  input.on('end', () => { void finish(); });
  return done;
}
