/**
 * CardDAV ↔ folder through the real CLI against real servers: a card without UID on the server syncs without
 * ever being duplicated (Xandikos: Radicale refuses such cards), and a card whose photo is over the limit fails
 * alone (exit 1, named in the errors) while every other card reaches the server.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawGet, rawList, rawPut, startDavServer, type DavServer, type DavServerKind } from '../support/dav-servers.js';
import { readVCard, uidOf } from '../support/vcard-compare.js';
import { Workspace, writes } from '../support/workspace.js';

const card = (lines: string[]) => ['BEGIN:VCARD', 'VERSION:3.0', ...lines, 'END:VCARD', ''].join('\r\n');
const person = (uid: string, fn: string, extra: string[] = []) => card([`UID:${uid}`, `FN:${fn}`, `N:${fn};;;;`, ...extra]);
const bookHref = (server: DavServer, name: string) => (server.kind === 'radicale' ? `/user/${name}/` : `/user/contacts/${name}/`);

/** dovetail.json: folder `left/contacts` ↔ the server's address book `book`, two-way. */
function configure(ws: Workspace, server: DavServer, book: string, davSettings: Record<string, unknown> = {}): void {
  const auth = server.kind === 'radicale' ? { username: server.username, password: server.password } : {};
  mkdirSync(ws.path('left', 'contacts'), { recursive: true });
  writeFileSync(ws.path('dovetail.json'), JSON.stringify({
    endpoints: {
      left: { connector: 'filesystem', settings: { path: './left' } },
      dav: { connector: 'carddav', settings: { url: server.url, ...auth, ...davSettings } },
    },
    pairings: { p: { entity: 'contact', a: { endpoint: 'left', collection: 'contacts' }, b: { endpoint: 'dav', collection: book, create: true }, mode: 'two-way', conflict: 'newer-wins' } },
  }, null, 2));
}

/** UID → { file, FN } of every card in the folder; throws on a repeated UID. */
function folderCards(ws: Workspace): Map<string, { file: string; fn: string }> {
  const dir = ws.path('left', 'contacts');
  const out = new Map<string, { file: string; fn: string }>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.vcf'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    const uid = uidOf(text) ?? `(no UID: ${file})`;
    if (out.has(uid)) throw new Error(`duplicate UID ${uid} in the folder`);
    out.set(uid, { file, fn: readVCard(text).properties.find((p) => p.name === 'FN')?.value ?? '' });
  }
  return out;
}

/** href → { UID (or undefined), FN } of every card on the server, read with raw requests. */
async function serverCards(server: DavServer, book: string): Promise<Map<string, { uid?: string; fn: string }>> {
  const out = new Map<string, { uid?: string; fn: string }>();
  for (const { href } of await rawList(server, book)) {
    const text = (await rawGet(server, href)).body;
    out.set(href, { uid: uidOf(text), fn: readVCard(text).properties.find((p) => p.name === 'FN')?.value ?? '' });
  }
  return out;
}

/** Extended MKCOL of an address book, as another client would do it. */
async function createAddressBook(server: DavServer, href: string): Promise<void> {
  const res = await fetch(new URL(href, server.url), {
    method: 'MKCOL',
    headers: { 'Content-Type': 'application/xml; charset=utf-8' },
    body: '<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>'
      + '<D:resourcetype><D:collection/><C:addressbook/></D:resourcetype></D:prop></D:set></D:mkcol>',
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`MKCOL ${href}: ${res.status}`);
}

describe('carddav ↔ folder via the CLI on xandikos: a card without UID on the server', () => {
  let server: DavServer;
  beforeAll(async () => { server = await startDavServer('xandikos'); });
  afterAll(async () => { await server?.dispose(); });

  it('syncs both ways twice without a duplicate; the folder copy keeps the same UID', async () => {
    const ws = new Workspace('dovetail-carddav-e2e-');
    try {
      const book = bookHref(server, `nouid-${Date.now()}`);
      configure(ws, server, book);
      // The book exists on the server with a UID-less card and a normal one; the folder has its own cards.
      await createAddressBook(server, book);
      expect((await rawPut(server, `${book}anonymous.vcf`, card(['FN:Anonymous Person', 'N:Person;Anonymous;;;', 'EMAIL:anon@example.com']))).status).toBeLessThan(300);
      await rawPut(server, `${book}known.vcf`, person('known-1', 'Known Person'));
      writeFileSync(ws.path('left', 'contacts', 'local.vcf'), person('local-1', 'Local Person'));
      writeFileSync(ws.path('left', 'contacts', 'handwritten.vcf'), card(['FN:Handwritten', 'N:Handwritten;;;;']));

      const first = await ws.sync();
      expect(first.code, first.stderr).toBe(0);
      expect(first.report).toMatchObject({ a: { created: 2 }, b: { created: 2 }, failed: 0 });
      const afterFirst = folderCards(ws);
      const anonymous = [...afterFirst].find(([, c]) => c.fn === 'Anonymous Person');
      expect(anonymous, 'the UID-less server card reached the folder').toBeDefined();
      const [anonUid, anonCopy] = anonymous!;
      expect(anonUid).not.toMatch(/^\(no UID/);
      expect([...afterFirst.values()].map((c) => c.fn).sort()).toEqual(['Anonymous Person', 'Handwritten', 'Known Person', 'Local Person']);
      const onServer = await serverCards(server, book);
      expect([...onServer.values()].map((c) => c.fn).sort()).toEqual(['Anonymous Person', 'Handwritten', 'Known Person', 'Local Person']);
      expect(onServer.get(`${book}anonymous.vcf`)?.uid).toBeUndefined();

      const second = await ws.sync();
      expect(second.code, second.stderr).toBe(0);
      expect(writes(second.report)).toBe(0);
      const afterSecond = folderCards(ws);
      expect(afterSecond.get(anonUid)).toEqual(anonCopy);
      expect(afterSecond.size).toBe(4);
      expect((await serverCards(server, book)).size).toBe(4);

      // An edit of the folder copy goes back to the same server card (which now states the UID), still no duplicate.
      const path = ws.path('left', 'contacts', anonCopy.file);
      writeFileSync(path, readFileSync(path, 'utf8').replace(/^FN:.*$/m, 'FN:Anonymous Person (named)'));
      const third = await ws.sync();
      expect(third.code, third.stderr).toBe(0);
      expect(third.report).toMatchObject({ b: { created: 0, updated: 1, deleted: 0 }, a: { created: 0 } });
      const final = await serverCards(server, book);
      expect(final.size).toBe(4);
      expect(final.get(`${book}anonymous.vcf`)).toEqual({ uid: anonUid, fn: 'Anonymous Person (named)' });
      expect(folderCards(ws).size).toBe(4);
      expect(writes((await ws.sync()).report)).toBe(0);
    } finally {
      ws.cleanup();
    }
  });
});

describe('carddav ↔ folder via the CLI on xandikos: the version the server holds', () => {
  let server: DavServer;
  beforeAll(async () => { server = await startDavServer('xandikos'); });
  afterAll(async () => { await server?.dispose(); });

  it('a 4.0 card edited in a folder that writes 3.0 stays 4.0 on the server, its 4.0-only properties kept', async () => {
    const ws = new Workspace('dovetail-carddav-e2e-');
    try {
      const book = bookHref(server, `version-${Date.now()}`);
      configure(ws, server, book);
      const config = JSON.parse(readFileSync(ws.path('dovetail.json'), 'utf8'));
      config.endpoints.left.settings.vcardVersion = '3.0'; // e.g. for khard
      writeFileSync(ws.path('dovetail.json'), JSON.stringify(config, null, 2));
      await createAddressBook(server, book);
      await rawPut(server, `${book}four.vcf`, ['BEGIN:VCARD', 'VERSION:4.0', 'UID:four-1', 'FN:Four', 'N:Four;;;;', 'GENDER:F',
        'ANNIVERSARY:20090808', 'END:VCARD', ''].join('\r\n'));
      expect((await ws.sync()).code).toBe(0);
      const copy = folderCards(ws).get('four-1')!;
      const path = ws.path('left', 'contacts', copy.file);
      writeFileSync(path, readFileSync(path, 'utf8').replace(/^FN:.*$/m, 'FN:Four (edited in the folder)'));
      const r = await ws.sync();
      expect(r.report).toMatchObject({ b: { updated: 1 } });
      const props = readVCard((await rawGet(server, `${book}four.vcf`)).body).properties;
      const value = (name: string) => props.find((p) => p.name === name)?.value;
      expect({ version: value('VERSION'), fn: value('FN'), gender: value('GENDER'), anniversary: value('ANNIVERSARY') })
        .toEqual({ version: '4.0', fn: 'Four (edited in the folder)', gender: 'F', anniversary: '20090808' });
    } finally {
      ws.cleanup();
    }
  });
});

for (const kind of ['radicale', 'xandikos'] as DavServerKind[]) {
  describe(`carddav ↔ folder via the CLI on ${kind}: an oversize photo`, () => {
    let server: DavServer;
    beforeAll(async () => { server = await startDavServer(kind); });
    afterAll(async () => { await server?.dispose(); });

    it('fails that card alone: exit 1, the card named in the errors, every other card on the server', async () => {
      const ws = new Workspace('dovetail-carddav-e2e-');
      try {
        const book = bookHref(server, `photo-${Date.now()}`);
        configure(ws, server, book, { maxPhotoBytes: 4096 });
        const dir = ws.path('left', 'contacts');
        const photo = (bytes: number) => `PHOTO;ENCODING=b;TYPE=JPEG:${randomBytes(bytes).toString('base64')}`;
        for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `p${i}.vcf`), person(`p${i}`, `Person ${i}`, i === 2 ? [photo(3000)] : []));
        writeFileSync(join(dir, 'huge.vcf'), person('huge-1', 'Huge Photo', [photo(20_000)]));

        const first = await ws.sync();
        expect(first.code, first.stderr).toBe(1);
        expect(first.report).toMatchObject({ failed: 1, b: { created: 5 } });
        expect(first.report.errors).toHaveLength(1);
        const [error] = first.report.errors as { uid?: string; message: string }[];
        expect(error!.uid === 'huge-1' || /Huge Photo/.test(error!.message)).toBe(true);
        expect(error!.message).toMatch(/the photo is 19\.5 KiB \(20000 bytes\), larger than the 4\.0 KiB \(4096 bytes\) allowed \("maxPhotoBytes"\)/);

        const onServer = await serverCards(server, book);
        expect([...onServer.values()].map((c) => c.uid).sort()).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
        // The small photo made it, bytes and all.
        const [p2] = [...onServer].find(([, c]) => c.uid === 'p2')!;
        const stored = readVCard((await rawGet(server, p2)).body).properties.find((p) => p.name === 'PHOTO')!;
        const sent = readVCard(readFileSync(join(dir, 'p2.vcf'), 'utf8')).properties.find((p) => p.name === 'PHOTO')!;
        expect(Buffer.from(stored.value.replace(/\s+/g, ''), 'base64').equals(Buffer.from(sent.value, 'base64'))).toBe(true);

        // The next run writes nothing; the card is still reported with its error (failed again, or skipped while
        // the engine's retry backoff runs) and the run is not ok either way: the card waits (exit 1).
        const second = await ws.sync();
        expect(writes(second.report)).toBe(0);
        expect(second.code, second.stderr).toBe(1);
        expect(second.report.ok).toBe(false);
        const again = second.report.items.find((i) => i.uid === 'huge-1');
        expect(`${again?.reason} ${(again as { error?: string } | undefined)?.error ?? ''}`).toMatch(/maxPhotoBytes/);
        expect(folderCards(ws).size).toBe(6);
      } finally {
        ws.cleanup();
      }
    });
  });
}
