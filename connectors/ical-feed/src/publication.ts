/**
 * The write side: a calendar published as one .ics file. Every `write` call applies all its ops to the current
 * file and replaces it once, atomically (temp file, fsync, rename in the same folder); a call whose result is
 * byte-identical to the file does not touch it, so web servers keep serving the same ETag. The file is read
 * back for listing; the cursor (its stat, then its hash) spares reading and parsing it while it is unchanged.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  Invalid, NotFound, PreconditionFailed, Unavailable, isDovetailError, removeStaleTempFiles, replaceAtomic, syncDirectory,
  type CheckResult, type EntityType, type ListResult, type LoadResult, type Logger, type WriteOp, type WriteResult,
} from '@dovetail/core/sdk';
import { decodeCursor, encodeCursor, sha256 } from './cursor.js';
import { FeedDocument, type DocItem } from './feed-document.js';
import { notICalendarReason } from './feed-items.js';
import { readBounded, statVersion } from './file-source.js';
import { feedType } from './subscription.js';

/** The file as last read: its stat, text and hash, and its document once parsed. */
interface Snapshot {
  /** `mtimeNs:size:inode`, or `missing`. */
  stat: string;
  text: string;
  sha256: string;
  doc?: FeedDocument;
}

export interface PublicationStats {
  /** Reads of the file's content. */
  reads: number;
  /** Parses of the file. */
  parses: number;
  /** Times the file was replaced. */
  writes: number;
  /** Write calls whose result equalled the file (not touched). */
  unchangedWrites: number;
}

export class Publication {
  readonly stats: PublicationStats = { reads: 0, parses: 0, writes: 0, unchangedWrites: 0 };
  private cached?: Snapshot;

  constructor(
    private readonly file: string,
    private readonly name: string,
    private readonly maxBytes: number,
    private readonly logger: Logger,
  ) {}

  async list(entity: EntityType, cursorText: string | undefined): Promise<ListResult> {
    const type = feedType(entity);
    const known = decodeCursor(cursorText);
    const stat = await this.stat();
    if (known?.stat === stat) return { kind: 'changes', changed: [], deleted: [], cursor: cursorText! };
    const snap = await this.snapshot();
    const cursor = encodeCursor({ stat: snap.stat, sha256: snap.sha256 });
    if (known?.sha256 === snap.sha256) return { kind: 'changes', changed: [], deleted: [], cursor };
    const doc = this.document(snap);
    const items = doc.entries(type).map((i) => ({ id: i.uid, version: i.version }));
    // Items of the file that cannot be read are listed, so the sync reports them.
    const broken = doc.unreadable.filter((e) => e.component === (type === 'event' ? 'vevent' : 'vtodo'))
      .map((e) => ({ id: e.uid ?? `unreadable-item-${e.index + 1}`, version: `error:${sha256(e.message).slice(0, 16)}` }));
    return { kind: 'full', items: [...items, ...broken], cursor };
  }

  async load(ids: string[], entity: EntityType): Promise<LoadResult[]> {
    const type = feedType(entity);
    const doc = this.document(await this.snapshot());
    return ids.map((id): LoadResult => {
      const item = doc.get(type, id);
      if (item) return { ok: true, id, version: item.version, item: structuredClone(item.entity) };
      const broken = doc.unreadable.find((e) => (e.uid ?? `unreadable-item-${e.index + 1}`) === id);
      if (broken) return { ok: false, id, error: new Invalid(`${this.file}: ${id}: ${broken.message}`) };
      return { ok: false, id, error: new NotFound(`${this.file} has no ${entity} with UID ${id}`) };
    });
  }

  async write(ops: WriteOp[]): Promise<WriteResult[]> {
    const snap = await this.snapshot();
    const current = this.document(snap);
    if (current.unreadable.length) {
      throw new Invalid(`${this.file} holds ${current.unreadable.length} items that cannot be read (${current.unreadable[0].message}); fix or remove them, or publish to another "path"`);
    }
    const next = current.clone();
    const results = ops.map((op) => {
      try {
        return apply(next, op);
      } catch (e) {
        if (isDovetailError(e)) return { ok: false as const, error: e };
        return { ok: false as const, error: new Invalid((e as Error).message, { cause: e }) };
      }
    });
    const text = next.render(this.name);
    // Unchanged, or nothing to publish yet (every op failed and there is no file): the file is not touched.
    if (text === snap.text || (snap.stat === 'missing' && !results.some((r) => r.ok))) {
      this.stats.unchangedWrites++;
      return results;
    }
    try {
      await this.replace(text, snap.stat);
    } catch (e) {
      if (!isDovetailError(e, 'PreconditionFailed')) throw e;
      return results.map((r) => (r.ok ? { ok: false as const, error: e } : r));
    }
    this.cached = { stat: await this.stat(), text, sha256: sha256(text), doc: next };
    this.logger.debug({ file: this.file, ops: ops.length, bytes: Buffer.byteLength(text, 'utf8') }, 'published feed written');
    return results;
  }

  async check(): Promise<CheckResult> {
    try {
      const snap = await this.snapshot();
      const doc = this.document(snap);
      const counts = `${doc.entries('event').length} events, ${doc.entries('task').length} tasks`;
      return { ok: true, message: snap.stat === 'missing' ? `${this.file} does not exist yet; the first sync writes it` : `${this.file}: ${counts}` };
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  }

  private async stat(): Promise<string> {
    return (await statVersion(this.file, 'published feed')) ?? 'missing';
  }

  /** The file as it is now, read again only when its stat changed. */
  private async snapshot(): Promise<Snapshot> {
    const stat = await this.stat();
    if (this.cached?.stat === stat) return this.cached;
    if (stat === 'missing') return (this.cached = { stat, text: '', sha256: sha256('') });
    const text = await readBounded(this.file, this.maxBytes, 'published feed');
    this.stats.reads++;
    const problem = text.trim() === '' ? undefined : notICalendarReason(text);
    if (problem) {
      throw new Invalid(`"path" ${this.file} exists and ${problem.replace(/^is not an iCalendar feed/, 'is not an iCalendar file')}; it is left alone: point "path" at another file`);
    }
    return (this.cached = { stat, text, sha256: sha256(text) });
  }

  private document(snap: Snapshot): FeedDocument {
    if (!snap.doc) {
      snap.doc = snap.text.trim() === '' ? FeedDocument.empty() : FeedDocument.read(snap.text);
      if (snap.text.trim() !== '') this.stats.parses++;
    }
    return snap.doc;
  }

  /** Replaces the file atomically, unless it changed since `expectedStat` was read (PreconditionFailed). */
  private async replace(text: string, expectedStat: string): Promise<void> {
    const dir = path.dirname(this.file);
    try {
      await mkdir(dir, { recursive: true });
      await removeStaleTempFiles(dir, path.basename(this.file)); // of a run killed while publishing
      await replaceAtomic(dir, path.basename(this.file), text, async () => {
        if (await this.stat() !== expectedStat) throw new PreconditionFailed(`${this.file} changed while it was being written; its items are read again`);
      });
      await syncDirectory(dir);
      this.stats.writes++;
    } catch (e) {
      if (isDovetailError(e)) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new Unavailable(`cannot write the published feed ${this.file}: ${code ?? (e as Error).message}`, { cause: e });
    }
  }
}

/** Applies one op to the document; its result as the engine expects it. */
function apply(doc: FeedDocument, op: WriteOp): WriteResult {
  if (op.op === 'create') {
    const type = feedType(op.item.type);
    if (doc.get(type, op.item.uid)) return { ok: false, error: new PreconditionFailed(`the feed already holds a ${type} with UID ${op.item.uid}`) };
    const item = doc.put(op.item as DocItem['entity']);
    return { ok: true, id: item.uid, version: item.version };
  }
  if (op.op === 'update') {
    const type = feedType(op.item.type);
    const current = doc.get(type, op.id);
    if (!current) return { ok: false, error: new NotFound(`the feed has no ${type} with UID ${op.id}`) };
    if (op.ifVersion !== undefined && op.ifVersion !== current.version) return { ok: false, error: new PreconditionFailed(`${type} ${op.id} changed in the feed since it was read`) };
    const item = doc.put({ ...op.item, uid: op.id } as DocItem['entity']);
    return { ok: true, id: item.uid, version: item.version };
  }
  const candidates = doc.withUid(op.id).filter((i) => op.ifVersion === undefined || i.version === op.ifVersion);
  if (candidates.length === 0) {
    return doc.withUid(op.id).length
      ? { ok: false, error: new PreconditionFailed(`the item with UID ${op.id} changed in the feed since it was read`) }
      : { ok: false, error: new NotFound(`the feed has no item with UID ${op.id}`) };
  }
  if (candidates.length > 1) return { ok: false, error: new Invalid(`the feed holds an event and a task with UID ${op.id}; a delete needs the item's version to tell them apart`) };
  doc.remove(candidates[0]);
  return { ok: true, id: op.id };
}
