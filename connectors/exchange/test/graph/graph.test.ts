/**
 * The Graph backend against the Graph simulator: what it sends (asserted on the simulator's request log), delta
 * paging and expired delta tokens, $batch limits, If-Match, transactionId after a lost answer, series both ways,
 * throttling, the mailbox's concurrency limit, token expiry and refresh, app-only with a certificate and the
 * device-code sign-in.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactEntity, EventEntity, LoadResult, TaskEntity, Entity } from '@dovetail/core/sdk';
import { memoryCredentials, recordingLogger } from '@dovetail/core/testing';
import { credentialStore } from '../../../../core/src/host/credentials.js';
import type { GraphSimulator } from '@dovetail/graph-simulator';
import { CLIENT_ID, freshName, graphFor, OTHER, SECRET, startGraph, TENANT, USER } from './helpers.js';

let sim: GraphSimulator;
beforeAll(async () => { sim = await startGraph(); });
afterAll(async () => { await sim?.stop(); });

const loaded = (r: LoadResult | undefined): Entity => {
  if (!r?.ok) throw new Error(`load failed: ${r && !r.ok ? `${r.error.code}: ${r.error.message}` : 'no result'}`);
  return r.item;
};
const graphRequests = () => sim.requests().filter((r) => !r.path.includes('/oauth2/') && !r.path.includes('.well-known'));
const berlin = (value: string) => ({ kind: 'zoned' as const, value, tz: 'Europe/Berlin' });

async function freshCalendar() {
  const connector = await graphFor(sim);
  const info = await connector.createCollection!({ id: `calendar/${freshName('cal')}`, entities: ['event'] });
  const folderId = sim.api.folderId(USER, 'event', info.id.split('/')[1]);
  return { connector, collection: info.id, folderId };
}

describe('listing with delta queries', () => {
  it('a first listing pages through the delta round; a quiet run is one request; changes by Outlook arrive', async () => {
    const connector = await graphFor(sim);
    const list = await connector.createCollection!({ id: `tasks/${freshName('list')}`, entities: ['task'] });
    const listId = sim.api.folderId(USER, 'task', list.id.split('/')[1]);
    const created = Array.from({ length: 450 }, (_, i) => sim.api.create(USER, 'task', listId, { title: `Task ${i}` }));
    sim.clearRequests();
    const full = await connector.list(list.id, { entity: 'task' });
    expect(full.kind === 'full' && full.items.length).toBe(450);
    expect(graphRequests().filter((r) => r.path.endsWith('/tasks/delta')).length).toBe(3); // 200 + 200 + 50
    sim.clearRequests();
    const quiet = await connector.list(list.id, { entity: 'task', cursor: full.cursor });
    expect(quiet).toMatchObject({ kind: 'changes', changed: [], deleted: [] });
    expect(graphRequests()).toHaveLength(1);
    sim.api.update(USER, String(created[3].id), { title: 'Edited in Outlook' });
    sim.api.delete(USER, String(created[4].id));
    const delta = await connector.list(list.id, { entity: 'task', cursor: (quiet as { cursor: string }).cursor });
    expect(delta).toMatchObject({ kind: 'changes', changed: [{ id: created[3].id }], deleted: [created[4].id] });
  });

  it('a listing holding more than maxListItems fails naming the setting, after the page that passed the cap', async () => {
    const connector = await graphFor(sim, { maxListItems: 250 });
    const list = await connector.createCollection!({ id: `tasks/${freshName('cap')}`, entities: ['task'] });
    const listId = sim.api.folderId(USER, 'task', list.id.split('/')[1]);
    for (let i = 0; i < 300; i++) sim.api.create(USER, 'task', listId, { title: `Task ${i}` });
    sim.clearRequests();
    await expect(connector.list(list.id, { entity: 'task' })).rejects.toMatchObject({ code: 'Invalid', message: expect.stringMatching(/holds more than 250 items; raise "maxListItems"/) });
    expect(graphRequests().filter((r) => r.path.endsWith('/tasks/delta')).length).toBe(2); // 200, then 100 more: over the cap
    expect((await (await graphFor(sim, { maxListItems: 300 })).list(list.id, { entity: 'task' }) as { items: unknown[] }).items).toHaveLength(300);
  });

  it('an expired delta token (410 syncStateNotFound) is CursorInvalid; the full listing after it duplicates nothing', async () => {
    const { connector, collection, folderId } = await freshCalendar();
    for (let i = 0; i < 3; i++) sim.api.create(USER, 'event', folderId, { subject: `E${i}`, start: { dateTime: `2026-12-1${i}T09:00:00`, timeZone: 'UTC' }, end: { dateTime: `2026-12-1${i}T10:00:00`, timeZone: 'UTC' } });
    const full = await connector.list(collection, { entity: 'event' });
    sim.expireDeltaTokens();
    await expect(connector.list(collection, { entity: 'event', cursor: full.cursor })).rejects.toMatchObject({ code: 'CursorInvalid' });
    const again = await connector.list(collection, { entity: 'event' });
    expect(again.kind === 'full' && again.items.map((i) => i.id).sort()).toEqual(full.kind === 'full' && full.items.map((i) => i.id).sort());
    sim.injectFault({ kind: 'delta-expired' });
    await expect(connector.list(collection, { entity: 'event', cursor: again.cursor })).rejects.toMatchObject({ code: 'CursorInvalid' });
  });

  it("a changed occurrence reports its series; a deleted event makes the listing full again", async () => {
    const { connector, collection, folderId } = await freshCalendar();
    const series = sim.api.create(USER, 'event', folderId, { subject: 'Standup', start: { dateTime: '2026-12-07T09:00:00', timeZone: 'W. Europe Standard Time' }, end: { dateTime: '2026-12-07T09:15:00', timeZone: 'W. Europe Standard Time' },
      recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2026-12-07', numberOfOccurrences: 10 } } });
    const single = sim.api.create(USER, 'event', folderId, { subject: 'One', start: { dateTime: '2026-12-08T12:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-12-08T13:00:00', timeZone: 'UTC' } });
    const full = await connector.list(collection, { entity: 'event' });
    sim.api.modifyOccurrence(USER, String(series.id), '2026-12-09T08:00:00Z', { subject: 'Standup (moved)' });
    const changes = await connector.list(collection, { entity: 'event', cursor: full.cursor });
    expect(changes.kind === 'changes' && changes.changed.map((c) => c.id)).toEqual([series.id]);
    sim.api.delete(USER, String(single.id));
    const after = await connector.list(collection, { entity: 'event', cursor: changes.cursor });
    expect(after.kind === 'full' && after.items.map((i) => i.id)).toEqual([series.id]);
  });
});

describe('series both ways', () => {
  it("Outlook's changed and cancelled occurrences read as overrides and EXDATEs; Dovetail's are written to occurrences", async () => {
    const { connector, collection, folderId } = await freshCalendar();
    const series = sim.api.create(USER, 'event', folderId, { subject: 'Weekly', start: { dateTime: '2027-01-04T10:00:00', timeZone: 'W. Europe Standard Time' }, end: { dateTime: '2027-01-04T11:00:00', timeZone: 'W. Europe Standard Time' },
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'], firstDayOfWeek: 'monday' }, range: { type: 'endDate', startDate: '2027-01-04', endDate: '2027-02-22' } } });
    sim.api.modifyOccurrence(USER, String(series.id), '2027-01-11T09:00:00Z', { subject: 'Weekly (in room 2)', start: { dateTime: '2027-01-11T14:00:00', timeZone: 'W. Europe Standard Time' }, end: { dateTime: '2027-01-11T15:00:00', timeZone: 'W. Europe Standard Time' } });
    sim.api.cancelOccurrence(USER, String(series.id), '2027-01-18T09:00:00Z');
    const e = loaded((await connector.load(collection, [String(series.id)], { entity: 'event' }))[0]) as EventEntity;
    expect(e.recurrence).toEqual({ rrule: ['FREQ=WEEKLY;BYDAY=MO;UNTIL=20270222T090000Z'], exdate: [berlin('2027-01-18T10:00:00')] });
    expect(e.overrides).toEqual([{ recurrenceId: berlin('2027-01-11T10:00:00'), summary: 'Weekly (in room 2)', start: berlin('2027-01-11T14:00:00'), end: berlin('2027-01-11T15:00:00') }]);
    // Dovetail cancels another occurrence and moves one more.
    const next: EventEntity = { ...e, recurrence: { ...e.recurrence!, exdate: [...e.recurrence!.exdate!, berlin('2027-02-01T10:00:00')] },
      overrides: [...e.overrides!, { recurrenceId: berlin('2027-02-08T10:00:00'), summary: 'Weekly (late)', start: berlin('2027-02-08T16:00:00'), end: berlin('2027-02-08T17:00:00') }] };
    const [w] = await connector.write(collection, [{ op: 'update', id: String(series.id), ifVersion: (await connector.list(collection, { entity: 'event' }) as { items: { version: string }[] }).items[0].version, item: next }]);
    expect(w.ok).toBe(true);
    const master = sim.store.item(sim.api.mailbox(USER), String(series.id));
    expect([...master.cancelled].sort()).toEqual(['2027-01-18T09:00:00Z', '2027-02-01T09:00:00Z']);
    expect([...master.exceptions.values()].map((x) => x.fields.subject).sort()).toEqual(['Weekly (in room 2)', 'Weekly (late)']);
    const back = loaded((await connector.load(collection, [String(series.id)], { entity: 'event' }))[0]) as EventEntity;
    expect(back.overrides).toHaveLength(2);
    expect(back.recurrence!.exdate).toHaveLength(2);
  });
});

describe('writes', () => {
  it('updates send If-Match with the etag and only what changed; a 412 is PreconditionFailed', async () => {
    const connector = await graphFor(sim);
    const [c] = await connector.write('contacts', [{ op: 'create', item: { type: 'contact', uid: `c-${freshName('u')}`, name: { given: 'Ann', family: 'Lee' }, formattedName: 'Ann Lee', org: { name: 'ACME' }, title: 'CTO',
      phones: [{ value: '+49 30 1', types: ['work', 'voice'] }, { value: '+49 30 9', types: ['work', 'fax'] }] } as ContactEntity }]);
    if (!c.ok) throw new Error(c.error.message);
    const current = loaded((await connector.load('contacts', [c.id], { entity: 'contact' }))[0]) as ContactEntity;
    expect(current.phones).toEqual([{ value: '+49 30 1', types: ['work', 'voice'] }, { value: '+49 30 9', types: ['work', 'fax'] }]);
    sim.clearRequests();
    const [u] = await connector.write('contacts', [{ op: 'update', id: c.id, ifVersion: c.version, item: { ...current, title: 'CEO' } }]);
    expect(u.ok).toBe(true);
    const patch = graphRequests().find((r) => r.method === 'PATCH')!;
    expect(patch.headers.ifMatch).toBe(c.version);
    expect(patch.body).toEqual({ jobTitle: 'CEO' });
    sim.injectFault({ kind: 'precondition', method: 'PATCH' });
    const [stale] = await connector.write('contacts', [{ op: 'update', id: c.id, ifVersion: (u as { version: string }).version, item: { ...current, title: 'CFO' } }]);
    expect(stale).toMatchObject({ ok: false, error: { code: 'PreconditionFailed' } });
    const [old] = await connector.write('contacts', [{ op: 'delete', id: c.id, ifVersion: c.version }]);
    expect(old).toMatchObject({ ok: false, error: { code: 'PreconditionFailed' } });
  });

  it('loads and writes go in $batch requests of at most 20, never more than 4 in flight for the mailbox', async () => {
    const slow = await startGraph({ latencyMs: 30 });
    try {
      const connector = await graphFor(slow);
      const tasks: TaskEntity[] = Array.from({ length: 130 }, (_, i) => ({ type: 'task', uid: `bulk-${i}`, summary: `Bulk ${i}` }));
      slow.clearRequests();
      const results = await connector.write('tasks', tasks.map((item) => ({ op: 'create' as const, item })));
      expect(results.every((r) => r.ok)).toBe(true);
      const batches = slow.requests().filter((r) => r.path === '/$batch');
      expect(batches.length).toBeGreaterThanOrEqual(7);
      expect(Math.max(...batches.map((b) => (b.body as { requests: number }).requests))).toBe(20);
      expect(slow.requests().some((r) => r.status === 429)).toBe(false);
      expect(slow.peakInFlight.get(USER)).toBe(4);
    } finally {
      await slow.stop();
    }
  });

  it('creating an event again with the same transactionId (an answer lost, a crash) creates nothing twice', async () => {
    const { connector, collection, folderId } = await freshCalendar();
    const event: EventEntity = { type: 'event', uid: 'once@dovetail.test', summary: 'Once', start: berlin('2027-03-01T09:00:00'), end: berlin('2027-03-01T10:00:00') };
    const [a] = await connector.write(collection, [{ op: 'create', item: event }]);
    const [b] = await connector.write(collection, [{ op: 'create', item: event }]);
    expect(a.ok && b.ok && a.id === b.id).toBe(true);
    expect(sim.api.items(USER, folderId)).toHaveLength(1);
    const posts = sim.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/events'));
    expect(new Set(posts.map((p) => (p.body as { transactionId: string }).transactionId)).size).toBe(1);
  });

  it('never invites attendees: they are carried, not written', async () => {
    const { connector, collection } = await freshCalendar();
    const event: EventEntity = { type: 'event', uid: 'meet@dovetail.test', summary: 'Meet', start: berlin('2027-03-02T09:00:00'), end: berlin('2027-03-02T10:00:00'),
      attendees: [{ email: 'dave@example.org', name: 'Dave', role: 'req-participant', partstat: 'accepted' }] };
    const [w] = await connector.write(collection, [{ op: 'create', item: event }]);
    if (!w.ok) throw new Error(w.error.message);
    expect(sim.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/events')).every((r) => !('attendees' in (r.body as object)))).toBe(true);
    expect((loaded((await connector.load(collection, [w.id], { entity: 'event' }))[0]) as EventEntity).attendees).toEqual(event.attendees);
  });
});

describe('throttling and tokens', () => {
  it('429, 503 and 504 with a short Retry-After are waited out; a long one is RateLimited', async () => {
    const connector = await graphFor(sim);
    for (const status of [429, 503, 504] as const) {
      sim.injectFault({ kind: 'throttle', status, retryAfter: 1, match: '/calendars' });
      expect((await connector.discover()).length).toBeGreaterThan(0);
    }
    sim.injectFault({ kind: 'throttle', status: 429, retryAfter: 120, match: '/calendars', count: 5 });
    await expect(connector.discover()).rejects.toMatchObject({ code: 'RateLimited', retryAfterMs: 120_000 });
    sim.clearFaults();
    sim.injectFault({ kind: 'throttle', status: 429, retryAfter: 1, inBatch: true, count: 3 });
    const ids = (await connector.list('tasks', { entity: 'task' }) as { items: { id: string }[] }).items.slice(0, 5).map((i) => i.id);
    expect((await connector.load('tasks', ids, { entity: 'task' })).every((r) => r.ok)).toBe(true);
  });

  it('an expired access token (401) is renewed once and the request sent again', async () => {
    const connector = await graphFor(sim);
    await connector.discover();
    const before = sim.oauth.issued.client_credentials ?? 0;
    sim.api.expireAccessTokens();
    expect((await connector.discover()).length).toBeGreaterThan(0);
    expect(sim.oauth.issued.client_credentials).toBe(before + 1);
    sim.injectFault({ kind: 'token-expired', match: '/todo/lists' });
    expect((await connector.discover()).length).toBeGreaterThan(0);
  });

  it('a wrong client secret is AuthFailed naming Entra ID; the secret never reaches the logs', async () => {
    const lines: [string, unknown][] = [];
    const wrong = await graphFor(sim, {}, { secrets: { clientSecret: 'nope' }, logger: recordingLogger(lines) });
    expect(await wrong.check()).toMatchObject({ ok: false, message: expect.stringMatching(/Entra ID refused the app \(invalid_client\)/) });
    const right = await graphFor(sim, {}, { logger: recordingLogger(lines) });
    expect((await right.check()).ok).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  it('app-only with a certificate: a signed client assertion, and other users\' mailboxes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'graph-cert-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=dovetail-app', '-keyout', 'key.pem', '-out', 'cert.pem'], { cwd: dir, stdio: 'pipe' });
    const certSim = await startGraph({ clientSecret: undefined, clientCertificate: readFileSync(path.join(dir, 'cert.pem'), 'utf8') });
    try {
      const connector = await graphFor(certSim, { clientSecret: undefined, certificate: path.join(dir, 'cert.pem'), certificateKey: path.join(dir, 'key.pem'), sharedMailboxes: [OTHER] }, { secrets: {} });
      expect(await connector.check()).toMatchObject({ ok: true, message: expect.stringMatching(/app-only/) });
      expect(certSim.requests().some((r) => (r.body as Record<string, string> | undefined)?.client_assertion === '***')).toBe(true);
      expect((await connector.discover()).map((c) => c.id)).toContain(`${OTHER}/calendar`);
      const [w] = await connector.write(`${OTHER}/calendar`, [{ op: 'create', item: { type: 'event', uid: 'for-bob', summary: 'For Bob', start: berlin('2027-04-01T09:00:00'), end: berlin('2027-04-01T10:00:00') } }]);
      expect(w.ok).toBe(true);
      expect(certSim.api.items(OTHER, certSim.api.folderId(OTHER, 'event')).map((i) => i.fields.subject)).toEqual(['For Bob']);
    } finally {
      await certSim.stop();
    }
  });

  it('delegated: the device code is shown, the refresh token kept (0600) and used; a revoked grant says to run dovetail auth', async () => {
    const state = mkdtempSync(path.join(tmpdir(), 'graph-state-'));
    const credentials = credentialStore(state, 'm365');
    const connector = await graphFor(sim, { auth: 'delegated', mailbox: undefined, clientSecret: undefined }, { credentials, secrets: {} });
    expect(await connector.check()).toMatchObject({ ok: false, message: expect.stringMatching(/run `dovetail auth m365`/) });
    const shown: string[] = [];
    const signedIn = connector.signIn!({ show: (l) => shown.push(l), signal: new AbortController().signal });
    for (let i = 0; i < 100 && !shown.length; i++) await new Promise((r) => setTimeout(r, 50));
    const [code] = sim.api.pendingUserCodes();
    expect(shown.join('\n')).toContain(code);
    sim.api.approveDevice(code, USER);
    expect(await signedIn).toMatchObject({ ok: true, message: expect.stringContaining(USER) });
    expect(statSync(credentials.location).mode & 0o777).toBe(0o600);
    expect(await credentials.read()).toMatch(/RefreshToken/);
    const again = await graphFor(sim, { auth: 'delegated', mailbox: undefined, clientSecret: undefined }, { credentials, secrets: {} });
    expect(await again.check()).toMatchObject({ ok: true, message: expect.stringMatching(/delegated.*ann@/) });
    expect(graphRequests().filter((r) => r.auth === 'user').every((r) => r.path.startsWith('/me'))).toBe(true);
    sim.api.expireAccessTokens();
    const refreshes = sim.oauth.issued.refresh_token ?? 0;
    expect((await again.discover()).length).toBeGreaterThan(0);
    expect(sim.oauth.issued.refresh_token).toBe(refreshes + 1);
    sim.api.revokeGrants(USER);
    sim.api.expireAccessTokens();
    await expect(again.discover()).rejects.toMatchObject({ code: 'AuthFailed', message: expect.stringMatching(/revoked or has expired.*dovetail auth m365/) });
  });
});

describe('Graph answers as Exchange Online gives them', () => {
  it('a To Do due date answered in UTC (midnight Berlin = 22:00 the day before) is the Berlin day', async () => {
    const connector = await graphFor(sim);
    const list = sim.api.folderId(USER, 'task');
    const t = sim.api.create(USER, 'task', list, { title: 'Due in UTC', dueDateTime: { dateTime: '2027-05-11T22:00:00.0000000', timeZone: 'UTC' }, startDateTime: { dateTime: '2027-05-10T00:00:00', timeZone: 'W. Europe Standard Time' } });
    const task = loaded((await connector.load('tasks', [String(t.id)], { entity: 'task' }))[0]) as TaskEntity;
    expect(task.due).toEqual({ kind: 'date', value: '2027-05-12' });
    expect(task.start).toEqual({ kind: 'date', value: '2027-05-10' });
  });

  it('reverting a changed occurrence rewrites the pattern and re-applies the other changes', async () => {
    const { connector, collection, folderId } = await freshCalendar();
    const series = sim.api.create(USER, 'event', folderId, { subject: 'Daily', start: { dateTime: '2027-02-01T08:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-02-01T08:30:00', timeZone: 'UTC' },
      recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2027-02-01', numberOfOccurrences: 5 } } });
    sim.api.modifyOccurrence(USER, String(series.id), '2027-02-02T08:00:00Z', { subject: 'Daily (A)' });
    sim.api.modifyOccurrence(USER, String(series.id), '2027-02-03T08:00:00Z', { subject: 'Daily (B)' });
    sim.api.cancelOccurrence(USER, String(series.id), '2027-02-04T08:00:00Z');
    const [r] = await connector.load(collection, [String(series.id)], { entity: 'event' });
    const e = loaded(r) as EventEntity;
    expect(e.overrides).toHaveLength(2);
    // Dovetail reverts (A) and brings the cancelled occurrence back; (B) stays.
    const next: EventEntity = { ...e, overrides: e.overrides!.filter((o) => o.summary === 'Daily (B)'), recurrence: { rrule: e.recurrence!.rrule } };
    const [w] = await connector.write(collection, [{ op: 'update', id: String(series.id), ifVersion: (r as { version: string }).version, item: next }]);
    expect(w.ok).toBe(true);
    const master = sim.store.item(sim.api.mailbox(USER), String(series.id));
    expect([...master.exceptions.values()].map((x) => [x.originalStart, x.fields.subject])).toEqual([['2027-02-03T08:00:00Z', 'Daily (B)']]);
    expect([...master.cancelled]).toEqual([]);
  });
});

describe('contacts', () => {
  it("a photo set in Outlook is read from photo/$value (base64 in the batch answer), not from the carry", async () => {
    const connector = await graphFor(sim);
    const c = sim.api.create(USER, 'contact', undefined, { givenName: 'Pia', surname: 'Photo', displayName: 'Pia Photo' });
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70]);
    sim.api.setPhoto(USER, String(c.id), bytes, 'image/jpeg');
    const contact = loaded((await connector.load('contacts', [String(c.id)], { entity: 'contact' }))[0]) as ContactEntity;
    expect(contact.photo).toEqual({ data: bytes.toString('base64'), mediaType: 'image/jpeg' });
  });
});

describe('tokens ahead of expiry', () => {
  it('msal-node renews an app token that is about to expire before using it (no 401 needed)', async () => {
    const short = await startGraph({ tokenLifetime: 301 });
    try {
      const connector = await graphFor(short);
      await connector.discover();
      const issued = short.oauth.issued.client_credentials;
      await new Promise((r) => setTimeout(r, 2500)); // now less than msal-node's 300 s renewal margin is left
      await connector.discover();
      expect(short.oauth.issued.client_credentials).toBe(issued + 1);
      expect(short.requests().some((r) => r.status === 401)).toBe(false);
    } finally {
      await short.stop();
    }
  });
});

describe('collection names and colours', () => {
  const graphBodies = (method: string) => graphRequests().filter((r) => r.method === method).map((r) => r.body);

  it('a new calendar takes the Outlook colour nearest to the one asked, and says which it took', async () => {
    const connector = await graphFor(sim);
    const name = freshName('Red');
    sim.clearRequests();
    const info = await connector.createCollection!({ id: `calendar/${name}`, name: 'Volunteering', color: '#FF0000', entities: ['event'] });
    expect(info).toEqual({ id: `calendar/${name}`, name, entities: ['event'], color: '#F5919C' });
    expect(graphBodies('POST')).toEqual([{ name, color: 'lightRed' }]);
    expect(sim.api.folders(USER, 'event').find((f) => f.name === name)).toMatchObject({ color: 'lightRed', hexColor: '#F5919C' });
    // A list or contact folder has no colour to take.
    const list = await connector.createCollection!({ id: `tasks/${freshName('L')}`, color: '#FF0000', entities: ['task'] });
    expect(list.color).toBeUndefined();
  });

  it('reads a calendar\'s name and colour (an Outlook custom colour as it is), a list\'s and contact folder\'s name, with one GET', async () => {
    const connector = await graphFor(sim);
    const name = freshName('Read');
    const folder = sim.api.createFolder(USER, 'event', name, { color: 'lightTeal', hexColor: '#8CD5D0' });
    sim.clearRequests();
    expect(await connector.collectionMetadata!(`calendar/${name}`)).toEqual({ name, color: '#8CD5D0' });
    expect(graphRequests().filter((r) => r.method === 'GET' && r.path.endsWith(`/calendars/${folder.id}`))).toHaveLength(1);
    sim.api.colourCalendar(USER, folder.id, { hexColor: '#1e90ff' });
    expect(await connector.collectionMetadata!(`calendar/${name}`)).toEqual({ name, color: '#1E90FF' });
    const plain = freshName('Plain');
    sim.api.createFolder(USER, 'event', plain);
    expect(await connector.collectionMetadata!(`calendar/${plain}`)).toEqual({ name: plain });
    const list = sim.api.createFolder(USER, 'task', freshName('List'));
    await connector.list(`id:${list.id}`, { entity: 'task' });
    expect(await connector.collectionMetadata!(`id:${list.id}`)).toEqual({ name: list.name });
    const clients = freshName('Clients');
    sim.api.createFolder(USER, 'contact', clients);
    expect(await connector.collectionMetadata!(`contacts/${clients}`)).toEqual({ name: clients });
    expect(await connector.collectionMetadata!('contacts')).toEqual({});
    expect(await connector.collectionMetadata!('calendar')).toEqual({ name: 'Calendar' });
  });

  it('sets a calendar\'s colour by its nearest name and keeps the name of a folder named by its path; returns what it holds', async () => {
    const lines: [string, unknown][] = [];
    const connector = await graphFor(sim, {}, { logger: recordingLogger(lines) });
    const name = freshName('Set');
    const folder = sim.api.createFolder(USER, 'event', name, { color: 'lightRed', hexColor: '#F5919C' });
    sim.clearRequests();
    expect(await connector.updateCollection!(`calendar/${name}`, { color: '#00AA55', name: 'Renamed' })).toEqual({ name, color: '#87D28F' });
    expect(graphBodies('PATCH')).toEqual([{ color: 'lightGreen' }]);
    expect(graphRequests().find((r) => r.method === 'PATCH')!.path).toBe(`/users/${encodeURIComponent(USER)}/calendars/${folder.id}`);
    expect(sim.api.folders(USER, 'event').find((f) => f.id === folder.id)).toMatchObject({ name, color: 'lightGreen', hexColor: '#87D28F' });
    expect(lines.some(([level, msg]) => level === 'info' && String(msg).includes('kept'))).toBe(true);
    // Only a name, which it keeps: nothing is written, the folder is read.
    sim.clearRequests();
    expect(await connector.updateCollection!(`calendar/${name}`, { name: 'Renamed' })).toEqual({ name, color: '#87D28F' });
    expect(graphBodies('PATCH')).toEqual([]);
    // Named by id, the calendar takes the name.
    expect(await connector.updateCollection!(`id:${folder.id}`, { name: 'Renamed' })).toEqual({ name: 'Renamed', color: '#87D28F' });
    expect(sim.api.folders(USER, 'event').find((f) => f.id === folder.id)!.name).toBe('Renamed');
  });

  it('renames a To Do list or contact folder named by id, and keeps their colour out', async () => {
    const connector = await graphFor(sim);
    const list = sim.api.createFolder(USER, 'task', freshName('Errands'));
    await connector.list(`id:${list.id}`, { entity: 'task' });
    sim.clearRequests();
    expect(await connector.updateCollection!(`id:${list.id}`, { name: 'Chores', color: '#FF0000' })).toEqual({ name: 'Chores' });
    expect(graphBodies('PATCH')).toEqual([{ displayName: 'Chores' }]);
    const folder = sim.api.createFolder(USER, 'contact', freshName('Clients'));
    await connector.list(`id:${folder.id}`, { entity: 'contact' });
    expect(await connector.updateCollection!(`id:${folder.id}`, { name: 'Customers' })).toEqual({ name: 'Customers' });
    expect(sim.api.folders(USER, 'contact').find((f) => f.id === folder.id)!.name).toBe('Customers');
  });
});

describe('discover and stamps', () => {
  it('discover lists calendars with their colours, To Do lists and contact folders', async () => {
    const name = freshName('Colours');
    sim.api.createFolder(USER, 'event', name, { color: 'lightGreen' });
    const hex = freshName('Hex');
    sim.api.createFolder(USER, 'event', hex, { hexColor: '#1e90ff' });
    const found = await (await graphFor(sim)).discover();
    expect(found).toEqual(expect.arrayContaining([
      { id: 'calendar', name: 'Calendar', entities: ['event'] },
      { id: `calendar/${name}`, name, entities: ['event'], color: '#87D28F' },
      { id: `calendar/${hex}`, name: hex, entities: ['event'], color: '#1E90FF' },
      { id: 'tasks', name: 'Tasks', entities: ['task'] },
      { id: 'contacts', name: 'Contacts', entities: ['contact'] },
    ]));
  });

  it("stamps the UID in the EWS backend's named property, so either backend recognises the item", async () => {
    const { connector, collection, folderId } = await freshCalendar();
    const [w] = await connector.write(collection, [{ op: 'create', item: { type: 'event', uid: 'shared-uid@dovetail.test', summary: 'S', start: berlin('2027-05-03T09:00:00'), end: berlin('2027-05-03T10:00:00') } }]);
    expect(w.ok).toBe(true);
    const [stored] = sim.api.items(USER, folderId);
    expect(stored.fields.singleValueExtendedProperties).toEqual(expect.arrayContaining([{ id: 'String {6a4d3c2e-7b1f-4e58-9c0a-3d5f2b8e1a47} Name DovetailUid', value: 'shared-uid@dovetail.test' }]));
    // An item stamped by the EWS backend (same property) is read with that UID.
    const ews = sim.api.create(USER, 'event', folderId, { subject: 'From EWS', start: { dateTime: '2027-05-04T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-05-04T10:00:00', timeZone: 'UTC' },
      singleValueExtendedProperties: [{ id: 'String {6a4d3c2e-7b1f-4e58-9c0a-3d5f2b8e1a47} Name DovetailUid', value: 'stamped-by-ews@example.org' }] });
    expect(loaded((await connector.load(collection, [String(ews.id)], { entity: 'event' }))[0]).uid).toBe('stamped-by-ews@example.org');
  });
});
