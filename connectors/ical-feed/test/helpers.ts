/** Feed connectors built through the package's default export, with recorded logs, for the tests. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConnectorContext, EventEntity, Logger } from '@dovetail/core/sdk';
import definition, { type IcalFeedConnector, type IcalFeedSettings } from '../src/index.js';

export const corpusDir = process.env.CORPUS_DIR ?? fileURLToPath(new URL('../../../../shared/corpus', import.meta.url));

/** A real corpus file's text. */
export function corpus(name: string): string {
  return readFileSync(path.join(corpusDir, 'ical', name), 'utf8');
}

/** A logger that records every line (object and message) as JSON text, for "never logged" checks. */
export function recordingLogger(lines: string[] = []): Logger {
  const log = (obj: object | string, msg?: string) => { lines.push(JSON.stringify([obj, msg ?? null])); };
  const logger: Logger = { trace: log, debug: log, info: log, warn: log, error: log, child: () => logger };
  return logger;
}

export interface Made {
  connector: IcalFeedConnector;
  logs: string[];
}

/** A connector for `settings`; secret settings (url, password, token) are given as plain strings. */
export async function makeFeed(settings: IcalFeedSettings, options: { baseDir?: string; endpoint?: string } = {}): Promise<Made> {
  const logs: string[] = [];
  const plain = settings as Record<string, unknown>;
  const context: ConnectorContext<IcalFeedSettings> = {
    endpoint: options.endpoint ?? 'feed',
    settings: Object.freeze({ ...settings }),
    logger: recordingLogger(logs),
    secrets: {
      get: async (key) => { if (typeof plain[key] !== 'string') throw new Error(`no secret ${key}`); return plain[key] as string; },
      maybe: async (key) => (typeof plain[key] === 'string' ? plain[key] as string : undefined),
    },
    signal: new AbortController().signal,
    baseDir: options.baseDir ?? process.cwd(),
  };
  return { connector: await definition.create(context) as IcalFeedConnector, logs };
}

/** A fresh temp folder and its removal. */
export function tempDir(prefix = 'dovetail-feed-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A VCALENDAR of VEVENT blocks written by us (`lines` per event, without BEGIN/END:VEVENT). */
export function calendar(events: string[][], extra: string[] = []): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Dovetail//feed tests//EN', ...extra,
    ...events.flatMap((e) => ['BEGIN:VEVENT', ...e, 'END:VEVENT']), 'END:VCALENDAR', ''].join('\r\n');
}

/** The lines of a simple event. */
export function eventLines(uid: string, summary: string, start = '20260301T100000Z', extra: string[] = []): string[] {
  const end = start.replace(/T(\d\d)/, (_, h: string) => `T${String((Number(h) + 1) % 24).padStart(2, '0')}`);
  return [`UID:${uid}`, 'DTSTAMP:20260101T000000Z', `DTSTART:${start}`, `DTEND:${end}`, `SUMMARY:${summary}`, ...extra];
}

export const summaryOf = (e: unknown) => (e as EventEntity).summary;
