/**
 * Signing in to Microsoft Graph with msal-node: app-only (client credentials with a secret or a certificate) or
 * delegated for one person (device code; the token cache with its refresh token lives in the endpoint's
 * credential file, mode 0600). Both hand out access tokens to the transport (`BearerTokenSource`); msal-node
 * renews them before they expire, and `refresh` forces a new one after a 401. msal-node's HTTP goes through our
 * transport too (TLS options, proxy, timeouts).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AuthError, ConfidentialClientApplication, InteractionRequiredAuthError, LogLevel, PublicClientApplication,
  type Configuration, type ICachePlugin, type INetworkModule, type NetworkRequestOptions, type NetworkResponse, type TokenCacheContext,
} from '@azure/msal-node';
import { AuthFailed, isDovetailError, Unavailable, type CheckResult, type CredentialStore, type Logger, type SignInPrompt } from '@dovetail/core/sdk';
import type { BearerTokenSource, Transport } from '@dovetail/http';

/** Graph's resource; tokens are for it whatever `graphUrl` points at. */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** What a delegated sign-in asks the person to consent to (offline_access: a refresh token). */
export const DELEGATED_SCOPES = ['Calendars.ReadWrite', 'Tasks.ReadWrite', 'Contacts.ReadWrite'].map((s) => `${GRAPH_RESOURCE}/${s}`);
/** Asked for too when the endpoint reaches into other people's mailboxes (`mailbox`, `sharedMailboxes`). */
export const SHARED_SCOPES = ['Calendars.ReadWrite.Shared', 'Contacts.ReadWrite.Shared'].map((s) => `${GRAPH_RESOURCE}/${s}`);

export interface GraphAuthOptions {
  endpoint: string;
  /** `https://login.microsoftonline.com` or another Entra ID authority host. */
  authorityHost: string;
  tenant: string;
  clientId: string;
  transport: Transport;
  logger: Logger;
}

/** msal-node's requests over our transport; 400/401 answers carry the reason in their body, so they are returned. */
class TransportNetwork implements INetworkModule {
  constructor(private readonly transport: Transport) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: string, url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    const res = await this.transport.request(url, { method, headers: options?.headers, body: options?.body, passStatuses: [400, 401, 403] });
    let body: unknown = {};
    try { body = res.text ? JSON.parse(res.text) : {}; } catch { body = {}; }
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => { headers[k] = v; });
    return { status: res.status, headers, body: body as T };
  }
}

function baseConfig(o: GraphAuthOptions): Configuration {
  const authority = `${o.authorityHost.replace(/\/+$/, '')}/${o.tenant}`;
  return {
    auth: { clientId: o.clientId, authority, knownAuthorities: [new URL(o.authorityHost).host] },
    system: {
      networkClient: new TransportNetwork(o.transport),
      loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Warning, loggerCallback: (_level, message) => o.logger.debug({ msal: message }, 'msal-node') },
    },
  };
}

/** The typed error for what msal-node threw. */
function authError(e: unknown, what: string, endpoint: string): Error {
  if (isDovetailError(e)) return e;
  if (e instanceof InteractionRequiredAuthError || (e instanceof AuthError && /invalid_grant|interaction_required|no_tokens_found|no_account/.test(e.errorCode))) {
    return new AuthFailed(`${what}: the sign-in was revoked or has expired (${e.errorCode}); run \`dovetail auth ${endpoint}\` to sign in again`, { cause: e });
  }
  if (e instanceof AuthError && /invalid_client|unauthorized_client|invalid_scope|invalid_request|invalid_resource/.test(e.errorCode)) {
    return new AuthFailed(`${what}: Entra ID refused the app (${e.errorCode}): ${e.errorMessage.split('\n')[0]}`, { cause: e });
  }
  return new Unavailable(`${what}: ${(e as Error).message.split('\n')[0]}`, { cause: e });
}

export interface AppCredentials {
  clientSecret?: string;
  /** PEM certificate (with its chain) and its private key, as registered in Entra ID. */
  certificate?: { cert: string; key: string; passphrase?: string };
}

/** Reads a PEM value (text or a path relative to `baseDir`). */
export function readPem(value: string, baseDir: string): string {
  return value.includes('-----BEGIN') ? value : readFileSync(path.resolve(baseDir, value), 'utf8');
}

/** App-only access (client credentials): a CRM's server syncing many mailboxes. */
export function appTokens(o: GraphAuthOptions, creds: AppCredentials): BearerTokenSource {
  const config = baseConfig(o);
  if (creds.certificate) {
    const cert = new X509Certificate(creds.certificate.cert);
    config.auth.clientCertificate = {
      thumbprintSha256: createHash('sha256').update(cert.raw).digest('hex'),
      privateKey: creds.certificate.key, x5c: creds.certificate.cert,
    };
  } else {
    config.auth.clientSecret = creds.clientSecret;
  }
  const app = new ConfidentialClientApplication(config);
  return {
    async token(options) {
      try {
        const r = await app.acquireTokenByClientCredential({ scopes: [`${GRAPH_RESOURCE}/.default`], skipCache: !!options?.refresh });
        if (!r?.accessToken) throw new AuthFailed('Entra ID issued no access token');
        return r.accessToken;
      } catch (e) {
        throw authError(e, 'app sign-in', o.endpoint);
      }
    },
  };
}

/** The token cache kept in the endpoint's credential file. */
function cachePlugin(store: CredentialStore): ICachePlugin {
  return {
    async beforeCacheAccess(ctx: TokenCacheContext) {
      const text = await store.read();
      if (text) ctx.tokenCache.deserialize(text);
    },
    async afterCacheAccess(ctx: TokenCacheContext) {
      if (ctx.cacheHasChanged) await store.write(ctx.tokenCache.serialize());
    },
  };
}

export interface DelegatedAuth extends BearerTokenSource {
  signIn(prompt: SignInPrompt): Promise<CheckResult>;
}

/**
 * Delegated access for one person, signed in once with `dovetail auth ENDPOINT` (device code). `shared` asks for
 * the `.Shared` scopes as well, which folders of other mailboxes need.
 */
export function delegatedTokens(o: GraphAuthOptions, store: CredentialStore, shared = false): DelegatedAuth {
  const scopes = shared ? [...DELEGATED_SCOPES, ...SHARED_SCOPES] : DELEGATED_SCOPES;
  const config = baseConfig(o);
  config.cache = { cachePlugin: cachePlugin(store) };
  const app = new PublicClientApplication(config);
  return {
    async token(options) {
      try {
        const [account] = await app.getTokenCache().getAllAccounts();
        if (!account) throw new AuthFailed(`not signed in to Microsoft 365: run \`dovetail auth ${o.endpoint}\``);
        const r = await app.acquireTokenSilent({ account, scopes, forceRefresh: !!options?.refresh });
        return r.accessToken;
      } catch (e) {
        throw authError(e, 'sign-in', o.endpoint);
      }
    },
    async signIn(prompt) {
      const request = {
        scopes, cancel: false,
        deviceCodeCallback: (r: { message: string }) => prompt.show(r.message),
      };
      const onAbort = () => { request.cancel = true; };
      prompt.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const r = await app.acquireTokenByDeviceCode(request);
        if (!r) return { ok: false, message: 'sign-in cancelled' };
        return { ok: true, message: `signed in as ${r.account?.username ?? 'the user'}; the refresh token is kept in ${store.location} (mode 0600)` };
      } catch (e) {
        return { ok: false, message: authError(e, 'sign-in', o.endpoint).message };
      } finally {
        prompt.signal.removeEventListener('abort', onAbort);
      }
    },
  };
}
