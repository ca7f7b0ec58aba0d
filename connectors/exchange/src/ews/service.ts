/**
 * One ews-javascript-api `ExchangeService` per endpoint: its HTTP goes through our transport (xhr.ts), its
 * clock is UTC (the library otherwise writes the host's zone), its own console logging goes to our logger,
 * and every call is wrapped so a rejection becomes a typed error (errors.ts).
 */
import type { DovetailError, Logger } from '@dovetail/core/sdk';
import type { Transport } from '@dovetail/http';
import * as ews from 'ews-javascript-api';
import { createRequire } from 'node:module';
import { toDovetailError } from './errors.js';
import { failures, TransportXhr } from './xhr.js';

/** Credentials the library insists on; signing in is the transport's job, so they add nothing to a request. */
class TransportCredentials extends ews.ExchangeCredentials {
  override PrepareWebRequest(): void {
    // the transport adds Authorization (Basic, NTLM or Bearer) itself
  }
}

let writerPatched = false;

/** Text for XML element content. */
export function escapeXmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * ews-javascript-api (0.15) writes element text and attribute values into the SOAP request without escaping
 * them: a subject with "&" makes the request invalid, and one with "</t:Subject>…" injects elements. Its writer
 * is patched once to escape both; every value it writes is text (dates, ids, base64 and user data, never markup).
 */
function escapeLibraryWriter(): void {
  if (writerPatched) return;
  writerPatched = true;
  const proto = ews.EwsServiceXmlWriter.prototype as unknown as {
    WriteValue(value: unknown, name: string): void;
    WriteAttributeString(...args: unknown[]): void;
  };
  const writeValue = proto.WriteValue;
  proto.WriteValue = function (this: unknown, value: unknown, name: string) {
    return writeValue.call(this, typeof value === 'string' ? escapeXmlText(value) : value, name);
  };
  const writeAttribute = proto.WriteAttributeString;
  proto.WriteAttributeString = function (this: unknown, ...args: unknown[]) {
    const i = args.length === 3 ? 2 : 1;
    if (typeof args[i] === 'string') args[i] = escapeXmlText(args[i] as string).replace(/"/g, '&quot;');
    return writeAttribute.apply(this, args);
  };
}

let zonesPatched = false;

/**
 * The library reads a StartTimeZone by its Id through its own zone table, but validates the definition's
 * periods and transitions first and fails when a server sends the Id alone; the Id is what it uses either way,
 * so a definition that names a zone the table knows is taken by its Id.
 */
function readZonesById(): void {
  if (zonesPatched) return;
  zonesPatched = true;
  const { TimeZoneDefinition } = createRequire(import.meta.url)('ews-javascript-api/js/ComplexProperties/TimeZones/TimeZoneDefinition.js') as {
    TimeZoneDefinition: { prototype: { Id: string; ToTimeZoneInfo(service: unknown, parse?: boolean): ews.TimeZoneInfo } };
  };
  const toInfo = TimeZoneDefinition.prototype.ToTimeZoneInfo;
  TimeZoneDefinition.prototype.ToTimeZoneInfo = function (this: { Id: string }, service: unknown, parse = false) {
    if (!parse && this.Id) {
      try {
        return ews.TimeZoneInfo.FindSystemTimeZoneById(this.Id);
      } catch {
        // not in the table: the definition itself decides
      }
    }
    return toInfo.call(this, service, parse);
  };
}

/**
 * Node 23 removed `util.isNullOrUndefined`, which the library (0.15) still calls when it writes an extended
 * property's attributes: on Node 24 every request that names an extended property (our identity and category
 * properties, so every GetItem, CreateItem and UpdateItem) failed with "util_1.isNullOrUndefined is not a
 * function". It is given back exactly as Node had it, and only where it is missing; nothing else in the process
 * called it, since it did not exist there.
 */
function restoreRemovedUtil(): void {
  const util = createRequire(import.meta.url)('node:util') as { isNullOrUndefined?: (value: unknown) => boolean };
  if (typeof util.isNullOrUndefined !== 'function') util.isNullOrUndefined = (value: unknown) => value === null || value === undefined;
}

let loggingRouted = false;

/**
 * The library prints through `EwsLogging` to stdout, which belongs to `--json` output, and its XML parser
 * (xmldom) prints parse complaints to stderr, where our JSON log lines go: route both to debug logs.
 */
function routeLibraryLogging(logger: Logger): void {
  if (loggingRouted) return;
  loggingRouted = true;
  const extensions = createRequire(import.meta.url)('ews-javascript-api/js/ExtensionMethods.js') as { DOMParser: new (options?: object) => unknown };
  const Parser = extensions.DOMParser;
  const report = (level: string) => (message: unknown) => logger.debug({ xml: level, message: String(message) }, 'EWS response XML');
  extensions.DOMParser = class extends (Parser as new (options?: object) => object) {
    constructor(options: object = {}) {
      super({ ...options, errorHandler: { warning: report('warning'), error: report('error'), fatalError: report('fatal') } });
    }
  } as never;
  const log = (message: unknown) => logger.debug({ ews: typeof message === 'string' ? message : String(message) }, 'ews-javascript-api');
  ews.EwsLogging.DebugLogEnabled = false;
  Object.assign(ews.EwsLogging, {
    Log: (m: unknown) => log(m),
    DebugLog: () => undefined,
    Assert: (condition: boolean, caller: string, message: string) => { if (!condition) log(`[${caller}] ${message}`); },
  });
}

export interface EwsService {
  service: ews.ExchangeService;
  /** Runs one library operation; its rejection (or its transport's failure) surfaces as a typed error. */
  call<T>(operation: string, fn: (service: ews.ExchangeService) => Promise<T>): Promise<T>;
  /** Requests sent so far (for logs and benchmarks). */
  readonly requests: number;
}

export function createEwsService(options: { url: string; transport: Transport; logger: Logger; version?: ews.ExchangeVersion }): EwsService {
  routeLibraryLogging(options.logger);
  restoreRemovedUtil();
  escapeLibraryWriter();
  readZonesById();
  const service = new ews.ExchangeService(options.version ?? ews.ExchangeVersion.Exchange2013_SP1, ews.TimeZoneInfo.Utc);
  service.Url = new ews.Uri(options.url);
  service.Credentials = new TransportCredentials();
  service.XHRApi = new TransportXhr(options.transport, options.url);
  let requests = 0;
  return {
    service,
    get requests() { return requests; },
    async call<T>(operation: string, fn: (s: ews.ExchangeService) => Promise<T>): Promise<T> {
      const ctx: { error?: DovetailError; requests: number } = { requests: 0 };
      try {
        return await failures.run(ctx, () => fn(service));
      } catch (e) {
        throw toDovetailError(e, operation, ctx.error);
      } finally {
        requests += ctx.requests;
      }
    },
  };
}
