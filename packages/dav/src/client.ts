/**
 * WebDAV requests on tsdav's request helpers (`davRequest`, `createObject`, `updateObject`, `deleteObject`),
 * sent through our Transport. tsdav builds and sends; we read the full response ourselves with the safe,
 * namespace-aware parser, because tsdav's own parsing drops namespaces, turns numeric ETags into numbers
 * and truncates unparsed bodies.
 */
// tsdav's request helpers as one bundled file (scripts/build-vendor.mjs): its own import loads ~15 CommonJS files.
import { createObject, davRequest, deleteObject, updateObject } from '#tsdav';
import { AuthFailed, Invalid, isDovetailError, NotFound, Unavailable, type DovetailError, type Logger } from '@dovetail/core/sdk';
import { hrefToUrl } from './href.js';
import { MultistatusStream, parseMultistatus, type DavResponse, type Multistatus } from './multistatus.js';
import type { HttpRequest, HttpResponse, Transport } from '@dovetail/http';
import { NS, XmlError } from './xml.js';

/** Prefixes used in request bodies. */
export const XMLNS_ATTRS = {
  'xmlns:d': NS.DAV, 'xmlns:c': NS.CALDAV, 'xmlns:card': NS.CARDDAV, 'xmlns:cs': NS.CALSERVER, 'xmlns:ical': NS.APPLE,
} as const;

/** An xml-js compact element (tsdav's body format): `{ 'd:prop': { 'd:getetag': {} } }`. */
export type XmlBody = Record<string, unknown>;

const XML_CONTENT_TYPE = 'application/xml; charset=utf-8';

/** A multistatus answer together with the raw response. */
export interface MultistatusResponse {
  res: HttpResponse;
  ms: Multistatus;
}

/** Limits and logging of a client; the defaults suit tests and tools. */
export interface DavClientOptions {
  /** Most members one listing may hold before it fails naming the `maxListItems` setting (default 200,000). */
  maxListItems?: number;
  logger?: Logger;
}

/** Default of the `maxListItems` setting. */
export const DEFAULT_MAX_LIST_ITEMS = 200_000;

export class DavClient {
  readonly maxListItems: number;
  readonly logger?: Logger;

  constructor(readonly transport: Transport, readonly baseUrl: string, options: DavClientOptions = {}) {
    this.maxListItems = options.maxListItems ?? DEFAULT_MAX_LIST_ITEMS;
    this.logger = options.logger;
  }

  /** Absolute URL for an href or URL. */
  url(href: string): string {
    return hrefToUrl(href, this.baseUrl);
  }

  /**
   * Sends an XML request (PROPFIND, REPORT, MKCALENDAR, MKCOL, PROPPATCH) and returns the raw response; `stream`
   * reads the body as it arrives instead (the response's `text` is then empty).
   */
  async xml(method: string, href: string, body: XmlBody, headers: Record<string, string> = {}, stream?: HttpRequest['stream']): Promise<HttpResponse> {
    let captured: HttpResponse | undefined;
    await davRequest({
      url: this.url(href),
      init: {
        method: method as 'PROPFIND',
        headers: { 'Content-Type': XML_CONTENT_TYPE, ...headers },
        body: withNamespaces(body),
      },
      convertIncoming: true,
      parseOutgoing: false,
      fetch: this.transport.fetchFor((r) => { captured = r; }, stream) as typeof fetch,
    });
    if (!captured) throw new Unavailable(`${method} ${href}: no response`);
    return captured;
  }

  /**
   * An XML request whose 207 answer is parsed as it arrives: each response goes to `onResponse` and is not kept
   * (listings of any size, within `maxResponseBytes`). Another status is returned with its body for the caller to
   * judge. An unreadable 207 is `Unavailable`; what `onResponse` throws (a cap) comes out unchanged.
   */
  async streamMultistatus(
    method: string, href: string, body: XmlBody, headers: Record<string, string>, what: string, onResponse: (r: DavResponse) => void,
  ): Promise<{ res: HttpResponse; multistatus: boolean; syncToken?: string }> {
    let stream: MultistatusStream | undefined;
    try {
      const res = await this.xml(method, href, body, headers, (status, url) => (status === 207 ? (stream = new MultistatusStream(url, onResponse)) : undefined));
      if (!stream) return { res, multistatus: false };
      return { res, multistatus: true, ...stream.close() };
    } catch (e) {
      if (isDovetailError(e)) throw e;
      throw new Unavailable(`${what}: unreadable answer (${(e as Error).message})`, { cause: e });
    }
  }

  /** PROPFIND with `props` (prefixed names, e.g. `d:getetag`), Depth 0 or 1; typed errors for non-207 answers. */
  async propfind(href: string, props: string[], depth: '0' | '1'): Promise<MultistatusResponse> {
    const prop = Object.fromEntries(props.map((p) => [p, {}]));
    const res = await this.xml('PROPFIND', href, { 'd:propfind': { 'd:prop': prop } }, { Depth: depth });
    return { res, ms: this.expectMultistatus(res, `PROPFIND ${href}`) };
  }

  /** REPORT; the caller checks the status first when it means something (a stale sync token). */
  report(href: string, body: XmlBody, depth: '0' | '1'): Promise<HttpResponse> {
    return this.xml('REPORT', href, body, { Depth: depth });
  }

  /** Parses a 207 body, or throws the typed error its status stands for. */
  expectMultistatus(res: HttpResponse, what: string): Multistatus {
    if (res.status !== 207) throw errorForStatus(res, what);
    try {
      return parseMultistatus(res.text, res.url || this.baseUrl);
    } catch (e) {
      const kind = e instanceof XmlError ? e.message : (e as Error).message;
      throw new Unavailable(`${what}: unreadable answer (${kind})`, { cause: e });
    }
  }

  async get(href: string): Promise<HttpResponse> {
    return this.transport.request(this.url(href), { method: 'GET' });
  }

  /** PUT: `ifNoneMatch` (create only if absent) or `ifMatch` (update only this version). */
  async put(href: string, data: string, contentType: string, cond: { ifMatch?: string; ifNoneMatch?: boolean }): Promise<HttpResponse> {
    let captured: HttpResponse | undefined;
    const fetch = this.transport.fetchFor((r) => { captured = r; }) as typeof globalThis.fetch;
    const headers = { 'Content-Type': contentType };
    if (cond.ifMatch) {
      await updateObject({ url: this.url(href), data, etag: cond.ifMatch, headers, fetch });
    } else {
      await createObject({ url: this.url(href), data, headers: cond.ifNoneMatch ? { ...headers, 'If-None-Match': '*' } : headers, fetch });
    }
    return captured!;
  }

  /** DELETE, conditional on `ifMatch` when given. */
  async delete(href: string, ifMatch?: string): Promise<HttpResponse> {
    let captured: HttpResponse | undefined;
    await deleteObject({ url: this.url(href), etag: ifMatch, fetch: this.transport.fetchFor((r) => { captured = r; }) as typeof fetch });
    return captured!;
  }
}

/** Adds our namespace declarations to the body's root element. */
function withNamespaces(body: XmlBody): XmlBody {
  const [rootName, rootValue] = Object.entries(body)[0]!;
  const el = (rootValue ?? {}) as Record<string, unknown>;
  return { [rootName]: { ...el, _attributes: { ...XMLNS_ATTRS, ...(el._attributes as object | undefined) } } };
}

/** The typed error an unexpected status stands for. */
export function errorForStatus(res: HttpResponse, what: string): DovetailError {
  const s = res.status;
  const host = safeHost(res.url);
  if (s === 401) return new AuthFailed(`${what}: 401 Unauthorized from ${host}`);
  if (s === 403) return new AuthFailed(`${what}: 403 Forbidden from ${host} (the account may not access this resource)`);
  if (s === 404 || s === 410) return new NotFound(`${what}: ${s} Not Found`);
  // A web server that is no WebDAV server refuses the method itself: that is a wrong URL, not an outage.
  if ((s === 405 || s === 501) && /^(PROPFIND|PROPPATCH|REPORT|MKCALENDAR|MKCOL|sync-collection|listing)\b/.test(what)) {
    return new Invalid(`${what}: ${host} does not speak WebDAV there (${s}${snippet(res.text)}): not a CalDAV or CardDAV server, or not its URL`);
  }
  if (s >= 500) return new Unavailable(`${what}: ${s} from ${host}${snippet(res.text)}`);
  return new Invalid(`${what}: unexpected ${s}${snippet(res.text)}`);
}

function safeHost(url: string): string {
  try { return new URL(url).host; } catch { return url; }
}

/** A short excerpt of an error body; an HTML page is shown by its title, not its markup. */
function snippet(text: string): string {
  if (/^\s*(<!doctype html|<html)/i.test(text)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.replace(/\s+/g, ' ').trim();
    return title ? ` (an HTML page: "${title.slice(0, 120)}")` : ' (an HTML page)';
  }
  const t = text.replace(/\s+/g, ' ').trim();
  return t ? ` (${t.slice(0, 160)}${t.length > 160 ? '…' : ''})` : '';
}

/** ETag as sent back in If-Match: servers give strong or weak tags, sometimes unquoted. */
export function etagValue(raw: string | null | undefined): string | undefined {
  if (!raw) return undefined;
  const t = raw.trim();
  if (!t) return undefined;
  return /^(W\/)?".*"$/.test(t) ? t : `"${t}"`;
}
