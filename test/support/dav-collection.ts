/** A second client's view of a DAV collection's own properties: create one with a name and colour, read and set them. */
import { authHeaders, type DavServer } from './dav-servers.js';

const XML = 'application/xml; charset=utf-8';

async function request(server: DavServer, href: string, method: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(new URL(href, server.url), { method, body, headers: { ...authHeaders(server), 'Content-Type': XML, ...headers }, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, text: await res.text() };
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** MKCALENDAR with a displayname and an Apple calendar-color (#RRGGBBAA); returns the status. */
export async function mkcalendar(server: DavServer, href: string, name: string, color: string): Promise<number> {
  const body = '<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:I="http://apple.com/ns/ical/">'
    + `<D:set><D:prop><D:displayname>${escape(name)}</D:displayname><I:calendar-color>${color}</I:calendar-color></D:prop></D:set></C:mkcalendar>`;
  return (await request(server, href, 'MKCALENDAR', body)).status;
}

/** PROPPATCH of displayname and/or calendar-color; returns the status. */
export async function proppatch(server: DavServer, href: string, props: { name?: string; color?: string }): Promise<number> {
  const set = (props.name !== undefined ? `<D:displayname>${escape(props.name)}</D:displayname>` : '') + (props.color !== undefined ? `<I:calendar-color>${props.color}</I:calendar-color>` : '');
  const body = `<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:I="http://apple.com/ns/ical/"><D:set><D:prop>${set}</D:prop></D:set></D:propertyupdate>`;
  return (await request(server, href, 'PROPPATCH', body)).status;
}

/** The collection's displayname and calendar-color as the server states them (regex over the multistatus). */
export async function collectionProps(server: DavServer, href: string): Promise<{ name?: string; color?: string }> {
  const body = '<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" xmlns:I="http://apple.com/ns/ical/"><D:prop><D:displayname/><I:calendar-color/></D:prop></D:propfind>';
  const { status, text } = await request(server, href, 'PROPFIND', body, { Depth: '0' });
  if (status !== 207) throw new Error(`PROPFIND ${href}: ${status}`);
  const value = (local: string) => new RegExp(`<(?:[A-Za-z0-9]+:)?${local}(?:\\s[^>]*)?>([^<]+)</`).exec(text)?.[1];
  return { name: value('displayname'), color: value('calendar-color') };
}
