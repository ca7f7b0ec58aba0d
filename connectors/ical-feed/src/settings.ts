/** The connector's settings (settings.schema.json describes them for users) and where a subscribed feed lives. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Invalid } from '@dovetail/core/sdk';
import { redactUrl } from '@dovetail/http';

export interface IcalFeedSettings {
  /** Secret (string, {env} or {file}): the feed to subscribe to. Present = a read-only subscription. */
  url?: unknown;
  username?: string;
  /** Secret: Basic password. */
  password?: unknown;
  /** Secret: Bearer token. */
  token?: unknown;
  caFile?: string;
  insecure?: boolean;
  timeoutMs?: number;
  maxBytes?: number;
  /** The .ics file to publish. Present = a publication. */
  path?: string;
  /** X-WR-CALNAME of a published feed; the collection's name. */
  name?: string;
  /** Secret, read by the runner service only: the token of GET /feeds/<endpoint>.ics. */
  serveToken?: unknown;
}

/** Largest feed read by default: 50 MiB. */
export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

/**
 * Where a subscribed feed comes from. `shown` is what messages and logs say: the URL redacted (user information,
 * query and token-like path segments hidden), or the file path.
 */
export type FeedLocation =
  | { kind: 'http'; url: string; shown: string; userinfo?: { username: string; password: string } }
  | { kind: 'file'; file: string; shown: string };

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/**
 * Reads the `url` setting: `https://` and `http://` as written, `webcal://` and `webcals://` as https (the
 * scheme only tells calendar apps to subscribe), `file:///…` and plain paths (relative to `baseDir`) as files.
 * User information in the URL becomes Basic credentials and is taken out of the URL.
 */
export function feedLocation(raw: string, baseDir: string): FeedLocation {
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    const file = path.resolve(baseDir, raw);
    return { kind: 'file', file, shown: file };
  }
  if (scheme === 'file') {
    let file: string;
    try {
      file = fileURLToPath(raw);
    } catch (e) {
      throw new Invalid(`"url" ${raw} is not a usable file URL (${(e as Error).message}); write file:///absolute/path or a plain path`);
    }
    return { kind: 'file', file, shown: file };
  }
  if (!['http', 'https', 'webcal', 'webcals'].includes(scheme)) {
    throw new Invalid(`"url" uses the scheme "${scheme}:", which this connector cannot fetch; use https://, http://, webcal:// or a file path`);
  }
  const href = scheme.startsWith('webcal') ? `https${raw.slice(scheme.length)}` : raw;
  let u: URL;
  try {
    u = new URL(href);
  } catch {
    throw new Invalid(`"url" ${redactUrl(raw)} is not a valid URL`);
  }
  let userinfo: { username: string; password: string } | undefined;
  if (u.username || u.password) {
    userinfo = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
    u.username = '';
    u.password = '';
  }
  return { kind: 'http', url: u.href, shown: redactUrl(u.href), ...(userinfo ? { userinfo } : {}) };
}
