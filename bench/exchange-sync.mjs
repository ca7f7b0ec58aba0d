// Exchange (EWS simulator) → local folder through the real CLI (`dovetail sync`, one child process per run):
// N calendar items (default 5,000; every 25th a weekly series with one changed and one deleted occurrence),
// initial sync, no-change sync, and a sync after 10 items were changed by "another Outlook user".
// Per run: wall time, peak RSS of the child, and the EWS requests it sent (the simulator's request log).
// Measured in the same run against the same simulator: the raw protocol — a node script sending hand-written
// SOAP (SyncFolderItems pages + GetItem batches of 50 + one file written per item; one SyncFolderItems with the
// SyncState for "no change") — and `node -e 0`. vdirsyncer has no EWS storage, so there is no peer to compare.
//
// Fails (exit 1) when the initial sync does not leave N files, a no-change sync writes anything or sends other
// than one SyncFolderItems request, or a sync after K changes loads or writes other than K items.
//
// Run: npm run build && node bench/exchange-sync.mjs [--items N]
import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { median, runChild } from './lib/processes.mjs';
import { exitOnFailures, inWorkDir, syncReport, table } from './lib/report.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
const cli = path.join(repoRoot, 'core', 'bin', 'dovetail.js');
const simulatorBin = path.join(repoRoot, 'packages', 'ews-simulator', 'bin', 'ews-simulator.js');
const argValue = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const ITEMS = Number(argValue('--items') ?? 5000);
const CHANGED = 10;
const USER = 'bench@example.com';
const PASSWORD = 'bench-password';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const T = 'http://schemas.microsoft.com/exchange/services/2006/types';
const M = 'http://schemas.microsoft.com/exchange/services/2006/messages';
const work = path.join(here, '.work', 'exchange-sync');

const envelope = (body) => `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="${T}" xmlns:m="${M}">`
  + `<soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/></soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`;

/** Starts the simulator in its own process; resolves with its EWS URL (the first line it prints). */
function startSimulator() {
  const child = spawn(process.execPath, [simulatorBin, '--port', '0', '--user', USER, '--password', PASSWORD], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ url: line.trim(), base: new URL(line.trim()).origin, stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`the simulator exited (${code}) before printing its URL`)));
  });
}

async function soap(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', authorization: AUTH }, body: envelope(body) });
  const text = await res.text();
  if (res.status !== 200 || /ResponseClass="Error"/.test(text)) throw new Error(`EWS ${res.status}: ${text.slice(0, 500)}`);
  return text;
}

async function oob(sim, method, args) {
  const res = await fetch(`${sim.base}/_simulator/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: AUTH }, body: JSON.stringify(args) });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`simulator ${method}: ${JSON.stringify(json)}`);
  return json.result;
}

/** One generated calendar item (ours): a meeting-like single, or every 25th a weekly series. */
function itemXml(i) {
  const day = new Date(Date.UTC(2026, 0, 5) + (i % 300) * 86_400_000).toISOString().slice(0, 10);
  const hour = String(8 + (i % 9)).padStart(2, '0');
  const series = i % 25 === 0
    ? `<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek><t:FirstDayOfWeek>Monday</t:FirstDayOfWeek></t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>${day}</t:StartDate><t:NumberOfOccurrences>12</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>`
    : '';
  return `<t:CalendarItem><t:Subject>Bench item ${i} – Müller &amp; Söhne</t:Subject><t:Body BodyType="HTML">&lt;p&gt;Agenda for item ${i}&lt;/p&gt;</t:Body>`
    + `<t:Categories><t:String>Bench</t:String></t:Categories><t:Start>${day}T${hour}:00:00Z</t:Start><t:End>${day}T${hour}:45:00Z</t:End><t:Location>Room ${i % 12}</t:Location>`
    + `${series}${series ? '<t:StartTimeZone Id="W. Europe Standard Time"/><t:EndTimeZone Id="W. Europe Standard Time"/>' : ''}</t:CalendarItem>`;
}

async function populate(sim) {
  for (let i = 0; i < ITEMS; i += 100) {
    const xml = Array.from({ length: Math.min(100, ITEMS - i) }, (_, k) => itemXml(i + k)).join('');
    await soap(sim.url, `<m:CreateItem SendMeetingInvitations="SendToNone"><m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId><m:Items>${xml}</m:Items></m:CreateItem>`);
  }
  const masters = (await oob(sim, 'items', { mailbox: USER, folder: 'calendar' })).filter((it) => it.props.Recurrence);
  for (const m of masters) {
    await oob(sim, 'updateItem', { mailbox: USER, masterId: m.id, index: 2, xml: `<t:CalendarItem xmlns:t="${T}"><t:Subject>Moved occurrence</t:Subject></t:CalendarItem>` });
    await oob(sim, 'deleteItem', { mailbox: USER, masterId: m.id, index: 4 });
  }
  return masters.length;
}

/** The raw protocol in one node process: list everything, GetItem in batches of 50, write one file each. */
const RAW_SCRIPT = `
const [url, auth, out, state] = process.argv.slice(1);
const fs = require('node:fs');
const env = (b) => '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="${T}" xmlns:m="${M}"><soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/></soap:Header><soap:Body>' + b + '</soap:Body></soap:Envelope>';
const post = async (b) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', authorization: auth }, body: env(b) })).text();
(async () => {
  let sync = state || '', ids = [], more = true;
  while (more) {
    const r = await post('<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:DistinguishedFolderId Id="calendar"/></m:SyncFolderId><m:SyncState>' + sync + '</m:SyncState><m:MaxChangesReturned>512</m:MaxChangesReturned></m:SyncFolderItems>');
    sync = /<m:SyncState>([^<]*)</.exec(r)[1];
    more = /<m:IncludesLastItemInRange>false/.test(r);
    for (const m of r.matchAll(/<t:ItemId Id="([^"]+)"/g)) ids.push(m[1]);
  }
  if (state) { process.stdout.write(sync); return; }
  for (let i = 0; i < ids.length; i += 50) {
    const r = await post('<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds>' + ids.slice(i, i + 50).map((id) => '<t:ItemId Id="' + id + '"/>').join('') + '</m:ItemIds></m:GetItem>');
    const items = r.split('<t:CalendarItem>').slice(1);
    items.forEach((text, k) => fs.writeFileSync(out + '/' + (i + k) + '.xml', text));
  }
  process.stdout.write(sync);
})().catch((e) => { console.error(e); process.exit(1); });
`;

async function main() {
  const failures = [];
  const sim = await startSimulator();
  try {
    await inWorkDir(work, async () => {
      const t0 = performance.now();
      const series = await populate(sim);
      console.log(`${ITEMS} calendar items (${series} weekly series with a changed and a deleted occurrence) created in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      await writeFile(path.join(work, 'dovetail.json'), JSON.stringify({
        endpoints: {
          ex: { connector: 'exchange', settings: { url: sim.url, username: USER, password: PASSWORD, timeZone: 'Europe/Berlin' } },
          local: { connector: 'filesystem', settings: { path: './local', createRoot: true } },
        },
        pairings: { p: { entity: 'event', a: { endpoint: 'ex', collection: 'calendar' }, b: { endpoint: 'local', collection: 'cal', create: true }, mode: 'two-way' } },
      }));
      const requests = async () => {
        const log = await oob(sim, 'requests', {});
        await oob(sim, 'clearRequests', {});
        const by = {};
        for (const r of log) by[r.operation] = (by[r.operation] ?? 0) + 1;
        return { total: log.length, by, itemIds: log.filter((r) => r.operation === 'GetItem').reduce((n, r) => n + r.itemIds.length, 0) };
      };
      const dovetail = async (label) => {
        await oob(sim, 'clearRequests', {});
        const r = await runChild(work, process.execPath, [cli, 'sync', '--json'], { cwd: work });
        return { r, report: syncReport(r, label), req: await requests() };
      };
      const files = async () => (await readdir(path.join(work, 'local', 'cal'))).filter((f) => f.endsWith('.ics')).length;

      const initial = await dovetail('initial');
      if ((await files()) !== ITEMS) failures.push(`initial sync left ${await files()} files, not ${ITEMS}`);
      const quiet = await dovetail('no change');
      const quietWrites = ['created', 'updated', 'deleted'].reduce((n, k) => n + quiet.report.a[k] + quiet.report.b[k], 0);
      if (quietWrites) failures.push(`a no-change sync wrote ${quietWrites} items`);
      if (quiet.req.total !== 1 || quiet.req.by.SyncFolderItems !== 1) failures.push(`a no-change sync sent ${JSON.stringify(quiet.req.by)}, not one SyncFolderItems`);

      const all = await oob(sim, 'items', { mailbox: USER, folder: 'calendar' });
      // Single items, so each change loads exactly that item (a series also loads its changed occurrences).
      for (const it of all.filter((x) => !x.props.Recurrence).slice(0, CHANGED)) await oob(sim, 'updateItem', { mailbox: USER, id: it.id, xml: `<t:CalendarItem xmlns:t="${T}"><t:Subject>Changed by another user</t:Subject></t:CalendarItem>` });
      await oob(sim, 'clearRequests', {});
      const changed = await dovetail('10 changed');
      if (changed.report.b.updated !== CHANGED) failures.push(`after ${CHANGED} changes the sync updated ${changed.report.b.updated} files`);
      if (changed.req.itemIds !== CHANGED) failures.push(`after ${CHANGED} changes the sync loaded ${changed.req.itemIds} items`);

      // The raw protocol: the same listing and loading by hand, in one node process.
      const rawDir = path.join(work, 'raw');
      await import('node:fs/promises').then((fs) => fs.mkdir(rawDir));
      await oob(sim, 'clearRequests', {});
      const rawInitial = await runChild(work, process.execPath, ['-e', RAW_SCRIPT, sim.url, AUTH, rawDir, '']);
      if (rawInitial.code !== 0) throw new Error(`raw initial failed: ${rawInitial.stderr}`);
      const rawInitialReq = await requests();
      const state = rawInitial.stdout.trim();
      const rawQuiet = [];
      for (let i = 0; i < 3; i++) rawQuiet.push((await runChild(work, process.execPath, ['-e', RAW_SCRIPT, sim.url, AUTH, rawDir, state])).ms);
      const nodeStart = [];
      for (let i = 0; i < 5; i++) nodeStart.push((await runChild(work, process.execPath, ['-e', '0'])).ms);
      const quietRuns = [quiet.r.ms];
      for (let i = 0; i < 2; i++) quietRuns.push((await dovetail('no change')).r.ms);

      const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
      const mib = (r) => (r.rssKiB ? `${Math.round(r.rssKiB / 1024)}` : '–');
      table(['scenario', 'Dovetail', 'raw protocol', 'ratio', 'requests (Dovetail / raw)', 'RSS MiB'], [
        ['initial', s(initial.r.ms), s(rawInitial.ms), `${(initial.r.ms / rawInitial.ms).toFixed(2)}×`, `${initial.req.total} / ${rawInitialReq.total}`, mib(initial.r)],
        ['no change (median of 3)', s(median(quietRuns)), s(median(rawQuiet)), `${(median(quietRuns) / median(rawQuiet)).toFixed(2)}×`, `${quiet.req.total} / 1`, mib(quiet.r)],
        [`${CHANGED} changed`, s(changed.r.ms), '', '', `${changed.req.total} (${changed.req.itemIds} items)`, mib(changed.r)],
      ]);
      console.log(`\nnode -e 0: ${s(median(nodeStart))} (median of 5). Dovetail's initial requests: ${JSON.stringify(initial.req.by)}.`);
    });
  } finally {
    sim.stop();
  }
  exitOnFailures(failures);
}

await main();
