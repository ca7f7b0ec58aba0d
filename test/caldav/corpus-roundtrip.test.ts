/**
 * Every item of every real-world .ics file in the interop corpus, folder → CalDAV server → folder through the
 * real CLI, on Radicale and on Xandikos: each item either comes back semantically equal (ical-compare) or is
 * named in a per-item error of `sync --json`; a second sync writes nothing.
 *
 * One server per kind for the whole file; one calendar per corpus file (and per kind, and per generation of
 * repeated UIDs, see helpers.ts), all synced by one CLI run: every `up-*` pairing, then every `down-*`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawCreateCollection, rawGet, rawList, rawPut, startDavServer, type DavServer, type DavServerKind } from '../support/dav-servers.js';
import { repairItem } from '../../packages/dav/src/repairs.js';
import { compareItems, parseItem } from '../support/ical-compare.js';
import { corpusDir, Workspace, writes, type RunJson, type RunResult } from '../support/workspace.js';
import {
  calendarHref, collectionsOf, corpusIcalFiles, downPairing, folderItemsByUid, piecesNamedBy, roundTripConfig,
  splitCorpusText, upPairing, writeSourceFolders, type CorpusCollection, type CorpusPiece, type RunError,
} from './helpers.js';

const KINDS: DavServerKind[] = ['radicale', 'xandikos'];

/**
 * Rewrites a server is known to apply to stored data (its bug, not ours). Xandikos 0.2 parses with
 * python-icalendar 4.0, whose `unescape_string` turns a literal %2C, %3A, %3B, %5C in any value into , : ; \
 * (it uses those sequences internally for escaped characters), e.g. in URLs inside a DESCRIPTION.
 */
const SERVER_REWRITES: Partial<Record<DavServerKind, (value: string) => string>> = {
  xandikos: (v) => v.replaceAll('%2C', ',').replaceAll('%3A', ':').replaceAll('%3B', ';').replaceAll('%5C', '\\'),
};
/** A written item as `sync --json` reports it. */
type ReportedItem = { uid: string; repaired?: string[]; altered?: { property: string; sent: string }[] };

/**
 * True when a comparison difference is about a property the report says the server lost or changed (or about a
 * component the report says the server did not keep as it was, e.g. an override whose RECURRENCE-ID it rewrote).
 */
function reportedAlteration(diff: string, item: ReportedItem | undefined): boolean {
  const name = /: ([A-Z][A-Z0-9-]*) (?:"|\[|became)/.exec(diff)?.[1];
  return !!item?.altered?.some((a) => (name && (a.property === name || a.property.endsWith(` ${name}`))) || a.sent.startsWith('the whole '));
}

/** Failures allowed, as a share of all items (per server): a small minority. */
const MAX_FAILED_SHARE = 0.1;

const corpus = corpusIcalFiles(corpusDir).map((path) => ({ file: basename(path), split: splitCorpusText(readFileSync(path, 'utf8')) }));
const collections: CorpusCollection[] = corpus.flatMap(({ file, split }) => collectionsOf(file, split));
const allPieces = collections.flatMap((c) => c.pieces);

/** What happened to one collection in the round trip. */
interface CollectionOutcome {
  up: RunJson;
  down: RunJson;
  /** Each error of the two runs with the pieces it names. */
  errors: { pairing: string; error: RunError; pieces: CorpusPiece[] }[];
  failed: Set<CorpusPiece>;
  /** UID → text of the items that came back into dst/. */
  dst: Map<string, string>;
}

/** One server's round trip: the first sync (folder → server → folder), what it did per collection, the second sync. */
interface RoundTrip {
  server: DavServer;
  ws: Workspace;
  first: RunResult;
  second: RunResult;
  outcomes: Map<string, CollectionOutcome>;
  /** The pieces a plain PUT of their file (as curl would send it) got stored, in a calendar of their own. */
  plainKept: Set<CorpusPiece>;
}

/**
 * The baseline: every piece's file PUT as it is into a calendar per collection (`plain-…`), as vdirsyncer or curl
 * would. What the server stores that way, Dovetail must carry too.
 */
async function plainPuts(server: DavServer): Promise<Set<CorpusPiece>> {
  const kept = new Set<CorpusPiece>();
  for (const c of collections) {
    const href = calendarHref(server, `plain-${c.name}`);
    const made = await rawCreateCollection(server, href, 'calendar');
    if (made >= 300) throw new Error(`MKCALENDAR ${href}: ${made}`);
    for (const p of c.pieces) {
      const { status } = await rawPut(server, `${href}${encodeURIComponent(p.fileName)}`, p.text);
      if (status >= 200 && status < 300 && status !== 207) kept.add(p); // Xandikos refuses with a 207 wrapping the error
    }
  }
  return kept;
}

/** member href (as listed, as a decoded path, as a URL) → UID of a server calendar, read with raw requests. */
async function hrefToUid(server: DavServer, collectionHref: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { href } of await rawList(server, collectionHref)) {
    const { body } = await rawGet(server, href);
    const uid = /^UID[;:](?:[^:\r\n]*:)?(.*?)\r?$/im.exec(body.replace(/\r?\n[ \t]/g, ''))?.[1]?.trim();
    const path = decodeURIComponent(new URL(href, server.url).pathname);
    if (uid) for (const form of [path, new URL(path, server.url).href, href]) out.set(form, uid);
  }
  return out;
}

/** Error lines with the same pairing and message shape (UIDs, titles, hrefs masked) folded into one line with a count. */
function summarise(lines: string[]): string[] {
  const groups = new Map<string, { first: string; count: number }>();
  for (const line of lines) {
    const shape = line.replace(/\[[^\]]*\]/, '[…]').replace(/"[^"]*"/g, '"…"').replace(/\/[^\s:]*\.ics/g, '/….ics');
    const g = groups.get(shape);
    if (g) g.count++;
    else groups.set(shape, { first: line, count: 1 });
  }
  return [...groups.values()].map((g) => (g.count > 1 ? `${g.first}  (and ${g.count - 1} more like it)` : g.first));
}

function runsByPairing(result: RunResult): Map<string, RunJson> {
  return new Map((result.json?.runs ?? []).map((r) => [r.pairing, r]));
}

async function outcomeOf(rt: Pick<RoundTrip, 'server' | 'ws' | 'first'>, c: CorpusCollection): Promise<CollectionOutcome | undefined> {
  const runs = runsByPairing(rt.first);
  const up = runs.get(upPairing(c));
  const down = runs.get(downPairing(c));
  if (!up || !down) return undefined;
  const hrefs = down.errors.length ? await hrefToUid(rt.server, calendarHref(rt.server, c.name)) : new Map<string, string>();
  const errors = [up, down].flatMap((run) => (run.errors as RunError[]).map((error) => ({ pairing: run.pairing, error, pieces: piecesNamedBy(error, c, hrefs) })));
  return { up, down, errors, failed: new Set(errors.flatMap((e) => e.pieces)), dst: folderItemsByUid(rt.ws.path('dst', c.name)) };
}

/** Starts the server, writes src/ and dovetail.json, syncs, reads the outcome, syncs again; cleans up on failure. */
async function roundTrip(kind: DavServerKind): Promise<RoundTrip> {
  const server = await startDavServer(kind);
  const ws = new Workspace(`dovetail-corpus-${kind}-`);
  try {
    writeSourceFolders(ws.path('src'), collections);
    writeFileSync(ws.path('dovetail.json'), JSON.stringify(roundTripConfig(server, collections), null, 2));
    const first = await ws.run(['sync', '--json']);
    const outcomes = new Map<string, CollectionOutcome>();
    for (const c of collections) {
      const o = await outcomeOf({ server, ws, first }, c);
      if (o) outcomes.set(c.name, o);
    }
    const second = await ws.run(['sync', '--json']);
    return { server, ws, first, second, outcomes, plainKept: await plainPuts(server) };
  } catch (e) {
    ws.cleanup();
    await server.dispose();
    throw e;
  }
}

/** Both servers' round trips run side by side (each is mostly one server process and one CLI process). */
const roundTrips = new Map<DavServerKind, Promise<RoundTrip>>();
const startRoundTrips = () => Promise.all(KINDS.map((k) => roundTrips.get(k) ?? roundTrips.set(k, roundTrip(k)).get(k)!));

describe.each(KINDS)('corpus round trip through the CLI on %s', (kind) => {
  let first: RunResult;
  let second: RunResult;
  let outcomes: Map<string, CollectionOutcome>;
  let plainKept: Set<CorpusPiece>;

  beforeAll(async () => {
    await startRoundTrips().catch(() => undefined); // each kind reports its own failure below
    ({ first, second, outcomes, plainKept } = await roundTrips.get(kind)!);
  }, 300_000);

  afterAll(async () => {
    const rt = await roundTrips.get(kind)?.catch(() => undefined);
    rt?.ws.cleanup();
    await rt?.server.dispose();
  });

  it('the first sync ends with exit 0 or 1 and reports every pairing', () => {
    expect(first.json, first.stderr).toBeDefined();
    expect([0, 1], first.stderr).toContain(first.code);
    expect([...runsByPairing(first).keys()].sort()).toEqual(collections.flatMap((c) => [upPairing(c), downPairing(c)]).sort());
    const anyFailed = first.json!.runs.some((r) => r.failed > 0 || !r.ok);
    expect(first.code).toBe(anyFailed ? 1 : 0);
  });

  it.each(corpus.map((c) => c.file))('%s: every item round-trips, or a per-item error names it', (file) => {
    for (const c of collections.filter((x) => x.corpusFile === file)) {
      const o = outcomes.get(c.name)!;
      expect(o, `no report for ${c.name}`).toBeDefined();
      for (const run of [o.up, o.down]) {
        expect((run as RunJson & { aborted?: string }).aborted, `${run.pairing} aborted`).toBeUndefined();
        expect(run.failed, `${run.pairing}: failed count vs errors`).toBe(run.errors.length);
      }
      for (const e of o.errors) expect(e.pieces.length, `${e.pairing}: error names no item: ${e.error.message}`).toBeGreaterThan(0);
      const ok = c.pieces.filter((p) => !o.failed.has(p));
      expect(o.up.b.created, `${o.up.pairing} created`).toBe(c.pieces.filter((p) => !o.errors.some((e) => e.pairing === o.up.pairing && e.pieces.includes(p))).length);
      expect(o.down.b.created, `${o.down.pairing} created`).toBe(ok.length);
      expect([...o.dst.keys()].sort()).toEqual(ok.map((p) => p.uid).sort());
      for (const p of ok) {
        // A repaired item is compared with the repaired copy; a difference the server made must be named in the report.
        const written = (o.up.items as ReportedItem[]).find((i) => i.uid === p.uid);
        const sent = written?.repaired?.length ? repairItem(p.text, 'icalendar')?.text ?? p.text : p.text;
        const diffs = compareItems(sent, o.dst.get(p.uid)!, { sourceHadNoUid: p.uidless, serverRewrite: SERVER_REWRITES[kind] })
          .filter((d) => !reportedAlteration(d, written));
        expect(diffs, `${c.name}/${p.fileName} (UID ${p.uid})`).toEqual([]);
      }
    }
  });

  it('failures are a small minority of the items (counts printed)', () => {
    const failedPieces = new Set([...outcomes.values()].flatMap((o) => [...o.failed]));
    const components = allPieces.reduce((n, p) => n + p.components.length, 0);
    const ignored = corpus.flatMap((c) => c.split.ignored);
    const refusedByIcalJs = allPieces.flatMap((p) => p.components).filter((c) => !c.parsedByIcalJs).length;
    const lines = [...outcomes.values()].flatMap((o) => o.errors).map((e) => `${e.pairing} [${e.pieces.map((p) => p.uid).join(', ')}]: ${e.error.message.slice(0, 240)}`);
    console.log(`[${kind}] ${corpus.length} files, ${allPieces.length} items (${components} components) in ${collections.length} calendars `
      + `(${refusedByIcalJs} components ical.js refuses alone; not items: ${ignored.length} ${[...new Set(ignored)].join('/')}): `
      + `${allPieces.length - failedPieces.size} round-tripped, ${failedPieces.size} failed with a per-item error`
      + `${lines.length ? `:\n  ${summarise(lines).join('\n  ')}` : ''}`);
    expect(failedPieces.size / allPieces.length).toBeLessThanOrEqual(MAX_FAILED_SHARE);
  });

  it('every item a plain PUT of its file keeps is kept by Dovetail too; the repairs keep more (counts printed)', () => {
    const failedPieces = new Set([...outcomes.values()].flatMap((o) => [...o.failed]));
    const lostByUs = [...plainKept].filter((p) => failedPieces.has(p)).map((p) => `${p.fileName} (${p.uid})`);
    const recovered = allPieces.filter((p) => !plainKept.has(p) && !failedPieces.has(p));
    const repaired = [...outcomes.values()].flatMap((o) => o.up.items as { uid: string; repaired?: string[] }[]).filter((i) => i.repaired?.length);
    const altered = [...outcomes.values()].flatMap((o) => o.up.items as { uid: string; altered?: { property: string }[] }[]).filter((i) => i.altered?.length);
    console.log(`[${kind}] plain PUT keeps ${plainKept.size} of ${allPieces.length} items; Dovetail keeps ${allPieces.length - failedPieces.size}: `
      + `${recovered.length} more than a plain PUT (${repaired.length} written repaired: `
      + `${[...new Set(repaired.flatMap((i) => i.repaired!))].join(', ') || 'none'}); the server altered ${altered.length} items as it stored them`);
    expect(lostByUs).toEqual([]);
  });

  it('a second sync writes nothing on any pairing', () => {
    expect([0, 1], second.stderr).toContain(second.code);
    for (const run of second.json!.runs) {
      expect({ pairing: run.pairing, a: run.a, b: run.b }).toEqual({ pairing: run.pairing, a: { created: 0, updated: 0, deleted: 0 }, b: { created: 0, updated: 0, deleted: 0 } });
      expect(writes(run)).toBe(0);
    }
  });
});

describe('the corpus split and the comparison (no server)', () => {
  it.each(corpus.map((c) => c.file))('%s: the split keeps every VEVENT/VTODO exactly once, one UID per file', (file) => {
    const { split } = corpus.find((c) => c.file === file)!;
    const written = readFileSync(join(corpusDir, 'ical', file), 'utf8').match(/^BEGIN:(VEVENT|VTODO)[ \t]*\r?$/gim)?.length ?? 0;
    expect(split.pieces.reduce((n, p) => n + p.components.length, 0)).toBe(written);
    for (const p of split.pieces) {
      expect(new Set(p.components.map((c) => c.uid ?? p.uid))).toEqual(new Set([p.uid]));
      expect(new Set(p.components.map((c) => c.kind))).toEqual(new Set([p.kind]));
    }
  });

  const original = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//A//B//EN',
    'BEGIN:VEVENT', 'UID:u1', 'DTSTAMP:20260101T000000Z', 'DTSTART;TZID=Europe/Berlin:20260301T100000',
    'DURATION:PT86400S', 'RRULE:FREQ=WEEKLY;COUNT=5', 'EXDATE;TZID=Europe/Berlin:20260308T100000', 'SUMMARY:Plan\\, review',
    'DESCRIPTION:line 1\\nline 2', 'X-CLIENT-FLAG:1',
    'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-PT15M', 'DESCRIPTION:r', 'END:VALARM', 'END:VEVENT',
    'BEGIN:VEVENT', 'UID:u1', 'DTSTAMP:20260101T000000Z', 'RECURRENCE-ID;TZID=Europe/Berlin:20260315T100000',
    'DTSTART;TZID=Europe/Berlin:20260315T120000', 'DURATION:PT1H', 'SUMMARY:Moved', 'END:VEVENT', 'END:VCALENDAR', '',
  ].join('\r\n');
  const edit = (from: string, to: string) => {
    expect(original).toContain(from);
    return original.replace(from, to);
  };

  it('accepts what may change: volatile properties, server-added X- properties, order, folding, line endings, duration form', () => {
    const rewritten = edit('DTSTAMP:20260101T000000Z', 'DTSTAMP:20270101T000000Z\r\nSEQUENCE:3\r\nX-SERVER-ADDED:yes\r\nLAST-MODIFIED:20270101T000000Z')
      .replace('DURATION:PT86400S', 'DURATION:P1D').replace('SUMMARY:Plan\\, review', 'SUMMARY:Plan\\, re\r\n view')
      .replaceAll('\r\n', '\n');
    expect(compareItems(original, rewritten)).toEqual([]);
  });

  it.each([
    ['a changed SUMMARY', 'SUMMARY:Plan\\, review', 'SUMMARY:Plan review', /SUMMARY/],
    ['a moved TZID', 'DTSTART;TZID=Europe/Berlin:20260301T100000', 'DTSTART;TZID=Europe/Paris:20260301T100000', /DTSTART/],
    ['a time become floating', 'DTSTART;TZID=Europe/Berlin:20260301T100000', 'DTSTART:20260301T100000', /DTSTART/],
    ['a lost EXDATE', 'EXDATE;TZID=Europe/Berlin:20260308T100000\r\n', '', /lost exdate/],
    ['a changed RRULE', 'RRULE:FREQ=WEEKLY;COUNT=5', 'RRULE:FREQ=WEEKLY;COUNT=6', /RRULE/],
    ['a lost X- property of the source', 'X-CLIENT-FLAG:1\r\n', '', /lost x-client-flag/],
    ['a changed alarm TRIGGER', 'TRIGGER:-PT15M', 'TRIGGER:-PT30M', /VALARM#1: TRIGGER/],
    ['a lost alarm', 'BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:r\r\nEND:VALARM\r\n', '', /subcomponents/],
    ['a moved override', 'RECURRENCE-ID;TZID=Europe/Berlin:20260315T100000', 'RECURRENCE-ID;TZID=Europe/Berlin:20260322T100000', /missing in the copy/],
    ['a changed duration', 'DURATION:PT86400S', 'DURATION:PT23H', /DURATION/],
  ])('finds %s', (_what, from, to, expected) => {
    const diffs = compareItems(original, edit(from, to));
    expect(diffs.join('\n')).toMatch(expected);
  });

  it('reads a date without VALUE=DATE and raw description lines as a tolerant reader does', () => {
    const broken = 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART;TZID=Europe/Berlin:20041225\r\nDESCRIPTION:\r\nDear Team,\r\n\r\nSee you: soon\r\n\r\nSUMMARY:S\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
    const item = parseItem(broken).components.get('VEVENT master')!;
    expect(item.getFirstPropertyValue('description')).toBe('\nDear Team,\n\nSee you: soon');
    expect(item.getFirstProperty('dtstart')!.type).toBe('date');
    expect(item.getFirstPropertyValue('summary')).toBe('S');
  });
});
