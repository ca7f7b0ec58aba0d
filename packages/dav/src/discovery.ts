/**
 * Finding collections (RFC 6764, RFC 4791 §6, RFC 6352 §7): start URL (or `/.well-known/…`) →
 * current-user-principal → calendar-home-set / addressbook-home-set → the collections in each home.
 */
import { NotFound } from '@dovetail/core/sdk';
import type { DavClient } from './client.js';
import { asCollectionHref, normalizeHref } from './href.js';
import { okProp, okPropText, type DavResponse } from './multistatus.js';
import { NS, type XmlElement } from './xml.js';

export type DavProtocolKind = 'caldav' | 'carddav';

/** A calendar or address book as the server describes it. */
export interface DavCollection {
  /** Normalised href with a trailing slash. */
  href: string;
  name: string;
  /** Supported components (VEVENT, VTODO, VJOURNAL) of a calendar; empty when the server does not say. */
  components: string[];
  /** #RRGGBB (Apple calendar-color, alpha dropped). */
  color?: string;
  /** The user lacks write privileges. */
  readOnly: boolean;
  description?: string;
}

const HOME_PROP = { caldav: 'c:calendar-home-set', carddav: 'card:addressbook-home-set' } as const;

/** The collection hrefs a user's data lives in (home sets), found from any start URL on the server. */
export async function findHomes(client: DavClient, protocol: DavProtocolKind, startHref: string): Promise<string[]> {
  const tried: string[] = [];
  for (const href of [startHref, `/.well-known/${protocol}`, '/']) {
    if (tried.includes(href)) continue;
    tried.push(href);
    let r: DavResponse | undefined;
    try {
      r = (await client.propfind(href, ['d:current-user-principal', 'd:resourcetype', HOME_PROP[protocol]], '0')).ms.responses[0];
    } catch (e) {
      if ((e as { code?: string }).code === 'NotFound' || (e as { code?: string }).code === 'Invalid') continue;
      throw e;
    }
    if (!r) continue;
    const homes = hrefsIn(okProp(r, homeNs(protocol), homeLocal(protocol)), client.baseUrl);
    if (homes.length) return homes;
    if (isCollectionOf(r, protocol)) return [r.href]; // the start URL is a calendar/address book itself
    const principal = hrefsIn(okProp(r, NS.DAV, 'current-user-principal'), client.baseUrl)[0];
    if (principal) {
      const p = (await client.propfind(principal, [HOME_PROP[protocol]], '0')).ms.responses[0];
      const found = p ? hrefsIn(okProp(p, homeNs(protocol), homeLocal(protocol)), client.baseUrl) : [];
      if (found.length) return found;
    }
  }
  throw new NotFound(`no ${protocol === 'caldav' ? 'CalDAV calendar' : 'CardDAV address book'} home found at ${client.url(startHref)} (not a ${protocol === 'caldav' ? 'CalDAV' : 'CardDAV'} server, or the URL is wrong)`);
}

/** The calendars or address books in the given homes (and the homes themselves when they are collections). */
export async function listCollections(client: DavClient, protocol: DavProtocolKind, homes: string[]): Promise<DavCollection[]> {
  const props = [
    'd:resourcetype', 'd:displayname', 'd:current-user-privilege-set', 'ical:calendar-color',
    ...(protocol === 'caldav' ? ['c:supported-calendar-component-set', 'c:calendar-description'] : ['card:addressbook-description']),
  ];
  const seen = new Map<string, DavCollection>();
  for (const home of homes) {
    const { ms } = await client.propfind(home, props, '1');
    for (const r of ms.responses) {
      if (!isCollectionOf(r, protocol) || seen.has(asCollectionHref(r.href))) continue;
      seen.set(asCollectionHref(r.href), describe(r, protocol));
    }
  }
  return [...seen.values()].sort((x, y) => x.href.localeCompare(y.href));
}

/** One collection's description (PROPFIND Depth 0). */
export function describe(r: DavResponse, protocol: DavProtocolKind): DavCollection {
  const href = asCollectionHref(r.href);
  const comps = okProp(r, NS.CALDAV, 'supported-calendar-component-set')?.children
    .filter((c) => c.ns === NS.CALDAV && c.local === 'comp').map((c) => (c.attrs.name ?? '').toUpperCase()).filter(Boolean) ?? [];
  const name = okPropText(r, NS.DAV, 'displayname') || decodeURIComponent(href.split('/').filter(Boolean).pop() ?? href);
  return {
    href, name,
    components: protocol === 'caldav' ? comps : [],
    color: normalizeColor(okPropText(r, NS.APPLE, 'calendar-color')),
    readOnly: isReadOnly(okProp(r, NS.DAV, 'current-user-privilege-set')),
    description: okPropText(r, protocol === 'caldav' ? NS.CALDAV : NS.CARDDAV, protocol === 'caldav' ? 'calendar-description' : 'addressbook-description') || undefined,
  };
}

function homeNs(p: DavProtocolKind): string { return p === 'caldav' ? NS.CALDAV : NS.CARDDAV; }
function homeLocal(p: DavProtocolKind): string { return p === 'caldav' ? 'calendar-home-set' : 'addressbook-home-set'; }

function hrefsIn(el: XmlElement | undefined, base: string): string[] {
  if (!el) return [];
  return el.children.filter((c) => c.ns === NS.DAV && c.local === 'href' && c.text.trim())
    .map((c) => asCollectionHref(normalizeHref(c.text, base)));
}

function isCollectionOf(r: DavResponse, protocol: DavProtocolKind): boolean {
  const rt = okProp(r, NS.DAV, 'resourcetype');
  const [ns, local] = protocol === 'caldav' ? [NS.CALDAV, 'calendar'] : [NS.CARDDAV, 'addressbook'];
  return !!rt?.children.some((c) => c.ns === ns && c.local === local);
}

/** Read-only when the privilege set is given and grants none of write, write-content, bind, all. */
function isReadOnly(set: XmlElement | undefined): boolean {
  if (!set) return false;
  const granted = set.children.flatMap((p) => p.children).map((p) => p.local);
  return !granted.some((g) => ['write', 'write-content', 'bind', 'all'].includes(g));
}

/** '#FF2968FF' / '#ff2968' → '#FF2968'; undefined for anything else. */
export function normalizeColor(v: string | undefined): string | undefined {
  const m = v && /^#?([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(v.trim());
  return m ? `#${m[1]!.toUpperCase()}` : undefined;
}

