/**
 * At most N tasks at once per key (a server's per-mailbox or per-user concurrency limit); the rest wait in
 * arrival order. Keys with nothing running or waiting are forgotten.
 */
export class KeyedLimiter {
  private readonly lanes = new Map<string, { running: number; waiting: (() => void)[] }>();

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a concurrency limit must be a whole number ≥ 1, not ${limit}`);
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let lane = this.lanes.get(key);
    if (!lane) { lane = { running: 0, waiting: [] }; this.lanes.set(key, lane); }
    if (lane.running >= this.limit) await new Promise<void>((resolve) => lane!.waiting.push(resolve));
    lane.running++;
    try {
      return await task();
    } finally {
      lane.running--;
      const next = lane.waiting.shift();
      if (next) next();
      else if (lane.running === 0) this.lanes.delete(key);
    }
  }
}

/** What a task run by an `AdaptiveLimiter` reports about the server's answer. */
export interface LimiterSlot {
  /** The server said "busy" (429/503): the window halves (once per round of requests). */
  busy(): void;
  /** The server answered normally: after a window's worth of such answers the window grows by one. */
  ok(): void;
}

/**
 * At most `limit` tasks at once, where `limit` moves between 1 and `max` like TCP's congestion window (additive
 * increase, multiplicative decrease): a server that answers "busy" gets half as many requests in flight, and only
 * after `limit` calm answers in a row one more. Busy answers to requests sent before the last decrease do not
 * halve it again (one burst of 503s halves once, not once per request). Waiting tasks start in arrival order.
 */
export class AdaptiveLimiter {
  private running = 0;
  private current: number;
  private calm = 0;
  /** Counts decreases; a slot remembers the epoch it started in. */
  private epoch = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`a concurrency limit must be a whole number ≥ 1, not ${max}`);
    this.current = max;
  }

  /** Tasks allowed in flight now. */
  get limit(): number {
    return this.current;
  }

  /** Tasks in flight now. */
  get inFlight(): number {
    return this.running;
  }

  async run<T>(task: (slot: LimiterSlot) => Promise<T>): Promise<T> {
    if (this.running < this.current && this.waiting.length === 0) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is counted when handed over
    let started = this.epoch;
    const slot: LimiterSlot = {
      busy: () => {
        if (started === this.epoch) {
          this.current = Math.max(1, Math.floor(this.current / 2));
          this.epoch++;
          this.calm = 0;
        }
        started = this.epoch; // a retry of this request counts in the new round
      },
      ok: () => {
        if (this.current >= this.max || ++this.calm < this.current) return;
        this.current++;
        this.calm = 0;
        this.dispatch();
      },
    };
    try {
      return await task(slot);
    } finally {
      this.running--;
      this.dispatch();
    }
  }

  private dispatch(): void {
    while (this.waiting.length && this.running < this.current) {
      this.running++;
      this.waiting.shift()!();
    }
  }
}
