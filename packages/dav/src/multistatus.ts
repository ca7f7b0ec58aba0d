/** RFC 4918 multistatus (207) bodies: each response's href, status and properties by `{ns}local`. */
import { normalizeHref } from './href.js';
import { child, children, childText, NS, parseXml, type XmlElement } from './xml.js';

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
  const root = parseXml(body);
  if (root.ns !== NS.DAV || root.local !== 'multistatus') {
    throw new Error(`expected a DAV:multistatus response, got <${root.local}>`);
  }
  const responses: DavResponse[] = [];
  for (const r of children(root, NS.DAV, 'response')) {
    const hrefs = children(r, NS.DAV, 'href');
    const status = statusCode(childText(r, NS.DAV, 'status'));
    const propstats = children(r, NS.DAV, 'propstat').map((ps) => {
      const props = new Map<string, XmlElement>();
      for (const p of child(ps, NS.DAV, 'prop')?.children ?? []) props.set(propKey(p.ns, p.local), p);
      return { status: statusCode(childText(ps, NS.DAV, 'status')) ?? 200, props };
    });
    const errors = (child(r, NS.DAV, 'error')?.children ?? []).map((e) => propKey(e.ns, e.local));
    const description = childText(r, NS.DAV, 'responsedescription') || undefined;
    // RFC 4918 allows several hrefs sharing one status in a response.
    for (const h of hrefs) {
      responses.push({ href: normalizeHref(h.text, base), status, propstats, errors, description });
    }
  }
  return { responses, syncToken: childText(root, NS.DAV, 'sync-token') };
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
