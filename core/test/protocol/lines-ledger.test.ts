/** The framing of the out-of-process protocol (bounded lines) and the crash ledger (backoff, quarantine, expiry). */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLines } from '../../src/protocol/lines.js';
import { CrashLedger } from '../../src/host/process/crash-ledger.js';

function feed(chunks: (string | Buffer)[], options: { maxBytes: number; onOverflow?: 'stop' | 'truncate' }) {
  const stream = new PassThrough();
  const lines: string[] = [];
  const errors: string[] = [];
  readLines(stream, { ...options, onLine: (l) => lines.push(l), onError: (e) => errors.push(e.message) });
  for (const c of chunks) stream.write(c);
  stream.end();
  return new Promise<{ lines: string[]; errors: string[] }>((resolve) => stream.on('end', () => resolve({ lines, errors })).resume());
}

describe('readLines', () => {
  it('splits on newlines across chunks, drops \\r and empty lines, keeps multi-byte characters whole', async () => {
    const euro = Buffer.from('€');
    const { lines } = await feed(['{"a":1}\r\n{"b"', ':2}\n\n', euro.subarray(0, 1), Buffer.concat([euro.subarray(1), Buffer.from('\nlast')])], { maxBytes: 100 });
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '€', 'last']);
  });

  it('stops at a line longer than the bound (protocol) and reports it once', async () => {
    const { lines, errors } = await feed(['ok\n', 'x'.repeat(60), 'y'.repeat(60), '\nafter\n'], { maxBytes: 100 });
    expect(lines).toEqual(['ok']);
    expect(errors).toEqual(['a line longer than 100 bytes']);
  });

  it('cuts an over-long line and goes on in truncate mode (logs)', async () => {
    const { lines, errors } = await feed([`${'x'.repeat(150)}\nnext\n`], { maxBytes: 100, onOverflow: 'truncate' });
    expect(lines).toEqual(['x'.repeat(100), 'next']);
    expect(errors).toEqual([]);
  });
});

describe('CrashLedger', () => {
  it('backs off exponentially, quarantines at the limit within the window, and forgets after the quarantine', () => {
    let now = 1_000_000;
    const ledger = new CrashLedger({ now: () => now, backoffInitialMs: 250, backoffMaxMs: 1_000 });
    expect(ledger.backoffMs('x')).toBe(0);
    expect(ledger.record('x', 'exit 1')).toBeUndefined();
    expect(ledger.backoffMs('x')).toBe(250);
    now += 60_000;
    expect(ledger.record('x', 'exit 2')).toBeUndefined();
    expect(ledger.backoffMs('x')).toBe(500);
    expect(ledger.quarantine('y')).toBeUndefined();
    now += 60_000;
    const q = ledger.record('x', 'exit 3');
    expect(q).toMatchObject({ connectorId: 'x', crashes: [{ reason: 'exit 1' }, { reason: 'exit 2' }, { reason: 'exit 3' }], until: new Date(now + 600_000).toISOString() });
    expect(ledger.backoffMs('x')).toBe(1_000);
    now += 599_999;
    expect(ledger.quarantine('x')).toBeDefined();
    now += 1;
    expect(ledger.quarantine('x')).toBeUndefined(); // a fresh start
    expect(ledger.backoffMs('x')).toBe(0);
  });

  it('counts only crashes within the window', () => {
    let now = 0;
    const ledger = new CrashLedger({ now: () => now, limit: 3, windowMs: 10_000 });
    ledger.record('x', 'a');
    now += 6_000;
    ledger.record('x', 'b');
    now += 5_000; // the first is now older than the window
    expect(ledger.record('x', 'c')).toBeUndefined();
    now += 1_000;
    expect(ledger.record('x', 'd')?.crashes.map((c) => c.reason)).toEqual(['b', 'c', 'd']);
  });
});
