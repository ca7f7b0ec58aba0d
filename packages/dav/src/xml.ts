/**
 * Safe, namespace-aware XML for WebDAV responses. Built on saxes (a strict, non-validating parser that
 * never loads external resources): a DOCTYPE is refused outright, so no entity is ever declared or
 * expanded; control characters that XML 1.0 forbids (some servers leak them from calendar data) are dropped
 * before parsing instead of failing the whole response.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';

/** An element: namespace URI + local name, attributes by local name (or `{ns}local`), children and text. */
export interface XmlElement {
  ns: string;
  local: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text and CDATA, concatenated (not its children's). */
  text: string;
}

/** A response that is not well-formed XML or uses a refused feature (DOCTYPE). */
export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

export const NS = {
  DAV: 'DAV:',
  CALDAV: 'urn:ietf:params:xml:ns:caldav',
  CARDDAV: 'urn:ietf:params:xml:ns:carddav',
  CALSERVER: 'http://calendarserver.org/ns/',
  APPLE: 'http://apple.com/ns/ical/',
} as const;

// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const FORBIDDEN_REFS = /&#(?:x0*(?:[0-8bcefBCEF]|1[0-9a-fA-F]|[fF]{3}[eEfF])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|6553[45]));/g;

/** Parses a whole document. Throws `XmlError` for malformed input or a DOCTYPE. */
export function parseXml(input: string): XmlElement {
  // Leading whitespace (a stray newline before `<?xml`, common from PHP servers) would make the declaration an error.
  const text = input.replace(/^\uFEFF/, '').trimStart().replace(FORBIDDEN_CHARS, '').replace(FORBIDDEN_REFS, '');
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let failure: string | undefined;
  parser.on('error', (e) => { failure ??= e.message; });
  parser.on('doctype', () => { failure ??= 'DOCTYPE is not allowed in a WebDAV response (entity expansion refused)'; });
  parser.on('opentag', (tag: SaxesTagNS) => {
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) {
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      attrs[a.uri ? `{${a.uri}}${a.local}` : a.local] = a.value;
    }
    const el: XmlElement = { ns: tag.uri ?? '', local: tag.local, attrs, children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => { stack.pop(); });
  const addText = (t: string) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  try {
    parser.write(text).close();
  } catch (e) {
    failure ??= (e as Error).message;
  }
  if (failure) throw new XmlError(`malformed XML: ${failure}`);
  if (!root) throw new XmlError('malformed XML: no root element');
  return root;
}

/** The first child element named `{ns}local`. */
export function child(el: XmlElement | undefined, ns: string, local: string): XmlElement | undefined {
  return el?.children.find((c) => c.ns === ns && c.local === local);
}

/** All child elements named `{ns}local`. */
export function children(el: XmlElement | undefined, ns: string, local: string): XmlElement[] {
  return el ? el.children.filter((c) => c.ns === ns && c.local === local) : [];
}

/** Trimmed text of the first child `{ns}local`, or undefined. */
export function childText(el: XmlElement | undefined, ns: string, local: string): string | undefined {
  const c = child(el, ns, local);
  return c === undefined ? undefined : c.text.trim();
}

/** Escapes text for element content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!);
}
