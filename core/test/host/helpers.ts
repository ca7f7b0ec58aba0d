/** Test helpers: temp folders and copies of the fixture connector packages. */
import { cp, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { createLogger, SecretRegistry } from '../../src/log.js';

export const fixturesDir = fileURLToPath(new URL('../fixtures/connectors/', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const made: string[] = [];

/** A fresh temp folder, removed by `cleanTemp()`. */
export async function tempDir(prefix = 'dovetail-host-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export async function cleanTemp(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** Copies fixture package `name` to `target` (created). */
export async function copyFixture(name: string, target: string): Promise<string> {
  await mkdir(path.dirname(target), { recursive: true });
  await cp(path.join(fixturesDir, name), target, { recursive: true });
  return target;
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** A logger writing JSON lines into memory. */
export function memoryLogger(level: 'info' | 'debug' | 'trace' = 'debug', secrets = new SecretRegistry()) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) { lines.push(String(chunk)); done(); },
  });
  const logger = createLogger({ level, destination: stream, secrets });
  return { logger, lines, secrets, text: () => lines.join('') };
}
