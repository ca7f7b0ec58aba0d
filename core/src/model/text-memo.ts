/**
 * A small bounded memo of pure functions of a text (parse results, fingerprints). The engine hashes what it
 * will write by parsing the serialised text back; for an item whose text did not change that is the text it
 * parsed a moment earlier, so a handful of recent entries spares the second parse. Oldest entries go first.
 * Values handed out are shared: callers must treat them as read-only.
 */
export class TextMemo<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  /** The value for `text`, computed by `compute` when not held. */
  get(text: string, compute: (text: string) => V): V {
    const held = this.entries.get(text);
    if (held !== undefined) return held;
    const value = compute(text);
    this.entries.set(text, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}
