/**
 * A throwaway workspace for end-to-end tests: real folders, a real dovetail.json, the real CLI as a child process.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const cliPath = join(repoRoot, 'core', 'bin', 'dovetail.js');
export const corpusDir = process.env.CORPUS_DIR ?? resolve(repoRoot, '..', 'shared', 'corpus');

export interface EventSpec {
  uid: string;
  summary: string;
  start?: string; // 20260301T100000Z or 20260301 (all-day)
  end?: string;
  lastModified?: string; // 20260301T100000Z
  extra?: string[]; // more content lines
}

/** iCalendar text for one event, written by us. */
export function ics(e: EventSpec): string {
  const start = e.start ?? '20260301T100000Z';
  const end = e.end ?? (start.length === 8 ? start : start.replace(/T(\d\d)/, (_, h) => `T${String((Number(h) + 1) % 24).padStart(2, '0')}`));
  const dt = (name: string, v: string) => (v.length === 8 ? `${name};VALUE=DATE:${v}` : `${name}:${v}`);
  return [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Dovetail//Tests//EN', 'BEGIN:VEVENT',
    `UID:${e.uid}`, 'DTSTAMP:20260101T000000Z', dt('DTSTART', start), dt('DTEND', end), `SUMMARY:${e.summary}`,
    ...(e.lastModified ? [`LAST-MODIFIED:${e.lastModified}`] : []), ...(e.extra ?? []),
    'END:VEVENT', 'END:VCALENDAR', '',
  ].join('\r\n');
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  json?: { runs: RunJson[] } & Record<string, unknown>;
}

export interface RunJson {
  pairing: string;
  ok: boolean;
  dryRun: boolean;
  a: { created: number; updated: number; deleted: number };
  b: { created: number; updated: number; deleted: number };
  unchanged: number;
  conflicts: number;
  skipped: number;
  failed: number;
  blocked?: string;
  notSynced?: { side: string; count: number; reason: string }[];
  errors: { message: string }[];
  items: { action: string; side?: string; uid: string; title: string; reason: string; ok: boolean }[];
}

export class Workspace {
  readonly dir: string;
  constructor(prefix = 'dovetail-e2e-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
  }

  path(...p: string[]): string {
    return join(this.dir, ...p);
  }

  /** Writes dovetail.json with two folder endpoints `left` and `right` and the given pairings. */
  config(pairings: Record<string, unknown>, extra: Record<string, unknown> = {}): void {
    mkdirSync(this.path('left'), { recursive: true });
    mkdirSync(this.path('right'), { recursive: true });
    writeFileSync(this.path('dovetail.json'), JSON.stringify({
      endpoints: {
        left: { connector: 'filesystem', settings: { path: './left' } },
        right: { connector: 'filesystem', settings: { path: './right' } },
      },
      pairings,
      ...extra,
    }, null, 2));
  }

  /** A two-folder event pairing `p` with the given options. */
  pairing(options: Record<string, unknown> = {}): void {
    mkdirSync(this.path('left', 'cal'), { recursive: true });
    mkdirSync(this.path('right', 'cal'), { recursive: true });
    this.config({ p: { entity: 'event', a: { endpoint: 'left', collection: 'cal' }, b: { endpoint: 'right', collection: 'cal' }, ...options } });
  }

  put(side: 'left' | 'right', e: EventSpec, file = `${e.uid}.ics`): string {
    mkdirSync(this.path(side, 'cal'), { recursive: true });
    writeFileSync(this.path(side, 'cal', file), ics(e));
    return file;
  }

  remove(side: 'left' | 'right', uid: string): void {
    const f = this.fileOf(side, uid);
    if (!f) throw new Error(`no ${uid} on ${side}`);
    unlinkSync(this.path(side, 'cal', f));
  }

  /** Replaces SUMMARY (and LAST-MODIFIED) of the item with `uid` in place, like a calendar app editing it. */
  edit(side: 'left' | 'right', uid: string, summary: string, lastModified?: string): void {
    const f = this.fileOf(side, uid);
    if (!f) throw new Error(`no ${uid} on ${side}`);
    let text = readFileSync(this.path(side, 'cal', f), 'utf8').replace(/SUMMARY:[^\r\n]*/, `SUMMARY:${summary}`);
    if (lastModified) {
      text = /LAST-MODIFIED:/.test(text) ? text.replace(/LAST-MODIFIED:[^\r\n]*/, `LAST-MODIFIED:${lastModified}`) : text.replace(/(SUMMARY:[^\r\n]*)/, `$1\r\nLAST-MODIFIED:${lastModified}`);
    }
    writeFileSync(this.path(side, 'cal', f), text);
  }

  fileOf(side: 'left' | 'right', uid: string): string | undefined {
    const dir = this.path(side, 'cal');
    if (!existsSync(dir)) return undefined;
    return readdirSync(dir).filter((f) => f.endsWith('.ics')).find((f) => new RegExp(`^UID:${escapeRe(uid)}\\r?$`, 'm').test(readFileSync(join(dir, f), 'utf8')));
  }

  /** uid → summary of every item in a side's `cal` collection. */
  items(side: 'left' | 'right', collection = 'cal'): Map<string, string> {
    const dir = this.path(side, collection);
    const out = new Map<string, string>();
    if (!existsSync(dir)) return out;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.ics'))) {
      const text = readFileSync(join(dir, f), 'utf8').replace(/\r?\n[ \t]/g, '');
      const uid = /^UID:(.*?)\r?$/m.exec(text)?.[1] ?? '';
      if (out.has(uid)) throw new Error(`duplicate UID ${uid} on ${side}`);
      out.set(uid, unescapeText(/^SUMMARY:(.*?)\r?$/m.exec(text)?.[1] ?? ''));
    }
    return out;
  }

  text(side: 'left' | 'right', uid: string): string {
    const f = this.fileOf(side, uid);
    if (!f) throw new Error(`no ${uid} on ${side}`);
    return readFileSync(this.path(side, 'cal', f), 'utf8');
  }

  run(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
    return runCli(args, this.dir, env);
  }

  /** `dovetail sync --json [args]`. */
  async sync(...args: string[]): Promise<RunResult & { report: RunJson }> {
    const r = await this.run(['sync', '--json', ...args]);
    if (!r.json) throw new Error(`sync printed no JSON (exit ${r.code}): ${r.stderr}${r.stdout}`);
    return { ...r, report: r.json.runs[0] };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function runCli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolveRun) => {
    execFile(process.execPath, [cliPath, ...args], { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      let json;
      if (args.includes('--json')) {
        try { json = JSON.parse(stdout); } catch { json = undefined; }
      }
      resolveRun({ code, stdout, stderr, json });
    });
  });
}

/** Total writes a run made on both sides. */
export function writes(r: RunJson): number {
  return r.a.created + r.a.updated + r.a.deleted + r.b.created + r.b.updated + r.b.deleted;
}

/** iCalendar TEXT unescaping (RFC 5545 §3.3.11). */
function unescapeText(s: string): string {
  return s.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
