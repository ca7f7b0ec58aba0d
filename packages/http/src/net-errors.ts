/** Turns Node/undici network failures into one line a person can act on. */

const TLS_CODES: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server uses a self-signed certificate (add its CA with "caFile")',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chain ends in an untrusted self-signed CA (add it with "caFile")',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate cannot be verified (missing intermediate or unknown CA; see "caFile")',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate issuer is unknown (add its CA with "caFile")',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  CERT_NOT_YET_VALID: 'the server certificate is not valid yet (check the clock)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name this host',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (is this port plain HTTP? try http://)',
};

/** The innermost error code (undici wraps the socket error in `cause`). */
export function networkErrorCode(e: unknown): string | undefined {
  return innermostCoded(e)?.code;
}

/** The innermost error in the `cause` chain that has a string code, with its message. */
function innermostCoded(e: unknown): { code: string; message?: string } | undefined {
  let cur: unknown = e;
  let found: { code: string; message?: string } | undefined;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string') found = { code: c, message: (cur as { message?: string }).message };
    cur = (cur as { cause?: unknown }).cause;
  }
  return found;
}

/**
 * "DNS: no such host dav.example.com", "connection refused by 127.0.0.1:5232", "TLS: ...", "timed out talking to
 * … after 120 s ...". `timeoutMs`: the request's own time-out, named when it is what fired.
 */
export function describeNetworkError(e: unknown, url: string, timeoutMs?: number): string {
  const u = new URL(url);
  const coded = innermostCoded(e);
  const code = coded?.code;
  const name = (e as { name?: string })?.name;
  if (name === 'TimeoutError' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    const after = name === 'TimeoutError' && timeoutMs !== undefined ? ` after ${formatSeconds(timeoutMs)}` : '';
    return `timed out talking to ${u.host}${after} (server slow or unreachable; see "timeoutMs")`;
  }
  if (name === 'AbortError') return `request to ${u.host} was cancelled`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `DNS: cannot resolve ${u.hostname} (check the URL or your network)`;
  if (code === 'ECONNREFUSED') return `connection refused by ${u.host} (is the server running on this port?)`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') {
    // A server that requires a client certificate closes the connection right after the TLS 1.3 handshake.
    const hint = u.protocol === 'https:' ? ' (if the server requires a client certificate, set "clientCert" and "clientKey")' : '';
    return `connection to ${u.host} was reset${hint}`;
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${u.host} is unreachable from this machine`;
  if (code && TLS_CODES[code]) return `TLS: ${TLS_CODES[code]} (${u.host})`;
  if (code && /CERT|SSL|TLS/.test(code)) return `TLS: ${code} from ${u.host}`;
  // The fetch standard blocks some ports (6000, 6665-6669, 10080, …) before connecting; the cause says only "bad port".
  if (!code && (e as { cause?: { message?: string } })?.cause?.message === 'bad port') {
    return `port ${u.port} is blocked by fetch as unsafe ("bad port"): run the server on another port or put a proxy in front of it`;
  }
  // undici's own message is just "fetch failed": the coded cause says what happened.
  const msg = coded?.message || ((e as Error)?.message ?? String(e));
  return `request to ${u.host} failed: ${code ? `${code} ` : ''}${msg}`;
}

/** 120000 → "120 s", 1500 → "1.5 s". */
function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
