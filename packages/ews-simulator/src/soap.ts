/**
 * SOAP 1.1 envelopes as Exchange 2016 writes them: `s:Header/h:ServerVersionInfo`, the operation's
 * `m:{Op}Response/m:ResponseMessages`, one `m:{Op}ResponseMessage` per request item with ResponseClass,
 * MessageText, ResponseCode and DescriptiveLinkKey, and SOAP faults for requests Exchange rejects whole.
 */
import { el, NS, serialize, textEl, type XNode } from './xml.js';

/** The server build the simulator reports (Exchange Server 2016 CU23). */
export const SERVER_VERSION = { MajorVersion: '15', MinorVersion: '1', MajorBuildNumber: '2507', MinorBuildNumber: '6', Version: 'V2017_07_11' };

/** RequestServerVersion values an Exchange 2016 server accepts. */
export const REQUEST_VERSIONS = [
  'Exchange2007', 'Exchange2007_SP1', 'Exchange2010', 'Exchange2010_SP1', 'Exchange2010_SP2', 'Exchange2013',
  'Exchange2013_SP1', 'Exchange2015', 'Exchange2016', 'V2015_10_05', 'V2016_01_06', 'V2016_04_13', 'V2016_07_13',
  'V2016_10_10', 'V2017_01_07', 'V2017_04_14', 'V2017_07_11',
];

/** A per-item error: becomes a ResponseClass="Error" message (the rest of the request still runs). */
export class EwsError extends Error {
  constructor(readonly code: string, message: string, readonly messageXml?: XNode[]) {
    super(message);
    this.name = 'EwsError';
  }
}

/** A whole-request failure: becomes a SOAP fault with HTTP 500 (schema errors, bad versions, server busy). */
export class SoapFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly messageXml?: XNode[],
    readonly faultCode: string = `a:${code}`,
    readonly status = 500,
  ) {
    super(message);
    this.name = 'SoapFault';
  }
}

/** Schema validation failure at a line/position, as Exchange reports it. */
export function schemaError(violation: string, line = 0, position = 0): SoapFault {
  return new SoapFault('ErrorSchemaValidation', `The request failed schema validation: ${violation}`, [
    el('t:LineNumber', undefined, String(line)),
    el('t:LinePosition', undefined, String(position)),
    el('t:Violation', undefined, violation),
  ]);
}

const XSI = { 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', 'xmlns:xsd': 'http://www.w3.org/2001/XMLSchema' };

function envelope(body: XNode, withHeader: boolean): string {
  const header = withHeader
    ? el('s:Header', undefined, el('h:ServerVersionInfo', { ...SERVER_VERSION, 'xmlns:h': NS.T, xmlns: NS.T, ...XSI }))
    : undefined;
  const doc = el('s:Envelope', { 'xmlns:s': NS.SOAP }, header, el('s:Body', XSI, body));
  return `<?xml version="1.0" encoding="utf-8"?>${serialize(doc)}`;
}

/** One response message: success with its content, or an error. */
export interface ResponseMessage {
  error?: EwsError;
  /** Warning instead of error (ResponseClass="Warning"). */
  warning?: boolean;
  content: (XNode | undefined)[];
}

/** A full operation response envelope. */
export function operationResponse(op: string, messages: ResponseMessage[]): string {
  const msgs = messages.map((m) => {
    if (!m.error) {
      return el(`m:${op}ResponseMessage`, { ResponseClass: 'Success' }, el('m:ResponseCode', undefined, 'NoError'), ...m.content);
    }
    return el(
      `m:${op}ResponseMessage`, { ResponseClass: m.warning ? 'Warning' : 'Error' },
      textEl('m:MessageText', m.error.message),
      el('m:ResponseCode', undefined, m.error.code),
      el('m:DescriptiveLinkKey', undefined, '0'),
      m.error.messageXml ? el('m:MessageXml', undefined, ...m.error.messageXml) : undefined,
      ...m.content,
    );
  });
  return envelope(el(`m:${op}Response`, { 'xmlns:m': NS.M, 'xmlns:t': NS.T }, el('m:ResponseMessages', undefined, ...msgs)), true);
}

/** A response whose body is given whole (operations without ResponseMessages). */
export function rawResponse(body: XNode): string {
  return envelope(body, true);
}

/** A SOAP fault envelope. Exchange sends the version header with most faults; a fault for a bad version has none. */
export function faultResponse(fault: SoapFault, withHeader = true): string {
  const detail = el(
    'detail', undefined,
    el('e:ResponseCode', { 'xmlns:e': NS.E }, fault.code),
    el('e:Message', { 'xmlns:e': NS.E }, fault.message),
    fault.messageXml ? el('t:MessageXml', { 'xmlns:t': NS.T }, ...fault.messageXml) : undefined,
  );
  const body = el(
    's:Fault', undefined,
    el('faultcode', fault.faultCode.startsWith('a:') ? { 'xmlns:a': NS.T } : undefined, fault.faultCode),
    el('faultstring', { 'xml:lang': 'en-US' }, fault.message),
    detail,
  );
  return envelope(body, withHeader);
}
