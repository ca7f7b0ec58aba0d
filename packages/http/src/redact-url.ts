/**
 * URLs fit for logs and error messages. Feed and export URLs often carry their credentials: a token in the
 * query (`?token=…`), a secret path segment (Google's `private-0123…/basic.ics`, Outlook's and iCloud's long ids)
 * or a user and password before the host. `redactUrl` keeps what a person needs to recognise the URL (scheme,
 * host, port, the ordinary path segments) and replaces the rest with `[redacted]`.
 */

const MARK = '[redacted]';
/** Runs of these characters make up tokens: base64url, hex, UUIDs. */
const TOKEN_RUN = /[A-Za-z0-9_-]{16,}/g;

/**
 * True for a path segment that looks like a credential: a run of at least 16 token characters holding either
 * 6 or more digits (hex ids, UUIDs) or, from 20 characters on, upper- and lower-case letters and a digit
 * (base64). Ordinary names (`holidays-2026-public.ics`, `calendar.ics`) stay readable.
 */
export function isTokenLike(segment: string): boolean {
  let decoded = segment;
  try { decoded = decodeURIComponent(segment); } catch { /* keep it as written */ }
  for (const run of decoded.match(TOKEN_RUN) ?? []) {
    const digits = run.replace(/[^0-9]/g, '').length;
    if (digits >= 6) return true;
    if (run.length >= 20 && /[a-z]/.test(run) && /[A-Z]/.test(run) && digits > 0) return true;
  }
  return false;
}

/**
 * `url` with its user information, its whole query, its fragment and every token-like path segment replaced
 * by `[redacted]`: `https://[redacted]@example.com/feeds/[redacted]/basic.ics?[redacted]`. A text that is not an
 * absolute URL (a file path) is returned unchanged.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  if (u.protocol === 'file:') return url;
  const userinfo = u.username || u.password ? `${MARK}@` : '';
  const path = u.pathname.split('/').map((s) => (isTokenLike(s) ? MARK : s)).join('/');
  const query = u.search ? `?${MARK}` : '';
  const fragment = u.hash ? `#${MARK}` : '';
  return `${u.protocol}//${userinfo}${u.host}${path}${query}${fragment}`;
}
