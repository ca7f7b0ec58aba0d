/** calendar-multiget / addressbook-multiget in chunks: the data and ETag of many members in few requests. */
import type { DavClient } from './client.js';
import { okProp, okPropText } from './multistatus.js';
import { NS } from './xml.js';

export type MultigetKind = 'calendar' | 'addressbook';

/** One member's answer: its data and ETag, or the status the server gave it (404 = gone). */
export type Fetched =
  | { href: string; ok: true; etag: string; data: string }
  | { href: string; ok: false; status: number };

/** Multigets kept in flight at once: the server prepares the next chunk while the previous answer is parsed. */
const IN_FLIGHT = 2;

/**
 * Fetches `hrefs` (as listed by the server) in chunks of `chunkSize`, two requests in flight at a time;
 * every href gets an answer. A failed request stops the rest and fails the call once the other request settled.
 */
export async function multiget(client: DavClient, collection: string, hrefs: string[], kind: MultigetKind, chunkSize: number): Promise<Map<string, Fetched>> {
  const out = new Map<string, Fetched>();
  const [root, dataProp, dataNs] = kind === 'calendar'
    ? ['c:calendar-multiget', 'c:calendar-data', NS.CALDAV]
    : ['card:addressbook-multiget', 'card:address-data', NS.CARDDAV];
  const localData = dataProp.split(':')[1]!;
  const parts: string[][] = [];
  for (let i = 0; i < hrefs.length; i += chunkSize) parts.push(hrefs.slice(i, i + chunkSize));

  const fetchPart = async (part: string[]): Promise<void> => {
    const body = { [root]: { 'd:prop': { 'd:getetag': {}, [dataProp]: {} }, 'd:href': part } };
    const res = await client.report(collection, body, '1');
    const ms = client.expectMultistatus(res, `${kind}-multiget ${collection}`);
    const asked = new Set(part);
    for (const r of ms.responses) {
      if (!asked.has(r.href)) continue; // not asked for: a server padding its answer gets nothing kept
      const etag = okPropText(r, NS.DAV, 'getetag');
      const data = okProp(r, dataNs, localData);
      if (etag && data && data.text.trim()) out.set(r.href, { href: r.href, ok: true, etag, data: data.text });
      else out.set(r.href, { href: r.href, ok: false, status: r.status ?? r.propstats.find((p) => p.status >= 300)?.status ?? 404 });
    }
    for (const h of part) if (!out.has(h)) out.set(h, { href: h, ok: false, status: 404 });
  };

  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < parts.length && !failure) {
      try {
        await fetchPart(parts[next++]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, parts.length) }, worker));
  if (failure) throw failure.error;
  return out;
}
