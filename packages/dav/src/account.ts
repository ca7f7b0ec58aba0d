/**
 * What a CalDAV and a CardDAV connector do alike around one account: find the homes once, turn a pairing's
 * collection into an href, remember which collections support sync-collection, create a collection, and
 * answer `check` with one line a person can act on.
 */
import { Invalid, isDovetailError, type CheckResult, type ConnectorContext } from '@dovetail/core/sdk';
import type { XmlBody } from './client.js';
import { findHomes, listCollections, type DavCollection, type DavProtocolKind } from './discovery.js';
import type { DavEndpoint, DavEndpointSettings } from './endpoint.js';
import { asCollectionHref, normalizeHref } from './href.js';
import { supportsSyncCollection } from './listing.js';
import type { HttpResponse } from '@dovetail/http';

export interface DavAccount {
  /** Calendars or address books in the account's homes. */
  collections(): Promise<DavCollection[]>;
  /** An href from a pairing's collection: an href or URL as given, or a bare name under the first home. */
  collectionHref(collection: string): Promise<string>;
  /** Whether `href` offers sync-collection (probed once per collection; false when the quirks say so). */
  canSync(href: string): Promise<boolean>;
  /** Sends the creating request (MKCALENDAR, extended MKCOL); Invalid when refused or when the server allows none. */
  create(href: string, method: 'MKCALENDAR' | 'MKCOL', body: XmlBody): Promise<HttpResponse>;
  /** Connects, authenticates and counts the collections. */
  check(): Promise<CheckResult>;
}

const NOUN: Record<DavProtocolKind, string> = { caldav: 'calendar', carddav: 'address book' };

export function davAccount(ctx: ConnectorContext<DavEndpointSettings>, ep: DavEndpoint, protocol: DavProtocolKind): DavAccount {
  const { client, quirks } = ep;
  const noun = NOUN[protocol];
  const syncSupport = new Map<string, boolean>();
  let homes: Promise<string[]> | undefined;
  const findAccountHomes = () => (homes ??= findHomes(client, protocol, ep.startHref).catch((e) => { homes = undefined; throw e; }));
  const collections = async () => listCollections(client, protocol, await findAccountHomes());

  return {
    collections,

    async collectionHref(collection) {
      if (collection.startsWith('/') || /^https?:\/\//i.test(collection)) return asCollectionHref(normalizeHref(collection, client.baseUrl));
      const [home] = await findAccountHomes();
      return asCollectionHref(normalizeHref(`${asCollectionHref(home!)}${encodeURIComponent(collection)}`, client.baseUrl));
    },

    async canSync(href) {
      if (!quirks.syncCollection) return false;
      let v = syncSupport.get(href);
      if (v === undefined) syncSupport.set(href, (v = await supportsSyncCollection(client, href)));
      return v;
    },

    async create(href, method, body) {
      if (!quirks.createCollection) throw new Invalid(`this server does not let clients create ${noun}s; create it in its web interface and use its href`);
      const res = await client.xml(method, href, body);
      if (res.status !== 201 && res.status !== 200) {
        if (res.status === 405) throw new Invalid(`${href} already exists (${method} answered 405)`);
        throw new Invalid(`creating ${noun} ${href} failed: ${res.status}`);
      }
      ctx.logger.info({ href }, `created ${noun}`);
      syncSupport.delete(href);
      return res;
    },

    async check() {
      try {
        const found = await collections();
        return { ok: true, message: `${client.url(ep.startHref)}: ${found.length} ${noun}(s)${ctx.settings.insecure ? ' (TLS verification OFF)' : ''}` };
      } catch (e) {
        if (!isDovetailError(e)) throw e;
        // A 403 while finding the collections usually means the URL is another account's: say who we are.
        const forbidden = isDovetailError(e, 'AuthFailed') && /\b403\b/.test(e.message) && ctx.settings.username;
        return { ok: false, message: forbidden ? `${e.message}; signed in as "${ctx.settings.username}": check that "url" belongs to this account (or use the server root)` : e.message };
      }
    },
  };
}
