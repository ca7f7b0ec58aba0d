/**
 * A collection's own name and colour (connector capability `collection-metadata`): read with one PROPFIND Depth 0,
 * set with PROPPATCH. `DAV:displayname` names calendars and address books; Apple's `calendar-color` (#RRGGBBAA,
 * written by Apple clients, Thunderbird, DAVx⁵) colours calendars.
 */
import type { DavClient, XmlBody } from './client.js';
import { normalizeColor } from './discovery.js';
import { okPropText, statusCode } from './multistatus.js';
import { child, childText, NS, parseXml } from './xml.js';

/** Name and colour as a collection states them; a key is left out when the server has no value for it. */
export interface DavCollectionProps {
  name?: string;
  color?: string;
}

/** The collection's `displayname` and (with `color`) `calendar-color`, in one PROPFIND Depth 0. */
export async function readCollectionProps(client: DavClient, href: string, color: boolean): Promise<DavCollectionProps> {
  const { ms } = await client.propfind(href, ['d:displayname', ...(color ? ['ical:calendar-color'] : [])], '0');
  const r = ms.responses[0];
  if (!r) return {};
  const name = okPropText(r, NS.DAV, 'displayname')?.trim() || undefined;
  const c = color ? normalizeColor(okPropText(r, NS.APPLE, 'calendar-color')) : undefined;
  return { ...(name !== undefined ? { name } : {}), ...(c !== undefined ? { color: c } : {}) };
}

/** #RRGGBB → #RRGGBBFF, as Apple clients write calendar-color. */
export function appleColor(color: string): string {
  return color.length === 7 ? `${color}FF` : color;
}

/**
 * Sets `displayname` and/or `calendar-color` with one PROPPATCH; returns the names of the properties the server did
 * not confirm (a server may refuse one and store the other).
 */
export async function setCollectionProps(client: DavClient, href: string, props: DavCollectionProps): Promise<string[]> {
  const prop: Record<string, XmlBody | string> = {};
  if (props.name !== undefined) prop['d:displayname'] = props.name;
  if (props.color !== undefined) prop['ical:calendar-color'] = appleColor(props.color);
  const wanted = [...(props.name !== undefined ? ['displayname'] : []), ...(props.color !== undefined ? ['calendar-color'] : [])];
  if (!wanted.length) return [];
  const res = await client.xml('PROPPATCH', href, { 'd:propertyupdate': { 'd:set': { 'd:prop': prop } } });
  if (res.status >= 300 && res.status !== 207) return wanted;
  return wanted.filter((local) => !confirmsProp(res.text, local));
}

/** True when a (mkcalendar-response or multistatus) body confirms property `local` with a 2xx propstat. */
export function confirmsProp(body: string, local: string): boolean {
  if (!body.trim()) return false;
  try {
    const root = parseXml(body);
    const propstats = [...root.children, ...root.children.flatMap((r) => r.children)].filter((c) => c.ns === NS.DAV && c.local === 'propstat');
    return propstats.some((ps) => {
      const status = statusCode(childText(ps, NS.DAV, 'status')) ?? 200;
      return status < 300 && !!child(ps, NS.DAV, 'prop')?.children.some((p) => p.local === local);
    });
  } catch {
    return false;
  }
}
