/**
 * Newline-delimited messages over a byte stream, with a bound on each line: the framing of the out-of-process
 * connector protocol (one JSON-RPC message per line) and of a child's stderr.
 */
import type { Readable } from 'node:stream';

/** Raised (through `onOverflow`) when a line exceeds the bound before its newline arrives. */
export class LineTooLong extends Error {
  constructor(readonly limit: number) {
    super(`a line longer than ${limit} bytes`);
    this.name = 'LineTooLong';
  }
}

export interface LineReaderOptions {
  /** Largest line accepted, in bytes (without the newline). */
  maxBytes: number;
  /** Called with each complete line (a trailing `\r` removed; empty lines skipped). */
  onLine(line: string): void;
  /**
   * A line grew past `maxBytes`. `'stop'` stops reading (the stream is protocol: the peer is broken); `'truncate'`
   * passes the first `maxBytes` bytes of the line on and skips the rest of it (logs).
   */
  onOverflow?: 'stop' | 'truncate';
  /** Told once when reading stops because of an overflow in `'stop'` mode. */
  onError?(error: LineTooLong): void;
}

/** Reads `stream` line by line; returns a function that stops reading. */
export function readLines(stream: Readable, options: LineReaderOptions): () => void {
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  let stopped = false;
  const mode = options.onOverflow ?? 'stop';
  const emit = (buf: Buffer) => {
    let text = buf.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text !== '') options.onLine(text);
  };
  const onData = (chunk: Buffer) => {
    let start = 0;
    while (!stopped && start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (!skipping) {
        if (size + piece.length > options.maxBytes) {
          if (mode === 'stop') {
            stop();
            options.onError?.(new LineTooLong(options.maxBytes));
            return;
          }
          parts.push(piece.subarray(0, options.maxBytes - size));
          emit(Buffer.concat(parts));
          parts = [];
          size = 0;
          skipping = true;
        } else {
          parts.push(Buffer.from(piece));
          size += piece.length;
        }
      }
      if (nl === -1) break;
      if (!skipping) emit(Buffer.concat(parts));
      parts = [];
      size = 0;
      skipping = false;
      start = nl + 1;
    }
  };
  const onEnd = () => {
    if (!stopped && !skipping && size > 0) emit(Buffer.concat(parts));
    parts = [];
  };
  function stop() {
    stopped = true;
    stream.off('data', onData);
    stream.off('end', onEnd);
    parts = [];
  }
  stream.on('data', onData);
  stream.on('end', onEnd);
  return stop;
}
