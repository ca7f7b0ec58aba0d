/**
 * The listing cursor: what the last listing saw of the feed, so the next one can skip work. For an HTTP feed
 * the validators (ETag, Last-Modified) make the request conditional; for a file the stat (mtime, size, inode)
 * spares reading it; for both a SHA-256 of the body spares parsing a body that did not change.
 */
import { createHash } from 'node:crypto';

export interface FeedCursor {
  etag?: string;
  lastModified?: string;
  /** `mtimeNs:size:inode` of a file. */
  stat?: string;
  /** SHA-256 (hex) of the body as read. */
  sha256: string;
}

const PREFIX = 'ical-feed/1:';

export function encodeCursor(cursor: FeedCursor): string {
  return PREFIX + JSON.stringify(cursor);
}

/** The cursor, or undefined for none or one this version cannot read (the listing is then a full one). */
export function decodeCursor(text: string | undefined): FeedCursor | undefined {
  if (!text?.startsWith(PREFIX)) return undefined;
  try {
    const c = JSON.parse(text.slice(PREFIX.length)) as FeedCursor;
    return typeof c === 'object' && c !== null && typeof c.sha256 === 'string' ? c : undefined;
  } catch {
    return undefined;
  }
}

/** SHA-256 (hex) of a text's UTF-8 bytes. */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
