/**
 * A no-change `dovetail sync` of two folders reads no item file on either side: what each `.ics` file holds (event or
 * task) comes from the endpoint's connector cache (`.dovetail/cache/ENDPOINT.json`), saved by the previous process.
 * Shown without tracing system calls (root ignores `chmod 000`): a file's content is changed from an event into a task
 * while its version (mtime, size, inode) stays the same. Read, it would leave the event listing and the sync would
 * delete it on the other side; listed from the cache, the run changes nothing. Also run with the connectors as child
 * processes (`"process": true`).
 */
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace, ics, type RunJson } from '../support/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

const EPOCH = 1_700_000_000;

/** The same file content as a VTODO of exactly the same size. */
function asTaskOfSameSize(text: string): string {
  const task = text.replace(/BEGIN:VEVENT/, 'BEGIN:VTODO').replace(/END:VEVENT/, 'END:VTODO').replace(/DTEND:[^\r\n]*\r\n/, '');
  const summary = /SUMMARY:[^\r\n]*/.exec(task)![0];
  const padded = task.replace(summary, summary + 'x'.repeat(text.length - task.length));
  expect(padded.length).toBe(text.length);
  return padded;
}

/** Rewrites `file` in place (same inode) as a task of the same size, with the mtime it had (a whole second). */
function turnIntoTaskKeepingVersion(file: string): void {
  const before = statSync(file, { bigint: true });
  expect(before.mtimeNs).toBe(BigInt(EPOCH) * 1_000_000_000n);
  writeFileSync(file, asTaskOfSameSize(readFileSync(file, 'utf8')));
  utimesSync(file, EPOCH, EPOCH);
  const after = statSync(file, { bigint: true });
  expect([after.mtimeNs, after.size, after.ino]).toEqual([before.mtimeNs, before.size, before.ino]);
}

const changes = (r: RunJson) => r.a.created + r.a.updated + r.a.deleted + r.b.created + r.b.updated + r.b.deleted;

describe.each([['in process', false], ['as child processes', true]])('a no-change folder sync with the connectors %s', (_how, asProcess) => {
  async function sync(): Promise<RunJson> {
    const r = await ws.run(['sync', '--json']);
    expect(r.code, r.stderr).toBe(0);
    return r.json!.runs[0]!;
  }

  function setup(): void {
    ws = new Workspace();
    ws.pairing();
    const config = JSON.parse(readFileSync(ws.path('dovetail.json'), 'utf8'));
    for (const endpoint of Object.values(config.endpoints) as { process?: boolean }[]) endpoint.process = asProcess;
    writeFileSync(ws.path('dovetail.json'), JSON.stringify(config, null, 2));
  }

  it('opens no item file on either side, and a task file in the shared folder stays out', async () => {
    setup();
    ws.put('left', { uid: 'keep@test', summary: 'Stays an event as far as the cache knows' });
    writeFileSync(ws.path('left', 'cal', 'todo.ics'), ics({ uid: 'todo@test', summary: 'x' }).replace(/VEVENT/g, 'VTODO').replace(/DTEND:[^\r\n]*\r\n/, ''));
    expect(changes(await sync())).toBe(1);
    expect([...ws.items('right').keys()]).toEqual(['keep@test']);
    expect(readFileSync(ws.path('.dovetail', 'cache', 'left.json'), 'utf8')).toContain('todo.ics');

    // Whole-second mtimes on both sides (a new version: read once more), so they can be put back exactly.
    const files = [ws.path('left', 'cal', ws.fileOf('left', 'keep@test')!), ws.path('right', 'cal', ws.fileOf('right', 'keep@test')!)];
    for (const f of files) utimesSync(f, EPOCH, EPOCH);
    const touched = await sync();
    expect([changes(touched), touched.unchanged]).toEqual([0, 1]);

    for (const f of files) turnIntoTaskKeepingVersion(f);
    const cacheFiles = ['left', 'right'].map((e) => ws.path('.dovetail', 'cache', `${e}.json`));
    const cacheIds = cacheFiles.map((f) => statSync(f, { bigint: true })).map((s) => `${s.ino}:${s.mtimeNs}`);
    const quiet = await sync();
    expect([changes(quiet), quiet.unchanged, quiet.failed]).toEqual([0, 1, 0]);
    // Nothing learned, nothing written.
    expect(cacheFiles.map((f) => statSync(f, { bigint: true })).map((s) => `${s.ino}:${s.mtimeNs}`)).toEqual(cacheIds);
  });

  it('ignores a corrupt cache file: the files are read and the run changes nothing', async () => {
    setup();
    ws.put('left', { uid: 'a@test', summary: 'A' });
    ws.put('left', { uid: 'b@test', summary: 'B' });
    expect(changes(await sync())).toBe(2);
    writeFileSync(ws.path('.dovetail', 'cache', 'left.json'), '{"format":1,"connector":"filesystem","scopes":{"');
    writeFileSync(ws.path('.dovetail', 'cache', 'right.json'), '');
    const r = await sync();
    expect([changes(r), r.unchanged, r.failed]).toEqual([0, 2, 0]);
    const rebuilt = JSON.parse(readFileSync(ws.path('.dovetail', 'cache', 'left.json'), 'utf8'));
    expect(Object.values(rebuilt.scopes).flatMap((s) => Object.keys(s as object)).sort()).toEqual(['a@test.ics', 'b@test.ics']);
  });
});
