/**
 * The Exchange connector: Exchange Server through EWS, Exchange Online and Outlook.com through Microsoft Graph
 * (settings `backend`). Each backend's code and libraries load only when an endpoint using it is activated.
 * See README.md.
 */
import { defineConnector, ianaToWindows, Invalid, type Connector, type ConnectorContext } from '@dovetail/core/sdk';
import { redactUrl, Transport, type HttpAuth, type TransportOptions } from '@dovetail/http';
import { createExchangeConnector } from './connector.js';
import type { ExchangeSettings } from './settings.js';

export type { ExchangeSettings } from './settings.js';

const M365_DOMAINS = /@([^@]+\.onmicrosoft\.com|outlook\.com|hotmail\.com|live\.com)$/i;

/** The backend an endpoint uses: the setting, else Graph for Microsoft 365 settings or mailboxes, else EWS. */
export function backendOf(s: ExchangeSettings): 'ews' | 'graph' {
  if (s.backend) return s.backend;
  if (s.tenant || s.clientId) return 'graph';
  if (!s.url && M365_DOMAINS.test(s.mailbox ?? s.username ?? '')) return 'graph';
  return 'ews';
}

/** Default of the `maxListItems` setting. */
const DEFAULT_MAX_LIST_ITEMS = 200_000;

async function authFor(ctx: ConnectorContext<ExchangeSettings>): Promise<HttpAuth> {
  const s = ctx.settings;
  const token = await ctx.secrets.maybe('token');
  const type = s.auth ?? (token ? 'bearer' : 'auto');
  if (type === 'app' || type === 'delegated') throw new Invalid(`"auth": "${type}" is for the Graph backend; EWS takes auto, basic, ntlm or bearer`);
  if (type === 'bearer') {
    if (!token) throw new Invalid('"auth": "bearer" needs a "token"');
    return { type: 'bearer', token };
  }
  if (!s.username) throw new Invalid(`"auth": "${type}" needs a "username" (and a "password")`);
  return { type, username: s.username, password: (await ctx.secrets.maybe('password')) ?? '' };
}

/** The mailbox's zone as a Windows id: the setting, else this machine's zone; UTC when CLDR maps neither. */
function mailboxZone(setting: string | undefined): string {
  const iana = setting ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  const windows = ianaToWindows(iana);
  if (!windows) throw new Invalid(`"timeZone": "${iana}" is not a time zone Exchange knows (use an IANA name such as Europe/Berlin)`);
  return windows;
}

async function transportFor(ctx: ConnectorContext<ExchangeSettings>, auth: HttpAuth, extra: Partial<TransportOptions> = {}): Promise<Transport> {
  const s = ctx.settings;
  return new Transport({
    auth, ca: s.caFile, cert: s.clientCert, key: s.clientKey,
    passphrase: await ctx.secrets.maybe('clientKeyPassphrase'), insecure: s.insecure, proxy: s.proxy,
    timeoutMs: s.timeoutMs ?? 60_000, maxResponseBytes: s.maxResponseBytes, baseDir: ctx.baseDir, signal: ctx.signal,
    logger: ctx.logger, userAgent: 'dovetail (+https://github.com/dovetail-sync)', ...extra,
  });
}

async function ewsConnector(ctx: ConnectorContext<ExchangeSettings>, zone: string): Promise<Connector> {
  const s = ctx.settings;
  if (!s.url) throw new Invalid('the EWS backend needs "url" (…/EWS/Exchange.asmx); for Exchange Online set "backend": "graph" with "tenant" and "clientId"');
  const transport = await transportFor(ctx, await authFor(ctx));
  // The EWS library is large: it loads when an EWS endpoint is activated, never at start-up.
  const [{ createEwsService }, { createEwsBackend }, ews] = await Promise.all([
    import('./ews/service.js'), import('./ews/backend.js'), import('ews-javascript-api'),
  ]);
  const service = createEwsService({ url: s.url, transport, logger: ctx.logger });
  const mailbox = s.mailbox ?? (s.username?.includes('@') && !s.username.includes('\\') ? s.username : undefined);
  const backend = createEwsBackend({
    ews: service, logger: ctx.logger, mailbox, sharedMailboxes: s.sharedMailboxes ?? [], mailboxZone: zone,
    deleteMode: ews.DeleteMode[s.deleteMode ?? 'MoveToDeletedItems'], batchSize: s.batchSize ?? 50, url: s.url,
    maxListItems: s.maxListItems ?? DEFAULT_MAX_LIST_ITEMS,
  });
  const connector = createExchangeConnector({ backend, mapping: { defaultZone: zone }, logger: ctx.logger });
  return { ...connector, close: async () => { await connector.close?.(); await transport.close(); } };
}

async function graphConnector(ctx: ConnectorContext<ExchangeSettings>, zone: string): Promise<Connector> {
  const s = ctx.settings;
  const missing = (['tenant', 'clientId'] as const).filter((k) => !s[k]);
  if (missing.length) throw new Invalid(`the Graph backend needs ${missing.map((k) => `"${k}"`).join(' and ')} (the app registered in Entra ID; see the connector README)`);
  const secret = await ctx.secrets.maybe('clientSecret');
  const signIn = s.auth === 'delegated' ? 'delegated' : s.auth === 'app' || secret || s.certificate ? 'app' : 'delegated';
  if (signIn === 'app' && !s.mailbox) throw new Invalid('app-only Graph access needs "mailbox" (the mailbox to sync: the app has no mailbox of its own)');
  if (signIn === 'app' && !secret && !(s.certificate && s.certificateKey)) throw new Invalid('app-only Graph access needs "clientSecret", or "certificate" and "certificateKey"');
  // Graph's code and msal-node load only when a Graph endpoint is activated.
  const [{ appTokens, delegatedTokens, readPem }, { GraphClient }, { createGraphBackend }] = await Promise.all([
    import('./graph/auth.js'), import('./graph/client.js'), import('./graph/backend.js'),
  ]);
  const identity = await transportFor(ctx, { type: 'none' }, { maxRetries: 2 });
  const authOptions = { endpoint: ctx.endpoint, authorityHost: s.authority ?? 'https://login.microsoftonline.com', tenant: s.tenant!, clientId: s.clientId!, transport: identity, logger: ctx.logger };
  // A mailbox named in the settings, or shared ones, are reached with the .Shared scopes.
  const delegated = signIn === 'delegated' ? delegatedTokens(authOptions, ctx.credentials, !!s.mailbox || !!s.sharedMailboxes?.length) : undefined;
  const tokens = delegated ?? appTokens(authOptions, {
    clientSecret: secret,
    certificate: s.certificate && s.certificateKey
      ? { cert: readPem(s.certificate, ctx.baseDir), key: readPem(s.certificateKey, ctx.baseDir), passphrase: await ctx.secrets.maybe('certificateKeyPassphrase') }
      : undefined,
  });
  // Exchange Online serves at most 4 requests at once per mailbox and app; Graph signals "busy" with 429, 503 and 504.
  const transport = await transportFor(ctx, { type: 'bearer', token: tokens }, { retryStatuses: [429, 503, 504], maxInFlightPerKey: 4 });
  const client = new GraphClient({ transport, graphUrl: s.graphUrl ?? 'https://graph.microsoft.com/v1.0', tokens, logger: ctx.logger, maxListItems: s.maxListItems ?? DEFAULT_MAX_LIST_ITEMS });
  const backend = createGraphBackend({ client, logger: ctx.logger, mailbox: s.mailbox, sharedMailboxes: s.sharedMailboxes ?? [], mailboxZone: zone, signIn });
  const connector = createExchangeConnector({ backend, mapping: { defaultZone: zone }, logger: ctx.logger });
  return {
    ...connector,
    ...(delegated ? { signIn: (prompt) => delegated.signIn(prompt) } : {}),
    close: async () => { await connector.close?.(); await transport.close(); await identity.close(); },
  };
}

export default defineConnector<ExchangeSettings>(async (ctx) => {
  const s = ctx.settings;
  const zone = mailboxZone(s.timeZone);
  for (const key of ['url', 'graphUrl'] as const) {
    const value = s[key];
    if (value !== undefined && (new URL(value).username || new URL(value).password)) {
      throw new Invalid(`"${key}" holds a user name or password: take them out of the URL and set "username" and "password" (the password as {"env": …} or {"file": …})`);
    }
  }
  if (s.insecure) ctx.logger.warn({ url: redactUrl(s.url ?? s.graphUrl ?? 'https://graph.microsoft.com/') }, 'TLS certificate verification is OFF for this endpoint ("insecure": true): anyone on the network path can read and change this traffic');
  return backendOf(s) === 'graph' ? graphConnector(ctx, zone) : ewsConnector(ctx, zone);
});
