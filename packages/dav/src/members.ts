/**
 * Loading and writing the members of one collection, the same for calendars and address books: multiget in
 * chunks (serving what a delta already fetched), parsing one item per resource, conditional PUT/DELETE,
 * and reading back the ETag a server did not return.
 */
import { createHash } from 'node:crypto';
import {
  alteredProperties, Invalid, mapLimit, NotFound, Unavailable, isDovetailError, parseSingleItem,
  type Entity, type EntityType, type LoadResult, type WriteOp, type WriteResult,
} from '@dovetail/core/sdk';
import type { DavClient } from './client.js';
import { normalizeHref, safeResourceName } from './href.js';
import { multiget, type Fetched, type MultigetKind } from './multiget.js';
import { repairItem } from './repairs.js';
import { deleteMember, putMember, type PutCondition, type PutOutcome } from './writes.js';

/** How a collection's members are stored. */
export interface MemberFormat {
  multiget: MultigetKind;
  extension: '.ics' | '.vcf';
  contentType: string;
  /** The resource text for an item being created or updated; throws `Invalid` when it cannot be written. */
  serialize(item: Entity, op: 'create' | 'update'): string;
}

/** UID for a member that has none: stable per href, so it is never duplicated. */
export function fallbackUid(href: string): string {
  return `dovetail-dav-${createHash('sha256').update(href).digest('hex').slice(0, 32)}`;
}

/** Loads `ids` (hrefs as listed); `prefetched` answers are used first and removed. One result per id, in order. */
export async function loadMembers(
  client: DavClient, collection: string, ids: string[], entity: EntityType, kind: MultigetKind, chunk: number,
  prefetched: Map<string, Fetched> = new Map(),
): Promise<LoadResult[]> {
  const wanted = ids.map((id) => normalizeHref(id, client.baseUrl));
  const missing = wanted.filter((h) => !prefetched.has(h));
  const fetched = missing.length ? await multiget(client, collection, missing, kind, chunk) : new Map<string, Fetched>();
  return ids.map((id, i) => {
    const h = wanted[i]!;
    const f = prefetched.get(h) ?? fetched.get(h);
    prefetched.delete(h);
    if (!f || !f.ok) {
      const status = f && !f.ok ? f.status : 404;
      return { ok: false, id, error: status === 404 || status === 410 ? new NotFound(`${h}: gone`) : new Unavailable(`${h}: ${status} from the server`) };
    }
    try {
      return { ok: true, id, version: f.etag, item: parseSingleItem(f.data, { name: h, entity, fallbackUid: fallbackUid(h) }) };
    } catch (e) {
      return { ok: false, id, error: isDovetailError(e) ? e : new Invalid(`${h}: ${(e as Error).message}`) };
    }
  });
}

/** How writes behave. */
export interface WriteOptions {
  /**
   * Read every written item back (one multiget per chunk) to find what the server changed when storing it;
   * otherwise only items answered without an ETag, and repaired ones, are read back. Default true.
   */
  verify?: boolean;
  /**
   * Writes in flight at once (default 1: one after another). The transport's write window
   * (`maxWritesInFlight`) may hold some back while the server says it is busy.
   */
  concurrency?: number;
}

/** A refusal that a repaired copy may get past: the item refused, or a 500 (servers that choke on what they cannot parse). */
function refusedItem(outcome: Extract<PutOutcome, { ok: false }>): boolean {
  return outcome.error.code === 'Invalid' || outcome.status === 500;
}

/** A PUT of `text`, retried once with a repaired copy when the server refuses the item (see repairs.ts). */
async function putWithRepair(
  client: DavClient, href: string, text: string, format: MemberFormat, cond: PutCondition,
): Promise<{ outcome: PutOutcome; sent: string; repaired?: string[] }> {
  const outcome = await putMember(client, href, text, format.contentType, cond);
  if (outcome.ok || !refusedItem(outcome)) return { outcome, sent: text };
  const fix = repairItem(text, format.multiget === 'calendar' ? 'icalendar' : 'vcard');
  if (!fix) return { outcome, sent: text };
  const retry = await putMember(client, href, fix.text, format.contentType, cond);
  if (retry.ok) return { outcome: retry, sent: fix.text, repaired: fix.rules };
  const error = new Invalid(`${outcome.error.message}; a repaired copy (${fix.rules.join(', ')}) was refused too: ${retry.error.message}`);
  return { outcome: { ok: false, error, status: retry.status }, sent: text };
}

/**
 * Applies ops; one result per op, in op order. New members get a safe name from the UID; creates are
 * `If-None-Match: *`, updates and deletes `If-Match`. Up to `concurrency` ops are in flight at once (see
 * `WriteOptions.concurrency`): the first op goes alone (an auth failure or a dead server shows before the others
 * are sent), ops on the same resource go one after another in op order. An item the server refuses is retried
 * once repaired (`repaired` names the rules). Written items are read back (see `WriteOptions.verify`): an ETag the
 * PUT did not return is filled in, and what the server changed is reported (`altered`) together with the item as
 * stored, so the engine does not take the server's rewrite for an edit. Throws only when the first op meets an
 * auth failure.
 */
export async function writeMembers(
  client: DavClient, collection: string, ops: WriteOp[], format: MemberFormat, chunk: number, options: WriteOptions = {},
): Promise<WriteResult[]> {
  const results = new Array<WriteResult>(ops.length);
  const written: Written[] = [];
  const hrefOf = (op: WriteOp) => (op.op === 'create' ? normalizeHref(collection + safeResourceName(op.item.uid, format.extension), client.baseUrl) : op.id);

  async function apply(i: number): Promise<void> {
    const op = ops[i]!;
    try {
      if (op.op === 'delete') {
        const outcome = await deleteMember(client, op.id, op.ifVersion);
        results[i] = outcome.ok ? { ok: true, id: op.id } : { ok: false, error: outcome.error };
        return;
      }
      const text = format.serialize(op.item, op.op);
      const id = hrefOf(op);
      const { outcome, sent, repaired } = await putWithRepair(client, id, text, format, op.op === 'update' ? { ifMatch: op.ifVersion } : { create: true });
      if (!outcome.ok) { results[i] = { ok: false, error: outcome.error }; return; }
      results[i] = { ok: true, id, version: outcome.etag, ...(repaired ? { repaired } : {}) };
      written.push({ index: i, sent, entity: op.item.type, etag: outcome.etag, repaired });
    } catch (e) {
      if (isDovetailError(e, 'AuthFailed') && i === 0) throw e;
      results[i] = { ok: false, error: isDovetailError(e) ? e : new Unavailable((e as Error).message) };
    }
  }

  if (ops.length) await apply(0);
  // The rest: at most `concurrency` at once, started in op order; an op waits for the one before it on its resource.
  const previous = new Map<string, Promise<void>>();
  await mapLimit(ops.slice(1), options.concurrency ?? 1, (op, k) => {
    const href = hrefOf(op);
    const done = (previous.get(href) ?? Promise.resolve()).then(() => apply(k + 1));
    previous.set(href, done);
    return done;
  });
  written.sort((x, y) => x.index - y.index);
  const verify = options.verify !== false;
  const readBack = written.filter((w) => verify || !w.etag || w.repaired);
  if (readBack.length) await compareStored(client, collection, format, chunk, readBack, results);
  return results;
}

/** An item written in this call: what was sent, for comparing with what the server stored. */
interface Written { index: number; sent: string; entity: EntityType; etag?: string; repaired?: string[] }

/** Reads written items back and records, per result, the ETag, what the server changed and the item as stored. */
async function compareStored(
  client: DavClient, collection: string, format: MemberFormat, chunk: number,
  written: Written[], results: WriteResult[],
): Promise<void> {
  const hrefs = written.map((w) => (results[w.index] as { id: string }).id);
  const fetched = await multiget(client, collection, hrefs, format.multiget, chunk).catch(() => new Map<string, Fetched>());
  for (const w of written) {
    const r = results[w.index] as Extract<WriteResult, { ok: true }>;
    const f = fetched.get(r.id);
    if (!f?.ok) continue;
    // Another writer may have changed the item since our PUT: then its content is not ours to record.
    if (w.etag && f.etag !== w.etag) continue;
    r.version = f.etag;
    const altered = alteredProperties(w.sent, f.data, format.multiget === 'calendar' ? 'icalendar' : 'vcard');
    if (altered.length) r.altered = altered;
    if (!w.repaired && f.data === w.sent) continue; // stored byte for byte: the engine's own hash holds
    try {
      r.stored = parseSingleItem(f.data, { name: r.id, entity: w.entity, fallbackUid: fallbackUid(r.id) });
    } catch {
      // The server's copy does not read back: nothing to record; the next listing reports it.
    }
  }
}
