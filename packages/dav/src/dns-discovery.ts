/**
 * The DNS part of CalDAV/CardDAV service discovery (RFC 6764 §3, §6): SRV records
 * name the host and port, a TXT record of the same name may give the context path.
 */
import { Resolver } from 'node:dns/promises';
import type { SrvRecord } from 'node:dns';

/** A service location found in DNS. */
export interface SrvTarget {
  /** Start URL, https://host:port/path (http:// for the non-TLS service; default ports omitted). */
  url: string;
  /** 'srv+txt' when a TXT `path=` gave the path, 'srv' when the well-known path was used. */
  source: 'srv' | 'srv+txt';
}

/** Options for lookupDavService. */
export interface DavServiceLookupOptions {
  /** Resolver to query (e.g. one pointed at a specific server); default: a new system resolver. */
  resolver?: Resolver;
  /** Time limit for each DNS query in milliseconds; default 5000. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
/** Error codes node:dns uses for "name does not exist" (NXDOMAIN) and "no record of that type" (NODATA). */
const NOTHING_PUBLISHED = new Set(['ENOTFOUND', 'ENODATA']);
const HOST_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The domain to look up for a user input: 'ann@example.com' → example.com,
 * 'example.com' → example.com, 'https://example.com/x' → example.com.
 * Lower-cased, IDNs converted to punycode; undefined for an IP address or anything
 * that is not a host name.
 */
export function domainFor(input: string): string | undefined {
  let text = input.trim();
  if (text === '') return undefined;
  if (/^mailto:/i.test(text)) text = text.slice('mailto:'.length);
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  if (!hasScheme) {
    // An e-mail address: the domain is what follows the last '@'.
    const at = text.lastIndexOf('@');
    if (at >= 0) text = text.slice(at + 1);
    if (text === '' || /[\s/?#@\\]/.test(text.split('/')[0] ?? '')) return undefined;
    text = `https://${text}`;
  }
  let host: string;
  try {
    host = new URL(text).hostname;
  } catch {
    return undefined;
  }
  host = host.replace(/\.$/, '').toLowerCase();
  if (host === '' || host.startsWith('[') || IPV4.test(host)) return undefined;
  if (host.length > 253 || !host.split('.').every((label) => HOST_LABEL.test(label))) return undefined;
  return host;
}

/**
 * Looks up `_caldavs._tcp.DOMAIN` (then `_caldav._tcp.DOMAIN` → http) or the carddav
 * equivalents, orders by priority/weight, reads TXT `path=` of the same name; [] when
 * nothing is published. Never throws for NXDOMAIN/NODATA; other DNS failures reject
 * with a clear Error. A SRV target of "." means "service not offered" → [].
 *
 * Details: records of equal priority are ordered by weight, heaviest first
 * (deterministic rather than RFC 2782's weighted random pick). Without a TXT `path=`
 * the well-known path (/.well-known/caldav or /.well-known/carddav) is used, as
 * RFC 6764 §6 says. A "." on the TLS service only rules out TLS, so the plain
 * service is still tried.
 */
export async function lookupDavService(
  protocol: 'caldav' | 'carddav',
  domain: string,
  options: DavServiceLookupOptions = {},
): Promise<SrvTarget[]> {
  if (protocol !== 'caldav' && protocol !== 'carddav') {
    throw new Error(`lookupDavService: protocol must be "caldav" or "carddav", not "${String(protocol)}"`);
  }
  const host = domainFor(domain);
  if (!host) throw new Error(`lookupDavService: "${domain}" is not a domain name`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new Error('lookupDavService: timeoutMs must be a positive number');
  const resolver = options.resolver ?? new Resolver({ timeout: timeoutMs, tries: 2 });
  const lookup: DnsLookup = { resolver, timeoutMs, ownsResolver: options.resolver === undefined };

  const secure = await lookupService(lookup, `_${protocol}s._tcp.${host}`, 'https', protocol);
  if (secure.length > 0) return secure;
  return lookupService(lookup, `_${protocol}._tcp.${host}`, 'http', protocol);
}

interface DnsLookup {
  resolver: Resolver;
  timeoutMs: number;
  ownsResolver: boolean;
}

async function lookupService(
  lookup: DnsLookup,
  name: string,
  scheme: 'https' | 'http',
  protocol: 'caldav' | 'carddav',
): Promise<SrvTarget[]> {
  const records = await query(lookup, name, 'SRV', (r) => r.resolveSrv(name));
  const offered = records.filter((record) => !isRootTarget(record.name));
  if (offered.length === 0) return [];
  const txt = await query(lookup, name, 'TXT', (r) => r.resolveTxt(name));
  const txtPath = pathFromTxt(txt);
  const path = txtPath ?? `/.well-known/${protocol}`;
  const source = txtPath === undefined ? 'srv' : 'srv+txt';
  return sortSrv(offered).map((record) => ({ url: buildUrl(scheme, record, path), source }));
}

/** Runs one DNS query with a time limit; NXDOMAIN/NODATA become []; other failures a clear Error. */
async function query<T>(lookup: DnsLookup, name: string, type: string, run: (r: Resolver) => Promise<T[]>): Promise<T[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      if (lookup.ownsResolver) lookup.resolver.cancel();
      reject(new Error(`DNS ${type} lookup of ${name} timed out after ${lookup.timeoutMs} ms`));
    }, lookup.timeoutMs);
  });
  try {
    return await Promise.race([run(lookup.resolver), timeout]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && NOTHING_PUBLISHED.has(code)) return [];
    if (code === undefined) throw error;
    throw new Error(`DNS ${type} lookup of ${name} failed: ${code}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** RFC 2782: a target of "." (reported by node as "" or ".") means the service is not offered. */
function isRootTarget(target: string): boolean {
  return target === '' || target === '.';
}

/** Lowest priority first; within a priority, heaviest weight first; then by host and port for stability. */
function sortSrv(records: SrvRecord[]): SrvRecord[] {
  return [...records].sort(
    (a, b) => a.priority - b.priority || b.weight - a.weight || a.name.localeCompare(b.name) || a.port - b.port,
  );
}

/** The `path=` value of the first TXT record that has one (key case-insensitive), if it is an absolute path. */
function pathFromTxt(records: string[][]): string | undefined {
  for (const chunks of records) {
    const text = chunks.join('');
    const match = /^path=(.*)$/is.exec(text);
    if (!match) continue;
    const path = match[1].trim();
    if (path.startsWith('/')) return path;
  }
  return undefined;
}

function buildUrl(scheme: 'https' | 'http', record: SrvRecord, path: string): string {
  const host = record.name.replace(/\.$/, '');
  const url = new URL(`${scheme}://${host}`);
  url.port = String(record.port);
  url.pathname = path;
  return url.href;
}
