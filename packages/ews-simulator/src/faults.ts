/**
 * Fault injection: a test arms a fault for the next N EWS requests (optionally only for one operation); each
 * matching request consumes one use. Kinds mirror what clients meet in the field: Exchange's throttling fault
 * (ErrorServerBusy with BackOffMilliseconds), HTTP 503 with Retry-After, HTTP 500, 401, a connection reset, a
 * response cut off mid-XML, and a delay or a hang.
 */

export type FaultKind = 'server-busy' | 'http-503' | 'http-500' | 'http-401' | 'reset' | 'truncated' | 'delay' | 'hang';

export const FAULT_KINDS: FaultKind[] = ['server-busy', 'http-503', 'http-500', 'http-401', 'reset', 'truncated', 'delay', 'hang'];

export interface FaultSpec {
  kind: FaultKind;
  /** How many matching requests it answers (default 1). */
  count?: number;
  /** Only requests for this SOAP operation (e.g. `SyncFolderItems`). */
  operation?: string;
  /** server-busy: BackOffMilliseconds (default 5000). */
  backOffMs?: number;
  /** http-503: Retry-After seconds (default 5). */
  retryAfter?: number;
  /** delay: milliseconds before the request is handled normally (default 1000). */
  ms?: number;
}

interface Armed extends FaultSpec {
  left: number;
}

export class FaultPlan {
  private armed: Armed[] = [];

  /** Arms a fault; throws on an unknown kind or a bad count. */
  add(spec: FaultSpec): void {
    if (!FAULT_KINDS.includes(spec.kind)) throw new Error(`unknown fault kind '${String(spec.kind)}' (one of ${FAULT_KINDS.join(', ')})`);
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new Error('fault count must be an integer from 1 to 100000');
    this.armed.push({ ...spec, left: count });
  }

  clear(): void {
    this.armed = [];
  }

  /** The fault for this request, if one is armed for it (consumes one use). */
  take(operation: string): FaultSpec | undefined {
    const f = this.armed.find((a) => a.left > 0 && (!a.operation || a.operation === operation));
    if (!f) return undefined;
    f.left -= 1;
    this.armed = this.armed.filter((a) => a.left > 0);
    return f;
  }

  /** Faults still armed (for inspection). */
  pending(): FaultSpec[] {
    return this.armed.map(({ left, ...spec }) => ({ ...spec, count: left }));
  }
}
