/**
 * Loading and writing the members of one collection, the same for calendars and address books: multiget in
 * chunks (serving what a delta already fetched), parsing one item per resource, conditional PUT/DELETE,
 * and reading back the ETag a server did not return.
 */
import { createHash } from 'node:crypto';
import {
  Invalid, NotFound, Unavailable, isDovetailError, parseSingleItem,
  type Entity, type EntityType, type LoadResult, type WriteOp, type WriteResult,
} from '@dovetail/core/sdk';
import type { DavClient } from './client.js';
import { normalizeHref, safeResourceName } from './href.js';
import { multiget, type Fetched, type MultigetKind } from './multiget.js';
import { deleteMember, putMember } from './writes.js';

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

/**
 * Applies ops in order; one result per op. New members get a safe name from the UID; creates are
 * `If-None-Match: *`, updates and deletes `If-Match`. Throws only when the first op meets an auth failure.
 */
export async function writeMembers(client: DavClient, collection: string, ops: WriteOp[], format: MemberFormat, chunk: number): Promise<WriteResult[]> {
  const results: WriteResult[] = [];
  const withoutEtag: number[] = [];
  for (const [i, op] of ops.entries()) {
    try {
      let outcome;
      let id: string;
      if (op.op === 'delete') {
        id = op.id;
        outcome = await deleteMember(client, op.id, op.ifVersion);
      } else {
        const text = format.serialize(op.item, op.op);
        id = op.op === 'create' ? normalizeHref(collection + safeResourceName(op.item.uid, format.extension), client.baseUrl) : op.id;
        outcome = await putMember(client, id, text, format.contentType, op.op === 'update' ? { ifMatch: op.ifVersion } : { create: true });
      }
      if (!outcome.ok) { results.push({ ok: false, error: outcome.error }); continue; }
      results.push({ ok: true, id, version: outcome.etag });
      if (op.op !== 'delete' && !outcome.etag) withoutEtag.push(i);
    } catch (e) {
      if (isDovetailError(e, 'AuthFailed') && i === 0) throw e;
      results.push({ ok: false, error: isDovetailError(e) ? e : new Unavailable((e as Error).message) });
    }
  }
  // A PUT answered without an ETag: the server rewrote the item; read its ETag back.
  if (withoutEtag.length) {
    const hrefs = withoutEtag.map((i) => (results[i] as { id: string }).id);
    const fetched = await multiget(client, collection, hrefs, format.multiget, chunk).catch(() => new Map<string, Fetched>());
    for (const i of withoutEtag) {
      const r = results[i] as { ok: true; id: string; version?: string };
      const f = fetched.get(r.id);
      if (f?.ok) r.version = f.etag;
    }
  }
  return results;
}
