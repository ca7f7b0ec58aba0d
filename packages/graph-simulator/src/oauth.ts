/**
 * The Microsoft identity platform's v2.0 endpoints, as far as a Graph client needs them: OpenID metadata, the
 * token endpoint (client credentials with a secret or a certificate assertion, device code, refresh token) and
 * the device authorization endpoint. Access tokens are opaque and expire; refresh tokens rotate and can be revoked.
 */
import { createHash, createPublicKey, randomBytes, verify, X509Certificate, constants } from 'node:crypto';

export interface OAuthConfig {
  tenant: string;
  clientId: string;
  clientSecret?: string;
  /** PEM certificate whose key signs client assertions (certificate credentials). */
  clientCertificate?: string;
  /** Access token lifetime, seconds (default 3600). */
  tokenLifetime: number;
  /** Seconds a client waits between device-code polls (default 1). */
  deviceInterval: number;
}

export interface Grant {
  kind: 'app' | 'user';
  /** The signed-in user's address (delegated tokens). */
  user?: string;
  scopes: string[];
  expiresAt: number;
}

interface DeviceCode { deviceCode: string; userCode: string; scopes: string[]; expiresAt: number; approvedBy?: string; denied?: boolean }

export class OAuthError extends Error {
  constructor(readonly status: number, readonly error: string, readonly description: string, readonly codes: number[] = []) {
    super(description);
  }
  body(): Record<string, unknown> {
    return { error: this.error, error_description: this.description, error_codes: this.codes, timestamp: new Date().toISOString(), trace_id: randomBytes(16).toString('hex') };
  }
}

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

export class OAuthServer {
  private readonly access = new Map<string, Grant>();
  private readonly refresh = new Map<string, { user: string; scopes: string[] }>();
  private readonly devices = new Map<string, DeviceCode>();
  /** Counts of tokens issued, by grant type (tests assert refreshes). */
  readonly issued: Record<string, number> = {};

  constructor(private readonly cfg: OAuthConfig, private readonly baseUrl: () => string, private readonly userId: (email: string) => string | undefined) {}

  get authority(): string { return `${this.baseUrl()}/${this.cfg.tenant}`; }
  get tokenUrl(): string { return `${this.authority}/oauth2/v2.0/token`; }

  metadata(): Record<string, unknown> {
    const a = this.authority;
    return {
      token_endpoint: this.tokenUrl, token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${a}/discovery/v2.0/keys`, response_modes_supported: ['query', 'fragment', 'form_post'], subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'], response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'], issuer: `${a}/v2.0`, request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.baseUrl()}/oidc/userinfo`, authorization_endpoint: `${a}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${a}/oauth2/v2.0/devicecode`, http_logout_supported: true, frontchannel_logout_supported: true,
      end_session_endpoint: `${a}/oauth2/v2.0/logout`, claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'preferred_username', 'name', 'tid', 'oid'],
      tenant_region_scope: 'EU', cloud_instance_name: 'microsoftonline.com', cloud_graph_host_name: 'graph.windows.net', msgraph_host: 'graph.microsoft.com',
    };
  }

  /** The grant behind an access token, or why it is refused (Graph answers 401 InvalidAuthenticationToken). */
  grantOf(token: string): Grant | 'expired' | undefined {
    const g = this.access.get(token);
    if (!g) return undefined;
    return g.expiresAt <= Date.now() ? 'expired' : g;
  }

  /** Every access token issued so far expires now (the next Graph request with one is refused with 401). */
  expireAccessTokens(): void {
    for (const g of this.access.values()) g.expiresAt = 0;
  }

  /** Revokes a user's refresh tokens (a password reset, an admin revoking sessions). */
  revokeGrants(user: string): void {
    for (const [k, v] of this.refresh) if (v.user.toLowerCase() === user.toLowerCase()) this.refresh.delete(k);
  }

  /** Approves a pending device code, as the person would in the browser (user code from the client's prompt). */
  approveDevice(userCode: string, user: string): void {
    const d = [...this.devices.values()].find((x) => x.userCode === userCode);
    if (!d) throw new Error(`no pending device code ${userCode}`);
    if (!this.userId(user)) throw new Error(`no user ${user}`);
    d.approvedBy = user;
  }

  denyDevice(userCode: string): void {
    const d = [...this.devices.values()].find((x) => x.userCode === userCode);
    if (d) d.denied = true;
  }

  pendingUserCodes(): string[] {
    return [...this.devices.values()].filter((d) => !d.approvedBy && !d.denied && d.expiresAt > Date.now()).map((d) => d.userCode);
  }

  deviceCode(form: URLSearchParams): Record<string, unknown> {
    this.client(form, false);
    const userCode = randomBytes(5).toString('hex').toUpperCase().slice(0, 9);
    const deviceCode = randomBytes(32).toString('base64url');
    const scopes = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
    this.devices.set(deviceCode, { deviceCode, userCode, scopes, expiresAt: Date.now() + 900_000 });
    const verification = `${this.baseUrl()}/devicelogin`;
    return {
      user_code: userCode, device_code: deviceCode, verification_uri: verification, expires_in: 900, interval: this.cfg.deviceInterval,
      message: `To sign in, use a web browser to open the page ${verification} and enter the code ${userCode} to authenticate.`,
    };
  }

  /** The token endpoint. */
  token(form: URLSearchParams): Record<string, unknown> {
    const grant = form.get('grant_type');
    this.issued[grant ?? '?'] = (this.issued[grant ?? '?'] ?? 0) + 1;
    if (grant === 'client_credentials') {
      this.client(form, true);
      const scope = form.get('scope') ?? '';
      if (!/\/\.default$/.test(scope)) throw new OAuthError(400, 'invalid_scope', `AADSTS1002012: The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`, [1002012]);
      return this.issue({ kind: 'app', scopes: [scope] }, false);
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:device_code' || grant === 'device_code') {
      this.client(form, false);
      const d = this.devices.get(form.get('device_code') ?? '');
      if (!d || d.expiresAt <= Date.now()) throw new OAuthError(400, 'expired_token', 'AADSTS70020: The provided value for the input parameter \'device_code\' is not valid. This device code has expired.', [70020]);
      if (d.denied) throw new OAuthError(400, 'authorization_declined', 'AADSTS70016: The user declined the request.', [70016]);
      if (!d.approvedBy) throw new OAuthError(400, 'authorization_pending', 'AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.', [70016]);
      this.devices.delete(d.deviceCode);
      return this.issue({ kind: 'user', user: d.approvedBy, scopes: d.scopes }, true);
    }
    if (grant === 'refresh_token') {
      this.client(form, false);
      const r = this.refresh.get(form.get('refresh_token') ?? '');
      if (!r) throw new OAuthError(400, 'invalid_grant', 'AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.', [50173]);
      this.refresh.delete(form.get('refresh_token')!);
      return this.issue({ kind: 'user', user: r.user, scopes: r.scopes }, true);
    }
    throw new OAuthError(400, 'unsupported_grant_type', `AADSTS70003: The app requested an unsupported grant type '${grant}'.`, [70003]);
  }

  private issue(g: Omit<Grant, 'expiresAt'>, withRefresh: boolean): Record<string, unknown> {
    const token = `sim.${randomBytes(24).toString('base64url')}`;
    this.access.set(token, { ...g, expiresAt: Date.now() + this.cfg.tokenLifetime * 1000 });
    const out: Record<string, unknown> = { token_type: 'Bearer', expires_in: this.cfg.tokenLifetime, ext_expires_in: this.cfg.tokenLifetime, access_token: token };
    if (!withRefresh || !g.user) return out;
    const refresh = `simrt.${randomBytes(32).toString('base64url')}`;
    this.refresh.set(refresh, { user: g.user, scopes: g.scopes });
    const oid = this.userId(g.user)!;
    const tid = this.tenantId();
    const now = Math.floor(Date.now() / 1000);
    const claims = { aud: this.cfg.clientId, iss: `${this.authority}/v2.0`, iat: now, nbf: now, exp: now + 3600, name: g.user.split('@')[0], oid, preferred_username: g.user, sub: oid, tid, ver: '2.0' };
    return {
      ...out, scope: g.scopes.filter((s) => s !== 'offline_access' && s !== 'openid' && s !== 'profile').join(' '), refresh_token: refresh,
      id_token: `${b64url({ typ: 'JWT', alg: 'none' })}.${b64url(claims)}.`, client_info: b64url({ uid: oid, utid: tid }),
    };
  }

  tenantId(): string {
    return createHash('sha256').update(this.cfg.tenant).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5');
  }

  /** Checks the client id and, for confidential grants, its secret or signed assertion. */
  private client(form: URLSearchParams, confidential: boolean): void {
    if (form.get('client_id') !== this.cfg.clientId) {
      throw new OAuthError(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory '${this.cfg.tenant}'.`, [700016]);
    }
    if (!confidential) return;
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (!this.cfg.clientSecret || secret !== this.cfg.clientSecret) throw new OAuthError(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.', [7000215]);
      return;
    }
    if (assertion !== null) { this.checkAssertion(assertion); return; }
    throw new OAuthError(401, 'invalid_client', "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", [7000218]);
  }

  /** A client assertion (RFC 7523) signed with the registered certificate's key, for this client and endpoint. */
  private checkAssertion(jwt: string): void {
    const refuse = (why: string) => new OAuthError(401, 'invalid_client', `AADSTS700027: Client assertion failed signature validation. ${why}`, [700027]);
    if (!this.cfg.clientCertificate) throw refuse('No certificate is registered for the application.');
    const [h, p, s] = jwt.split('.');
    if (!h || !p || !s) throw refuse('Not a JWT.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string; 'x5t#S256'?: string; x5t?: string };
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { aud?: string; iss?: string; sub?: string; exp?: number };
    const cert = new X509Certificate(this.cfg.clientCertificate);
    const thumb256 = createHash('sha256').update(cert.raw).digest('base64url');
    const thumb1 = createHash('sha1').update(cert.raw).digest('base64url');
    if (header['x5t#S256'] !== thumb256 && header.x5t !== thumb1) throw refuse('The thumbprint names no registered certificate.');
    const key = createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' }));
    const data = Buffer.from(`${h}.${p}`);
    const sig = Buffer.from(s, 'base64url');
    const ok = header.alg === 'PS256' ? verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)
      : header.alg === 'RS256' ? verify('sha256', data, key, sig) : false;
    if (!ok) throw refuse(`Signature (${header.alg}) does not verify.`);
    if (payload.iss !== this.cfg.clientId || payload.sub !== this.cfg.clientId) throw refuse('iss and sub must be the client id.');
    if (!payload.aud || !payload.aud.includes(`/${this.cfg.tenant}/`)) throw refuse('The audience is not this tenant\'s token endpoint.');
    if (!payload.exp || payload.exp * 1000 < Date.now()) throw refuse('The assertion has expired.');
  }
}
