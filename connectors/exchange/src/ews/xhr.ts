/**
 * The HTTP layer ews-javascript-api calls (its `IXHRApi`), over Dovetail's transport: TLS options, timeouts, a
 * response size cap, Basic / NTLM / Bearer sign-in and Retry-After all come from `@dovetail/http`. Responses are
 * screened before the library's XML parser sees them: a DOCTYPE (entity expansion) is refused.
 *
 * The library turns every failure into its own objects (not Errors) and loses the cause; the typed error of a
 * failed request is therefore kept in the calling operation's async context (`failures`), where the EWS client
 * picks it up when the library rejects.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Invalid, isDovetailError, Unavailable, type DovetailError, type RateLimited } from '@dovetail/core/sdk';
import { errorForCode } from './errors.js';
import type { Transport } from '@dovetail/http';
import type { IXHRApi, IXHROptions } from 'ews-javascript-api';

/** Per EWS operation: the typed error of its failed HTTP exchange, if any. */
export const failures = new AsyncLocalStorage<{ error?: DovetailError; requests: number }>();

/** What the library reads of a response (a subset of XMLHttpRequest). */
interface XhrLike {
  status: number;
  statusText: string;
  responseText: string;
  response: string;
  getResponseHeader(name: string): string | null;
  getAllResponseHeaders(): string;
}

const DOCTYPE = /<!DOCTYPE|<!ENTITY/i;
const FAULT_CODE = /<(?:[\w-]+:)?ResponseCode(?:\s[^>]*)?>\s*(\w+)\s*</;
const FAULT_TEXT = /<faultstring[^>]*>([^<]*)</;
const BACK_OFF = /Name="BackOffMilliseconds"[^>]*>\s*(\d+)\s*</;

/**
 * The typed error of a failed HTTP exchange: a SOAP fault by its EWS response code (the library reads faults,
 * but drops the code of some, such as ErrorServerBusy's back-off), or a page that is not EWS at all.
 */
function failureOf(status: number, headers: Headers, text: string, url: string): DovetailError | undefined {
  const code = FAULT_CODE.exec(text)?.[1];
  if (code) return errorForCode(code, FAULT_TEXT.exec(text)?.[1]?.trim() ?? '', BACK_OFF.exec(text) ? Number(BACK_OFF.exec(text)![1]) : undefined);
  if (/<(?:[\w-]+:)?Envelope[\s>]/.test(text.slice(0, 2048))) return undefined;
  const u = new URL(url);
  const kind = (headers.get('content-type') ?? '').split(';')[0] || 'no content type';
  if (status >= 500) return new Unavailable(`HTTP ${status} from ${u.host} (${kind})`);
  return new Invalid(`${u.host}${u.pathname} answered HTTP ${status} (${kind}), not a SOAP message: this is not an Exchange Web Services endpoint; check the URL (…/EWS/Exchange.asmx)`);
}

function xhrLike(status: number, headers: Headers, text: string): XhrLike {
  return {
    status, statusText: String(status), responseText: text, response: text,
    getResponseHeader: (name) => headers.get(name),
    getAllResponseHeaders: () => [...headers].map(([k, v]) => `${k}: ${v}`).join('\r\n'),
  };
}

export class TransportXhr implements IXHRApi {
  readonly apiName = 'dovetail';

  constructor(private readonly transport: Transport, private readonly url: string) {}

  async xhr(options: IXHROptions): Promise<XMLHttpRequest> {
    const ctx = failures.getStore();
    if (ctx) ctx.requests++;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((options.headers ?? {}) as Record<string, string>)) {
      // The transport signs in and negotiates encodings itself.
      if (!/^(authorization|accept-encoding)$/i.test(k)) headers[k] = String(v);
    }
    try {
      const res = await this.transport.request(options.url || this.url, { method: options.type ?? 'POST', headers, body: options.data as string | undefined });
      if (res.text && DOCTYPE.test(res.text.slice(0, 4096))) {
        throw new Invalid(`the EWS answer from ${new URL(res.url).host} contains a DOCTYPE; refused (XML entity expansion)`);
      }
      const like = xhrLike(res.status, res.headers, res.text);
      if (res.status === 200) return like as unknown as XMLHttpRequest;
      const failure = failureOf(res.status, res.headers, res.text, res.url);
      // ErrorServerBusy's back-off holds for the whole server: in a run, every request to it waits (or the run
      // gives the server up when the back-off is longer than a run waits).
      if (isDovetailError(failure, 'RateLimited')) this.transport.backOff(res.url || this.url, (failure as RateLimited).retryAfterMs);
      if (failure && ctx) ctx.error ??= failure;
      throw like;
    } catch (e) {
      if (isDovetailError(e) && ctx) ctx.error ??= e;
      throw e;
    }
  }

  xhrStream(): Promise<XMLHttpRequest> {
    return Promise.reject(new Error('streaming notifications are not used'));
  }

  disconnect(): void {
    // The transport's connections are closed with the connector.
  }
}
