/**
 * Logging: pino with key-based redaction (passwords, tokens, cookies, … at the depths we log them)
 * and value-based masking (any registered secret value, and the user information of any URL, is replaced in
 * every line, wherever it appears).
 */
import { createRequire } from 'node:module';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import type { Logger } from './sdk/connector.js';

// pino is required when the first logger is made: commands that never log (`validate`) do not load it.
const require = createRequire(import.meta.url);
const pinoModule = () => require('pino') as typeof import('pino');

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The levels a config (`log.level`) or `DOVETAIL_LOG_LEVEL` may name, most severe first. */
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/** `DOVETAIL_LOG_LEVEL` names no level. */
export class LogLevelError extends Error {
  constructor(value: string) {
    super(`DOVETAIL_LOG_LEVEL=${value} is not a log level; use one of ${LOG_LEVELS.join(', ')} (or unset it)`);
    this.name = 'LogLevelError';
  }
}

/**
 * The level to log at: `DOVETAIL_LOG_LEVEL` when set (so one command can be debugged without editing the config),
 * else the config's `log.level`, else `fallback` (`warn` for CLI commands, `info` for the service). Throws
 * `LogLevelError` for an unknown environment value; an unknown config value is left to config validation (which
 * reports it at `/log/level`) and the fallback is used meanwhile.
 */
export function resolveLogLevel(configLevel: unknown, env: string | undefined, fallback: LogLevel): LogLevel {
  if (env !== undefined && env !== '') {
    if (!(LOG_LEVELS as readonly string[]).includes(env)) throw new LogLevelError(env);
    return env as LogLevel;
  }
  return (LOG_LEVELS as readonly unknown[]).includes(configLevel) ? configLevel as LogLevel : fallback;
}

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

/** `scheme://user:password@` in any text: the user information of a URL. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>\\]+@/gi;

/** `text` with the user information of every URL in it replaced: `https://[redacted]@host/`. */
export function maskUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, `$1${REDACTED}@`);
}

/** Wraps a destination so every serialized line is masked (secret values, URL user information) before it is written. */
function maskingStream(target: DestinationStream, secrets: SecretRegistry): DestinationStream {
  const wrapped: DestinationStream & { flushSync?: () => void; end?: () => void } = {
    write(line: string) {
      return target.write(maskUrlCredentials(secrets.mask(line)));
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
  const pino = pinoModule();
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

/**
 * A Logger that calls `make` on its first use (a command that logs nothing never builds one); `make` runs once.
 * Given the level `make` will use, lines below it are dropped without building the logger.
 */
export function lazyLogger(make: () => Logger, level: LogLevel = 'trace'): Logger {
  let made: Logger | undefined;
  const get = () => (made ??= make());
  const rank = (l: LogLevel) => (l === 'silent' ? -1 : LOG_LEVELS.indexOf(l));
  // LOG_LEVELS runs from fatal (0) to trace (5): a line is written when its rank is at most the level's.
  const on = (l: LogLevel) => level !== 'silent' && rank(l) <= rank(level);
  // The arguments are passed on as given (pino treats a missing message differently from an undefined one).
  type Args = Parameters<Logger['info']>;
  return {
    trace: (...args: Args) => { if (on('trace')) get().trace(...args); },
    debug: (...args: Args) => { if (on('debug')) get().debug(...args); },
    info: (...args: Args) => { if (on('info')) get().info(...args); },
    warn: (...args: Args) => { if (on('warn')) get().warn(...args); },
    error: (...args: Args) => { if (on('error')) get().error(...args); },
    child: (bindings) => lazyLogger(() => get().child(bindings), level),
  };
}
