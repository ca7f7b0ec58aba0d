/**
 * Hrefs as identities. Servers spell the same resource differently (`%40` vs `@`, `%7E` vs `~`, absolute URL
 * vs path), so every href is normalised before it is compared, stored or sent back. Lookups always use the
 * href the server listed; an href is never built from a UID, only new resources get names we choose.
 */
import { createHash } from 'node:crypto';

// Characters RFC 3986 allows unescaped in a path segment besides unreserved ones.
const SEGMENT_KEEP = /%(21|24|26|27|28|29|2A|2B|2C|3B|3D|3A|40)/gi;

/** One path segment in canonical form: decoded once, re-encoded with `@`, `:` and sub-delims kept. */
function canonicalSegment(segment: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // a stray '%' or bytes that are not UTF-8: keep as written, but encode what must be and upper-case escapes
    return segment
      .replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@%]/g, (c) => encodeURIComponent(c))
      .replace(/%[0-9a-f]{2}/gi, (m) => m.toUpperCase());
  }
  return encodeURIComponent(decoded).replace(SEGMENT_KEEP, (m) => decodeURIComponent(m));
}

/**
 * The canonical path (and query) of `href` (absolute URL or path) relative to `base`'s origin; other origins
 * stay absolute, and an href that is not http(s) is returned as written. The fragment is dropped.
 */
export function normalizeHref(href: string, base: string): string {
  const baseUrl = new URL(base);
  const raw = href.trim();
  let url: URL;
  try {
    url = new URL(resolvableHref(raw, baseUrl), baseUrl);
  } catch {
    return raw;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return raw;
  const path = url.pathname.split('/').map(canonicalSegment).join('/') + url.search;
  if (url.origin !== baseUrl.origin) return `${url.origin}${path}`;
  return path;
}

/**
 * What a server's href means. A whole href that is a percent-encoded absolute URL (Xandikos writes
 * `http%3A//127.0.0.1%3A5232/user/x.ics` in error responses) is that URL, not a relative path. A leading `//`
 * is a doubled slash, not a host: DAV:href holds an absolute URI or an absolute path (RFC 4918 §8.3).
 */
function resolvableHref(raw: string, base: URL): string {
  if (/^[a-z][a-z0-9+.-]*%3a/i.test(raw)) {
    try {
      const decoded = decodeURIComponent(raw);
      if (/^https?:\/\//i.test(decoded)) return new URL(decoded).href;
    } catch { /* not an encoded URL: a relative path after all */ }
  }
  if (raw.startsWith('//')) return `${base.origin}${raw}`;
  return raw;
}

/** The absolute URL for a normalised href. */
export function hrefToUrl(href: string, base: string): string {
  const baseUrl = new URL(base);
  return new URL(resolvableHref(href.trim(), baseUrl), baseUrl).href;
}

/** A collection href with exactly one trailing slash. */
export function asCollectionHref(href: string): string {
  return href.endsWith('/') ? href : `${href}/`;
}

/** True when `href` is a direct member of `collection` (both normalised). */
export function isMemberOf(href: string, collection: string): boolean {
  const c = asCollectionHref(collection);
  return href.startsWith(c) && href.length > c.length && !href.slice(c.length, -1).includes('/');
}

/**
 * A safe resource name for a new item: the UID when it is short and plain, otherwise a hash of it, so a
 * retried create lands on the same name (and is refused by `If-None-Match: *` rather than duplicated).
 */
export function safeResourceName(uid: string, extension: '.ics' | '.vcf'): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(uid) && !uid.includes('..')) return `${uid}${extension}`;
  return `${createHash('sha256').update(uid).digest('hex').slice(0, 32)}${extension}`;
}
