/** The Exchange connector (EWS). See README.md. */
import { defineConnector, ianaToWindows, Invalid, type ConnectorContext } from '@dovetail/core/sdk';
import { Transport, type HttpAuth } from '@dovetail/http';
import { createExchangeConnector } from './connector.js';
import type { ExchangeSettings } from './settings.js';

export type { ExchangeSettings } from './settings.js';

async function authFor(ctx: ConnectorContext<ExchangeSettings>): Promise<HttpAuth> {
  const s = ctx.settings;
  const token = await ctx.secrets.maybe('token');
  const type = s.auth ?? (token ? 'bearer' : 'auto');
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

export default defineConnector<ExchangeSettings>(async (ctx) => {
  const s = ctx.settings;
  const zone = mailboxZone(s.timeZone);
  if (s.insecure) ctx.logger.warn({ url: s.url }, 'TLS certificate verification is OFF for this endpoint ("insecure": true): anyone on the network path can read and change this traffic');
  const transport = new Transport({
    auth: await authFor(ctx), ca: s.caFile, cert: s.clientCert, key: s.clientKey,
    passphrase: await ctx.secrets.maybe('clientKeyPassphrase'), insecure: s.insecure, proxy: s.proxy,
    timeoutMs: s.timeoutMs ?? 60_000, maxResponseBytes: s.maxResponseBytes, baseDir: ctx.baseDir, signal: ctx.signal,
    logger: ctx.logger, userAgent: 'dovetail (+https://github.com/dovetail-sync)',
  });
  // The EWS library is large: it loads when an Exchange endpoint is activated, never at start-up.
  const [{ createEwsService }, { createEwsBackend }, ews] = await Promise.all([
    import('./ews/service.js'), import('./ews/backend.js'), import('ews-javascript-api'),
  ]);
  const service = createEwsService({ url: s.url, transport, logger: ctx.logger });
  const mailbox = s.mailbox ?? (s.username?.includes('@') && !s.username.includes('\\') ? s.username : undefined);
  const backend = createEwsBackend({
    ews: service, logger: ctx.logger, mailbox, sharedMailboxes: s.sharedMailboxes ?? [], mailboxZone: zone,
    deleteMode: ews.DeleteMode[s.deleteMode ?? 'MoveToDeletedItems'], batchSize: s.batchSize ?? 50, url: s.url,
  });
  const connector = createExchangeConnector({ backend, mapping: { defaultZone: zone }, logger: ctx.logger });
  return { ...connector, close: async () => { await connector.close?.(); await transport.close(); } };
});
