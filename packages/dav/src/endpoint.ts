/**
 * Settings → a ready client: where to start (URL, preset, or DNS SRV for a domain), how to authenticate,
 * TLS and proxy, and the server's quirks. Shared by the CalDAV and CardDAV connectors.
 */
import { Invalid, type ConnectorContext } from '@dovetail/core/sdk';
import { DavClient } from './client.js';
import { domainFor, lookupDavService } from './dns-discovery.js';
import { effectiveQuirks, getPreset, PRESET_IDS, presetUrl, type DavProtocol, type DavQuirks } from './presets.js';
import { redactUrl, Transport, type HttpAuth } from '@dovetail/http';

/** The settings both DAV connectors accept (their settings.schema.json describes them for users). */
export interface DavEndpointSettings {
  /** Server or start URL (a principal, a home or the server root; discovery follows from there). */
  url?: string;
  /** Provider preset id (google, icloud, nextcloud, …): start URL and known quirks. */
  preset?: string;
  /** For presets with a {server} placeholder (self-hosted servers). */
  server?: string;
  /** A domain (or e-mail address) to find the server with DNS SRV/TXT (RFC 6764) when there is no URL. */
  domain?: string;
  username?: string;
  /** Secret: string, {env} or {file}. */
  password?: unknown;
  /** Secret: OAuth bearer token. */
  token?: unknown;
  auth?: 'auto' | 'basic' | 'digest' | 'bearer' | 'none';
  /** PEM file of extra CA certificates to trust. */
  caFile?: string;
  /** PEM client certificate and key for mutual TLS. */
  clientCert?: string;
  clientKey?: string;
  /** Secret: passphrase of the client key. */
  clientKeyPassphrase?: unknown;
  /** Turn TLS verification off (warned about on every run). */
  insecure?: boolean;
  /** HTTP proxy URL, e.g. http://user:pass@proxy:3128. */
  proxy?: string;
  /** Longest wait for one request, headers and body (default `DEFAULT_DAV_TIMEOUT_MS`). */
  timeoutMs?: number;
  /** Largest response read, in bytes (default 64 MiB). */
  maxResponseBytes?: number;
  /** Most members one listing may hold (default 200,000). */
  maxListItems?: number;
  /** Members per multiget request (default from quirks: 100). */
  multigetChunk?: number;
  /** Overrides of the preset's quirks. */
  quirks?: DavQuirks;
  /** Read written items back to report what the server changed (default true). */
  verifyWrites?: boolean;
  /** Writes (PUT/DELETE) in flight at once to the server (default `DEFAULT_WRITE_CONCURRENCY`); fewer while it answers 429/503. */
  writeConcurrency?: number;
}

/** Writes in flight at once when `writeConcurrency` is not set. */
export const DEFAULT_WRITE_CONCURRENCY = 4;

/**
 * Default per-request timeout: 120 s, as DAVx5's read timeout (vdirsyncer waits up to 300 s). A server that builds
 * its listing before it answers takes time in proportion to the collection: Radicale, with its item cache cold,
 * took 78 s to start answering the full listing of 10,000 events on this project's test machine (2 cores, loaded).
 */
export const DEFAULT_DAV_TIMEOUT_MS = 120_000;

/** A connected endpoint: the client, where discovery starts, and what to expect of the server. */
export interface DavEndpoint {
  client: DavClient;
  transport: Transport;
  /** The start href (path) discovery begins at. */
  startHref: string;
  quirks: Required<DavQuirks>;
  multigetChunk: number;
  /** Writes in flight at once (the `writeConcurrency` setting or its default). */
  writeConcurrency: number;
}

/** Builds the endpoint; throws `Invalid` for settings that cannot work (no URL at all, unknown preset). */
export async function openDavEndpoint(ctx: ConnectorContext<DavEndpointSettings>, protocol: DavProtocol): Promise<DavEndpoint> {
  const s = ctx.settings;
  const preset = s.preset ? getPreset(s.preset) : undefined;
  if (s.preset && !preset) throw new Invalid(`unknown preset "${s.preset}" (known: ${PRESET_IDS.join(', ')})`);
  const startUrl = await startUrlFor(s, protocol, preset);
  const url = new URL(startUrl);
  if (url.username || url.password) {
    throw new Invalid('"url" holds a user name or password: take them out of the URL and set "username" and "password" (the password as {"env": …} or {"file": …})');
  }
  const quirks = effectiveQuirks(preset, s.quirks, protocol);
  const auth = await authFor(ctx, preset?.auth);
  const writeConcurrency = s.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY;
  if (s.insecure) ctx.logger.warn({ url: redactUrl(startUrl) }, 'TLS certificate verification is OFF for this endpoint ("insecure": true): anyone on the network path can read and change this traffic');
  const transport = new Transport({
    auth, ca: s.caFile, cert: s.clientCert, key: s.clientKey,
    passphrase: await ctx.secrets.maybe('clientKeyPassphrase'),
    insecure: s.insecure, proxy: s.proxy, timeoutMs: s.timeoutMs ?? DEFAULT_DAV_TIMEOUT_MS, maxResponseBytes: s.maxResponseBytes, baseDir: ctx.baseDir,
    maxWritesInFlight: writeConcurrency,
    signal: ctx.signal, logger: ctx.logger, userAgent: 'dovetail (+https://github.com/dovetail-sync)',
  });
  return {
    client: new DavClient(transport, url.origin + '/', { maxListItems: s.maxListItems, logger: ctx.logger }),
    transport,
    startHref: url.pathname + url.search,
    quirks,
    multigetChunk: s.multigetChunk ?? quirks.maxMultiget,
    writeConcurrency,
  };
}

async function startUrlFor(s: DavEndpointSettings, protocol: DavProtocol, preset: ReturnType<typeof getPreset>): Promise<string> {
  if (s.url) return s.url;
  if (preset) {
    try {
      return presetUrl(preset, protocol, { server: s.server, username: s.username });
    } catch (e) {
      throw new Invalid((e as Error).message); // names the preset and the setting to add
    }
  }
  const domain = domainFor(s.domain ?? s.username ?? '');
  if (!domain) throw new Invalid('set "url", a "preset", or a "domain" to find the server by DNS');
  const found = await lookupDavService(protocol, domain);
  if (found[0]) return found[0].url;
  return `https://${domain}/.well-known/${protocol}`;
}

async function authFor(ctx: ConnectorContext<DavEndpointSettings>, presetAuth?: readonly string[]): Promise<HttpAuth> {
  const s = ctx.settings;
  const token = await ctx.secrets.maybe('token');
  const type = s.auth ?? (token ? 'bearer' : presetAuth?.[0] === 'digest' ? 'digest' : s.username ? 'auto' : 'none');
  if (type === 'none') return { type: 'none' };
  if (type === 'bearer') {
    if (!token) throw new Invalid('"auth": "bearer" needs a "token"');
    return { type: 'bearer', token };
  }
  if (!s.username) throw new Invalid(`"auth": "${type}" needs a "username"`);
  const password = (await ctx.secrets.maybe('password')) ?? '';
  return { type, username: s.username, password };
}
