/**
 * Microsoft Graph over our transport: JSON requests with OData errors mapped to typed errors, paging through
 * `@odata.nextLink`, and JSON batching (≤ 20 requests per `$batch`, batches sent side by side up to the
 * mailbox's concurrency limit, throttled sub-requests sent again after their Retry-After).
 */
import { AuthFailed, CursorInvalid, Invalid, NotFound, PreconditionFailed, RateLimited, Unavailable, type DovetailError, type Logger } from '@dovetail/core/sdk';
import { retryAfterMs, type BearerTokenSource, type Transport } from '@dovetail/http';

/** Requests per `$batch` (Graph's limit). */
export const BATCH_LIMIT = 20;
const BUSY = new Set([429, 503, 504]);

export type Json = Record<string, unknown>;

export interface GraphRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  /** Below the Graph base (`/users/ann@example.com/events/…`). */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** The typed error for a Graph error answer. */
export function graphError(status: number, body: unknown, headers: Record<string, string> | Headers, what: string): DovetailError {
  const get = (k: string) => (headers instanceof Headers ? headers.get(k) : headers[k] ?? headers[k.toLowerCase()]) ?? null;
  const err = (body as { error?: { code?: string; message?: string } })?.error;
  const text = `${what}: ${status}${err?.code ? ` ${err.code}` : ''}${err?.message ? `: ${err.message}` : ''}`;
  if (BUSY.has(status)) {
    const wait = retryAfterMs(get('retry-after'));
    if (wait !== undefined || status === 429) return new RateLimited(wait ?? 30_000, `${text} (retry after ${Math.ceil((wait ?? 30_000) / 1000)} s)`);
    return new Unavailable(text);
  }
  if (status === 401) return new AuthFailed(text);
  if (status === 403) return new AuthFailed(`${text} (the app or user lacks the permission, or an application access policy excludes this mailbox)`);
  if (status === 404) return new NotFound(text);
  if (status === 410 || /syncState|resyncRequired/i.test(err?.code ?? '')) return new CursorInvalid(text);
  if (status === 412 || err?.code === 'ErrorIrresolvableConflict') return new PreconditionFailed(text);
  if (status >= 500) return new Unavailable(text);
  return new Invalid(text);
}

export interface GraphClientOptions {
  transport: Transport;
  /** `https://graph.microsoft.com/v1.0` (or a simulator's). */
  graphUrl: string;
  tokens: BearerTokenSource;
  logger: Logger;
  /** Longest Retry-After waited in place for a throttled sub-request (default 30 s). */
  maxRetryWaitMs?: number;
  /** Most items one paged listing may hold (the `maxListItems` setting); more fails it naming the setting. Default 200,000. */
  maxListItems?: number;
}

export class GraphClient {
  private readonly base: string;
  constructor(private readonly o: GraphClientOptions) {
    this.base = o.graphUrl.replace(/\/+$/, '');
  }

  /** An absolute URL for a path below the base (or a next/delta link as given, which must be on the base). */
  absolute(url: string): string {
    if (/^https?:/.test(url)) {
      if (!url.startsWith(`${this.base}/`)) throw new CursorInvalid(`a link to ${new URL(url).host} is not on ${new URL(this.base).host}`);
      return url;
    }
    return `${this.base}${url}`;
  }

  /** One request; a non-2xx answer throws its typed error. */
  async call(req: GraphRequest, limitKey: string, what = `${req.method} ${req.url.split('?')[0]}`): Promise<{ status: number; body: unknown; bytes: Uint8Array; headers: Headers }> {
    const isBytes = req.body instanceof Uint8Array;
    const headers = { accept: 'application/json', ...(req.body !== undefined && !isBytes ? { 'content-type': 'application/json' } : {}), ...req.headers };
    const res = await this.o.transport.request(this.absolute(req.url), {
      method: req.method, headers, limitKey,
      body: req.body === undefined ? undefined : isBytes ? req.body as Uint8Array : JSON.stringify(req.body),
    });
    let body: unknown;
    if ((res.headers.get('content-type') ?? '').includes('json') && res.text) {
      try { body = JSON.parse(res.text); } catch { throw new Unavailable(`${what}: the answer is not JSON`); }
    }
    if (res.status < 200 || res.status >= 300) throw graphError(res.status, body, res.headers, what);
    return { status: res.status, body, bytes: res.bytes, headers: res.headers };
  }

  /** Every page of a collection or delta round: `onPage` for each; returns the deltaLink, if the round gave one. */
  async pages(first: string, headers: Record<string, string>, limitKey: string, onPage: (values: Json[]) => void): Promise<string | undefined> {
    let next: string | undefined = first;
    const maxItems = this.o.maxListItems ?? 200_000;
    let items = 0;
    for (let n = 0; next; n++) {
      if (n > 100_000) throw new Unavailable('Graph kept paging without end');
      const { body } = await this.call({ method: 'GET', url: next, headers }, limitKey, `GET ${next.split('?')[0].replace(this.base, '')}`);
      const page = body as { value?: Json[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
      items += page.value?.length ?? 0;
      if (items > maxItems) {
        throw new Invalid(`listing ${first.split('?')[0].replace(this.base, '')} holds more than ${maxItems} items; raise "maxListItems" in the endpoint's settings if the folder really is that large`);
      }
      onPage(page.value ?? []);
      if (page['@odata.deltaLink']) return page['@odata.deltaLink'];
      next = page['@odata.nextLink'];
    }
    return undefined;
  }

  /**
   * Sends requests in `$batch`es of ≤ 20, batches side by side (the transport keeps the mailbox's limit). Answers
   * in request order; a throttled (429/503/504) or, once, a 401 sub-request is sent again after its wait.
   */
  async batch(reqs: GraphRequest[], limitKey: string): Promise<GraphResponse[]> {
    const out: GraphResponse[] = new Array(reqs.length);
    let pending = reqs.map((_, i) => i);
    let refreshed = false;
    for (let round = 0; pending.length; round++) {
      const chunks: number[][] = [];
      for (let i = 0; i < pending.length; i += BATCH_LIMIT) chunks.push(pending.slice(i, i + BATCH_LIMIT));
      await Promise.all(chunks.map(async (chunk) => {
        const { body } = await this.call({ method: 'POST', url: '/$batch', body: { requests: chunk.map((i) => ({ id: String(i), ...this.sub(reqs[i]) })) } }, limitKey, 'POST /$batch');
        for (const r of (body as { responses?: { id: string; status: number; headers?: Record<string, string>; body?: unknown }[] }).responses ?? []) {
          const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
          out[Number(r.id)] = { status: r.status, headers, body: r.body };
        }
      }));
      const busy = pending.filter((i) => out[i] && BUSY.has(out[i].status));
      const unauthorized = pending.filter((i) => out[i]?.status === 401);
      const missing = pending.filter((i) => !out[i]);
      if (missing.length) throw new Unavailable(`$batch answered without ${missing.length} of its requests`);
      if (unauthorized.length && !refreshed) { refreshed = true; await this.o.tokens.token({ refresh: true }); }
      const again = [...busy, ...(refreshed && round === 0 ? unauthorized : [])];
      if (!again.length || round >= 3) break;
      const wait = Math.max(0, ...busy.map((i) => retryAfterMs(out[i].headers['retry-after'] ?? null) ?? 1000));
      if (wait > (this.o.maxRetryWaitMs ?? 30_000)) break;
      if (wait) {
        this.o.logger.debug({ waitMs: wait, requests: busy.length }, 'Graph throttled part of a batch; sending it again after the wait');
        await new Promise((r) => setTimeout(r, wait));
      }
      pending = again.sort((a, b) => a - b);
    }
    return out;
  }

  private sub(r: GraphRequest): Json {
    const headers = { ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}), ...r.headers };
    return { method: r.method, url: r.url, ...(Object.keys(headers).length ? { headers } : {}), ...(r.body !== undefined ? { body: r.body } : {}) };
  }
}

/** The typed error of a failed sub-response, or undefined for a success. */
export function subError(r: GraphResponse, what: string): DovetailError | undefined {
  return r.status >= 200 && r.status < 300 ? undefined : graphError(r.status, r.body, r.headers, what);
}
