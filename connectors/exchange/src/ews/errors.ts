/**
 * EWS response codes and ews-javascript-api's rejections (which are often not Errors) → the SDK's typed errors.
 * Codes: Microsoft's `ResponseCodeType` reference.
 */
import {
  AuthFailed, CursorInvalid, Invalid, isDovetailError, NotFound, PreconditionFailed, RateLimited, Unavailable, type DovetailError,
} from '@dovetail/core/sdk';
import { ServiceError } from 'ews-javascript-api';

/** Fallback wait when the server is busy and names no back-off. */
const BUSY_DEFAULT_MS = 30_000;

const BY_CODE: Record<string, (message: string, backOffMs?: number) => DovetailError> = {
  ErrorServerBusy: (m, ms) => new RateLimited(ms ?? BUSY_DEFAULT_MS, `Exchange is busy (ErrorServerBusy); retry after ${Math.ceil((ms ?? BUSY_DEFAULT_MS) / 1000)} s`),
  ErrorTooManyObjectsOpened: (m, ms) => new RateLimited(ms ?? BUSY_DEFAULT_MS, `Exchange throttles this account (${m})`),
  ErrorInvalidSyncStateData: (m) => new CursorInvalid(`the folder's SyncState is no longer valid (${m})`),
  ErrorSyncFolderNotFound: (m) => new CursorInvalid(m),
  ErrorIrresolvableConflict: (m) => new PreconditionFailed(`the item changed in Exchange since it was read (${m})`),
  ErrorChangeKeyRequiredForWriteOperations: (m) => new PreconditionFailed(m),
  ErrorStaleObject: (m) => new PreconditionFailed(m),
  ErrorItemNotFound: (m) => new NotFound(m),
  ErrorFolderNotFound: (m) => new NotFound(m),
  ErrorNonExistentMailbox: (m) => new NotFound(`no such mailbox (${m})`),
  ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange: (m) => new NotFound(m),
  ErrorAccessDenied: (m) => new AuthFailed(`access denied: ${m} (the account needs delegate or full access to that mailbox or folder)`),
  ErrorNotDelegate: (m) => new AuthFailed(`not a delegate: ${m}`),
  ErrorImpersonateUserDenied: (m) => new AuthFailed(m),
  ErrorMailboxStoreUnavailable: (m) => new Unavailable(m),
  ErrorMailboxMoveInProgress: (m) => new Unavailable(m),
  ErrorInternalServerError: (m) => new Unavailable(m),
  ErrorInternalServerTransientError: (m) => new Unavailable(m),
  ErrorConnectionFailed: (m) => new Unavailable(m),
  ErrorTimeoutExpired: (m) => new Unavailable(m),
  ErrorExceededConnectionCount: (m, ms) => new RateLimited(ms ?? BUSY_DEFAULT_MS, m),
};

/** The name of an EWS response code (the library gives enum numbers). */
export function codeName(code: unknown): string | undefined {
  if (typeof code === 'string') return code;
  if (typeof code === 'number') return (ServiceError as unknown as Record<number, string>)[code];
  return undefined;
}

/** A typed error for an EWS response code; unknown codes are `Invalid` (the item was refused). */
export function errorForCode(code: string, message: string, backOffMs?: number): DovetailError {
  const make = BY_CODE[code];
  const text = message && message !== code ? `${code}: ${message}` : code;
  return make ? make(text, backOffMs) : new Invalid(text);
}

/** BackOffMilliseconds from a library error-details dictionary, if present. */
export function backOffOf(details: unknown): number | undefined {
  const d = details as { get?(k: string): unknown; containsKey?(k: string): boolean } | undefined;
  if (!d?.containsKey?.('BackOffMilliseconds')) return undefined;
  const n = Number(d.get?.('BackOffMilliseconds'));
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** A one-line message from whatever the library rejected with. */
function messageOf(e: unknown): string {
  if (e instanceof Error && e.message) return e.message;
  const o = e as Record<string, unknown> | undefined;
  for (const k of ['message', 'Message', 'faultString', 'FaultString', 'errorMessage']) {
    const v = o?.[k];
    if (typeof v === 'string' && v.trim()) return v.trim();
  }
  return typeof e === 'string' ? e : 'the EWS request failed';
}

/**
 * The typed error for a rejection of the library: the transport's own error when it has one, else by EWS
 * response code (ServiceResponseException, SoapFaultDetails), else `Unavailable` naming the operation.
 */
export function toDovetailError(e: unknown, operation: string, transportError?: DovetailError): DovetailError {
  if (transportError) return transportError;
  if (isDovetailError(e)) return e;
  const o = e as Record<string, unknown> | undefined;
  const response = o?.Response as { ErrorCode?: unknown; ErrorMessage?: string; ErrorDetails?: unknown } | undefined;
  const code = codeName(response?.ErrorCode ?? o?.ErrorCode ?? o?.responseCode ?? o?.errorCode);
  const message = response?.ErrorMessage ?? messageOf(e);
  if (code && code !== 'NoError') return errorForCode(code, message, backOffOf(response?.ErrorDetails ?? o?.errorDetails));
  if (typeof o?.HttpStatusCode === 'number' && o.HttpStatusCode >= 500) return new Unavailable(`${operation}: HTTP ${o.HttpStatusCode} (${message})`);
  return new Unavailable(`${operation} failed: ${message}`);
}
