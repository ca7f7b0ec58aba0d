/**
 * Typed errors a connector throws (or returns per operation). The engine decides by `code`,
 * never by `instanceof`, so errors survive crossing package copies and the stdio protocol.
 */

export type ErrorCode =
  | 'CursorInvalid'
  | 'PreconditionFailed'
  | 'NotFound'
  | 'RateLimited'
  | 'AuthFailed'
  | 'Invalid'
  | 'Unavailable';

export class DovetailError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = code;
  }
  /** A plain object for reports and the stdio protocol. */
  toJSON(): { code: ErrorCode; message: string; retryAfterMs?: number; notAttempted?: boolean } {
    return { code: this.code, message: this.message };
  }
}

/** The change cursor (sync token, SyncState) is stale; the engine falls back to a full listing. */
export class CursorInvalid extends DovetailError {
  constructor(message = 'change cursor is no longer valid', options?: { cause?: unknown }) {
    super('CursorInvalid', message, options);
  }
}

/** The item changed since it was read (HTTP 412, EWS ChangeKey conflict); the engine refetches and replans it. */
export class PreconditionFailed extends DovetailError {
  constructor(message = 'the item changed on the server since it was read', options?: { cause?: unknown }) {
    super('PreconditionFailed', message, options);
  }
}

/** The item or collection does not exist. */
export class NotFound extends DovetailError {
  constructor(message = 'not found', options?: { cause?: unknown }) {
    super('NotFound', message, options);
  }
}

/** The server asks us to slow down; retry after `retryAfterMs`. */
export class RateLimited extends DovetailError {
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number, message = `rate limited; retry after ${retryAfterMs} ms`, options?: { cause?: unknown }) {
    super('RateLimited', message, options);
    this.retryAfterMs = retryAfterMs;
  }
  override toJSON() {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs };
  }
}

/** Credentials missing, wrong or refused (401/403). Fatal for the run. */
export class AuthFailed extends DovetailError {
  constructor(message = 'authentication failed', options?: { cause?: unknown }) {
    super('AuthFailed', message, options);
  }
}

/** The item is malformed or refused by the target; skipped, reported, the rest continues. */
export class Invalid extends DovetailError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Invalid', message, options);
  }
}

/** The server is down, unreachable, timed out or answered 5xx; retried with backoff. */
export class Unavailable extends DovetailError {
  constructor(message = 'service unavailable', options?: { cause?: unknown }) {
    super('Unavailable', message, options);
  }
}

/** True when `e` is a Dovetail error (of `code`, if given). */
export function isDovetailError(e: unknown, code?: ErrorCode): e is DovetailError {
  if (typeof e !== 'object' || e === null) return false;
  const c = (e as { code?: unknown }).code;
  const known = ['CursorInvalid', 'PreconditionFailed', 'NotFound', 'RateLimited', 'AuthFailed', 'Invalid', 'Unavailable'];
  if (typeof c !== 'string' || !known.includes(c)) return false;
  return code === undefined || c === code;
}

/** Rebuilds a typed error from its JSON form (stdio protocol, state). */
export function errorFromJSON(j: { code: string; message: string; retryAfterMs?: number; notAttempted?: boolean }): DovetailError {
  // An operation that was never attempted (HostSkipped) keeps that mark across the stdio protocol.
  if (j.notAttempted === true) return Object.assign(new Unavailable(j.message), { notAttempted: true as const });
  switch (j.code) {
    case 'CursorInvalid': return new CursorInvalid(j.message);
    case 'PreconditionFailed': return new PreconditionFailed(j.message);
    case 'NotFound': return new NotFound(j.message);
    case 'RateLimited': return new RateLimited(j.retryAfterMs ?? 1000, j.message);
    case 'AuthFailed': return new AuthFailed(j.message);
    case 'Invalid': return new Invalid(j.message);
    default: return new Unavailable(j.message);
  }
}
