/**
 * PC CADDIE contacts end to end through the CLI on real folders: only contacts someone chose (`dovetail select …
 * add`, PC CADDIE's "+ADD") or booked in the timetable (the attendees of another pairing's events, "Auto sync
 * contacts") reach the server.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ics, Workspace } from '../support/workspace.js';
import { itemText, putCard, uidsIn } from '../support/folder-items.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

function setup(): Workspace {
  ws = new Workspace('dovetail-pccaddie-');
  ws.config({
    timetable: { entity: 'event', a: { endpoint: 'left', collection: 'timetable' }, b: { endpoint: 'right', collection: 'timetable', create: true }, mode: 'push-a-to-b' },
    members: {
      preset: 'pccaddie',
      a: { endpoint: 'left', collection: 'contacts' }, b: { endpoint: 'right', collection: 'contacts', create: true },
      filters: { include: [{ predicate: 'selected', side: 'a' }, { predicate: 'attendee-of', pairing: 'timetable', side: 'a' }] },
    },
  });
  for (const [uid, name, mail] of [['m-anna', 'Anna Alt', 'anna@club.example'], ['m-ben', 'Ben Berg', 'Ben@Club.example'], ['m-cleo', 'Cleo Cruz', 'cleo@club.example']]) {
    putCard(ws.path('left', 'contacts'), uid, [`FN:${name}`, `N:${name.split(' ')[1]};${name.split(' ')[0]};;;`, `EMAIL;TYPE=INTERNET:${mail}`]);
  }
  return ws;
}

function booking(uid: string, attendees: string[]): void {
  mkdirSync(ws.path('left', 'timetable'), { recursive: true });
  writeFileSync(ws.path('left', 'timetable', `${uid}.ics`), ics({ uid, summary: 'Tee time', start: '20260601T080000Z', extra: attendees.map((m) => `ATTENDEE;CN=Player:mailto:${m}`) }));
}

describe('PC CADDIE: selected and booked contacts only', () => {
  it('syncs no contact until one is selected; select add/remove/list work and are validated', async () => {
    setup();
    booking('tee-1', []);
    expect((await ws.run(['validate'])).code).toBe(0);
    const first = await ws.sync();
    expect(first.code).toBe(0);
    expect(uidsIn(ws.path('right', 'contacts'))).toEqual([]);

    const add = await ws.run(['select', 'members', 'add', 'm-anna']);
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('members: added 1 (1 selected)');
    expect((await ws.run(['select', 'members', 'list'])).stdout.trim()).toBe('m-anna');
    await ws.sync('members');
    expect(uidsIn(ws.path('right', 'contacts'))).toEqual(['m-anna']);

    // Removing it freezes it: it stays on the server (never deleted because it left the selection).
    await ws.run(['select', 'members', 'remove', 'm-anna']);
    expect((await ws.run(['select', 'members', 'list', '--json'])).json).toEqual({ pairing: 'members', uids: [] });
    const after = await ws.sync('members');
    expect(after.report.b.deleted).toBe(0);
    expect(uidsIn(ws.path('right', 'contacts'))).toEqual(['m-anna']);

    const typo = await ws.run(['select', 'member', 'add', 'x']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean "members"?');
    const noUid = await ws.run(['select', 'members', 'add']);
    expect(noUid.code).toBe(2);
    expect(noUid.stderr).toContain("'add' needs one or more UIDs");
  });

  it('adds the contacts booked in the timetable automatically, matching e-mails case-insensitively', async () => {
    setup();
    booking('tee-1', ['ben@club.example']);
    await ws.sync('timetable');
    const r = await ws.sync('members');
    expect(r.code).toBe(0);
    expect(uidsIn(ws.path('right', 'contacts'))).toEqual(['m-ben']);

    // Cleo is booked later: the next contact run takes her too (the attendee list changed, every card is looked at again).
    booking('tee-2', ['cleo@club.example', 'guest@elsewhere.example']);
    await ws.sync('timetable');
    await ws.sync('members');
    expect(uidsIn(ws.path('right', 'contacts'))).toEqual(['m-ben', 'm-cleo']);
    expect(itemText(ws.path('right', 'contacts'), 'm-cleo')).toContain('FN:Cleo Cruz');
    // A second run changes nothing.
    const again = await ws.sync();
    expect(again.json!.runs.map((x) => x.a.created + x.b.created + x.a.updated + x.b.updated)).toEqual([0, 0]);
  });

  it('refuses an attendee-of rule that names no event pairing, at its pointer, with a suggestion', async () => {
    setup();
    const config = JSON.parse(readFileSync(ws.path('dovetail.json'), 'utf8'));
    config.pairings.members.filters.include[1].pairing = 'timetabel';
    writeFileSync(ws.path('dovetail.json'), JSON.stringify(config));
    const r = await ws.run(['validate']);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/\/pairings\/members\/filters\/include\/1\/pairing: unknown pairing "timetabel"\s+hint: did you mean "timetable"\?/);
  });
});
