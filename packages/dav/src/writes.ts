/**
 * Conditional writes. Creates use `If-None-Match: *`, updates and deletes `If-Match`; every way servers say
 * "precondition failed" (412, 409, 403 no-uid-conflict, a 207 wrapping either) becomes `PreconditionFailed`.
 */
import { Invalid, NotFound, PreconditionFailed, isDovetailError, type DovetailError } from '@dovetail/core/sdk';
import { errorForStatus, etagValue, type DavClient } from './client.js';
import { okPropText, parseMultistatus } from './multistatus.js';
import { NS } from './xml.js';
import type { HttpResponse } from '@dovetail/http';

/** A write's outcome; a failure keeps the HTTP status that carried it (a 500 may be the server choking on the item). */
export type PutOutcome = { ok: true; etag?: string } | { ok: false; error: DovetailError; status?: number };

/** How a PUT is conditioned: create only if absent, or update only this version (any version when absent). */
export type PutCondition = { create: true } | { ifMatch?: string };

/** PUT a member. An answer without an ETag gives `etag: undefined` (the caller reads it back). */
export async function putMember(client: DavClient, href: string, data: string, contentType: string, cond: PutCondition): Promise<PutOutcome> {
  const creating = 'create' in cond;
  const ifMatch = creating ? undefined : (etagValue(cond.ifMatch) ?? '*');
  const res = await client.put(href, data, contentType, creating ? { ifNoneMatch: true } : { ifMatch });
  if (res.status >= 200 && res.status < 300 && res.status !== 207) {
    return { ok: true, etag: etagValue(res.headers.get('etag')) };
  }
  if (ifMatch === '*' && res.status === 412) {
    // Either the item is missing, or the server does not understand `If-Match: *` (Radicale): ask for its ETag.
    const current = await currentEtag(client, href);
    if (!current) return { ok: false, error: new NotFound(`PUT ${href}: the item does not exist`) };
    return putMember(client, href, data, contentType, { ifMatch: current });
  }
  return { ok: false, error: writeError(res, `PUT ${href}`, creating), status: res.status };
}

/** A member's ETag (PROPFIND Depth 0), or undefined when it does not exist. */
async function currentEtag(client: DavClient, href: string): Promise<string | undefined> {
  try {
    const r = (await client.propfind(href, ['d:getetag'], '0')).ms.responses[0];
    return r ? okPropText(r, NS.DAV, 'getetag') : undefined;
  } catch (e) {
    if (isDovetailError(e, 'NotFound')) return undefined;
    throw e;
  }
}

/** DELETE a member, only if it still has `ifMatch` when given. */
export async function deleteMember(client: DavClient, href: string, ifMatch?: string): Promise<PutOutcome> {
  const res = await client.delete(href, etagValue(ifMatch));
  if (res.status >= 200 && res.status < 300 && res.status !== 207) return { ok: true };
  return { ok: false, error: writeError(res, `DELETE ${href}`, false) };
}

/** The error a failed write stands for, looking inside a 207 for the member's real status. */
export function writeError(res: HttpResponse, what: string, creating: boolean): DovetailError {
  let status = res.status;
  let body = res.text;
  if (status === 207) {
    try {
      const inner = parseMultistatus(res.text, res.url).responses.find((r) => r.status !== undefined && r.status >= 300);
      if (inner?.status) status = inner.status;
      if (inner) body = [...inner.errors, inner.description ?? ''].join(' ');
    } catch { /* keep 207 */ }
  }
  // The item itself is refused (bad data, too large) — whatever status carries it (Xandikos: a 207 wrapping 412).
  if (status >= 400 && /valid-calendar|valid-address|supported-calendar|supported-address|max-resource-size/.test(body) && !/no-uid-conflict/.test(body)) {
    return new Invalid(`${what}: the server refused the item (${status}${reason(body)})`);
  }
  if (status === 412) {
    return new PreconditionFailed(creating
      ? `${what}: 412 (the name or the UID is already taken on the server)`
      : `${what}: 412 (the item changed on the server since it was read)`);
  }
  if (status === 409 || (status === 403 && /no-uid-conflict/.test(body))) {
    return new PreconditionFailed(`${what}: ${status} (an item with this UID already exists on the server)`);
  }
  if (status === 404 || status === 410) return new NotFound(`${what}: ${status}`);
  if (status === 400 || status === 415 || status === 413 || status === 422 || status === 507 || (status === 403 && /valid-|supported-|max-resource-size/.test(body))) {
    return new Invalid(`${what}: the server refused the item (${status}${reason(body)})`);
  }
  return errorForStatus({ ...res, status }, what);
}

function reason(body: string): string {
  const t = body.replace(/<[^>]*>/g, ' ').replace(/\{[^}]*\}/g, '').replace(/\s+/g, ' ').trim();
  return t ? `: ${t.slice(0, 160)}` : '';
}
