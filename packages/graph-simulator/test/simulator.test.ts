/**
 * The Graph simulator driven with requests written by hand from Microsoft's Graph documentation: plain HTTP
 * and JSON (node's https module, no SDK, no Dovetail code) — the token request of the client-credentials grant,
 * then events, delta, $batch, To Do and contacts as the v1.0 reference shows them — and its standalone CLI.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:https';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphSimulator } from '../src/index.js';

const USER = 'megan@contoso.onmicrosoft.com';
let sim: GraphSimulator;
beforeAll(async () => { sim = await GraphSimulator.start({ tenant: 'contoso.onmicrosoft.com', clientId: 'app-1', clientSecret: 's3cret', users: [{ email: USER }], deltaPageSize: 2 }); });
afterAll(async () => { await sim?.stop(); });

/** One HTTPS request, trusting the simulator's certificate; the body parsed when it is JSON. */
function http(method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: Record<string, string>; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) }, ca: sim.certificate }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, json: text && /json/.test(res.headers['content-type'] ?? '') ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function token(): Promise<string> {
  const form = 'client_id=app-1&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&client_secret=s3cret&grant_type=client_credentials';
  const res = await http('POST', sim.tokenUrl, { 'content-type': 'application/x-www-form-urlencoded' }, form);
  expect(res.status).toBe(200);
  expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
  return res.json.access_token;
}

describe('requests written from the Graph documentation', () => {
  it('token, create an event, calendarView/delta paging, update with If-Match, $batch and OData errors', async () => {
    const auth = { authorization: `Bearer ${await token()}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const base = `${sim.baseUrl}/users/${USER}`;
    // POST /users/{id}/calendar/events (user-post-events.md)
    const created = await http('POST', `${base}/calendar/events`, json, JSON.stringify({
      subject: "Let's go for lunch", body: { contentType: 'HTML', content: 'Does noon work for you?' },
      start: { dateTime: '2027-03-15T12:00:00', timeZone: 'Pacific Standard Time' }, end: { dateTime: '2027-03-15T14:00:00', timeZone: 'Pacific Standard Time' },
      location: { displayName: "Harry's Bar" }, transactionId: '7E163156-7762-4BEB-A1C6-729EA81755A7',
    }));
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ subject: "Let's go for lunch", type: 'singleInstance', originalStartTimeZone: 'Pacific Standard Time', start: { dateTime: '2027-03-15T19:00:00.0000000', timeZone: 'UTC' } });
    expect(created.json['@odata.etag']).toMatch(/^W\/"/);
    // The same transactionId again: the same event.
    const again = await http('POST', `${base}/calendar/events`, json, JSON.stringify({ subject: 'dup', start: { dateTime: '2027-03-15T12:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-03-15T13:00:00', timeZone: 'UTC' }, transactionId: '7E163156-7762-4BEB-A1C6-729EA81755A7' }));
    expect(again.json.id).toBe(created.json.id);
    // A recurring event (patternedRecurrence).
    await http('POST', `${base}/events`, json, JSON.stringify({
      subject: 'Weekly sync', start: { dateTime: '2027-03-01T09:00:00', timeZone: 'W. Europe Standard Time' }, end: { dateTime: '2027-03-01T09:30:00', timeZone: 'W. Europe Standard Time' },
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['Monday'.toLowerCase()] }, range: { type: 'numbered', startDate: '2027-03-01', numberOfOccurrences: 3 } },
    }));
    // GET /users/{id}/calendarView/delta?startDateTime=…&endDateTime=… with Prefer: odata.maxpagesize (event-delta.md)
    const seen: any[] = [];
    let next: string | undefined = `${base}/calendarView/delta?startDateTime=2027-01-01T00:00:00Z&endDateTime=2027-12-31T00:00:00Z`;
    let deltaLink: string | undefined;
    while (next) {
      const page = await http('GET', next, { ...auth, prefer: 'odata.maxpagesize=2, outlook.timezone="Pacific Standard Time"' });
      expect(page.status).toBe(200);
      seen.push(...page.json.value);
      next = page.json['@odata.nextLink'];
      deltaLink = page.json['@odata.deltaLink'];
    }
    expect(seen.map((e) => e.type).sort()).toEqual(['occurrence', 'occurrence', 'occurrence', 'singleInstance']);
    expect(seen.find((e) => e.type === 'singleInstance').start).toEqual({ dateTime: '2027-03-15T12:00:00.0000000', timeZone: 'Pacific Standard Time' });
    const quiet = await http('GET', deltaLink!, auth);
    expect(quiet.json.value).toEqual([]);
    // PATCH with a stale If-Match → 412; with the current etag → 200.
    const stale = await http('PATCH', `${base}/events/${created.json.id}`, { ...json, 'if-match': 'W/"old"' }, JSON.stringify({ subject: 'x' }));
    expect(stale.status).toBe(412);
    expect(stale.json.error).toMatchObject({ code: 'ErrorIrresolvableConflict' });
    const patched = await http('PATCH', `${base}/events/${created.json.id}`, { ...json, 'if-match': created.json['@odata.etag'] }, JSON.stringify({ subject: 'Lunch at one' }));
    expect(patched.status).toBe(200);
    const changes = await http('GET', (await http('GET', deltaLink!, auth)).json['@odata.deltaLink'] ?? deltaLink!, auth);
    expect(changes.status).toBe(200);
    // POST /$batch (json-batching.md): two GETs and an invalid one.
    const batch = await http('POST', `${sim.baseUrl}/$batch`, json, JSON.stringify({ requests: [
      { id: '1', method: 'GET', url: `/users/${USER}/events/${created.json.id}?$select=subject` },
      { id: '2', method: 'GET', url: `/users/${USER}/calendars` },
      { id: '3', method: 'GET', url: `/users/${USER}/events/AAMkNotThere` },
    ] }));
    expect(batch.status).toBe(200);
    const byId = Object.fromEntries(batch.json.responses.map((r: any) => [r.id, r]));
    expect(byId['1']).toMatchObject({ status: 200, body: { subject: 'Lunch at one' } });
    expect(byId['2'].body.value[0]).toMatchObject({ name: 'Calendar', isDefaultCalendar: true });
    expect(byId['3']).toMatchObject({ status: 404, body: { error: { code: 'ErrorItemNotFound' } } });
    const tooMany = await http('POST', `${sim.baseUrl}/$batch`, json, JSON.stringify({ requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: `/users/${USER}/calendars` })) }));
    expect(tooMany.status).toBe(400);
    // No token, and an expired delta token.
    expect((await http('GET', `${base}/events`)).json.error.code).toBe('InvalidAuthenticationToken');
    sim.expireDeltaTokens();
    const gone = await http('GET', deltaLink!, auth);
    expect(gone.status).toBe(410);
    expect(gone.json.error.code).toBe('syncStateNotFound');
  });

  it('To Do tasks and contacts with their delta, and a throttled request with Retry-After', async () => {
    const json = { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' };
    const base = `${sim.baseUrl}/users/${USER}`;
    const lists = await http('GET', `${base}/todo/lists`, json);
    const list = lists.json.value.find((l: any) => l.wellknownListName === 'defaultList');
    const task = await http('POST', `${base}/todo/lists/${list.id}/tasks`, json, JSON.stringify({ title: 'A new task', dueDateTime: { dateTime: '2027-04-01T00:00:00', timeZone: 'UTC' }, importance: 'high' }));
    expect(task.status).toBe(201);
    const tdelta = await http('GET', `${base}/todo/lists/${list.id}/tasks/delta`, json);
    expect(tdelta.json.value.map((t: any) => t.title)).toEqual(['A new task']);
    const contact = await http('POST', `${base}/contacts`, json, JSON.stringify({ givenName: 'Pavel', surname: 'Bansky', emailAddresses: [{ address: 'pavelb@contoso.com', name: 'Pavel Bansky' }], businessPhones: ['+1 732 555 0102'] }));
    expect(contact.status).toBe(201);
    const cdelta = await http('GET', `${base}/contacts/delta`, json);
    expect(cdelta.json.value[0]).toMatchObject({ givenName: 'Pavel', businessPhones: ['+1 732 555 0102'] });
    sim.injectFault({ kind: 'throttle', status: 429, retryAfter: 7, match: '/contacts' });
    const throttled = await http('GET', `${base}/contacts`, json);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('7');
  });
  it('calendars, To Do lists and contact folders renamed and a calendar coloured by PATCH; hexColor is read-only', async () => {
    const auth = { authorization: `Bearer ${await token()}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const base = `${sim.baseUrl}/users/${USER}`;
    // POST /users/{id}/calendars (user-post-calendars.md): `color` by name; `hexColor` follows.
    const cal = await http('POST', `${base}/calendars`, json, JSON.stringify({ name: 'Volunteer', color: 'lightRed' }));
    expect(cal.status).toBe(201);
    expect(cal.json).toMatchObject({ name: 'Volunteer', color: 'lightRed', hexColor: '#F5919C' });
    expect((await http('POST', `${base}/calendars`, json, JSON.stringify({ name: 'Plain' }))).json).toMatchObject({ color: 'auto', hexColor: '' });
    // PATCH /users/{id}/calendars/{id} (calendar-update.md): name and color; the answer is the updated calendar.
    const patched = await http('PATCH', `${base}/calendars/${cal.json.id}`, json, JSON.stringify({ name: 'Social events', color: 'LightGreen' }));
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ id: cal.json.id, name: 'Social events', color: 'lightGreen', hexColor: '#87D28F' });
    expect((await http('GET', `${base}/calendars/${cal.json.id}`, auth)).json).toMatchObject({ name: 'Social events', color: 'lightGreen', hexColor: '#87D28F' });
    const hex = await http('PATCH', `${base}/calendars/${cal.json.id}`, json, JSON.stringify({ hexColor: '#123456' }));
    expect(hex.status).toBe(400);
    expect(hex.json.error.message).toContain("'hexColor' is read-only");
    const notAColour = await http('PATCH', `${base}/calendars/${cal.json.id}`, json, JSON.stringify({ color: 'crimson' }));
    expect(notAColour.status).toBe(400);
    expect((await http('PATCH', `${base}/calendar`, json, JSON.stringify({ name: 'Social events' }))).status).toBe(409);
    expect((await http('GET', `${base}/calendars/${cal.json.id}`, auth)).json.color).toBe('lightGreen');
    // PATCH /users/{id}/todo/lists/{id} (todotasklist-update.md) and /contactFolders/{id} (contactfolder-update.md): displayName.
    const list = await http('POST', `${base}/todo/lists`, json, JSON.stringify({ displayName: 'Errands' }));
    expect((await http('PATCH', `${base}/todo/lists/${list.json.id}`, json, JSON.stringify({ displayName: 'Chores' }))).json).toMatchObject({ id: list.json.id, displayName: 'Chores' });
    const folder = await http('POST', `${base}/contactFolders`, json, JSON.stringify({ displayName: 'Clients' }));
    expect((await http('PATCH', `${base}/contactFolders/${folder.json.id}`, json, JSON.stringify({ displayName: 'Customers' }))).json).toMatchObject({ id: folder.json.id, displayName: 'Customers' });
    expect(sim.api.folders(USER, 'contact').map((f) => f.name)).toContain('Customers');
  });
});

describe('standalone', () => {
  it('npm run graph-simulator prints the Graph base URL, then the token URL', async () => {
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', '--tenant', 't1', '--client-id', 'cid', '--client-secret', 'sec', '--user', 'ann@t1.onmicrosoft.com'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const lines = await new Promise<string[]>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => { out += c; const l = out.split('\n'); if (l.length > 3) resolve(l); });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      expect(lines[0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0$/);
      expect(lines[1]).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/t1\/oauth2\/v2\.0\/token$/);
      expect(lines[2]).toMatch(/\.pem$/);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
