/** What every operation handler gets: who is asking, in which zone and version, the store and the log entry. */
import type { Store } from './store.js';

/** One logged request (the out-of-band API returns these so tests can assert on what a client sent). */
export interface RequestLogEntry {
  /** Sequence number (1-based) since the simulator started. */
  seq: number;
  time: string;
  /** SOAP operation (`GetItem`, …), or `_simulator/…`, or `-` when the body could not be read. */
  operation: string;
  /** Authenticated user (SMTP), if authentication succeeded. */
  user?: string;
  /** `Basic`, `NTLM`, `Bearer` or `none`. */
  authScheme: string;
  /** Mailboxes the request touched (SMTP). */
  mailboxes: string[];
  folderIds: string[];
  itemIds: string[];
  /** The raw request body. */
  body: string;
  /** HTTP status sent, and the response codes of the response messages. */
  status?: number;
  responseCodes: string[];
  /** Set when an injected fault answered this request. */
  fault?: string;
}

export interface RequestContext {
  user: string;
  /** RequestServerVersion (Exchange2007 when absent, as Exchange assumes). */
  version: string;
  /** IANA zone of the TimeZoneContext header (UTC when absent). */
  zone: string;
  /** Windows id of the TimeZoneContext, if one was sent. */
  zoneId?: string;
  store: Store;
  log: RequestLogEntry;
}

/** Records an id the request touched (deduplicated). */
export function noteId(list: string[], id: string | undefined): void {
  if (id && !list.includes(id)) list.push(id);
}
