/** Test fixtures: real temp folders and connectors built through the package's default export. */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Connector } from '@dovetail/core/sdk';
import { testContext } from '@dovetail/core/testing';
import definition, { type FilesystemSettings } from '../src/index.js';

/** A fresh temp folder; removed by the returned `cleanup`. */
export function tempDir(prefix = 'dovetail-fs-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A connector for `settings`, with relative paths resolving against `baseDir`. */
export async function makeConnector(baseDir: string, settings: FilesystemSettings): Promise<Connector> {
  return definition.create(testContext(settings, { baseDir, endpoint: 'local' }));
}

/** Writes `files` (name → content) into `dir`, creating it. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(path.join(dir, name), text)));
}

/** A minimal VEVENT file. */
export function eventText(uid: string | undefined, summary: string): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', ...(uid ? [`UID:${uid}`] : []),
    'DTSTAMP:20260101T000000Z', 'DTSTART:20260301T090000Z', 'DTEND:20260301T100000Z', `SUMMARY:${summary}`,
    'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}

/** A minimal VTODO file. */
export function taskText(uid: string, summary: string): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VTODO', `UID:${uid}`,
    'DTSTAMP:20260101T000000Z', `SUMMARY:${summary}`, 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n');
}

/** A minimal vCard file. */
export function cardText(uid: string | undefined, fn: string, version: '3.0' | '4.0' = '3.0'): string {
  return ['BEGIN:VCARD', `VERSION:${version}`, ...(uid ? [`UID:${uid}`] : []), `FN:${fn}`, `N:${fn};;;;`, 'END:VCARD', ''].join('\r\n');
}
