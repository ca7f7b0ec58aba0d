/**
 * Running a connector as its own process: `runStdio(definition)` serves the connector protocol (JSON-RPC 2.0 over
 * stdio) until the host closes it. The server itself (stdio-server.ts, with its JSON-RPC library) is loaded only
 * when a connector process calls this, so a host that imports the SDK to run connectors in process never loads it.
 */
import type { Readable, Writable } from 'node:stream';
import type { ConnectorDefinition } from './connector.js';

/** Largest message the child accepts from the host by default (64 MiB; a write of many items with photos fits). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface RunStdioOptions {
  /** Where requests come from (default `process.stdin`). */
  input?: Readable;
  /** Where protocol messages go (default `process.stdout`, which is then reserved for them). */
  output?: Writable;
  /** Where log lines go (default `process.stderr`). */
  logStream?: Writable;
  /** Largest accepted message in bytes (default 64 MiB). */
  maxMessageBytes?: number;
}

/**
 * Serves `definition` over stdio until the host closes stdin or sends `close`. Resolves when the connector is closed;
 * with the default streams the process then exits.
 */
export async function runStdio<S>(definition: ConnectorDefinition<S>, options: RunStdioOptions = {}): Promise<void> {
  const { serveStdio } = await import('./stdio-server.js');
  return serveStdio(definition, options);
}
