/**
 * Request XML in, response XML out. Requests are parsed with saxes (strict, namespace-aware, non-validating,
 * never loads anything external); a DOCTYPE is refused before any entity could be declared, so entity expansion
 * ("billion laughs") cannot happen, and depth and size are bounded. Responses are built from `XNode` trees.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';

export const NS = {
  SOAP: 'http://schemas.xmlsoap.org/soap/envelope/',
  SOAP12: 'http://www.w3.org/2003/05/soap-envelope',
  M: 'http://schemas.microsoft.com/exchange/services/2006/messages',
  T: 'http://schemas.microsoft.com/exchange/services/2006/types',
  E: 'http://schemas.microsoft.com/exchange/services/2006/errors',
} as const;

/** A parsed request element. */
export interface XmlElement {
  ns: string;
  local: string;
  /** Attributes by local name (namespaced ones as `{uri}local`). */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (not its children's). */
  text: string;
  /** 1-based line and column of the start tag (for ErrorSchemaValidation). */
  line: number;
  column: number;
}

/** A request that is not well-formed XML, or uses a refused feature; carries the position like Exchange reports it. */
export class XmlError extends Error {
  constructor(message: string, readonly line = 0, readonly column = 0) {
    super(message);
    this.name = 'XmlError';
  }
}

/** Limits applied while parsing a request. */
export interface ParseLimits {
  maxDepth: number;
  maxElements: number;
}

const DEFAULT_LIMITS: ParseLimits = { maxDepth: 64, maxElements: 200_000 };

/** Parses a request document. Throws `XmlError` for malformed input, a DOCTYPE, or a document over the limits. */
export function parseXml(input: string, limits: ParseLimits = DEFAULT_LIMITS): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  let failure: XmlError | undefined;
  const fail = (message: string) => {
    failure ??= new XmlError(message, parser.line, parser.column);
  };
  parser.on('error', (e) => fail(e.message));
  parser.on('doctype', () => fail('DTDs are not allowed in requests (DOCTYPE refused, no entity is expanded)'));
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (failure) return;
    count += 1;
    if (stack.length >= limits.maxDepth) fail(`the request nests elements deeper than ${limits.maxDepth} levels`);
    if (count > limits.maxElements) fail(`the request has more than ${limits.maxElements} elements`);
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) {
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      attrs[a.uri ? `{${a.uri}}${a.local}` : a.local] = a.value;
    }
    const el: XmlElement = {
      ns: tag.uri ?? '', local: tag.local, attrs, children: [], text: '', line: parser.line, column: parser.column,
    };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => { stack.pop(); });
  const addText = (t: string) => {
    const top = stack[stack.length - 1];
    if (top && !failure) top.text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  try {
    // Feed in slices so a refused construct stops the parse early instead of after the whole body.
    for (let i = 0; i < input.length && !failure; i += 65_536) parser.write(input.slice(i, i + 65_536));
    if (!failure) parser.close();
  } catch (e) {
    fail((e as Error).message);
  }
  if (failure) throw failure;
  if (!root) throw new XmlError('the request has no root element');
  return root;
}

/** The first child element `{ns}local`. */
export function child(el: XmlElement | undefined, local: string, ns: string = NS.T): XmlElement | undefined {
  return el?.children.find((c) => c.ns === ns && c.local === local);
}

/** All child elements `{ns}local`. */
export function children(el: XmlElement | undefined, local: string, ns: string = NS.T): XmlElement[] {
  return el ? el.children.filter((c) => c.ns === ns && c.local === local) : [];
}

/** Trimmed text of the first child `{ns}local`, or undefined. */
export function childText(el: XmlElement | undefined, local: string, ns: string = NS.T): string | undefined {
  const c = child(el, local, ns);
  return c === undefined ? undefined : c.text.trim();
}

/**
 * A response element, or a stored complex value (a contact's EmailAddresses, a Recurrence, …). `n` is a prefixed
 * name (`t:Subject`, `m:ResponseCode`) or, for stored values, the bare local name in the types namespace.
 */
export interface XNode {
  n: string;
  a?: Record<string, string>;
  t?: string;
  c?: XNode[];
}

/** An element node; `c` may contain undefined entries (skipped), which keeps optional children terse. */
export function el(n: string, a?: Record<string, string | undefined>, ...c: (XNode | undefined | string)[]): XNode {
  const node: XNode = { n };
  if (a) {
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(a)) if (v !== undefined) attrs[k] = v;
    if (Object.keys(attrs).length) node.a = attrs;
  }
  const kids: XNode[] = [];
  for (const x of c) {
    if (x === undefined) continue;
    if (typeof x === 'string') node.t = (node.t ?? '') + x;
    else kids.push(x);
  }
  if (kids.length) node.c = kids;
  return node;
}

/** A text-only element, or undefined when the value is undefined. */
export function textEl(n: string, value: string | number | boolean | undefined): XNode | undefined {
  return value === undefined ? undefined : { n, t: String(value) };
}

/** Copies a request element into a stored node (bare local names; attributes kept as they are). */
export function toNode(e: XmlElement): XNode {
  const node: XNode = { n: e.local };
  // Namespaced attributes (xsi:nil, …) are not part of EWS values and could not be written back unprefixed.
  const attrs = Object.entries(e.attrs).filter(([k]) => !k.startsWith('{'));
  if (attrs.length) node.a = Object.fromEntries(attrs);
  if (e.children.length) node.c = e.children.map(toNode);
  else if (e.text !== '') node.t = e.text;
  return node;
}

/** Prefixes a stored node's element names (and its children's) with `t:` for output. */
export function typed(node: XNode): XNode {
  return { ...node, n: node.n.includes(':') ? node.n : `t:${node.n}`, c: node.c?.map(typed) };
}

/** A stored node's child by local name. */
export function nodeChild(node: XNode | undefined, local: string): XNode | undefined {
  return node?.c?.find((c) => c.n === local);
}

/** Escapes text for element content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!);
}

/** Serializes a node tree (no declaration, no whitespace between elements). */
export function serialize(node: XNode): string {
  const parts: string[] = [];
  const walk = (x: XNode) => {
    parts.push('<', x.n);
    if (x.a) for (const [k, v] of Object.entries(x.a)) parts.push(' ', k, '="', escapeXml(v), '"');
    if (!x.c?.length && (x.t === undefined || x.t === '')) {
      parts.push('/>');
      return;
    }
    parts.push('>');
    if (x.t !== undefined) parts.push(escapeXml(x.t));
    for (const k of x.c ?? []) walk(k);
    parts.push('</', x.n, '>');
  };
  walk(node);
  return parts.join('');
}
