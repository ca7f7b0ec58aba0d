/**
 * CardDAV behaviour against real Radicale and Xandikos (through a counting proxy where requests matter):
 * discovery and MKCOL, the sync-collection path and its fallbacks, RFC 6350 and Apple groups, itemN.X-ABLabel
 * labels, photos inline and by URI, the per-card photo size limit, cards without UID, and which vCard version
 * is written.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, ContactEntity, ListResult, LoadResult } from '@dovetail/core/sdk';
import { rawDelete, rawGet, rawList, rawPut, startDavServer, type DavServer, type DavServerKind } from '../../../test/support/dav-servers.js';
import { startDavProxy, type DavProxy } from '../../../test/support/dav-proxy.js';
import type { CardDavSettings } from '../src/index.js';
import { cardDavFor, freshBook } from './helpers.js';

/** A vCard written by "another client": VERSION, then the given lines. */
const vcard = (version: '2.1' | '3.0' | '4.0', lines: string[]) => ['BEGIN:VCARD', `VERSION:${version}`, ...lines, 'END:VCARD', ''].join('\r\n');
const person = (uid: string, fn: string, extra: string[] = []) => vcard('3.0', [`UID:${uid}`, `FN:${fn}`, `N:${fn};;;;`, ...extra]);

const ids = (r: ListResult) => (r.kind === 'full' ? r.items.map((i) => i.id) : r.changed.map((i) => i.id)).sort();
const tail = (href: string) => href.split('/').pop();
const names = (rs: LoadResult[]) => rs.map((r) => (r.ok ? (r.item as ContactEntity).formattedName : `error ${r.error.code}`)).sort();
/** Unfolded content lines of a vCard text. */
const lines = (text: string) => text.replace(/\r?\n[ \t]/g, '').split(/\r?\n/).filter(Boolean);
/** The first line named `name` (case-insensitive, any group), or undefined. */
const line = (text: string, name: string) => lines(text).find((l) => new RegExp(`^(?:[^.:;]+\\.)?${name}[;:]`, 'i').test(l));

function loaded(r: LoadResult | undefined): { id: string; version: string; item: ContactEntity } {
  if (!r?.ok) throw new Error(`load failed: ${r ? r.error.message : 'no result'}`);
  return { id: r.id, version: r.version, item: r.item as ContactEntity };
}

for (const kind of ['radicale', 'xandikos'] as DavServerKind[]) {
  describe(`carddav on ${kind}`, () => {
    let server: DavServer;
    let proxy: DavProxy;
    let connector: Connector;
    const extra: Connector[] = [];

    /** Another connector through the proxy with other settings, closed after the file. */
    async function connectorWith(settings: Partial<CardDavSettings>): Promise<Connector> {
      const c = await cardDavFor({ ...server, url: proxy.url }, settings);
      extra.push(c);
      return c;
    }

    beforeAll(async () => {
      server = await startDavServer(kind);
      proxy = await startDavProxy(server.url);
      connector = await cardDavFor({ ...server, url: proxy.url });
    });
    afterAll(async () => {
      for (const c of [connector, ...extra]) await c?.close?.();
      await proxy?.close();
      await server?.dispose();
    });

    /** A new address book (MKCOL); its href. */
    async function newBook(name = 'People'): Promise<string> {
      return (await connector.createCollection!({ id: freshBook(), name, entities: ['contact'] })).id;
    }

    /** Puts a card as another client would and loads it through the connector. */
    async function putAndLoad(book: string, file: string, text: string, via: Connector = connector) {
      const put = await rawPut(server, `${book}${file}`, text);
      expect(put.status, `PUT ${file}`).toBeLessThan(300);
      const [r] = await via.load(book, [`${book}${file}`], { entity: 'contact' });
      return loaded(r);
    }

    it('discovers the address books; check says how many', async () => {
      const href = await newBook('Friends');
      const found = await connector.discover();
      const preset = new URL(server.addressBookUrl).pathname;
      expect(found.map((b) => b.id)).toEqual(expect.arrayContaining([preset, href]));
      expect(found.find((b) => b.id === href)).toMatchObject({ name: 'Friends', entities: ['contact'], readOnly: false });
      const check = await connector.check();
      expect(check.ok).toBe(true);
      expect(check.message).toMatch(new RegExp(`: ${found.length} address book\\(s\\)$`));
    });

    it('MKCOL creates an address book other clients see; creating it again is Invalid', async () => {
      const id = freshBook();
      const info = await connector.createCollection!({ id, name: 'Team', entities: ['contact'] });
      expect(info).toMatchObject({ name: 'Team', entities: ['contact'] });
      expect(info.id.endsWith(`/${id}/`)).toBe(true);
      expect(await rawList(server, info.id)).toEqual([]);
      const put = await rawPut(server, `${info.id}x.vcf`, person(`mk-${id}`, 'In the new book'));
      expect(put.status).toBeLessThan(300);
      expect(ids(await connector.list(info.id, { entity: 'contact' })).map(tail)).toEqual(['x.vcf']);
      await expect(connector.createCollection!({ id, name: 'Team', entities: ['contact'] })).rejects.toMatchObject({ code: 'Invalid' });
    });

    it('sync-collection: a first listing gives a cursor, a quiet delta costs one request, changes and deletions come through', async () => {
      const book = await newBook();
      for (const n of [1, 2, 3]) await rawPut(server, `${book}c${n}.vcf`, person(`sync-${n}-${book}`, `C${n}`));
      const first = await connector.list(book, { entity: 'contact' });
      expect(first.kind).toBe('full');
      expect(first.cursor).toMatch(/^sync:/);
      expect(ids(first).map(tail)).toEqual(['c1.vcf', 'c2.vcf', 'c3.vcf']);

      proxy.reset();
      const quiet = await connector.list(book, { entity: 'contact', cursor: first.cursor });
      expect(quiet).toMatchObject({ kind: 'changes', changed: [], deleted: [] });
      expect(proxy.count()).toBe(1);

      await rawPut(server, `${book}c2.vcf`, person(`sync-2-${book}`, 'C2 changed'));
      await rawDelete(server, `${book}c3.vcf`);
      await rawPut(server, `${book}c4.vcf`, person(`sync-4-${book}`, 'C4'));
      proxy.reset();
      const delta = await connector.list(book, { entity: 'contact', cursor: quiet.cursor });
      if (delta.kind !== 'changes') throw new Error('expected a delta');
      expect(delta.changed.map((c) => tail(c.id)).sort()).toEqual(['c2.vcf', 'c4.vcf']);
      expect(delta.deleted.map(tail)).toEqual(['c3.vcf']);
      expect(delta.cursor).not.toBe(quiet.cursor);
      const got = await connector.load(book, delta.changed.map((c) => c.id), { entity: 'contact' });
      expect(names(got)).toEqual(['C2 changed', 'C4']);
      // K changed cards load exactly K hrefs, in one multiget.
      expect(proxy.multigetHrefs()).toBe(2);
      expect(proxy.count('REPORT')).toBe(2);
    });

    it('a refused sync token is CursorInvalid; a full listing then works', async () => {
      const book = await newBook();
      await rawPut(server, `${book}a.vcf`, person(`tok-${book}`, 'A'));
      const bogus = kind === 'radicale' ? 'sync:http://radicale.org/ns/sync/deadbeef' : `sync:${'0'.repeat(40)}`;
      await expect(connector.list(book, { entity: 'contact', cursor: bogus })).rejects.toMatchObject({ code: 'CursorInvalid' });
      const full = await connector.list(book, { entity: 'contact' });
      expect(full.kind).toBe('full');
      expect(ids(full).map(tail)).toEqual(['a.vcf']);
    });

    it('without sync-collection (quirk off): one PROPFIND lists every card with its ETag, no cursor', async () => {
      const book = await newBook();
      await rawPut(server, `${book}a.vcf`, person(`nosync-a-${book}`, 'A'));
      const b = await rawPut(server, `${book}b.vcf`, person(`nosync-b-${book}`, 'B'));
      const plain = await connectorWith({ quirks: { syncCollection: false } });
      proxy.reset();
      const res = await plain.list(book, { entity: 'contact' });
      expect(res.kind).toBe('full');
      expect(res.cursor).toBeUndefined();
      expect(ids(res).map(tail)).toEqual(['a.vcf', 'b.vcf']);
      if (res.kind === 'full' && b.etag) expect(res.items.find((i) => tail(i.id) === 'b.vcf')?.version.replace(/^W\//, '')).toBe(b.etag.replace(/^W\//, ''));
      expect(proxy.count()).toBe(1);
      expect(proxy.count('PROPFIND')).toBe(1);
      expect(proxy.log.some((r) => /sync-collection/.test(r.body))).toBe(false);
      // A cursor from elsewhere is not used either: still a full listing.
      const again = await plain.list(book, { entity: 'contact', cursor: 'sync:whatever' });
      expect(again.kind).toBe('full');
      expect(again.cursor).toBeUndefined();
    });

    it('a vCard 4.0 group (KIND:group, MEMBER) is read as a group and written back as 4.0', async () => {
      const book = await newBook();
      const uid = `g4-${book}`;
      const { id, version, item } = await putAndLoad(book, 'g4.vcf', vcard('4.0', [
        `UID:${uid}`, 'KIND:group', 'FN:Climbing club', 'MEMBER:urn:uuid:m-1', 'MEMBER:urn:uuid:m-2',
      ]));
      expect(item).toMatchObject({ uid, kind: 'group', formattedName: 'Climbing club', members: ['m-1', 'm-2'] });

      const [w] = await connector.write(book, [{ op: 'update', id, ifVersion: version, item: { ...item, members: ['m-1', 'm-2', 'm-3'] } }]);
      expect(w).toMatchObject({ ok: true, id });
      const text = (await rawGet(server, id)).body;
      expect(line(text, 'VERSION')).toBe('VERSION:4.0');
      expect(line(text, 'KIND')).toMatch(/^KIND:group$/i);
      expect(lines(text).filter((l) => /^MEMBER[;:]/i.test(l))).toEqual(['MEMBER:urn:uuid:m-1', 'MEMBER:urn:uuid:m-2', 'MEMBER:urn:uuid:m-3']);
      expect(text).not.toMatch(/X-ADDRESSBOOKSERVER/i);
      const again = loaded((await connector.load(book, [id], { entity: 'contact' }))[0]);
      expect(again.item).toMatchObject({ kind: 'group', members: ['m-1', 'm-2', 'm-3'] });
    });

    it('an Apple group (3.0, X-ADDRESSBOOKSERVER-KIND/-MEMBER) is read as a group and written back in Apple\'s form', async () => {
      const book = await newBook();
      const uid = `ga-${book}`;
      const { id, version, item } = await putAndLoad(book, 'ga.vcf', vcard('3.0', [
        `UID:${uid}`, 'FN:Family', 'N:Family;;;;', 'X-ADDRESSBOOKSERVER-KIND:group',
        'X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:a-1', 'X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:a-2',
      ]));
      expect(item).toMatchObject({ uid, kind: 'group', formattedName: 'Family', members: ['a-1', 'a-2'] });

      const [w] = await connector.write(book, [{ op: 'update', id, ifVersion: version, item: { ...item, formattedName: 'Family (all)', members: ['a-2'] } }]);
      expect(w).toMatchObject({ ok: true });
      const text = (await rawGet(server, id)).body;
      expect(line(text, 'VERSION')).toBe('VERSION:3.0');
      expect(line(text, 'X-ADDRESSBOOKSERVER-KIND')).toMatch(/^X-ADDRESSBOOKSERVER-KIND:group$/i);
      expect(lines(text).filter((l) => /^X-ADDRESSBOOKSERVER-MEMBER[;:]/i.test(l))).toEqual([expect.stringMatching(/:urn:uuid:a-2$/)]);
      expect(lines(text).some((l) => /^(KIND|MEMBER)[;:]/i.test(l))).toBe(false);
      const again = loaded((await connector.load(book, [id], { entity: 'contact' }))[0]);
      expect(again.item).toMatchObject({ kind: 'group', formattedName: 'Family (all)', members: ['a-2'] });
    });

    it('a new group is written in the version\'s own form: Apple\'s in 3.0, KIND/MEMBER in 4.0', async () => {
      const book = await newBook();
      const v4 = await connectorWith({ vcardVersion: '4.0' });
      const group = (uid: string): ContactEntity => ({ type: 'contact', uid, kind: 'group', formattedName: uid, members: ['x-1'] });
      const [r3] = await connector.write(book, [{ op: 'create', item: group(`ng3-${book}`) }]);
      const [r4] = await v4.write(book, [{ op: 'create', item: group(`ng4-${book}`) }]);
      if (!r3?.ok || !r4?.ok) throw new Error('create failed');
      const t3 = (await rawGet(server, r3.id)).body;
      const t4 = (await rawGet(server, r4.id)).body;
      expect(lines(t3).filter((l) => /KIND|MEMBER/i.test(l))).toEqual(['X-ADDRESSBOOKSERVER-KIND:group', 'X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:x-1']);
      expect(lines(t4).filter((l) => /KIND|MEMBER/i.test(l))).toEqual(['KIND:group', 'MEMBER:urn:uuid:x-1']);
      const back = await connector.load(book, [r3.id, r4.id], { entity: 'contact' });
      for (const r of back) expect(loaded(r).item).toMatchObject({ kind: 'group', members: ['x-1'] });
    });

    it('itemN.X-ABLabel labels survive a patch of another field', async () => {
      const book = await newBook();
      const { id, version, item } = await putAndLoad(book, 'lab.vcf', person(`lab-${book}`, 'Labelled', [
        'item1.EMAIL;TYPE=INTERNET:custom@example.com', 'item1.X-ABLabel:Climbing partner',
        'item2.TEL:+1 555 0100', 'item2.X-ABLabel:_$!<Mobile>!$_', 'item3.X-ABDATE:2001-02-03', 'item3.X-ABLabel:_$!<Anniversary>!$_',
      ]));
      expect(item.emails).toEqual([{ value: 'custom@example.com', label: 'Climbing partner' }]);
      expect(item.phones).toEqual([{ value: '+1 555 0100', label: '_$!<Mobile>!$_' }]);

      const [w] = await connector.write(book, [{ op: 'update', id, ifVersion: version, item: { ...item, note: 'patched' } }]);
      expect(w).toMatchObject({ ok: true });
      const text = (await rawGet(server, id)).body;
      expect(line(text, 'NOTE')).toBe('NOTE:patched');
      const labels = lines(text).filter((l) => /^item\d+\.X-ABLabel:/i.test(l)).map((l) => l.replace(/^(item\d+)\.X-ABLabel/i, '$1.X-ABLabel')).sort();
      expect(labels).toEqual(['item1.X-ABLabel:Climbing partner', 'item2.X-ABLabel:_$!<Mobile>!$_', 'item3.X-ABLabel:_$!<Anniversary>!$_']);
      expect(line(text, 'X-ABDATE')).toMatch(/^item3\.X-ABDATE:2001-02-03$/i);
      const again = loaded((await connector.load(book, [id], { entity: 'contact' }))[0]).item;
      expect(again).toMatchObject({ note: 'patched', emails: item.emails, phones: item.phones });
    });

    it('an inline photo round-trips byte for byte; a photo by URI is kept as a URI', async () => {
      const book = await newBook();
      const bytes = randomBytes(3000);
      const uri = 'https://example.com/photos/ann.jpg';
      const [inline, byUri] = await connector.write(book, [
        { op: 'create', item: { type: 'contact', uid: `ph-${book}`, formattedName: 'Inline', photo: { data: bytes.toString('base64'), mediaType: 'image/png' } } },
        { op: 'create', item: { type: 'contact', uid: `pu-${book}`, formattedName: 'By URI', photo: { uri, mediaType: 'image/jpeg' } } },
      ]);
      if (!inline?.ok || !byUri?.ok) throw new Error('create failed');
      const [a, b] = (await connector.load(book, [inline.id, byUri.id], { entity: 'contact' })).map((r) => loaded(r).item);
      expect(Buffer.from(a!.photo!.data!, 'base64').equals(bytes)).toBe(true);
      expect(a!.photo!.mediaType).toBe('image/png');
      expect(b!.photo).toEqual({ uri, mediaType: 'image/jpeg' });
      expect(line((await rawGet(server, byUri.id)).body, 'PHOTO')).toMatch(new RegExp(`^PHOTO;.*VALUE=uri.*:${uri.replace(/[.]/g, '\\.')}$`, 'i'));

      // A photo another client stored (Apple's 3.0 form) is read and survives a patch of the name untouched.
      const other = randomBytes(500);
      const put = await putAndLoad(book, 'ph3.vcf', person(`ph3-${book}`, 'Theirs', [`PHOTO;ENCODING=b;TYPE=JPEG:${other.toString('base64')}`]));
      expect(Buffer.from(put.item.photo!.data!, 'base64').equals(other)).toBe(true);
      await connector.write(book, [{ op: 'update', id: put.id, ifVersion: put.version, item: { ...put.item, formattedName: 'Theirs, renamed' } }]);
      const after = loaded((await connector.load(book, [put.id], { entity: 'contact' }))[0]).item;
      expect(after.formattedName).toBe('Theirs, renamed');
      expect(Buffer.from(after.photo!.data!, 'base64').equals(other)).toBe(true);
    });

    it('an oversize photo fails that card alone with Invalid naming it; the other ops of the write succeed', async () => {
      const book = await newBook();
      const small = await connectorWith({ maxPhotoBytes: 2048 });
      const [keep] = await small.write(book, [{ op: 'create', item: { type: 'contact', uid: `keep-${book}`, formattedName: 'Keep me' } }]);
      if (!keep?.ok) throw new Error('create failed');
      const before = loaded((await small.load(book, [keep.id], { entity: 'contact' }))[0]);
      const results = await small.write(book, [
        { op: 'create', item: { type: 'contact', uid: `ok1-${book}`, formattedName: 'Small photo', photo: { data: randomBytes(2000).toString('base64'), mediaType: 'image/png' } } },
        { op: 'create', item: { type: 'contact', uid: `big-${book}`, formattedName: 'Huge Photo Person', photo: { data: randomBytes(5000).toString('base64'), mediaType: 'image/jpeg' } } },
        { op: 'update', id: keep.id, ifVersion: before.version, item: { ...before.item, note: 'updated in the same write' } },
        { op: 'create', item: { type: 'contact', uid: `ok2-${book}`, formattedName: 'No photo' } },
      ]);
      expect(results.map((r) => r.ok)).toEqual([true, false, true, true]);
      const failure = results[1]!;
      if (failure.ok) throw new Error('unreachable');
      expect(failure.error.code).toBe('Invalid');
      expect(failure.error.message).toMatch(/^Huge Photo Person: the photo is 4\.9 KiB \(5000 bytes\), larger than the 2\.0 KiB \(2048 bytes\) allowed \("maxPhotoBytes"\)/);
      const stored = await small.load(book, ids(await small.list(book, { entity: 'contact' })), { entity: 'contact' });
      expect(names(stored)).toEqual(['Keep me', 'No photo', 'Small photo']);
      expect(stored.map((r) => loaded(r).item).find((c) => c.formattedName === 'Keep me')?.note).toBe('updated in the same write');
    });

    it('vCard version: new cards as 3.0 by default, as 4.0 when configured; an update keeps a 4.0 card in 4.0', async () => {
      const book = await newBook();
      const v4 = await connectorWith({ vcardVersion: '4.0' });
      const fresh = (uid: string): ContactEntity => ({
        type: 'contact', uid, formattedName: `Person ${uid}`, name: { family: 'Person', given: uid }, birthday: '1980-03-22',
        emails: [{ value: `${uid}@example.com`, types: ['work'] }],
      });
      const [d] = await connector.write(book, [{ op: 'create', item: fresh(`v-default-${book}`) }]);
      const [f] = await v4.write(book, [{ op: 'create', item: fresh(`v-four-${book}`) }]);
      if (!d?.ok || !f?.ok) throw new Error('create failed');
      expect(line((await rawGet(server, d.id)).body, 'VERSION')).toBe('VERSION:3.0');
      expect(line((await rawGet(server, f.id)).body, 'VERSION')).toBe('VERSION:4.0');

      const theirs = await putAndLoad(book, 'their4.vcf', vcard('4.0', [
        `UID:v-their-${book}`, 'FN:Four', 'N:Four;;;;', 'BDAY:--0203', 'TEL;VALUE=uri;TYPE=cell:tel:+1-555-0101', 'GENDER:F',
      ]));
      expect(theirs.item).toMatchObject({ birthday: '--02-03', phones: [{ value: '+1-555-0101', types: ['cell'] }] });
      const [u] = await connector.write(book, [{ op: 'update', id: theirs.id, ifVersion: theirs.version, item: { ...theirs.item, note: 'edited' } }]);
      expect(u).toMatchObject({ ok: true });
      const text = (await rawGet(server, theirs.id)).body;
      expect(line(text, 'VERSION')).toBe('VERSION:4.0');
      expect(line(text, 'NOTE')).toBe('NOTE:edited');
      expect(line(text, 'GENDER')).toBe('GENDER:F');
      expect(line(text, 'TEL')).toMatch(/:tel:\+1-555-0101$/);
    });

    it('a new card without any name is written with the FN (and 3.0 N) the version requires', async () => {
      const book = await newBook();
      const v4 = await connectorWith({ vcardVersion: '4.0' });
      const nameless = (uid: string): ContactEntity => ({ type: 'contact', uid, emails: [{ value: `${uid}@example.com` }] });
      const [r3] = await connector.write(book, [{ op: 'create', item: nameless(`nn3-${book}`) }]);
      const [r4] = await v4.write(book, [{ op: 'create', item: nameless(`nn4-${book}`) }]);
      if (!r3?.ok || !r4?.ok) throw new Error(`create failed: ${JSON.stringify([r3, r4])}`);
      const t3 = (await rawGet(server, r3.id)).body;
      const t4 = (await rawGet(server, r4.id)).body;
      expect([line(t3, 'FN'), line(t3, 'N')]).toEqual([`FN:nn3-${book}@example.com`, 'N:;;;;']);
      expect([line(t4, 'FN'), line(t4, 'N')]).toEqual([`FN:nn4-${book}@example.com`, undefined]);
    });

    it('vcardVersion is for new cards: with 3.0 configured, an update of a 4.0 card keeps it 4.0 and keeps its 4.0-only properties', async () => {
      const book = await newBook();
      const v3 = await connectorWith({ vcardVersion: '3.0' });
      const theirs = await putAndLoad(book, 'four.vcf', vcard('4.0', [`UID:v3cfg-${book}`, 'FN:Four', 'N:Four;;;;', 'GENDER:F', 'ANNIVERSARY:20090808']), v3);
      const [u] = await v3.write(book, [{ op: 'update', id: theirs.id, ifVersion: theirs.version, item: { ...theirs.item, note: 'edited' } }]);
      expect(u).toMatchObject({ ok: true });
      const text = (await rawGet(server, theirs.id)).body;
      expect(line(text, 'NOTE')).toBe('NOTE:edited');
      expect([line(text, 'VERSION'), line(text, 'GENDER'), line(text, 'ANNIVERSARY')]).toEqual(['VERSION:4.0', 'GENDER:F', 'ANNIVERSARY:20090808']);
    });
  });
}

describe('carddav on xandikos: cards without UID', () => {
  // Radicale refuses a card without UID (400 on PUT), so only Xandikos can hold one.
  let server: DavServer;
  beforeAll(async () => { server = await startDavServer('xandikos'); });
  afterAll(async () => { await server?.dispose(); });

  it('get a fallback UID that is the same on every load and for every connector instance, and never a second card', async () => {
    const first = await cardDavFor(server);
    const second = await cardDavFor(server);
    try {
      const book = (await first.createCollection!({ id: freshBook('nouid'), entities: ['contact'] })).id;
      const put = await rawPut(server, `${book}anon.vcf`, vcard('3.0', ['FN:Anonymous', 'N:Anonymous;;;;', 'EMAIL:anon@example.com']));
      expect(put.status).toBeLessThan(300);
      await rawPut(server, `${book}anon2.vcf`, vcard('3.0', ['FN:Anonymous', 'N:Anonymous;;;;', 'EMAIL:anon@example.com']));
      const listed = ids(await first.list(book, { entity: 'contact' }));
      const a = (await first.load(book, listed, { entity: 'contact' })).map((r) => loaded(r).item.uid);
      const b = (await first.load(book, listed, { entity: 'contact' })).map((r) => loaded(r).item.uid);
      const c = (await second.load(book, listed, { entity: 'contact' })).map((r) => loaded(r).item.uid);
      expect(a[0]).toMatch(/\S/);
      expect(b).toEqual(a);
      expect(c).toEqual(a);
      // Two identical cards at two hrefs are two contacts, not one.
      expect(new Set(a).size).toBe(2);

      // Patching the card writes that UID into it, and it stays the same contact.
      const [r] = await first.load(book, [`${book}anon.vcf`], { entity: 'contact' });
      const card = loaded(r);
      const [w] = await first.write(book, [{ op: 'update', id: card.id, ifVersion: card.version, item: { ...card.item, note: 'now with UID' } }]);
      expect(w).toMatchObject({ ok: true, id: card.id });
      expect(line((await rawGet(server, card.id)).body, 'UID')).toBe(`UID:${card.item.uid}`);
      expect(ids(await second.list(book, { entity: 'contact' }))).toHaveLength(2);
      expect(loaded((await second.load(book, [card.id], { entity: 'contact' }))[0]).item.uid).toBe(card.item.uid);
    } finally {
      await first.close?.();
      await second.close?.();
    }
  });
});
