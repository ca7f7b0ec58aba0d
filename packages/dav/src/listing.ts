/**
 * Listing a collection cheaply: RFC 6578 sync-collection (a delta since a token) where the server supports
 * it, otherwise every member's href + ETag. A stale or refused token is a `CursorInvalid`: the host then
 * asks for a full listing. Listings are parsed as they arrive, hold at most the client's `maxListItems`
 * members, and ignore hrefs outside the collection. What a listing keeps per member is its own memory: the XML
 * parser hands out texts that are views into the answer's pieces, and one kept view would keep its whole piece
 * (~16 KiB) alive, so a 100,000-member listing would hold the whole answer for as long as the run keeps the listing.
 */
import { CursorInvalid, Invalid, ownString, Unavailable } from '@dovetail/core/sdk';
import { errorForStatus, type DavClient, type XmlBody } from './client.js';
import { asCollectionHref, normalizeHref } from './href.js';
import { okPropText, propKey, type DavResponse } from './multistatus.js';
import { NS, type XmlElement } from './xml.js';

/** A member as listed: href, ETag and (when the server says) its content type. */
export interface Member {
  href: string;
  etag: string;
  contentType?: string;
}

export interface SyncDelta {
  changed: Member[];
  deleted: string[];
  token: string;
}

/** Props asked for every member. */
export const MEMBER_PROPS = { 'd:getetag': {}, 'd:getcontenttype': {} };

/** True when the collection lists `DAV:sync-collection` in its supported-report-set (not the DAV header). */
export async function supportsSyncCollection(client: DavClient, collection: string): Promise<boolean> {
  const { ms } = await client.propfind(collection, ['d:supported-report-set'], '0');
  const set = ms.responses[0] ? okPropAny(ms.responses[0], NS.DAV, 'supported-report-set') : undefined;
  if (!set) return false;
  // RFC 3253: supported-report/report/sync-collection; Xandikos leaves out the <report> level.
  const has = (el: XmlElement, depth: number): boolean =>
    el.children.some((c) => (c.ns === NS.DAV && c.local === 'sync-collection') || (depth > 0 && has(c, depth - 1)));
  return has(set, 2);
}

function okPropAny(r: DavResponse, ns: string, local: string) {
  for (const ps of r.propstats) {
    const p = ps.props.get(propKey(ns, local));
    if (p && ps.status < 300) return p;
  }
  return undefined;
}

/** Distinct content types one listing keeps as shared strings; past that, each member keeps its own copy. */
const MAX_SHARED_TYPES = 64;

/**
 * Counts a listing's members against the client's `maxListItems`, drops hrefs outside the collection (a server
 * that lists what it has no business listing), logging how many at the end, and makes the members it keeps.
 */
class ListingGuard {
  private count = 0;
  private outside = 0;
  /** Content types met so far: nearly every member of a collection has the same one, kept once. */
  private readonly types = new Map<string, string>();
  constructor(private readonly client: DavClient, private readonly collection: string, private readonly self: string) {}

  /** The member kept for `r`: href, ETag and content type copied out of the answer's text (see the module comment). */
  member(r: DavResponse, etag: string): Member {
    return { href: ownString(r.href), etag: ownString(etag), contentType: this.contentType(okPropText(r, NS.DAV, 'getcontenttype')) };
  }

  private contentType(type: string | undefined): string | undefined {
    if (type === undefined) return undefined;
    const shared = this.types.get(type);
    if (shared !== undefined) return shared;
    const own = ownString(type);
    if (this.types.size < MAX_SHARED_TYPES) this.types.set(own, own);
    return own;
  }

  /** True for the collection itself or an href outside it (to be skipped). */
  skip(href: string): boolean {
    if (href === this.self || asCollectionHref(href) === this.self) return true;
    if (!href.startsWith(this.self)) { this.outside++; return true; }
    return false;
  }

  /** One more member kept; throws `Invalid` naming the setting once there are more than allowed. */
  add(): void {
    if (++this.count > this.client.maxListItems) {
      throw new Invalid(`listing ${this.collection} holds more than ${this.client.maxListItems} members; raise "maxListItems" in the endpoint's settings if the collection really is that large`);
    }
  }

  done(): void {
    if (this.outside) this.client.logger?.warn({ collection: this.collection, ignored: this.outside }, 'the server listed hrefs outside the collection; they were ignored');
  }
}

/**
 * sync-collection since `token` ('' = initial: every member). Follows truncated answers (507 on the
 * collection) until complete. Any refusal of a non-empty token (400, 403, 409, 412, 500, or a
 * `valid-sync-token` error) throws CursorInvalid. Answers are parsed as they arrive.
 */
export async function syncCollection(client: DavClient, collection: string, token: string): Promise<SyncDelta> {
  const self = normalizeHref(asCollectionHref(collection), client.baseUrl);
  const guard = new ListingGuard(client, collection, self);
  const changed = new Map<string, Member>();
  const deleted = new Set<string>();
  let current = token;
  for (let round = 0; round < 1000; round++) {
    const body: XmlBody = {
      'd:sync-collection': { 'd:sync-token': current, 'd:sync-level': '1', 'd:prop': MEMBER_PROPS },
    };
    let truncated = false;
    let staleToken = false;
    const onResponse = (r: DavResponse) => {
      if (r.errors.includes(propKey(NS.DAV, 'valid-sync-token'))) staleToken = true;
      if (r.href === self || asCollectionHref(r.href) === self) {
        if (r.status === 507) truncated = true;
        return;
      }
      if (guard.skip(r.href)) return;
      if (r.status === 404 || r.status === 410) {
        if (!changed.delete(r.href) && !deleted.has(r.href)) guard.add();
        deleted.add(ownString(r.href));
        return;
      }
      const etag = okPropText(r, NS.DAV, 'getetag');
      if (r.href.endsWith('/')) return; // a sub-collection
      if (!etag) return; // a member without an ETag cannot be tracked; a full listing reports it
      if (!deleted.delete(r.href) && !changed.has(r.href)) guard.add();
      const member = guard.member(r, etag);
      changed.set(member.href, member);
    };
    const { res, multistatus, syncToken } = await client.streamMultistatus('REPORT', collection, body, { Depth: '1' }, `sync-collection ${collection}`, onResponse);
    if (current && !multistatus && [400, 403, 409, 412, 500].includes(res.status)) {
      throw new CursorInvalid(`the server refused the sync token (${res.status}); listing everything instead`);
    }
    if (!multistatus) throw errorForStatus(res, `sync-collection ${collection}`);
    if (staleToken) throw new CursorInvalid('the server says the sync token is no longer valid');
    if (!syncToken) throw new Unavailable(`sync-collection ${collection}: the answer carries no sync-token`);
    const advanced = syncToken !== current;
    current = ownString(syncToken); // kept in the cursor: its own memory, not a view into the answer
    if (!truncated || !advanced) break;
  }
  guard.done();
  return { changed: [...changed.values()], deleted: [...deleted], token: current };
}

/** Every member (href, ETag, content type) by PROPFIND Depth 1, or by a REPORT body the caller gives (calendar-query). */
export async function listMembers(client: DavClient, collection: string, report?: XmlBody): Promise<Member[]> {
  const self = normalizeHref(asCollectionHref(collection), client.baseUrl);
  const guard = new ListingGuard(client, collection, self);
  const out: Member[] = [];
  const onResponse = (r: DavResponse) => {
    if (guard.skip(r.href) || r.href.endsWith('/')) return;
    if (r.status !== undefined && r.status >= 300) return;
    const etag = okPropText(r, NS.DAV, 'getetag');
    if (!etag) return;
    guard.add();
    out.push(guard.member(r, etag));
  };
  const body = report ?? { 'd:propfind': { 'd:prop': Object.fromEntries(Object.keys(MEMBER_PROPS).map((p) => [p, {}])) } };
  const { res, multistatus } = await client.streamMultistatus(report ? 'REPORT' : 'PROPFIND', collection, body, { Depth: '1' }, `listing ${collection}`, onResponse);
  if (!multistatus) throw errorForStatus(res, `listing ${collection}`);
  guard.done();
  return out;
}

/** The collection's current sync-token (PROPFIND Depth 0), or undefined when it has none. */
export async function currentSyncToken(client: DavClient, collection: string): Promise<string | undefined> {
  const { ms } = await client.propfind(collection, ['d:sync-token'], '0');
  return ms.responses[0] ? okPropText(ms.responses[0], NS.DAV, 'sync-token') || undefined : undefined;
}
