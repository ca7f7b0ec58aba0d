/**
 * `control.json` in a pairing's state folder: the operator's decisions that outlive a process — the last circuit
 * reset and a runtime disable. The CLI (`dovetail reset`) and a running service share it: both write it
 * atomically (temp file + rename) and the service re-reads it, so neither needs the other to be running.
 */
import { readFile } from 'node:fs/promises';
import { TextFile } from 'lowdb/node';
import { hasCode } from './durable-fs.js';
import type { PairingControl } from './types.js';

function isControl(value: unknown): value is PairingControl {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (v.resetAt === undefined || typeof v.resetAt === 'string')
    && (v.disabled === undefined || typeof v.disabled === 'boolean')
    && (v.changedAt === undefined || typeof v.changedAt === 'string');
}

/** Reads the control file; a missing file is `{}`. An unreadable one is `{}` too, with a warning: it only holds overrides. */
export async function readControl(file: string, warn: (message: string) => void): Promise<PairingControl> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return {};
    throw error;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (isControl(value)) return value;
  } catch {
    // reported below
  }
  warn(`${file} is not a valid control file; ignoring it (run 'dovetail reset' to rewrite it)`);
  return {};
}

/** Applies `patch` (keys set to undefined are removed) and writes the file atomically; returns the new content. */
export async function updateControl(file: string, patch: Partial<PairingControl>, warn: (message: string) => void): Promise<PairingControl> {
  const next: Record<string, unknown> = { ...(await readControl(file, warn)), ...patch, changedAt: new Date().toISOString() };
  for (const [key, value] of Object.entries(next)) if (value === undefined) delete next[key];
  await new TextFile(file).write(`${JSON.stringify(next, null, 2)}\n`);
  return next as PairingControl;
}
