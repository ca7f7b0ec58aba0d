/** Where a subscribed feed's bytes come from: an HTTP(S) server or a local file. */

/** What the last read saw, so the next one can ask "changed since?". */
export interface Validators {
  etag?: string;
  lastModified?: string;
  /** `mtimeNs:size:inode` of a file. */
  stat?: string;
}

/** A read: the feed did not change since `known` (nothing transferred), or its body. */
export type Fetched =
  | { kind: 'not-modified' }
  | { kind: 'body'; text: string; validators: Validators };

export interface FeedSource {
  /** The feed as messages and logs name it (a redacted URL or a path). */
  readonly shown: string;
  /** Reads the feed; with `known`, conditionally. Throws typed errors (NotFound, AuthFailed, Invalid, Unavailable). */
  fetch(known?: Validators): Promise<Fetched>;
  close?(): Promise<void>;
}
