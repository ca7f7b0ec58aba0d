/**
 * A `Map<string, string>` kept outside the JavaScript heap: each pair is written as UTF-8 into large Buffers and
 * found through an open-addressing hash index in typed arrays. V8 multiplies its live heap (up to 4×) to decide
 * when to collect next; what is kept here is not in that live heap, and costs its bytes plus ~24 per entry, where a
 * Map costs ~30 per entry plus ~16-byte headers per string, all of it multiplied. For the large per-item tables of a
 * long run (a pairing's relations, the UIDs met so far, a connector cache's entries).
 *
 * Part of the SDK so that connectors and the engine share one implementation (connectors import only the SDK and
 * `packages/`): `import { StringTable } from '@dovetail/core/sdk'`.
 *
 * Iteration follows first insertion (a key deleted and set again moves to the end) and sees changes made during it,
 * as a Map's does; values and keys come back as fresh strings.
 */
export class StringTable {
  private blocks: Buffer[] = [];
  /** Write position in the last block. */
  private fill = 0;
  /** Per entry (first-insertion order): block, offset and byte length of its record (0: deleted), hash of its key. */
  private block = new Uint32Array(64);
  private offset = new Uint32Array(64);
  private length = new Uint32Array(64);
  private hashes = new Uint32Array(64);
  /** Entries allocated (live and deleted). */
  private count = 0;
  private live = 0;
  /** Open addressing: entry index + 1; 0 empty, TOMBSTONE a deleted key. */
  private slots = new Int32Array(128);
  private usedSlots = 0;
  private liveBytes = 0;
  private deadBytes = 0;
  /** Open iterators: entries are renumbered (deleted ones dropped) only when none is open. */
  private iterating = 0;

  get size(): number {
    return this.live;
  }

  /** Bytes held outside the heap (records and index), for measurements. */
  get externalBytes(): number {
    return this.blocks.reduce((n, b) => n + b.length, 0) + 16 * this.block.length + 4 * this.slots.length;
  }

  get(key: string): string | undefined {
    const entry = this.find(key, hashOf(key));
    return entry < 0 ? undefined : this.valueAt(entry);
  }

  has(key: string): boolean {
    return this.find(key, hashOf(key)) >= 0;
  }

  /** Stores `value` under `key` (a copy of both, as UTF-8: a lone surrogate reads back as U+FFFD). */
  set(key: string, value: string): void {
    const hash = hashOf(key);
    const keyBytes = Buffer.byteLength(key, 'utf8');
    const size = 4 + keyBytes + Buffer.byteLength(value, 'utf8');
    let entry = this.find(key, hash);
    if (entry >= 0) {
      this.deadBytes += this.length[entry];
      this.liveBytes -= this.length[entry];
    } else {
      entry = this.addEntry(hash);
    }
    const target = this.room(size);
    target.writeUInt32LE(keyBytes, this.fill);
    target.write(key, this.fill + 4, 'utf8');
    target.write(value, this.fill + 4 + keyBytes, 'utf8');
    this.block[entry] = this.blocks.length - 1;
    this.offset[entry] = this.fill;
    this.length[entry] = size;
    this.fill += size;
    this.liveBytes += size;
    this.maybeCompact();
  }

  delete(key: string): boolean {
    const hash = hashOf(key);
    const slot = this.slotOf(key, hash);
    if (slot < 0) return false;
    const entry = this.slots[slot] - 1;
    this.slots[slot] = TOMBSTONE;
    this.deadBytes += this.length[entry];
    this.liveBytes -= this.length[entry];
    this.length[entry] = 0;
    this.live -= 1;
    this.maybeCompact();
    return true;
  }

  /** `[key, value]` pairs in first-insertion order, as a Map's `entries()` (live: sees puts and deletes made meanwhile). */
  *entries(): IterableIterator<[string, string]> {
    this.iterating += 1;
    try {
      for (let entry = 0; entry < this.count; entry++) {
        if (this.length[entry] === 0) continue;
        yield [this.keyAt(entry), this.valueAt(entry)];
      }
    } finally {
      this.iterating -= 1;
    }
  }

  /** The keys in first-insertion order, live as `entries()` (deleting the key just given is allowed). */
  *keys(): IterableIterator<string> {
    this.iterating += 1;
    try {
      for (let entry = 0; entry < this.count; entry++) {
        if (this.length[entry] === 0) continue;
        yield this.keyAt(entry);
      }
    } finally {
      this.iterating -= 1;
    }
  }

  /** Removes every entry and gives back the memory (an iteration open meanwhile ends). */
  clear(): void {
    this.blocks = [];
    this.fill = 0;
    this.block = new Uint32Array(64);
    this.offset = new Uint32Array(64);
    this.length = new Uint32Array(64);
    this.hashes = new Uint32Array(64);
    this.count = 0;
    this.live = 0;
    this.slots = new Int32Array(128);
    this.usedSlots = 0;
    this.liveBytes = 0;
    this.deadBytes = 0;
  }

  private valueAt(entry: number): string {
    const at = this.blocks[this.block[entry]];
    const start = this.offset[entry];
    return at.toString('utf8', start + 4 + at.readUInt32LE(start), start + this.length[entry]);
  }

  /** The entry holding `key`, or -1. */
  private find(key: string, hash: number): number {
    const slot = this.slotOf(key, hash);
    return slot < 0 ? -1 : this.slots[slot] - 1;
  }

  private slotOf(key: string, hash: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const value = this.slots[slot];
      if (value === 0) return -1;
      if (value === TOMBSTONE) continue;
      const entry = value - 1;
      if (this.hashes[entry] === hash && this.keyAt(entry) === key) return slot;
    }
  }

  private keyAt(entry: number): string {
    const at = this.blocks[this.block[entry]];
    const start = this.offset[entry];
    return at.toString('utf8', start + 4, start + 4 + at.readUInt32LE(start));
  }

  private addEntry(hash: number): number {
    if (this.count === this.block.length) this.growEntries(this.block.length * 2);
    const entry = this.count++;
    this.hashes[entry] = hash;
    this.live += 1;
    if ((this.usedSlots + 1) * 2 > this.slots.length) this.rebuildIndex(this.slots.length * 2);
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = entry + 1;
    this.usedSlots += 1;
    return entry;
  }

  private growEntries(capacity: number): void {
    const grow = (from: Uint32Array) => { const to = new Uint32Array(capacity); to.set(from.subarray(0, Math.min(from.length, capacity))); return to; };
    this.block = grow(this.block);
    this.offset = grow(this.offset);
    this.length = grow(this.length);
    this.hashes = grow(this.hashes);
  }

  /** Re-inserts every live entry into a fresh index of `capacity` slots (drops tombstones). */
  private rebuildIndex(capacity: number): void {
    while (capacity < this.live * 4) capacity *= 2;
    this.slots = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let entry = 0; entry < this.count; entry++) {
      if (this.length[entry] === 0) continue;
      let slot = this.hashes[entry] & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = entry + 1;
    }
    this.usedSlots = this.live;
  }

  /** The block to write `size` bytes into at `fill` (a new one when the last is full). */
  private room(size: number): Buffer {
    const last = this.blocks[this.blocks.length - 1];
    if (last && this.fill + size <= last.length) return last;
    // Blocks grow with the table (1/8 of what it holds, 64 KiB to 4 MiB), so a small state stays small.
    const want = Math.min(MAX_BLOCK, Math.max(MIN_BLOCK, (this.liveBytes + this.deadBytes) >> 3));
    this.blocks.push(Buffer.allocUnsafeSlow(Math.max(want, size)));
    this.fill = 0;
    return this.blocks[this.blocks.length - 1];
  }

  /** Rewrites the records once more than half the bytes are dead; drops deleted entries when no iteration is open. */
  private maybeCompact(): void {
    if (this.deadBytes >= MIN_BLOCK && this.deadBytes > this.liveBytes) this.compactRecords();
    const deleted = this.count - this.live;
    if (this.iterating === 0 && deleted >= 64 && deleted > this.live) this.renumber();
  }

  private compactRecords(): void {
    const old = this.blocks;
    this.blocks = [];
    this.fill = 0;
    this.deadBytes = 0; // live bytes stay what they are: the same records, moved
    for (let entry = 0; entry < this.count; entry++) {
      const size = this.length[entry];
      if (size === 0) continue;
      const target = this.room(size);
      old[this.block[entry]].copy(target, this.fill, this.offset[entry], this.offset[entry] + size);
      this.block[entry] = this.blocks.length - 1;
      this.offset[entry] = this.fill;
      this.fill += size;
    }
  }

  private renumber(): void {
    let to = 0;
    for (let entry = 0; entry < this.count; entry++) {
      if (this.length[entry] === 0) continue;
      this.block[to] = this.block[entry];
      this.offset[to] = this.offset[entry];
      this.length[to] = this.length[entry];
      this.hashes[to] = this.hashes[entry];
      to += 1;
    }
    this.count = to;
    this.length.fill(0, to);
    if (this.block.length > 64 && to * 4 < this.block.length) this.growEntries(Math.max(64, to * 2));
    this.rebuildIndex(Math.max(128, this.slots.length >> 1));
  }
}

const TOMBSTONE = -1;
const MIN_BLOCK = 64 * 1024;
const MAX_BLOCK = 4 * 1024 * 1024;

/** FNV-1a over the key's UTF-16 code units. */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

