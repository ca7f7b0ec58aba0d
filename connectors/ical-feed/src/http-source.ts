/**
 * A feed on an HTTP(S) server, read through the shared transport (TLS options, timeouts, the size cap, Basic or
 * Bearer auth, Retry-After). Reads are conditional (If-None-Match / If-Modified-Since) when the last one left
 * validators; a 304 transfers nothing.
 */
import { AuthFailed, Invalid, NotFound, Unavailable } from '@dovetail/core/sdk';
import type { Transport } from '@dovetail/http';
import { notICalendarReason } from './feed-items.js';
import type { Fetched, FeedSource, Validators } from './source.js';

const ACCEPT = 'text/calendar, text/plain;q=0.8, */*;q=0.5';

export class HttpFeedSource implements FeedSource {
  constructor(private readonly url: string, readonly shown: string, private readonly transport: Transport) {}

  async fetch(known?: Validators): Promise<Fetched> {
    const headers: Record<string, string> = { accept: ACCEPT };
    if (known?.etag) headers['if-none-match'] = known.etag;
    if (known?.lastModified) headers['if-modified-since'] = known.lastModified;
    const res = await this.transport.request(this.url, { method: 'GET', headers });
    if (res.status === 304 && (known?.etag || known?.lastModified)) return { kind: 'not-modified' };
    if (res.status === 403) {
      throw new AuthFailed(`403 Forbidden from ${this.shown}: the feed refuses these credentials; check "username" and "password", "token", or the token inside "url"`);
    }
    if (res.status === 404 || res.status === 410) {
      throw new NotFound(`${res.status} ${res.status === 404 ? 'Not Found' : 'Gone'}: there is no feed at ${this.shown}; check "url"`);
    }
    if (res.status < 200 || res.status > 299) throw new Unavailable(`${this.shown} answered HTTP ${res.status}`);
    const problem = notICalendarReason(res.text, res.headers.get('content-type'));
    if (problem) throw new Invalid(`${this.shown} ${problem}`);
    const etag = res.headers.get('etag') ?? undefined;
    const lastModified = res.headers.get('last-modified') ?? undefined;
    return { kind: 'body', text: res.text, validators: { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) } };
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
