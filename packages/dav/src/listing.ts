/**
 * Listing a collection cheaply: RFC 6578 sync-collection (a delta since a token) where the server supports
 * it, otherwise every member's href + ETag. A stale or refused token is a `CursorInvalid`: the host then
 * asks for a full listing.
 */
import { CursorInvalid, Unavailable } from '@dovetail/core/sdk';
import { errorForStatus, type DavClient, type XmlBody } from './client.js';
import { asCollectionHref, normalizeHref } from './href.js';
import { okPropText, parseMultistatus, propKey, type DavResponse } from './multistatus.js';
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

/**
 * sync-collection since `token` ('' = initial: every member). Follows truncated answers (507 on the
 * collection) until complete. Any refusal of a non-empty token (400, 403, 409, 412, 500, or a
 * `valid-sync-token` error) throws CursorInvalid.
 */
export async function syncCollection(client: DavClient, collection: string, token: string): Promise<SyncDelta> {
  const self = normalizeHref(asCollectionHref(collection), client.baseUrl);
  const changed = new Map<string, Member>();
  const deleted = new Set<string>();
  let current = token;
  for (let round = 0; round < 1000; round++) {
    const body: XmlBody = {
      'd:sync-collection': { 'd:sync-token': current, 'd:sync-level': '1', 'd:prop': MEMBER_PROPS },
    };
    const res = await client.report(collection, body, '1');
    if (current && res.status !== 207 && [400, 403, 409, 412, 500].includes(res.status)) {
      throw new CursorInvalid(`the server refused the sync token (${res.status}); listing everything instead`);
    }
    if (res.status !== 207) throw errorForStatus(res, `sync-collection ${collection}`);
    let ms;
    try {
      ms = parseMultistatus(res.text, res.url || client.baseUrl);
    } catch (e) {
      throw new Unavailable(`sync-collection ${collection}: unreadable answer (${(e as Error).message})`, { cause: e });
    }
    let truncated = false;
    for (const r of ms.responses) {
      if (r.errors.includes(propKey(NS.DAV, 'valid-sync-token'))) throw new CursorInvalid('the server says the sync token is no longer valid');
      if (r.href === self || asCollectionHref(r.href) === self) {
        if (r.status === 507) truncated = true;
        continue;
      }
      if (r.status === 404 || r.status === 410) {
        changed.delete(r.href);
        deleted.add(r.href);
        continue;
      }
      const etag = okPropText(r, NS.DAV, 'getetag');
      if (r.href.endsWith('/')) continue; // a sub-collection
      if (!etag) continue; // a member without an ETag cannot be tracked; a full listing reports it
      deleted.delete(r.href);
      changed.set(r.href, { href: r.href, etag, contentType: okPropText(r, NS.DAV, 'getcontenttype') });
    }
    if (!ms.syncToken) throw new Unavailable(`sync-collection ${collection}: the answer carries no sync-token`);
    const advanced = ms.syncToken !== current;
    current = ms.syncToken;
    if (!truncated || !advanced) break;
  }
  return { changed: [...changed.values()], deleted: [...deleted], token: current };
}

/** Every member (href, ETag, content type) by PROPFIND Depth 1, or by a REPORT body the caller gives (calendar-query). */
export async function listMembers(client: DavClient, collection: string, report?: XmlBody): Promise<Member[]> {
  const self = normalizeHref(asCollectionHref(collection), client.baseUrl);
  const res = report ? await client.report(collection, report, '1') : (await client.propfind(collection, Object.keys(MEMBER_PROPS), '1')).res;
  const ms = client.expectMultistatus(res, `listing ${collection}`);
  const out: Member[] = [];
  for (const r of ms.responses) {
    if (r.href === self || r.href.endsWith('/')) continue;
    if (r.status !== undefined && r.status >= 300) continue;
    const etag = okPropText(r, NS.DAV, 'getetag');
    if (!etag) continue;
    out.push({ href: r.href, etag, contentType: okPropText(r, NS.DAV, 'getcontenttype') });
  }
  return out;
}

/** The collection's current sync-token (PROPFIND Depth 0), or undefined when it has none. */
export async function currentSyncToken(client: DavClient, collection: string): Promise<string | undefined> {
  const { ms } = await client.propfind(collection, ['d:sync-token'], '0');
  return ms.responses[0] ? okPropText(ms.responses[0], NS.DAV, 'sync-token') || undefined : undefined;
}
