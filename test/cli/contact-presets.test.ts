/**
 * The contact mapping presets end to end: the real CLI over two folder endpoints holding .vcf files.
 * Side A (`left`) is the app's export, written here as vCards of our own; side B (`right`) is the "server".
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseVCard } from '../../core/src/model/vcard.js';
import type { ContactEntity } from '../../core/src/sdk/entities.js';
import { Workspace, writes, type RunJson } from '../support/workspace.js';

type Side = 'left' | 'right';
const COLLECTION = 'contacts';

let ws: Workspace;
afterEach(() => ws?.cleanup());

function setup(pairing: Record<string, unknown>): Workspace {
  ws = new Workspace('dovetail-presets-');
  mkdirSync(ws.path('left', COLLECTION), { recursive: true });
  mkdirSync(ws.path('right', COLLECTION), { recursive: true });
  ws.config({ p: { a: { endpoint: 'left', collection: COLLECTION }, b: { endpoint: 'right', collection: COLLECTION }, ...pairing } });
  return ws;
}

/** A vCard 3.0 with UID `uid` and the given content lines. */
function vcard(uid: string, lines: string[]): string {
  return ['BEGIN:VCARD', 'VERSION:3.0', 'PRODID:-//Dovetail//Tests//EN', `UID:${uid}`, ...lines, 'END:VCARD', ''].join('\r\n');
}

function put(side: Side, uid: string, lines: string[]): void {
  writeFileSync(ws.path(side, COLLECTION, `${uid}.vcf`), vcard(uid, lines));
}

function fileOf(side: Side, uid: string): string | undefined {
  const dir = ws.path(side, COLLECTION);
  if (!existsSync(dir)) return undefined;
  const name = readdirSync(dir).filter((f) => f.endsWith('.vcf'))
    .find((f) => new RegExp(`^UID:${uid}\\r?$`, 'm').test(readFileSync(join(dir, f), 'utf8')));
  return name && join(dir, name);
}

function text(side: Side, uid: string): string {
  const f = fileOf(side, uid);
  if (!f) throw new Error(`no ${uid} on ${side}`);
  return readFileSync(f, 'utf8');
}

/** The card as the canonical model reads it, without the bookkeeping fields. */
function card(side: Side, uid: string): Omit<ContactEntity, 'raw' | 'lastModified'> {
  const parsed = parseVCard(text(side, uid));
  expect(parsed.errors).toEqual([]);
  const { raw: _raw, lastModified: _rev, ...fields } = parsed.items[0];
  return fields;
}

function uids(side: Side): string[] {
  const dir = ws.path(side, COLLECTION);
  return readdirSync(dir).filter((f) => f.endsWith('.vcf'))
    .map((f) => /^UID:(.*?)\r?$/m.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? '').sort();
}

/** Rewrites a card like an app editing it: `edit` gets and returns its content lines (without BEGIN/END/VERSION/UID). */
function edit(side: Side, uid: string, change: (lines: string[]) => string[]): void {
  const f = fileOf(side, uid)!;
  const lines = readFileSync(f, 'utf8').replace(/\r?\n[ \t]/g, '').split(/\r?\n/).filter((l) => l !== '');
  const body = lines.filter((l) => !/^(BEGIN|END|VERSION|UID):/i.test(l));
  writeFileSync(f, vcard(uid, change(body)));
}

const replace = (re: RegExp, line: string) => (lines: string[]) => lines.map((l) => (re.test(l) ? line : l));
const without = (re: RegExp) => (lines: string[]) => lines.filter((l) => !re.test(l));
const plus = (...extra: string[]) => (lines: string[]) => [...lines, ...extra];

function remove(side: Side, uid: string): void {
  unlinkSync(fileOf(side, uid)!);
}

async function sync(): Promise<RunJson> {
  const r = await ws.sync();
  expect(r.code, `${r.stderr}${JSON.stringify(r.report.errors)}`).toBe(0);
  expect(r.report.errors).toEqual([]);
  return r.report;
}

/** An app (PROAD) export card carrying the 15 exported fields and more that must not be exported. */
const proadCard = (active: string | undefined, extra: string[] = []) => [
  'FN:Dr. Max Muster',
  'N:Muster;Max;Karl;Dr.;jr.',
  'NICKNAME:Maxi',
  'TITLE:Managing Director',
  'ROLE:Owner',
  'ORG:ACME GmbH;Sales',
  'ADR;TYPE=WORK:;Building 2;Hauptstr. 1;Berlin;BE;10115;Germany',
  'ADR;TYPE=HOME:;;Gartenweg 5;Potsdam;;14467;Germany',
  'TEL;TYPE=WORK,VOICE:+49 30 1111',
  'TEL;TYPE=WORK,VOICE:+49 30 2222',
  'TEL;TYPE=CELL:+49 170 3333',
  'TEL;TYPE=WORK,FAX:+49 30 4444',
  'TEL;TYPE=HOME,VOICE:+49 331 5555',
  'EMAIL;TYPE=INTERNET,WORK:max@acme.example',
  'EMAIL;TYPE=INTERNET:max.muster@acme.example',
  'EMAIL;TYPE=INTERNET,HOME:max@home.example',
  'URL:https://acme.example',
  'URL:https://blog.example',
  'NOTE:Internal note from PROAD',
  'BDAY:1970-05-17',
  'CATEGORIES:Customer,VIP',
  ...(active === undefined ? [] : [`X-PROAD-ACTIVE:${active}`]),
  'X-PROAD-ID:4711',
  ...extra,
];

/** The server's copy of proadCard: exactly the 15 fields (first and last name also make up FN). */
const exportedFields = {
  type: 'contact',
  name: { given: 'Max', family: 'Muster' },
  formattedName: 'Max Muster',
  title: 'Managing Director',
  org: { name: 'ACME GmbH' },
  addresses: [{ types: ['work'], street: 'Hauptstr. 1', postalCode: '10115', locality: 'Berlin', country: 'Germany' }],
  phones: [
    { value: '+49 30 1111', types: ['work', 'voice'] },
    { value: '+49 30 2222', types: ['work', 'voice'] },
    { value: '+49 170 3333', types: ['cell'] },
    { value: '+49 30 4444', types: ['fax', 'work'] },
  ],
  // Values flow; an e-mail's own types are not among the 15 fields.
  emails: [{ value: 'max@acme.example' }, { value: 'max.muster@acme.example' }],
  urls: [{ value: 'https://acme.example' }],
};

describe('preset "proad": PROAD contact export', () => {
  it('exports only contacts marked active, with only the 15 fields; a second sync writes nothing', async () => {
    setup({ preset: 'proad' });
    put('left', 'max', proadCard('1'));
    put('left', 'upper', proadCard('TRUE'));
    put('left', 'yes', proadCard('yes'));
    put('left', 'zero', proadCard('0'));
    put('left', 'no', proadCard('no'));
    put('left', 'unmarked', proadCard(undefined));
    const validate = await ws.run(['validate']);
    expect(validate.code, validate.stderr).toBe(0);

    const first = await sync();
    expect(first.b.created).toBe(3);
    expect(first.a).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(uids('right')).toEqual(['max', 'upper', 'yes']);
    for (const uid of ['max', 'upper', 'yes']) expect(card('right', uid)).toEqual({ ...exportedFields, uid });
    const server = text('right', 'max');
    for (const line of ['NOTE', 'BDAY', 'CATEGORIES', 'NICKNAME', 'ROLE', 'X-PROAD', 'Gartenweg', 'blog.example', 'home.example', '5555']) {
      expect(server).not.toContain(line);
    }
    expect(writes(await sync())).toBe(0);
  });

  it('never exports an inactive contact, even when edited; one marked active later is exported', async () => {
    setup({ preset: 'proad' });
    put('left', 'later', proadCard('0'));
    await sync();
    edit('left', 'later', replace(/^TITLE:/, 'TITLE:Head of Sales'));
    expect((await sync()).b.created).toBe(0);
    expect(uids('right')).toEqual([]);
    edit('left', 'later', replace(/^X-PROAD-ACTIVE:/, 'X-PROAD-ACTIVE:1'));
    expect((await sync()).b.created).toBe(1);
    expect(card('right', 'later')).toMatchObject({ title: 'Head of Sales', name: { given: 'Max', family: 'Muster' } });
    // Marked inactive again: out of scope, so the server's copy is frozen — neither updated nor deleted.
    edit('left', 'later', (l) => replace(/^TITLE:/, 'TITLE:Retired')(replace(/^X-PROAD-ACTIVE:/, 'X-PROAD-ACTIVE:0')(l)));
    expect(writes(await sync())).toBe(0);
    expect(card('right', 'later').title).toBe('Head of Sales');
    expect(writes(await sync())).toBe(0);
  });

  it('carries edits in the app to the server, never server edits back; what only the server holds stays', async () => {
    setup({ preset: 'proad' });
    put('left', 'max', proadCard('1'));
    await sync();
    const appBefore = text('left', 'max');

    // The server adds a note and a private number and changes the title: nothing flows to the app.
    edit('right', 'max', (l) => plus('NOTE:Called on Monday', 'TEL;TYPE=HOME:+49 40 9999')(replace(/^TITLE:/, 'TITLE:Boss')(l)));
    const serverEdit = await sync();
    expect(serverEdit.a).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(text('left', 'max')).toBe(appBefore);

    // The app changes phone 1, e-mail 2, the fax and its own note: the exported fields flow, the server's note stays.
    edit('left', 'max', (l) => replace(/^NOTE:/, 'NOTE:Changed in PROAD')(
      replace(/^TEL;TYPE=WORK,FAX:/, 'TEL;TYPE=WORK,FAX:+49 30 4445')(
        replace(/max\.muster@/, 'EMAIL;TYPE=INTERNET:m.muster@acme.example')(
          replace(/\+49 30 1111/, 'TEL;TYPE=WORK,VOICE:+49 30 1112')(l)))));
    const appEdit = await sync();
    expect(appEdit.b.updated).toBe(1);
    expect(appEdit.a).toEqual({ created: 0, updated: 0, deleted: 0 });
    const server = card('right', 'max');
    expect(server.note).toBe('Called on Monday');
    expect(server.title).toBe('Managing Director'); // the app is the master of the exported fields
    expect(server.phones).toEqual([
      { value: '+49 30 1112', types: ['work', 'voice'] },
      { value: '+49 30 2222', types: ['work', 'voice'] },
      { value: '+49 170 3333', types: ['cell'] },
      { value: '+49 30 4445', types: ['fax', 'work'] },
      { value: '+49 40 9999', types: ['home'] },
    ]);
    expect(server.emails?.map((e) => e.value)).toEqual(['max@acme.example', 'm.muster@acme.example']);
    expect(text('right', 'max')).not.toContain('Changed in PROAD');
    expect(writes(await sync())).toBe(0);
  });

  it('deleted in the app: the server keeps the card, marked as a tombstone, and nothing more happens to it', async () => {
    setup({ preset: 'proad' });
    put('left', 'max', proadCard('1'));
    put('left', 'eva', proadCard('1', ['NOTE:Eva']).map((l) => l.replace('Max', 'Eva')));
    await sync();
    const before = card('right', 'max');
    remove('left', 'max');
    const r = await sync();
    expect(r.b).toEqual({ created: 0, updated: 1, deleted: 0 });
    expect(uids('right')).toEqual(['eva', 'max']);
    const kept = card('right', 'max');
    expect(kept.x?.['X-DOVETAIL-DELETED']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect({ ...kept, x: undefined }).toEqual({ ...before, x: undefined });
    expect(writes(await sync())).toBe(0);
    // Deleting the tombstone on the server later changes nothing in the app.
    remove('right', 'max');
    expect(writes(await sync())).toBe(0);
    expect(uids('left')).toEqual(['eva']);
  });

  it('deleted on the server: the app keeps it untouched and it is never re-created there, even when edited in the app', async () => {
    setup({ preset: 'proad' });
    put('left', 'max', proadCard('1'));
    put('left', 'eva', proadCard('1').map((l) => l.replace('Max', 'Eva')));
    await sync();
    const appMax = text('left', 'max');
    // eva is edited in the app in the same interval as the server deletes it.
    edit('left', 'eva', replace(/^TITLE:/, 'TITLE:CFO'));
    const appEva = text('left', 'eva');
    remove('right', 'max');
    remove('right', 'eva');
    const r = await sync();
    expect(r.a).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(r.b).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(uids('right')).toEqual([]);
    expect(text('left', 'max')).toBe(appMax);
    expect(text('left', 'eva')).toBe(appEva);

    edit('left', 'max', replace(/^TITLE:/, 'TITLE:Chairman'));
    expect(writes(await sync())).toBe(0);
    expect(uids('right')).toEqual([]);
    expect(writes(await sync())).toBe(0);
  });
});

/** A PC CADDIE export card: a member with one address, phone and e-mail each. */
const caddieCard = (extra: string[] = []) => [
  'FN:Anna Golf',
  'N:Golf;Anna;;;',
  'ORG:GC Example e.V.',
  'ADR;TYPE=HOME:;;Am Grün 3;Hamburg;;20095;Germany',
  'TEL;TYPE=HOME,VOICE:+49 40 1000',
  'EMAIL;TYPE=INTERNET:anna@golf.example',
  'X-PCCADDIE-ID:M-17',
  ...extra,
];

describe('preset "pccaddie": PC CADDIE field groups', () => {
  it('address none, phone export, email both: each group flows as chosen', async () => {
    setup({ preset: { id: 'pccaddie', options: { address: 'none', phone: 'export', email: 'both' } } });
    put('left', 'anna', caddieCard());
    expect((await ws.run(['validate'])).code).toBe(0);
    expect((await sync()).b.created).toBe(1);
    expect(card('right', 'anna')).toEqual({
      type: 'contact', uid: 'anna', name: { given: 'Anna', family: 'Golf' }, formattedName: 'Anna Golf', org: { name: 'GC Example e.V.' },
      phones: [{ value: '+49 40 1000', types: ['home', 'voice'] }], emails: [{ value: 'anna@golf.example' }],
    });

    // Server edits: the e-mail flows back, the phone does not, an address added there stays there.
    edit('right', 'anna', (l) => plus('ADR;TYPE=WORK:;;Clubweg 1;Hamburg;;20097;Germany')(
      replace(/^TEL/, 'TEL;TYPE=HOME,VOICE:+49 40 2000')(replace(/^EMAIL/, 'EMAIL;TYPE=INTERNET:anna@new.example')(l))));
    const back = await sync();
    expect(back.a.updated).toBe(1);
    const app = card('left', 'anna');
    expect(app.emails).toEqual([{ value: 'anna@new.example' }]);
    expect(app.phones).toEqual([{ value: '+49 40 1000', types: ['home', 'voice'] }]);
    expect(app.addresses).toEqual([{ types: ['home'], street: 'Am Grün 3', locality: 'Hamburg', postalCode: '20095', country: 'Germany' }]);
    expect(app.x).toEqual({ 'X-PCCADDIE-ID': 'M-17' });
    expect(writes(await sync())).toBe(0);

    // App edits: the phone and e-mail flow out, the address does not.
    edit('left', 'anna', (l) => replace(/^ADR/, 'ADR;TYPE=HOME:;;Neuer Weg 9;Hamburg;;20099;Germany')(
      replace(/^TEL/, 'TEL;TYPE=HOME,VOICE:+49 40 3000')(replace(/^EMAIL/, 'EMAIL;TYPE=INTERNET:anna@club.example')(l))));
    const out = await sync();
    expect(out.b.updated).toBe(1);
    expect(out.a).toEqual({ created: 0, updated: 0, deleted: 0 });
    const server = card('right', 'anna');
    expect(server.phones).toEqual([{ value: '+49 40 3000', types: ['home', 'voice'] }]);
    expect(server.emails).toEqual([{ value: 'anna@club.example' }]);
    expect(server.addresses).toEqual([{ types: ['work'], street: 'Clubweg 1', locality: 'Hamburg', postalCode: '20097', country: 'Germany' }]);
    expect(card('left', 'anna').addresses?.[0].street).toBe('Neuer Weg 9');
    expect(writes(await sync())).toBe(0);
  });

  it('without options every group is exported one way (the defaults)', async () => {
    setup({ preset: 'pccaddie' });
    put('left', 'anna', caddieCard());
    await sync();
    expect(card('right', 'anna')).toMatchObject({
      addresses: [{ street: 'Am Grün 3' }], phones: [{ value: '+49 40 1000' }], emails: [{ value: 'anna@golf.example' }],
    });
    const appBefore = text('left', 'anna');
    edit('right', 'anna', replace(/^EMAIL/, 'EMAIL;TYPE=INTERNET:anna@new.example'));
    const r = await sync();
    expect(r.a).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(text('left', 'anna')).toBe(appBefore);
    edit('left', 'anna', replace(/^ADR/, 'ADR;TYPE=HOME:;;Neuer Weg 9;Hamburg;;20099;Germany'));
    expect((await sync()).b.updated).toBe(1);
    expect(card('right', 'anna').addresses?.[0].street).toBe('Neuer Weg 9');
    expect(card('right', 'anna').emails).toEqual([{ value: 'anna@golf.example' }]);
  });

  it('new server contacts stay there; deleted in the app → deleted on the server; deleted on the server → kept in the app, marked', async () => {
    setup({ preset: 'pccaddie' });
    put('left', 'anna', caddieCard());
    put('left', 'ben', caddieCard().map((l) => l.replace('Anna', 'Ben')));
    put('right', 'guest', ['FN:Guest Player', 'N:Player;Guest;;;']);
    await sync();
    expect(uids('left')).toEqual(['anna', 'ben']);
    remove('left', 'anna');
    remove('right', 'ben');
    const r = await sync();
    expect(r.b.deleted).toBe(1);
    expect(uids('right')).toEqual(['guest']);
    expect(uids('left')).toEqual(['ben']);
    expect(card('left', 'ben').x?.['X-DOVETAIL-DELETED']).toBeDefined();
    edit('left', 'ben', replace(/^ORG/, 'ORG:GC Other'));
    expect((await sync()).b.created).toBe(0);
    expect(uids('right')).toEqual(['guest']);
  });
});

describe('dovetail validate with presets', () => {
  it('reports a bad preset or option with its pointer and a hint, exit 2 — and sync refuses to run', async () => {
    setup({ preset: { id: 'pccaddie', options: { phone: 'two-way', mail: 'both' } } });
    const v = await ws.run(['validate']);
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('/pairings/p/preset/options/phone: "two-way" is not an allowed value for option "phone"');
    expect(v.stderr).toMatch(/hint: one of: none, export, both/);
    expect(v.stderr).toContain('/pairings/p/preset/options/mail: preset "pccaddie" has no option "mail"');
    expect(v.stderr).toMatch(/hint: did you mean "email"\?/);
    const s = await ws.run(['sync']);
    expect(s.code).toBe(2);

    ws.config({ p: { preset: 'proad-contacts', a: { endpoint: 'left', collection: COLLECTION }, b: { endpoint: 'right', collection: COLLECTION } } });
    const json = await ws.run(['validate', '--json']);
    expect(json.code).toBe(2);
    expect(json.json).toMatchObject({ valid: false, issues: [{ pointer: '/pairings/p/preset', message: 'unknown preset "proad-contacts"', hint: expect.stringContaining('proad (PROAD contact export)') }] });
  });
});
