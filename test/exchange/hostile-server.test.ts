/**
 * An Exchange server (the EWS simulator on 127.0.0.1) that turns hostile while a folder is pushed into it, through
 * the real CLI: it hangs on every CreateItem, or answers ErrorServerBusy with an hour's back-off. The run's budget
 * ends the run quickly with exit 3 after a bounded number of requests; the next run converges without duplicates.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EwsSimulator } from '@dovetail/ews-simulator';
import { Workspace } from '../support/workspace.js';

const USER = 'hostile@example.com';
const PASSWORD = 'Hostile-secret-1';
const ITEMS = 12;

let sim: EwsSimulator;
let ws: Workspace;
beforeAll(async () => {
  sim = await EwsSimulator.start({ users: [{ email: USER, password: PASSWORD }] });
});
afterAll(async () => {
  await sim?.stop();
});
afterEach(() => {
  sim.clearFaults();
  ws?.cleanup();
});

let n = 0;
/** ITEMS events in a folder, pushed into a new Exchange calendar in chunks (and EWS batches) of `batchSize`. */
function setup(batchSize: number): string {
  ws = new Workspace('dovetail-exchange-hostile-');
  const folder = `calendar/hostile-${process.pid}-${++n}`;
  ws.config({}, {});
  writeFileSync(ws.path('dovetail.json'), JSON.stringify({
    endpoints: {
      left: { connector: 'filesystem', settings: { path: './left' } },
      ex: { connector: 'exchange', settings: { url: sim.url, username: USER, password: PASSWORD, timeZone: 'UTC', batchSize, timeoutMs: 1000 } },
    },
    pairings: { p: { entity: 'event', a: { endpoint: 'left', collection: 'cal' }, b: { endpoint: 'ex', collection: folder, create: true }, mode: 'push-a-to-b', chunkSize: batchSize } },
  }, null, 2));
  for (let i = 0; i < ITEMS; i++) ws.put('left', { uid: `x${n}-${i}@example.org`, summary: `X${i}`, start: `202606${String(i + 1).padStart(2, '0')}T090000Z` });
  return folder;
}

/** UIDs stored in the Exchange folder; fails on a duplicate. */
function exchangeUids(): string[] {
  const uids = sim.api.items({ mailbox: USER }).filter((i) => i.element === 'CalendarItem')
    .map((i) => (i.props.UID as { t?: string } | undefined)?.t ?? i.id);
  expect(new Set(uids).size).toBe(uids.length);
  return uids.sort();
}

async function convergesAfterHealing(): Promise<void> {
  sim.clearFaults();
  const before = exchangeUids().length;
  const next = await ws.sync();
  expect(next.code).toBe(0);
  expect(exchangeUids().length - before).toBe(ITEMS);
  const quiet = await ws.sync();
  expect(quiet.code).toBe(0);
  expect(quiet.report.b).toEqual({ created: 0, updated: 0, deleted: 0 });
}

describe('exchange: hostile server, run budget', () => {
  it('hangs on every CreateItem: 3 batches time out (1 s time-out), the rest is not attempted, exit 3; the next run converges', async () => {
    setup(2);
    sim.injectFault({ kind: 'hang', operation: 'CreateItem', count: 1000 });
    const created = sim.requests({ operation: 'CreateItem' }).length;
    const started = Date.now();
    const r = await ws.sync();
    expect(r.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(sim.requests({ operation: 'CreateItem' }).length - created).toBe(3);
    expect(r.report.aborted).toMatch(/^stopped sending to 127\.0\.0\.1:\d+ for the rest of this run: 3 requests in a row failed; the last: timed out .*; 6 changes not attempted/);
    await convergesAfterHealing();
  });

  it('a folder holding more than maxListItems: the run fails naming the setting (exit 3), nothing written', async () => {
    setup(50);
    expect((await ws.sync()).code).toBe(0); // 12 events now in Exchange
    const config = JSON.parse(readFileSync(ws.path('dovetail.json'), 'utf8'));
    config.endpoints.ex.settings.maxListItems = 5;
    writeFileSync(ws.path('dovetail.json'), JSON.stringify(config));
    ws.put('left', { uid: `extra-${n}@example.org`, summary: 'Extra' });
    const r = await ws.sync();
    expect(r.code).toBe(3);
    expect(r.report.aborted).toMatch(/listing .* holds more than 5 items; raise "maxListItems" in the endpoint's settings/);
    expect(exchangeUids().filter((u) => u.startsWith('extra-'))).toEqual([]);
  });

  it('ErrorServerBusy with an hour of back-off: the server is left alone for the rest of the run (exit 3); the next run converges', async () => {
    setup(2);
    sim.injectFault({ kind: 'server-busy', operation: 'CreateItem', backOffMs: 3_600_000, count: 1000 });
    const created = sim.requests({ operation: 'CreateItem' }).length;
    const r = await ws.sync();
    expect(r.code).toBe(3);
    expect(sim.requests({ operation: 'CreateItem' }).length - created).toBe(1);
    expect(r.report.aborted).toMatch(/it asked to wait 3600 s \(Retry-After\), more than the 60 s a run waits; 10 changes not attempted/);
    await convergesAfterHealing();
  });
});
