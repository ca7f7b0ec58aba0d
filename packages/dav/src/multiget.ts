/** calendar-multiget / addressbook-multiget in chunks: the data and ETag of many members in few requests. */
import { ResponseTooLarge } from '@dovetail/http';
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
 * Statuses by which a server refuses a multiget for its size: 413 (request too large) and 507 (RFC 4918's
 * "insufficient storage", which servers use for answers with too many members). Such a chunk is split in two.
 */
const REFUSED_FOR_SIZE = new Set([413, 507]);

/**
 * Per client: the largest chunk the server answered after it refused a larger one for its size. Later chunks, in
 * this call and the next ones on the same client, are no larger, so the refusal is met once per run, not per chunk.
 */
const learnedLimit = new WeakMap<DavClient, number>();

/** The chunk size a multiget on `client` uses: `chunkSize`, or less once the server refused a larger one. */
export function multigetChunkSize(client: DavClient, chunkSize: number): number {
  return Math.max(1, Math.min(chunkSize, learnedLimit.get(client) ?? chunkSize));
}

/**
 * Fetches `hrefs` (as listed by the server) in chunks of `chunkSize`, two requests in flight at a time;
 * every href gets an answer. A chunk the server refuses for its size (413, 507) or whose answer is over the
 * transport's size cap is split in halves and fetched again, down to one href (see `multigetChunkSize`). Any other
 * failed request stops the rest and fails the call once the other request settled.
 */
export async function multiget(client: DavClient, collection: string, hrefs: string[], kind: MultigetKind, chunkSize: number): Promise<Map<string, Fetched>> {
  const out = new Map<string, Fetched>();
  const [root, dataProp, dataNs] = kind === 'calendar'
    ? ['c:calendar-multiget', 'c:calendar-data', NS.CALDAV]
    : ['card:addressbook-multiget', 'card:address-data', NS.CARDDAV];
  const localData = dataProp.split(':')[1]!;
  const size = multigetChunkSize(client, chunkSize);
  const parts: string[][] = [];
  for (let i = 0; i < hrefs.length; i += size) parts.push(hrefs.slice(i, i + size));

  /** Splits `part` in halves, remembers the smaller size for this client, and fetches both halves in turn. */
  const fetchHalves = async (part: string[]): Promise<void> => {
    const half = Math.ceil(part.length / 2);
    learnedLimit.set(client, Math.min(half, learnedLimit.get(client) ?? half));
    await fetchPart(part.slice(0, half));
    await fetchPart(part.slice(half));
  };

  const fetchPart = async (part: string[]): Promise<void> => {
    const limit = multigetChunkSize(client, part.length);
    if (part.length > limit) {
      // Queued before the server refused a chunk of this size: sent in pieces the server answers.
      for (let i = 0; i < part.length; i += limit) await fetchPart(part.slice(i, i + limit));
      return;
    }
    const body = { [root]: { 'd:prop': { 'd:getetag': {}, [dataProp]: {} }, 'd:href': part } };
    let res;
    try {
      res = await client.report(collection, body, '1');
    } catch (e) {
      if (e instanceof ResponseTooLarge && part.length > 1) return fetchHalves(part);
      throw e;
    }
    if (REFUSED_FOR_SIZE.has(res.status) && part.length > 1) return fetchHalves(part);
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
