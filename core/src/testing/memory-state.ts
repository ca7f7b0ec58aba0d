/** An in-memory state store with the same contract as the lowdb one, for fast engine tests. */
import type { DayStats, PairingControl, PairingMeta, PairingState, Relation, RunRecord, StateBatch, StateStore } from '../state/types.js';
import { addRun, emptyDay } from '../state/run-stats.js';
import { StateLocked } from '../state/types.js';

export class MemoryPairingState implements PairingState {
  private rels = new Map<string, Relation>();
  private m: PairingMeta = {};
  private history: RunRecord[] = [];
  writeCount = 0;
  constructor(readonly pairing: string) {}
  relations(): IterableIterator<Relation> { return this.rels.values(); }
  get(key: string): Relation | undefined { return this.rels.get(key); }
  size(): number { return this.rels.size; }
  meta(): Readonly<PairingMeta> { return this.m; }
  async commit(batch: StateBatch): Promise<void> {
    for (const r of batch.put ?? []) this.rels.set(r.key, structuredClone(r));
    for (const k of batch.delete ?? []) this.rels.delete(k);
    if (batch.meta) this.m = { ...this.m, ...batch.meta };
    this.writeCount++;
  }
  async recordRun(run: RunRecord): Promise<void> { this.history.unshift(run); }
  async runs(limit = 20): Promise<RunRecord[]> { return this.history.slice(0, limit); }
  async close(): Promise<void> {}
  /** Forgets everything, as if the state folder were lost. */
  clear(): void { this.rels.clear(); this.m = {}; }
}

export class MemoryStateStore implements StateStore {
  private readonly states = new Map<string, MemoryPairingState>();
  private readonly locks = new Set<string>();
  async open(pairing: string): Promise<MemoryPairingState> {
    let s = this.states.get(pairing);
    if (!s) { s = new MemoryPairingState(pairing); this.states.set(pairing, s); }
    return s;
  }
  async lock(pairing: string) {
    if (this.locks.has(pairing)) throw new StateLocked(pairing, 'this process');
    this.locks.add(pairing);
    return { release: async () => { this.locks.delete(pairing); } };
  }
  async runs(pairing: string, limit?: number) { return (await this.open(pairing)).runs(limit); }
  private readonly days = new Map<string, Record<string, DayStats>>();
  private readonly controls = new Map<string, PairingControl>();
  async recordRun(pairing: string, run: RunRecord): Promise<void> {
    await (await this.open(pairing)).recordRun(run);
    const days = this.days.get(pairing) ?? {};
    const key = run.startedAt.slice(0, 10);
    days[key] ??= emptyDay();
    addRun(days[key], run);
    this.days.set(pairing, days);
  }
  async stats(pairing: string) { return structuredClone(this.days.get(pairing) ?? {}); }
  async control(pairing: string) { return { ...this.controls.get(pairing) }; }
  private readonly selections = new Map<string, string[]>();
  private readonly attendeeIndexes = new Map<string, Map<string, string[]>>();
  async selection(pairing: string) { return [...(this.selections.get(pairing) ?? [])]; }
  async updateSelection(pairing: string, add: readonly string[], remove: readonly string[]) {
    const set = new Set([...(this.selections.get(pairing) ?? []), ...add]);
    for (const uid of remove) set.delete(uid);
    this.selections.set(pairing, [...set].sort());
    return this.selection(pairing);
  }
  async attendees(pairing: string) { const i = this.attendeeIndexes.get(pairing); return i && new Map(i); }
  async saveAttendees(pairing: string, index: Map<string, string[]>) { this.attendeeIndexes.set(pairing, new Map(index)); }
  async updateControl(pairing: string, patch: Partial<PairingControl>) {
    const next: PairingControl = { ...this.controls.get(pairing), ...patch, changedAt: new Date().toISOString() };
    for (const k of Object.keys(next) as (keyof PairingControl)[]) if (next[k] === undefined) delete next[k];
    this.controls.set(pairing, next);
    return { ...next };
  }
}
