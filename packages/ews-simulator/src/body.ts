/**
 * Body text conversion when a client asks for the other BodyType than the one stored (Exchange converts on read:
 * HTML → plain text drops the markup, text → HTML wraps the escaped text in a minimal document).
 */
import { escapeXml } from './xml.js';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Plain text of an HTML body: block ends become line breaks, tags go, entities are decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\r\n')
    .replace(/<\/(p|div|li|tr|h[1-6])>/gi, '\r\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/(\r\n)+$/, '')
    .trim();
}

/** An HTML document for a plain-text body, shaped like the ones Exchange generates. */
export function textToHtml(text: string): string {
  const body = escapeXml(text).replace(/\r?\n/g, '<br>\r\n');
  return '<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n</head>\r\n'
    + `<body>\r\n<div>${body}</div>\r\n</body>\r\n</html>\r\n`;
}
