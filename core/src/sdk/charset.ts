/**
 * Bytes → text for item files and server answers that may not be UTF-8 (Latin-1 exports, Shift-JIS phones, a
 * feed served as ISO-8859-1). Never produces replacement characters: text that cannot be decoded is refused with
 * an `Invalid` naming the source, so the item fails alone and nothing damaged is ever written.
 *
 * Order: a byte-order mark; UTF-8 when the bytes are valid UTF-8 (whatever a label says: servers mislabel); the
 * charset the transport declares (HTTP `Content-Type`); the charset the text declares itself (vCard 2.1 `CHARSET=`
 * parameters); the caller's fallback (a folder's `charset` setting: the user knows better than a detector);
 * detection (chardet, ICU's detector), taken when every likely candidate reads the bytes the same; else the error.
 * Decoding is iconv-lite's. ISO-8859-1 is read as windows-1252,
 * as browsers do (the two differ only in C1 control codes, which no calendar holds).
 */
import { createRequire } from 'node:module';
import type * as Chardet from 'chardet';
import type IconvLite from 'iconv-lite';

// Loaded on first use: a run that decodes nothing (a no-change sync) does not pay for them.
const require = createRequire(import.meta.url);
let iconvLib: typeof IconvLite | undefined;
let chardetLib: typeof Chardet | undefined;
const iconvLite = (): typeof IconvLite => (iconvLib ??= require('iconv-lite') as typeof IconvLite);
const chardet = (): typeof Chardet => (chardetLib ??= require('chardet') as typeof Chardet);
import { Invalid } from './errors.js';

export interface DecodeOptions {
  /** Named in the error (a file name, a URL). */
  name: string;
  /** The charset the transport declares (HTTP `Content-Type: …; charset=`); tried first. */
  declared?: string;
  /** The charset of text that is not UTF-8 (a folder's `charset` setting): the user knows better than detection. */
  fallback?: string;
}

export interface DecodedText {
  text: string;
  /** The charset the text was read with (`utf-8`, `windows-1252`, `Shift_JIS`, …). */
  charset: string;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
/** Likely candidates: at least this share of the best detection's confidence. */
const CANDIDATE_SHARE = 0.5;
const IN_TEXT_CHARSET = /;CHARSET=("?)([A-Za-z0-9_.:-]+)\1[;:]/gi;

/** The iconv-lite name for a label (`latin1` and `iso-8859-1` → windows-1252), or undefined when unsupported. */
function usable(label: string | undefined): string | undefined {
  if (!label) return undefined;
  const name = label.trim().replace(/^"|"$/g, '').toLowerCase();
  const mapped = name === 'iso-8859-1' || name === 'latin1' || name === 'iso8859-1' || name === 'us-ascii' || name === 'ascii' ? 'windows-1252' : name;
  return iconvLite().encodingExists(mapped) ? mapped : undefined;
}

function isUtf8(name: string): boolean {
  return name === 'utf-8' || name === 'utf8';
}

/** The bytes read as `label`, or undefined when they are not text in it (or the charset is unknown). */
export function decodeStrict(bytes: Uint8Array, label: string): string | undefined {
  const charset = usable(label);
  return charset ? decodeAs(bytes, charset) : undefined;
}

/** The bytes read as `charset`, or undefined when they are not text in it (replacement characters appear). */
function decodeAs(bytes: Uint8Array, charset: string): string | undefined {
  if (isUtf8(charset)) {
    try {
      return UTF8.decode(bytes);
    } catch {
      return undefined;
    }
  }
  const text = iconvLite().decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), charset, { stripBOM: true });
  return text.includes('\uFFFD') ? undefined : text;
}

/** The one non-UTF-8 charset the text's own `CHARSET=` parameters name, if they agree on one. */
function declaredInText(bytes: Uint8Array): string | undefined {
  const ascii = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const names = new Set([...ascii.matchAll(IN_TEXT_CHARSET)].map((m) => usable(m[2])).filter((n): n is string => !!n && !isUtf8(n)));
  return names.size === 1 ? [...names][0] : undefined;
}

/** Decodes with the detector's candidates when all likely ones agree on the text; the disagreeing names otherwise. */
function detect(bytes: Uint8Array): DecodedText | { ambiguous: string[] } {
  const results = chardet().analyse(bytes);
  const best = results[0]?.confidence ?? 0;
  const readings: { charset: string; label: string; text: string }[] = [];
  for (const r of results) {
    if (r.confidence < best * CANDIDATE_SHARE) continue;
    const charset = usable(r.name);
    const text = charset && !isUtf8(charset) ? decodeAs(bytes, charset) : undefined;
    if (charset && text !== undefined) readings.push({ charset, label: String(r.name), text });
  }
  if (!readings.length) return { ambiguous: [] };
  if (readings.every((r) => r.text === readings[0].text)) return { text: readings[0].text, charset: readings[0].label };
  return { ambiguous: [...new Set(readings.map((r) => r.label))] };
}

/** Decodes `bytes` to text (see the module doc); throws `Invalid` when they cannot be read without damage. */
export function decodeText(bytes: Uint8Array, options: DecodeOptions): DecodedText {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    const text = decodeAs(bytes.subarray(3), 'utf-8');
    if (text !== undefined) return { text, charset: 'utf-8' };
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    const charset = bytes[0] === 0xff ? 'utf-16le' : 'utf-16be';
    const text = decodeAs(bytes, charset);
    if (text !== undefined) return { text, charset };
  }
  // Valid UTF-8 with non-ASCII bytes is UTF-8, whatever a label says (servers mislabel; the reverse is rare).
  const utf8 = decodeAs(bytes, 'utf-8');
  if (utf8 !== undefined) return { text: utf8, charset: 'utf-8' };
  const declared = usable(options.declared);
  if (declared && !isUtf8(declared)) {
    const text = decodeAs(bytes, declared);
    if (text !== undefined) return { text, charset: declared };
  }
  const inText = declaredInText(bytes);
  const own = inText ? decodeAs(bytes, inText) : undefined;
  if (inText && own !== undefined) return { text: own, charset: inText };
  const fallback = usable(options.fallback);
  const viaFallback = fallback ? decodeAs(bytes, fallback) : undefined;
  if (fallback && viaFallback !== undefined) return { text: viaFallback, charset: fallback };
  const detected = detect(bytes);
  if ('text' in detected) return detected;
  const candidates = detected.ambiguous.length ? ` (it reads differently as ${detected.ambiguous.join(' and as ')})` : '';
  const setting = options.fallback ? `, nor read as the configured "${options.fallback}"` : '; name its character set with the "charset" setting';
  throw new Invalid(`${options.name}: not UTF-8, and its character set cannot be told${candidates}${setting}`);
}

/** True when `label` names a charset `decodeText` can read (for checking a `charset` setting up front). */
export function isKnownCharset(label: string): boolean {
  return usable(label) !== undefined;
}

/** The `charset` parameter of a Content-Type header value, if any. */
export function charsetOfContentType(contentType: string | null | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1];
}
