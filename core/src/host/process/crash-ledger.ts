/**
 * Crash bookkeeping for out-of-process connectors: the restart backoff after a crash, and quarantine after
 * `limit` crashes within `windowMs` (default 3 in 10 minutes). Kept per connector id by the plugin host, so a
 * quarantined connector fails only the pairings that use it; it gets a fresh start after `quarantineMs`.
 */

/** Why and since when a connector is not started. */
export interface QuarantineInfo {
  connectorId: string;
  /** ISO time the quarantine began (the last crash). */
  since: string;
  /** ISO time after which the connector is started again. */
  until: string;
  /** The crashes that led to it, oldest first. */
  crashes: { at: string; reason: string }[];
}

export interface CrashLedgerOptions {
  /** Crashes within the window that quarantine a connector (default 3). */
  limit?: number;
  /** The window (default 10 minutes). */
  windowMs?: number;
  /** How long a quarantine lasts (default 10 minutes). */
  quarantineMs?: number;
  /** First restart delay after a crash, doubled per further crash in the window (default 250 ms, at most 30 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  now?: () => number;
}

interface Entry { crashes: { at: number; reason: string }[]; quarantinedUntil?: number }

export class CrashLedger {
  readonly limit: number;
  readonly windowMs: number;
  readonly quarantineMs: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: CrashLedgerOptions = {}) {
    this.limit = options.limit ?? 3;
    this.windowMs = options.windowMs ?? 600_000;
    this.quarantineMs = options.quarantineMs ?? 600_000;
    this.backoffInitialMs = options.backoffInitialMs ?? 250;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  private recent(id: string): Entry {
    const entry = this.entries.get(id) ?? { crashes: [] };
    const now = this.now();
    if (entry.quarantinedUntil !== undefined && now >= entry.quarantinedUntil) {
      entry.quarantinedUntil = undefined;
      entry.crashes = []; // a fresh start after the quarantine
    }
    entry.crashes = entry.crashes.filter((c) => now - c.at < this.windowMs);
    this.entries.set(id, entry);
    return entry;
  }

  /** Records a crash; returns the quarantine it caused, if any. */
  record(id: string, reason: string): QuarantineInfo | undefined {
    const entry = this.recent(id);
    entry.crashes.push({ at: this.now(), reason });
    if (entry.quarantinedUntil === undefined && entry.crashes.length >= this.limit) entry.quarantinedUntil = this.now() + this.quarantineMs;
    return this.quarantine(id);
  }

  /** The connector's quarantine while it lasts. */
  quarantine(id: string): QuarantineInfo | undefined {
    const entry = this.recent(id);
    if (entry.quarantinedUntil === undefined) return undefined;
    const last = entry.crashes[entry.crashes.length - 1];
    return {
      connectorId: id,
      since: new Date(last?.at ?? this.now()).toISOString(),
      until: new Date(entry.quarantinedUntil).toISOString(),
      crashes: entry.crashes.map((c) => ({ at: new Date(c.at).toISOString(), reason: c.reason })),
    };
  }

  /** How long to wait before starting the connector again (0 without recent crashes). */
  backoffMs(id: string): number {
    const n = this.recent(id).crashes.length;
    return n === 0 ? 0 : Math.min(this.backoffMaxMs, this.backoffInitialMs * 2 ** (n - 1));
  }
}
