/** Helpers for the simulator's tests: a running simulator, hand-written SOAP requests over real HTTP, XML lookups. */
import { EwsSimulator } from '../src/index.js';
import { NS, parseXml, type XmlElement } from '../src/xml.js';

export const ALICE = { email: 'alice@example.org', password: 'alice-pw', displayName: 'Alice Adams' };
export const BOB = { email: 'bob@example.org', password: 'bob-pw', displayName: 'Bob Brown' };

export function startSimulator(): Promise<EwsSimulator> {
  return EwsSimulator.start({ users: [ALICE, BOB] });
}

/** A SOAP 1.1 envelope with the usual prefixes and a RequestServerVersion header (plus any extra header XML). */
export function envelope(body: string, header = '<t:RequestServerVersion Version="Exchange2016"/>'): string {
  return '<?xml version="1.0" encoding="utf-8"?>'
    + '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
    + 'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" '
    + 'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">'
    + `<soap:Header>${header}</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`;
}

export interface SoapReply {
  status: number;
  text: string;
  headers: Headers;
  /** The parsed envelope (undefined when the body is not XML). */
  doc?: XmlElement;
}

/** POSTs a SOAP body (wrapped in an envelope unless it starts with `<?xml`/`<soap:`) with Basic auth. */
export async function post(sim: EwsSimulator, body: string, user = ALICE, header?: string): Promise<SoapReply> {
  const xml = /^<(\?xml|soap:)/.test(body) ? body : envelope(body, header);
  const res = await fetch(sim.url, {
    method: 'POST',
    headers: {
      'content-type': 'text/xml; charset=utf-8',
      authorization: `Basic ${Buffer.from(`${user.email}:${user.password}`).toString('base64')}`,
    },
    body: xml,
  });
  const text = await res.text();
  let doc: XmlElement | undefined;
  try {
    doc = parseXml(text);
  } catch {
    doc = undefined;
  }
  return { status: res.status, text, headers: res.headers, ...(doc ? { doc } : {}) };
}

/** All descendants named `local` (any namespace unless given). */
export function all(el: XmlElement | undefined, local: string, ns?: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    for (const c of e.children) {
      if (c.local === local && (!ns || c.ns === ns)) out.push(c);
      walk(c);
    }
  };
  if (el) walk(el);
  return out;
}

/** The first descendant named `local`. */
export function first(el: XmlElement | undefined, local: string, ns?: string): XmlElement | undefined {
  return all(el, local, ns)[0];
}

/** Text of the first descendant named `local`. */
export function text(el: XmlElement | undefined, local: string): string | undefined {
  return first(el, local)?.text;
}

/** ResponseClass/ResponseCode pairs of every response message. */
export function codes(reply: SoapReply): string[] {
  return all(reply.doc, 'ResponseCode', NS.M).map((c) => c.text);
}

/** Calls an out-of-band method over HTTP. */
export async function oob(sim: EwsSimulator, method: string, args: unknown, user = ALICE): Promise<{ status: number; json: { result?: unknown; error?: string } }> {
  const res = await fetch(`${sim.baseUrl}/_simulator/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${user.email}:${user.password}`).toString('base64')}` },
    body: JSON.stringify(args),
  });
  return { status: res.status, json: (await res.json()) as { result?: unknown; error?: string } };
}

/** CreateItem for a calendar item given its inner XML; returns [id, changeKey]. */
export async function createCalendarItem(sim: EwsSimulator, inner: string, user = ALICE, folder = '<t:DistinguishedFolderId Id="calendar"/>'): Promise<[string, string]> {
  const r = await post(sim, `<m:CreateItem SendMeetingInvitations="SendToNone"><m:SavedItemFolderId>${folder}</m:SavedItemFolderId>`
    + `<m:Items><t:CalendarItem>${inner}</t:CalendarItem></m:Items></m:CreateItem>`, user);
  const id = first(r.doc, 'ItemId');
  if (!id) throw new Error(`CreateItem failed: ${r.text}`);
  return [id.attrs.Id!, id.attrs.ChangeKey!];
}

/** FindItem with a CalendarView; returns the CalendarItem elements. */
export async function calendarView(sim: EwsSimulator, start: string, end: string, shape = 'AllProperties', header?: string): Promise<XmlElement[]> {
  const r = await post(sim, `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>${shape}</t:BaseShape></m:ItemShape>`
    + `<m:CalendarView StartDate="${start}" EndDate="${end}"/>`
    + '<m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>', ALICE, header);
  if (r.status !== 200) throw new Error(r.text);
  return all(r.doc, 'CalendarItem');
}
