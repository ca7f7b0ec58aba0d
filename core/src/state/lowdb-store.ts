import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { nextTurn } from '../sdk/concurrency.js';
import { hasCode } from './durable-fs.js';
import { encodeJournalLine, JournalAppender, readJournal, type JournalBatch } from './journal.js';
import { pairingFolderName } from './pairing-folder.js';
import { acquireLock } from './pairing-lock.js';
import { readControl, updateControl } from './control-file.js';
import { LIST_FILES, readAttendees, readSelection, updateSelection, writeAttendees } from './pairing-lists.js';
import { readRuns, RunHistoryWriter, type HistoryWarning } from './run-history.js';
import { foldRun, readStats } from './run-stats.js';
import { RelationTable } from './relation-table.js';
import { readSnapshot, SNAPSHOT_FORMAT, writeSnapshot } from './snapshot.js';
import { metaProblem, relationProblem } from './state-shape.js';
import {
  StateCorrupt,
  type DayStats,
  type PairingControl,
  type PairingMeta,
  type PairingState,
  type Relation,
  type RunRecord,
  type StateBatch,
  type StateStore,
} from './types.js';

/** File names inside a pairing's folder. */
export const STATE_FILES = {
  snapshot: 'snapshot.json',
  journal: 'journal.jsonl',
  runs: 'runs.jsonl',
  lock: 'run.lock',
  stats: 'stats.json',
  control: 'control.json',
} as const;

/** Tuning of `LowdbStateStore`; the defaults suit production. */
export interface StateStoreOptions {
  /** Compact once the journal holds more than max(this, size of the last snapshot) bytes. Default 4 MiB. */
  compactBytes?: number;
  /** Compact once the journal holds more than max(this, relations / 2) lines. Default 1000. */
  compactLines?: number;
  /** Told about files set aside or cut (a corrupt run history, an unfinished journal line); default: a process warning on stderr. */
  warn?: HistoryWarning;
}

const DEFAULT_COMPACT_BYTES = 4 * 1024 * 1024;
const DEFAULT_COMPACT_LINES = 1000;

/**
 * The embedded state store: one folder per pairing under `dir`, each holding `snapshot.json`
 * (written streamed, see snapshot.ts), `journal.jsonl` (one checksummed line per committed batch),
 * `runs.jsonl` (run history) and `run.lock` while a run holds the pairing.
 */
export class LowdbStateStore implements StateStore {
  private readonly options: Required<StateStoreOptions>;
  /** One history writer per pairing (it remembers the line count, so appends do not re-read the file). */
  private readonly writers = new Map<string, RunHistoryWriter>();

  constructor(readonly dir: string, options: StateStoreOptions = {}) {
    this.options = {
      compactBytes: options.compactBytes ?? DEFAULT_COMPACT_BYTES,
      compactLines: options.compactLines ?? DEFAULT_COMPACT_LINES,
      warn: options.warn ?? ((message) => process.emitWarning(message, 'DovetailWarning')),
    };
  }

  /** The folder holding a pairing's files (the name is encoded to be filesystem-safe). */
  pairingDir(pairing: string): string {
    return path.join(this.dir, pairingFolderName(pairing));
  }

  async open(pairing: string): Promise<LowdbPairingState> {
    return LowdbPairingState.load(this.pairingDir(pairing), pairing, this.options);
  }

  async lock(pairing: string): Promise<{ release(): Promise<void> }> {
    const folder = this.pairingDir(pairing);
    await mkdir(folder, { recursive: true });
    return acquireLock(path.join(folder, STATE_FILES.lock), pairing);
  }

  async runs(pairing: string, limit?: number): Promise<RunRecord[]> {
    return readRuns(path.join(this.pairingDir(pairing), STATE_FILES.runs), limit, this.options.warn);
  }

  async recordRun(pairing: string, run: RunRecord): Promise<void> {
    const folder = this.pairingDir(pairing);
    await mkdir(folder, { recursive: true });
    let writer = this.writers.get(pairing);
    if (!writer) {
      writer = new RunHistoryWriter(path.join(folder, STATE_FILES.runs), this.options.warn);
      this.writers.set(pairing, writer);
    }
    await writer.append(run);
    await foldRun(path.join(folder, STATE_FILES.stats), run);
  }

  async stats(pairing: string): Promise<Record<string, DayStats>> {
    return readStats(path.join(this.pairingDir(pairing), STATE_FILES.stats));
  }

  async control(pairing: string): Promise<PairingControl> {
    return readControl(path.join(this.pairingDir(pairing), STATE_FILES.control), this.options.warn);
  }

  async updateControl(pairing: string, patch: Partial<PairingControl>): Promise<PairingControl> {
    const folder = this.pairingDir(pairing);
    await mkdir(folder, { recursive: true });
    return updateControl(path.join(folder, STATE_FILES.control), patch, this.options.warn);
  }

  async selection(pairing: string): Promise<string[]> {
    return readSelection(path.join(this.pairingDir(pairing), LIST_FILES.selection));
  }

  async updateSelection(pairing: string, add: readonly string[], remove: readonly string[]): Promise<string[]> {
    const folder = this.pairingDir(pairing);
    await mkdir(folder, { recursive: true });
    return updateSelection(path.join(folder, LIST_FILES.selection), add, remove);
  }

  async attendees(pairing: string): Promise<Map<string, string[]> | undefined> {
    return readAttendees(path.join(this.pairingDir(pairing), LIST_FILES.attendees));
  }

  async saveAttendees(pairing: string, index: Map<string, string[]>): Promise<void> {
    const folder = this.pairingDir(pairing);
    await mkdir(folder, { recursive: true });
    await writeAttendees(path.join(folder, LIST_FILES.attendees), index);
  }
}

/** Opens the embedded state store rooted at `dir` (created on first write). */
export function openStateStore(dir: string, options?: StateStoreOptions): StateStore {
  return new LowdbStateStore(dir, options);
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return 0;
    throw error;
  }
}

/** Checks a batch before anything is written; throws `TypeError` naming the problem. */
function toJournalBatch(batch: StateBatch): JournalBatch | undefined {
  const out: JournalBatch = {};
  if (batch.put?.length) {
    for (const relation of batch.put) {
      const problem = relationProblem(relation);
      if (problem) throw new TypeError(`invalid state batch: ${problem}`);
    }
    out.put = batch.put;
  }
  if (batch.delete?.length) {
    if (!batch.delete.every((key) => typeof key === 'string')) throw new TypeError('invalid state batch: delete holds a non-string key');
    out.delete = batch.delete;
  }
  if (batch.meta) {
    const problem = metaProblem(batch.meta);
    if (problem) throw new TypeError(`invalid state batch: ${problem}`);
    const set = Object.entries(batch.meta).filter(([, value]) => value !== undefined);
    const unset = Object.entries(batch.meta).filter(([, value]) => value === undefined).map(([key]) => key);
    if (set.length) out.meta = Object.fromEntries(set) as Partial<PairingMeta>;
    if (unset.length) out.unset = unset;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * An open pairing: relations in a compact table by key (outside the JavaScript heap, see relation-table.ts), made
 * durable by journal appends and, from time to time, a compacting snapshot. In a batch, puts are applied before
 * deletes (a key in both is deleted) and a meta key patched to `undefined` is removed. Committed relations are
 * copied in, and `get`/`relations` return fresh copies (changing one does not change the state).
 * Operations on one handle run one at a time; open a pairing once, and across processes hold
 * `StateStore.lock` while a handle is open for writing.
 */
export class LowdbPairingState implements PairingState {
  private writes = 0;
  private bytes = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private history: RunHistoryWriter;

  private constructor(
    readonly pairing: string,
    readonly folder: string,
    private readonly options: Required<StateStoreOptions>,
    private readonly fill: TableFill,
    private metaData: PairingMeta,
    private seq: number,
    private snapshotBytes: number,
    private readonly journal: JournalAppender,
  ) {
    this.history = new RunHistoryWriter(path.join(folder, STATE_FILES.runs), options.warn);
  }

  /** Loads snapshot + journal (dropping a torn last journal line); `StateCorrupt` when they cannot be read. */
  static async load(folder: string, pairing: string, options: Required<StateStoreOptions>): Promise<LowdbPairingState> {
    await mkdir(folder, { recursive: true });
    const snapshotFile = path.join(folder, STATE_FILES.snapshot);
    const journalFile = path.join(folder, STATE_FILES.journal);
    const snapshot = await readSnapshot(snapshotFile, pairing);
    const snapshotSeq = snapshot?.seq ?? 0;
    const journal = await readJournal(journalFile);
    if (journal.tornBytes) {
      options.warn(`state of pairing "${pairing}": the last line of ${journalFile} is unfinished (${journal.tornReason}; ${journal.tornBytes} bytes after batch ${journal.entries.at(-1)?.seq ?? snapshotSeq}): a run stopped while writing it, so that batch was never committed; it is dropped and the next run redoes its work`);
    }
    const pending = journal.entries.filter((entry) => entry.seq > snapshotSeq);
    if (pending.length && pending[0].seq !== snapshotSeq + 1) {
      const base = snapshot ? `the snapshot ends at sequence ${snapshotSeq}` : `${STATE_FILES.snapshot} is missing`;
      throw new StateCorrupt(journalFile, `it continues at sequence ${pending[0].seq} but ${base}: batches are missing`);
    }
    // The meta (what a run's first request needs: the change cursors) is folded now; the relations are encoded into
    // the table later (TableFill), in turns while the listings are in flight or at once on first use.
    const meta: PairingMeta = { ...snapshot?.meta };
    for (const entry of pending) applyMeta(meta, entry.batch);
    const fill = new TableFill(new RelationTable(), snapshot?.relations ?? [], pending.map((entry) => entry.batch));
    const seq = pending.length ? pending[pending.length - 1].seq : snapshotSeq;
    // Lines all folded into the snapshot: a compaction stopped before emptying the journal.
    const allFolded = journal.entries.length > 0 && pending.length === 0;
    const appender = allFolded
      ? await JournalAppender.open(journalFile, 0, 0)
      : await JournalAppender.open(journalFile, journal.validBytes, journal.entries.length);
    return new LowdbPairingState(pairing, folder, options, fill, meta, seq, await fileSize(snapshotFile), appender);
  }

  /** The relation table, filled first if it is not yet. */
  private get map(): RelationTable {
    return this.fill.table();
  }

  /** Encodes the relations read at open into the table, a few hundred per turn of the event loop. */
  async prepare(): Promise<void> {
    while (!this.fill.step(FILL_STEP)) await nextTurn();
  }

  relations(): IterableIterator<Relation> {
    return this.map.values();
  }

  unsettled(): IterableIterator<Relation> {
    return this.map.unsettled();
  }

  get(key: string): Relation | undefined {
    return this.map.get(key);
  }

  size(): number {
    return this.map.size;
  }

  meta(): Readonly<PairingMeta> {
    return { ...this.metaData };
  }

  /** Durable writes so far: journal appends and snapshot writes (run history not included). */
  get writeCount(): number {
    return this.writes;
  }

  /** Bytes written by those durable writes. */
  get bytesWritten(): number {
    return this.bytes;
  }

  /** Sequence number of the last committed batch. */
  get sequence(): number {
    return this.seq;
  }

  commit(batch: StateBatch): Promise<void> {
    return this.serialize(async () => {
      const journalBatch = toJournalBatch(batch);
      if (!journalBatch) return;
      const json = JSON.stringify(journalBatch);
      const line = encodeJournalLine(this.seq + 1, json);
      await this.journal.append(line);
      this.seq += 1;
      this.writes += 1;
      this.bytes += line.length;
      // The table keeps its own encoded copy, as a reopen would read it back (the meta patch is copied through JSON).
      applyBatch(this.map, this.metaData, journalBatch.meta ? { ...journalBatch, meta: JSON.parse(JSON.stringify(journalBatch.meta)) as Partial<PairingMeta> } : journalBatch);
      if (!this.journalTooLong()) return;
      try {
        await this.compact();
      } catch (error) {
        // The state is consistent (old snapshot + full journal); the next commit tries again.
        throw new Error(`batch ${this.seq} of pairing "${this.pairing}" was committed, but compacting its state failed: ${(error as Error).message}`, { cause: error });
      }
    });
  }

  /** Writes a snapshot of the current state now and empties the journal. */
  compactNow(): Promise<void> {
    return this.serialize(() => this.compact());
  }

  recordRun(run: RunRecord): Promise<void> {
    return this.serialize(() => this.history.append(run));
  }

  runs(limit?: number): Promise<RunRecord[]> {
    return readRuns(this.history.file, limit, this.options.warn);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await this.journal.close();
  }

  /** Write cost stays proportional to changes: a snapshot (≈ state size) is written only after a journal of comparable size. */
  private journalTooLong(): boolean {
    return (
      this.journal.size > Math.max(this.options.compactBytes, this.snapshotBytes) ||
      this.journal.lines > Math.max(this.options.compactLines, this.map.size / 2)
    );
  }

  /** Snapshot first, then empty the journal: a crash in between leaves lines the snapshot's seq makes replay skip. */
  private async compact(): Promise<void> {
    const bytes = await writeSnapshot(
      path.join(this.folder, STATE_FILES.snapshot),
      { format: SNAPSHOT_FORMAT, pairing: this.pairing, seq: this.seq, meta: this.metaData },
      this.map.values(),
    );
    this.writes += 1;
    this.bytes += bytes;
    this.snapshotBytes = bytes;
    await this.journal.clear();
  }

  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`state of pairing "${this.pairing}" is closed`));
    const result = this.tail.then(operation);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

function applyBatch(map: RelationTable, meta: PairingMeta, batch: JournalBatch): void {
  for (const relation of batch.put ?? []) map.set(relation);
  for (const key of batch.delete ?? []) map.delete(key);
  applyMeta(meta, batch);
}

function applyMeta(meta: PairingMeta, batch: JournalBatch): void {
  Object.assign(meta, batch.meta);
  for (const key of batch.unset ?? []) delete (meta as Record<string, unknown>)[key];
}

/** Relations encoded per turn by `prepare` (~1–2 ms of the event loop each turn here). */
const FILL_STEP = 250;

/**
 * The relations read at open (the snapshot's, then the journal's batches in order: a batch's puts, then its deletes),
 * still to be encoded into the table. Reading and checking the files happens at open; only the encoding waits.
 */
class TableFill {
  private snapshotAt = 0;
  private batchAt = 0;
  private putAt = 0;

  constructor(
    private readonly map: RelationTable,
    private snapshot: Relation[] | undefined,
    private batches: JournalBatch[] | undefined,
  ) {}

  /** The table, with everything encoded. */
  table(): RelationTable {
    if (this.batches) this.step(Infinity);
    return this.map;
  }

  /** Encodes up to `budget` relations (a batch's deletes count as one); true once everything is in. */
  step(budget: number): boolean {
    const snapshot = this.snapshot, batches = this.batches;
    if (!batches) return true;
    for (; budget > 0 && snapshot && this.snapshotAt < snapshot.length; budget--) {
      this.map.set(snapshot[this.snapshotAt]);
      (snapshot as unknown[])[this.snapshotAt++] = undefined; // its object dropped as the table fills
    }
    while (budget > 0 && this.batchAt < batches.length) {
      const batch = batches[this.batchAt];
      const puts = batch.put ?? [];
      for (; budget > 0 && this.putAt < puts.length; budget--) this.map.set(puts[this.putAt++]);
      if (this.putAt < puts.length) break;
      for (const key of batch.delete ?? []) this.map.delete(key);
      budget--;
      this.batchAt++;
      this.putAt = 0;
    }
    if (this.batchAt < batches.length || (snapshot && this.snapshotAt < snapshot.length)) return false;
    this.snapshot = this.batches = undefined;
    return true;
  }
}
