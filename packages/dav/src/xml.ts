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
  const parser = new XmlStreamParser();
  parser.write(input);
  return parser.close();
}

/** What an `XmlStreamParser` hands over as it reads. */
export interface XmlStreamOptions {
  /**
   * Called with each child of the root element once it is complete; the child is then NOT kept in the tree, so a
   * listing of any length is held one `<response>` at a time (nor is the root's own text kept: its `text` stays '').
   * Without it, the whole tree is kept.
   */
  onRootChild?: (el: XmlElement) => void;
  /** Called when the root element opens (before its children), e.g. to refuse a document of the wrong kind. */
  onRoot?: (root: XmlElement) => void;
}

/** Characters of a possibly cut character reference (`&#x1`) held back at the end of a chunk. */
const REF_TAIL = /&#?[xX]?[0-9a-fA-F]{0,8}$/;

/**
 * An incremental parser: `write` text as it arrives (any split, even inside a tag), then `close` for the root.
 * Malformed input or a DOCTYPE throws `XmlError` from the `write` or `close` that meets it.
 */
export class XmlStreamParser {
  private readonly parser = new SaxesParser({ xmlns: true, position: true });
  private readonly stack: XmlElement[] = [];
  private root?: XmlElement;
  private failure?: string;
  /** An error thrown by a callback (a size cap, a wrong root): rethrown as it is. */
  private stopped?: { error: unknown };
  private started = false;
  /** The end of the previous chunk that may be the start of a character reference. */
  private carry = '';

  constructor(private readonly options: XmlStreamOptions = {}) {
    const p = this.parser;
    p.on('error', (e) => { this.failure ??= e.message; });
    p.on('doctype', () => { this.failure ??= 'DOCTYPE is not allowed in a WebDAV response (entity expansion refused)'; });
    p.on('opentag', (tag: SaxesTagNS) => {
      const attrs: Record<string, string> = {};
      for (const a of Object.values(tag.attributes)) {
        if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
        attrs[a.uri ? `{${a.uri}}${a.local}` : a.local] = a.value;
      }
      const el: XmlElement = { ns: tag.uri ?? '', local: tag.local, attrs, children: [], text: '' };
      const parent = this.stack[this.stack.length - 1];
      if (parent) parent.children.push(el);
      else {
        this.root = el;
        this.callback(() => this.options.onRoot?.(el));
      }
      this.stack.push(el);
    });
    p.on('closetag', () => {
      const el = this.stack.pop();
      if (el && this.stack.length === 1 && this.options.onRootChild) {
        this.stack[0]!.children.pop(); // handed over, not kept
        const onRootChild = this.options.onRootChild;
        this.callback(() => onRootChild(el));
      }
    });
    const addText = (t: string) => {
      // A streamed root's own text (the whitespace between its children) is never read: not kept, as it would
      // grow with every child handed over.
      if (this.stack.length === 1 && this.options.onRootChild) return;
      const top = this.stack[this.stack.length - 1];
      if (top) top.text += t;
    };
    p.on('text', addText);
    p.on('cdata', addText);
  }

  /** Feeds the next piece of the document. */
  write(chunk: string): void {
    let text = this.carry + chunk;
    this.carry = '';
    if (!this.started) {
      // Leading whitespace (a stray newline before `<?xml`, common from PHP servers) would make the declaration an error.
      text = text.replace(/^\uFEFF/, '').trimStart();
      if (!text) return;
      this.started = true;
    }
    const tail = REF_TAIL.exec(text);
    if (tail) {
      this.carry = tail[0];
      text = text.slice(0, tail.index);
    }
    this.feed(text);
  }

  /** Ends the document; returns the root (without the children handed to `onRootChild`). */
  close(): XmlElement {
    this.feed(this.carry);
    this.carry = '';
    try {
      this.parser.close();
    } catch (e) {
      this.failure ??= (e as Error).message;
    }
    this.check();
    if (!this.root) throw new XmlError('malformed XML: no root element');
    return this.root;
  }

  private feed(text: string): void {
    if (text) {
      try {
        this.parser.write(text.replace(FORBIDDEN_CHARS, '').replace(FORBIDDEN_REFS, ''));
      } catch (e) {
        this.failure ??= (e as Error).message;
      }
    }
    this.check();
  }

  private callback(fn: () => void): void {
    if (this.stopped) return;
    try {
      fn();
    } catch (error) {
      this.stopped = { error };
    }
  }

  private check(): void {
    if (this.stopped) throw this.stopped.error;
    if (this.failure) throw new XmlError(`malformed XML: ${this.failure}`);
  }
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
