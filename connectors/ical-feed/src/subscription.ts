/**
 * The read side: a subscribed feed as one read-only collection.
 *
 * Listing costs as little as the feed allows. With the cursor of the last listing the read is conditional: a
 * 304 (or an unchanged file stat) is an empty change list, nothing parsed; a 200 whose body hashes as before
 * (a feed that regenerates DTSTAMP or reorders nothing) is the same. Otherwise the body is parsed once and the
 * listing is full (the engine diffs it against its state); `load` is served from that parse.
 */
import {
  Invalid, NotFound,
  type CheckResult, type EntityType, type ListResult, type LoadResult, type Logger,
} from '@dovetail/core/sdk';
import { decodeCursor, encodeCursor, sha256, type FeedCursor } from './cursor.js';
import { readFeedItems, type FeedEntityType, type FeedItems } from './feed-items.js';
import type { FeedSource } from './source.js';

/** Counters for tests, logs and benchmarks. */
export interface SubscriptionStats {
  /** Reads of the feed (HTTP requests or file reads that got as far as the stat). */
  fetches: number;
  /** Reads answered "not modified" (304, or an unchanged file stat). */
  notModified: number;
  /** Bodies read whose hash matched the last listing's (not parsed). */
  unchangedBodies: number;
  /** Bodies parsed. */
  parses: number;
}

export class Subscription {
  readonly stats: SubscriptionStats = { fetches: 0, notModified: 0, unchangedBodies: 0, parses: 0 };
  /** The last parse, by the hash of its body. */
  private parsed?: { sha256: string; items: FeedItems };
  /** Hash of the body the last listing stands for. */
  private listedSha?: string;

  constructor(private readonly source: FeedSource, private readonly logger: Logger) {}

  get shown(): string {
    return this.source.shown;
  }

  async list(entity: EntityType, cursorText: string | undefined): Promise<ListResult> {
    const type = feedType(entity);
    const known = decodeCursor(cursorText);
    this.stats.fetches++;
    const fetched = await this.source.fetch(known);
    if (fetched.kind === 'not-modified') {
      this.stats.notModified++;
      this.listedSha = known!.sha256;
      this.logger.debug({ feed: this.shown }, 'feed not modified since the last sync: nothing read or parsed');
      return { kind: 'changes', changed: [], deleted: [], cursor: encodeCursor(known!) };
    }
    const hash = sha256(fetched.text);
    const next: FeedCursor = { ...fetched.validators, sha256: hash };
    this.listedSha = hash;
    if (known?.sha256 === hash) {
      this.stats.unchangedBodies++;
      this.logger.debug({ feed: this.shown, bytes: fetched.text.length }, 'feed body unchanged since the last sync: not parsed');
      return { kind: 'changes', changed: [], deleted: [], cursor: encodeCursor(next) };
    }
    const items = this.parse(fetched.text, hash);
    return { kind: 'full', items: [...items[type].values()].map((e) => ({ id: e.id, version: e.version })), cursor: encodeCursor(next) };
  }

  async load(ids: string[], entity: EntityType): Promise<LoadResult[]> {
    const items = (await this.current())[feedType(entity)];
    return ids.map((id): LoadResult => {
      const entry = items.get(id);
      if (!entry) return { ok: false, id, error: new NotFound(`${this.shown} has no ${entity} with UID ${id}`) };
      if (entry.error !== undefined) return { ok: false, id, error: new Invalid(`${this.shown}: ${id}: ${entry.error}`) };
      return { ok: true, id, version: entry.version, item: structuredClone(entry.item!) };
    });
  }

  /** Reads and parses the feed; ok with what it holds, or the reason it cannot be used. */
  async check(): Promise<CheckResult> {
    try {
      this.stats.fetches++;
      const fetched = await this.source.fetch();
      if (fetched.kind !== 'body') throw new Error('an unconditional read answered "not modified"');
      const items = this.parse(fetched.text, sha256(fetched.text));
      const count = (type: FeedEntityType) => [...items[type].values()].filter((e) => e.error === undefined).length;
      const broken = items.event.size + items.task.size - count('event') - count('task');
      const kib = Math.round(Buffer.byteLength(fetched.text, 'utf8') / 1024);
      return {
        ok: true,
        message: `${this.shown}: ${count('event')} events, ${count('task')} tasks (${kib} KiB)${broken ? `; ${broken} items cannot be read and will be reported when syncing` : ''}`,
      };
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  }

  close(): Promise<void> {
    return this.source.close?.() ?? Promise.resolve();
  }

  /** The items of the body the last listing stands for; read again when this process has not parsed it. */
  private async current(): Promise<FeedItems> {
    if (this.parsed && (this.listedSha === undefined || this.parsed.sha256 === this.listedSha)) return this.parsed.items;
    this.stats.fetches++;
    const fetched = await this.source.fetch();
    if (fetched.kind !== 'body') throw new Error('an unconditional read answered "not modified"');
    return this.parse(fetched.text, this.listedSha = sha256(fetched.text));
  }

  private parse(text: string, hash: string): FeedItems {
    if (this.parsed?.sha256 === hash) return this.parsed.items;
    const started = performance.now();
    const items = readFeedItems(text);
    this.stats.parses++;
    this.parsed = { sha256: hash, items };
    this.logger.debug({ feed: this.shown, events: items.event.size, tasks: items.task.size, ms: Math.round(performance.now() - started) }, 'feed parsed');
    return items;
  }
}

/** The feed's entity type for `entity`; contacts are not in iCalendar feeds. */
export function feedType(entity: EntityType): FeedEntityType {
  if (entity === 'contact') throw new Invalid('an iCal feed holds events and tasks, not contacts');
  return entity;
}
