/**
 * Run reports: counts per side, conflicts, skipped and failed items, item-level detail for `--json`. The item lines
 * are bounded: every failed, conflicting, repaired or altered item has one, other items only the first
 * `MAX_ROUTINE_ITEMS` (the rest are counted in `itemsOmitted`), so a run's report — held in memory, printed and kept
 * in the run history — does not grow with the size of a collection.
 */
import type { Alteration } from '../sdk/connector.js';
import type { ActionOutcome } from './apply.js';
import { ownString } from '../sdk/own-string.js';
import type { Action, Plan, Side } from './plan-types.js';

export interface SideCounts {
  created: number;
  updated: number;
  deleted: number;
}

export interface ReportItem {
  action: 'create' | 'update' | 'delete' | 'skip' | 'conflict';
  side?: Side;
  uid: string;
  title: string;
  reason: string;
  ok: boolean;
  error?: string;
  /** Repair rules that made the target accept the item (the source is untouched). */
  repaired?: string[];
  /** Properties the target lost or changed when it stored the item. */
  altered?: Alteration[];
}

/** The `runs[]` element of `dovetail sync --json` (DESIGN §6). */
export interface RunReport {
  pairing: string;
  ok: boolean;
  dryRun: boolean;
  startedAt: string;
  durationMs: number;
  /** Changes made on side A (planned, in a dry run) and on side B. */
  a: SideCounts;
  b: SideCounts;
  unchanged: number;
  conflicts: number;
  skipped: number;
  failed: number;
  /** Items written only once repaired (`items[].repaired` names the rules). */
  repaired?: number;
  /** Items the server stored otherwise than sent (`items[].altered` names the properties). */
  altered?: number;
  /**
   * Changes not carried to the other side on purpose, per side and reason: "3 changes on b not synced: side a is
   * read-only". Absent when there are none.
   */
  notSynced?: { side: Side; count: number; reason: string }[];
  /**
   * Collection names and colours written (planned, in a dry run) to carry a change from the other side, as the side
   * holds them; `asked`: the values carried where the side took others (the nearest colour of its palette, a name
   * it keeps).
   */
  collections?: { side: Side; name?: string; color?: string; asked?: { name?: string; color?: string } }[];
  /** Set when a guard stopped the run (exit 1 unless --force). */
  blocked?: string;
  /** Set when the run stopped early (auth failure, a host given up, abort). */
  aborted?: string;
  /**
   * Why the run stopped early: `auth` (credentials refused mid-run), `unreachable` (the run gave up a host that
   * stopped answering or asked for a longer pause than a run waits), `interrupted` (shutdown).
   */
  failure?: 'auth' | 'unreachable' | 'interrupted';
  /** Changes never sent because the run gave up their host; left for the next run, without a retry penalty. */
  notAttempted?: number;
  errors: { uid?: string; side?: Side; message: string }[];
  /**
   * Item lines: every item that failed, is in conflict, or was repaired or altered; of the others (written, skipped,
   * not synced on purpose) the first `MAX_ROUTINE_ITEMS`. The counts above cover every item.
   */
  items: ReportItem[];
  /** Item lines left out of `items` past the first `MAX_ROUTINE_ITEMS` routine ones; absent when none were. */
  itemsOmitted?: number;
}

/** How many item lines of routine items (written, skipped or held, without a problem) a report keeps. */
export const MAX_ROUTINE_ITEMS = 1000;

/** How many distinct reasons a report keeps one copy of (most runs have a handful; some name items in theirs). */
const MAX_SHARED_REASONS = 1000;

export class ReportBuilder {
  readonly r: RunReport;
  constructor(pairing: string, dryRun: boolean, startedAt: string) {
    this.r = {
      pairing, ok: true, dryRun, startedAt, durationMs: 0,
      a: { created: 0, updated: 0, deleted: 0 }, b: { created: 0, updated: 0, deleted: 0 },
      unchanged: 0, conflicts: 0, skipped: 0, failed: 0, errors: [], items: [],
    };
  }

  /** Skips, conflicts and errors of a plan; in a dry run also the planned actions. */
  countPlan(plan: Plan, replan = false): void {
    if (!replan) this.r.unchanged += plan.unchanged;
    for (const s of plan.skipped) {
      if (s.kind === 'conflict') {
        this.r.conflicts++;
        this.item({ action: 'conflict', side: s.side, uid: s.key, title: s.title, reason: s.reason, ok: false });
      } else if (s.kind === 'error' || s.kind === 'duplicate') {
        this.r.failed++;
        this.r.errors.push({ uid: s.key, side: s.side, message: `${s.title}: ${s.reason}` });
        this.item({ action: 'skip', side: s.side, uid: s.key, title: s.title, reason: s.reason, ok: false, error: s.reason });
      } else {
        this.r.skipped++;
        this.item({ action: 'skip', side: s.side, uid: s.key, title: s.title, reason: s.reason, ok: true });
      }
    }
    for (const h of plan.held) {
      const list = (this.r.notSynced ??= []);
      const entry = list.find((n) => n.side === h.side && n.reason === h.reason);
      if (entry) entry.count++;
      else list.push({ side: h.side, count: 1, reason: h.reason });
      this.item({ action: 'skip', side: h.side, uid: h.key, title: h.title, reason: `not synced: ${h.reason}`, ok: true });
    }
    if (this.r.dryRun) for (const a of plan.actions) this.count(a);
  }

  outcome(o: ActionOutcome): void {
    if (!o.ok) {
      this.fail(o.action, o.error?.code ?? 'Error', o.error?.message ?? 'failed');
      return;
    }
    const notes: Pick<ReportItem, 'repaired' | 'altered'> = {};
    if (o.repaired?.length) {
      notes.repaired = o.repaired;
      this.r.repaired = (this.r.repaired ?? 0) + 1;
    }
    if (o.altered?.length) {
      notes.altered = o.altered;
      this.r.altered = (this.r.altered ?? 0) + 1;
    }
    this.count(o.action, notes);
  }

  fail(a: Action, code: string, message: string): void {
    this.r.failed++;
    this.r.errors.push({ uid: a.uid, side: a.target, message: `${a.kind} on ${a.target} "${a.title}": ${code}: ${message}` });
    this.item({ action: a.kind, side: a.target, uid: a.uid, title: a.title, reason: a.reason, ok: false, error: `${code}: ${message}` });
  }

  abort(message: string, failure: RunReport['failure']): void {
    this.r.aborted = message;
    this.r.failure = failure;
    this.r.errors.push({ message });
  }

  private count(a: Action, notes: Pick<ReportItem, 'repaired' | 'altered'> = {}): void {
    const c = this.r[a.target];
    if (a.kind === 'create') c.created++;
    else if (a.kind === 'update') c.updated++;
    else c.deleted++;
    this.item({ action: a.kind, side: a.target, uid: a.uid, title: a.title, reason: a.reason, ok: true, ...notes });
  }

  /** Routine item lines kept so far (see `MAX_ROUTINE_ITEMS`). */
  private routine = 0;

  /** Reasons met so far, each kept once ("new on a" repeats for every item of an initial sync). */
  private readonly reasons = new Map<string, string>();

  /**
   * Adds an item line — or, for a routine item past the first `MAX_ROUTINE_ITEMS`, counts it in `itemsOmitted`. Its
   * UID and title are copied, so the report holds no item's raw text.
   */
  private item(i: ReportItem): void {
    const notable = !i.ok || i.action === 'conflict' || !!i.repaired?.length || !!i.altered?.length;
    if (!notable) {
      if (this.routine >= MAX_ROUTINE_ITEMS) {
        this.r.itemsOmitted = (this.r.itemsOmitted ?? 0) + 1;
        return;
      }
      this.routine++;
    }
    let reason = this.reasons.get(i.reason);
    if (reason === undefined) {
      reason = ownString(i.reason);
      if (this.reasons.size < MAX_SHARED_REASONS) this.reasons.set(reason, reason);
    }
    this.r.items.push({ ...i, uid: ownString(i.uid), title: ownString(i.title), reason });
  }

  finish(durationMs: number): RunReport {
    this.r.durationMs = durationMs;
    this.r.ok = this.r.failed === 0 && !this.r.blocked && !this.r.aborted;
    return this.r;
  }
}
