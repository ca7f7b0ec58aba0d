/** RFC 4918 multistatus (207) bodies: each response's href, status and properties by `{ns}local`. */
import { normalizeHref } from './href.js';
import { child, children, childText, NS, XmlStreamParser, type XmlElement } from './xml.js';

export interface PropStat {
  status: number;
  props: Map<string, XmlElement>;
}

export interface DavResponse {
  /** Normalised href (see normalizeHref). */
  href: string;
  /** A response-level status (used for deleted members in sync-collection and for errors). */
  status?: number;
  propstats: PropStat[];
  /** Precondition element names inside <error>, e.g. `{urn:ietf:params:xml:ns:caldav}no-uid-conflict`. */
  errors: string[];
  /** The server's <responsedescription>, when given. */
  description?: string;
}

export interface Multistatus {
  responses: DavResponse[];
  /** RFC 6578 sync-token, when present. */
  syncToken?: string;
}

/** `{ns}local` key for a property. */
export function propKey(ns: string, local: string): string {
  return `{${ns}}${local}`;
}

/** "HTTP/1.1 404 Not Found" → 404; undefined when absent or unreadable. */
export function statusCode(line: string | undefined): number | undefined {
  const m = line && /^\s*HTTP\/\d(?:\.\d)?\s+(\d{3})/i.exec(line);
  return m ? Number(m[1]) : undefined;
}

/** Parses a multistatus document. Throws XmlError when the body is not XML, Error when it is not a multistatus. */
export function parseMultistatus(body: string, base: string): Multistatus {
  const responses: DavResponse[] = [];
  const stream = new MultistatusStream(base, (r) => responses.push(r));
  stream.write(body);
  return { responses, ...stream.close() };
}

/**
 * A multistatus read as it arrives: each `<response>` is turned into `DavResponse`s (one per href) and handed to
 * `onResponse` as soon as it is complete, then dropped, so a listing of any size is never held whole. Errors thrown
 * by `onResponse` (a cap) come out of `write` unchanged.
 */
export class MultistatusStream {
  private readonly parser: XmlStreamParser;
  private syncToken?: string;
  /** The root's name when it is not DAV:multistatus (reported at `close`, after any XML error). */
  private wrongRoot?: string;

  constructor(private readonly base: string, onResponse: (r: DavResponse) => void) {
    this.parser = new XmlStreamParser({
      onRoot: (root) => {
        if (root.ns !== NS.DAV || root.local !== 'multistatus') this.wrongRoot = root.local;
      },
      onRootChild: (el) => {
        if (el.ns !== NS.DAV || this.wrongRoot !== undefined) return;
        if (el.local === 'sync-token') this.syncToken = el.text.trim();
        else if (el.local === 'response') for (const r of responsesOf(el, this.base)) onResponse(r);
      },
    });
  }

  write(chunk: string): void {
    this.parser.write(chunk);
  }

  /** Ends the document; the RFC 6578 sync-token, when there was one. */
  close(): { syncToken?: string } {
    this.parser.close();
    if (this.wrongRoot !== undefined) throw new Error(`expected a DAV:multistatus response, got <${this.wrongRoot}>`);
    return this.syncToken === undefined ? {} : { syncToken: this.syncToken };
  }
}

/** The responses one `<response>` element stands for (RFC 4918 allows several hrefs sharing one status). */
function responsesOf(r: XmlElement, base: string): DavResponse[] {
  const hrefs = children(r, NS.DAV, 'href');
  const status = statusCode(childText(r, NS.DAV, 'status'));
  const propstats = children(r, NS.DAV, 'propstat').map((ps) => {
    const props = new Map<string, XmlElement>();
    for (const p of child(ps, NS.DAV, 'prop')?.children ?? []) props.set(propKey(p.ns, p.local), p);
    return { status: statusCode(childText(ps, NS.DAV, 'status')) ?? 200, props };
  });
  const errors = (child(r, NS.DAV, 'error')?.children ?? []).map((e) => propKey(e.ns, e.local));
  const description = childText(r, NS.DAV, 'responsedescription') || undefined;
  return hrefs.map((h) => ({ href: normalizeHref(h.text, base), status, propstats, errors, description }));
}

/** The property `{ns}local` from the response's 2xx propstat. */
export function okProp(r: DavResponse, ns: string, local: string): XmlElement | undefined {
  const key = propKey(ns, local);
  for (const ps of r.propstats) {
    if (ps.status >= 200 && ps.status < 300 && ps.props.has(key)) return ps.props.get(key);
  }
  return undefined;
}

/** Text of a 2xx property, trimmed; undefined when missing. */
export function okPropText(r: DavResponse, ns: string, local: string): string | undefined {
  const p = okProp(r, ns, local);
  return p === undefined ? undefined : p.text.trim();
}
