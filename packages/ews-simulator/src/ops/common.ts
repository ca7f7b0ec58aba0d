/** Helpers shared by the operation handlers. */
import type { RequestContext } from '../context.js';
import { EwsError, operationResponse, type ResponseMessage } from '../soap.js';
import type { XmlElement, XNode } from '../xml.js';

/** An operation handler: the operation element of the SOAP body in, a response envelope out. */
export type Handler = (op: XmlElement, ctx: RequestContext) => string;

/** Runs `fn` once per request element; an EwsError becomes that element's error message, others go on. */
export function perElement<T>(
  ctx: RequestContext,
  elements: T[],
  fn: (e: T) => (XNode | undefined)[],
  emptyOnError: (XNode | undefined)[] = [],
): ResponseMessage[] {
  return elements.map((e) => {
    try {
      return { content: fn(e) };
    } catch (err) {
      if (!(err instanceof EwsError)) throw err;
      ctx.log.responseCodes.push(err.code);
      return { error: err, content: emptyOnError };
    }
  });
}

/** The response envelope, recording the codes in the request log. */
export function respond(ctx: RequestContext, op: string, messages: ResponseMessage[]): string {
  for (const m of messages) if (!m.error) ctx.log.responseCodes.push('NoError');
  return operationResponse(op, messages);
}

/** One boolean attribute ("true"/"false"), with its default. */
export function boolAttr(e: XmlElement, name: string, dflt: boolean): boolean {
  const v = e.attrs[name];
  return v === undefined ? dflt : v === 'true' || v === '1';
}
