/**
 * Logging: pino with key-based redaction (passwords, tokens, cookies, … at the depths we log them)
 * and value-based masking (any registered secret value is replaced in every line, wherever it appears).
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** What replaces a redacted key's value or a masked secret. */
export const REDACTED = '[redacted]';

/** Keys whose values are never logged, at any depth up to three levels (and in `settings` / `headers`). */
const SECRET_KEYS = [
  'password', 'passwd', 'token', 'secret', 'authorization', 'Authorization', 'cookie', 'Cookie',
  'set-cookie', 'apiKey', 'accessToken', 'refreshToken', 'clientSecret', 'bearer',
];

function keyPath(prefix: string, key: string): string {
  const part = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `["${key}"]`;
  return prefix === '' ? part.replace(/^\./, '') : `${prefix}${part}`;
}

/** The pino `redact` paths: `password`, `*.password`, `*.*.password`, `*.*.*.password`, … */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) =>
  ['', '*', '*.*', '*.*.*'].map((prefix) => keyPath(prefix, key)));

/** Secret values to mask in log output. Values shorter than 4 characters are ignored (they would mangle ordinary text). */
export class SecretRegistry {
  private readonly needles = new Set<string>();

  /** Registers a resolved secret value; every later log line containing it shows `[redacted]` instead. */
  add(value: string): void {
    if (typeof value !== 'string' || value.length < 4) return;
    this.needles.add(value);
    // In a JSON line the value appears string-escaped ("a\"b" for a"b).
    this.needles.add(JSON.stringify(value).slice(1, -1));
  }

  get size(): number {
    return this.needles.size;
  }

  /** Replaces every registered value in `text`, longest first (so a secret containing another is fully masked). */
  mask(text: string): string {
    if (this.needles.size === 0) return text;
    let out = text;
    for (const needle of [...this.needles].sort((x, y) => y.length - x.length)) {
      if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    }
    return out;
  }
}

/** The process-wide registry the host and CLI register resolved secrets with. */
export const secretRegistry = new SecretRegistry();

/** Shorthand for `secretRegistry.add(value)`. */
export function registerSecretValue(value: string): void {
  secretRegistry.add(value);
}

export interface LoggerOptions {
  level?: LogLevel;
  /** A file path, a file descriptor or a stream (default: stderr, fd 2 — stdout is kept for command output). */
  destination?: string | number | DestinationStream;
  /** Registry of secret values to mask (default: the process-wide `secretRegistry`). */
  secrets?: SecretRegistry;
}

export type DovetailLogger = PinoLogger;

/** Wraps a destination so every serialized line is masked before it is written. */
function maskingStream(target: DestinationStream, secrets: SecretRegistry): DestinationStream {
  const wrapped: DestinationStream & { flushSync?: () => void; end?: () => void } = {
    write(line: string) {
      return target.write(secrets.mask(line));
    },
  };
  const t = target as DestinationStream & { flushSync?: () => void; end?: () => void };
  if (typeof t.flushSync === 'function') wrapped.flushSync = () => t.flushSync!();
  if (typeof t.end === 'function') wrapped.end = () => t.end!();
  return wrapped;
}

/** A pino 10 logger with secret redaction; lines are JSON. */
export function createLogger(options: LoggerOptions = {}): DovetailLogger {
  const secrets = options.secrets ?? secretRegistry;
  const dest = options.destination;
  const target: DestinationStream = dest === undefined
    ? pino.destination({ dest: 2, sync: true })
    : typeof dest === 'string' || typeof dest === 'number'
      ? pino.destination({ dest, sync: true, mkdir: typeof dest === 'string' })
      : dest;
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    },
    maskingStream(target, secrets),
  );
}
