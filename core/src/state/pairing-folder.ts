import { createHash } from 'node:crypto';

/** Longest folder name we produce; well under the 255-byte limit of common filesystems. */
const MAX_FOLDER_NAME = 120;

/**
 * Maps a pairing name (any user string) to a folder name that is safe on every common filesystem
 * and collision-free, also on case-insensitive ones: lower-case ASCII letters, digits, `-` and `_`
 * are kept; every other UTF-8 byte becomes `%XX` (upper-case hex). A `p-` prefix keeps clear of
 * reserved names (`CON`, `NUL`, `.`, `..`). Names too long are cut and suffixed with a SHA-256
 * of the full name.
 */
export function pairingFolderName(pairing: string): string {
  if (typeof pairing !== 'string' || pairing.length === 0) {
    throw new TypeError('pairing name must be a non-empty string');
  }
  let encoded = 'p-';
  for (const byte of Buffer.from(pairing, 'utf8')) {
    const kept = (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2d || byte === 0x5f;
    encoded += kept ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (encoded.length <= MAX_FOLDER_NAME) return encoded;
  const digest = createHash('sha256').update(pairing, 'utf8').digest('hex');
  // '~' never appears in short names, so a cut name cannot equal a short one.
  let cut = MAX_FOLDER_NAME - digest.length - 1;
  const escape = encoded.lastIndexOf('%', cut - 1);
  if (escape > cut - 3) cut = escape; // never split a %XX escape
  return `${encoded.slice(0, cut)}~${digest}`;
}
