/** Reads dovetail.json from disk and resolves its locations (no schema validation: see validateConfig). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { JsonSyntaxError, parseJsoncText } from './json-text.js';
import { expandPresets } from './preset-expand.js';
import type { ConfigFile, LoadedConfig } from './types.js';

/** The config file could not be read or parsed; `line`/`column` are set for JSON syntax errors. */
export class ConfigLoadError extends Error {
  constructor(message: string, readonly file: string, readonly line?: number, readonly column?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigLoadError';
  }
}

/** The state folder used when the config names none: `.dovetail` beside the config file. */
export const DEFAULT_STATE_DIR = '.dovetail';

/**
 * Loads a config file. Relative paths (`state`) resolve against the config's folder. Pairings that name a
 * `preset` come back expanded into plain pairings (`source` keeps the config as written); a preset that
 * cannot be applied leaves its pairing as written, for validateConfig to report.
 * Throws ConfigLoadError when the file is missing, unreadable, not JSON (with line:column) or not an object.
 */
export async function loadConfig(file: string): Promise<LoadedConfig> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${code ?? (e as Error).message})`;
    throw new ConfigLoadError(`config file ${abs} ${why}`, abs, undefined, undefined, { cause: e });
  }
  let parsed: unknown;
  try {
    parsed = parseJsoncText(text, abs);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new ConfigLoadError(e.message, abs, e.line, e.column, { cause: e });
    throw e;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigLoadError(`${abs}: the config must be a JSON object with "endpoints" and "pairings"`, abs);
  }
  const source = parsed as ConfigFile;
  const config = expandPresets(source).config as ConfigFile;
  const baseDir = path.dirname(abs);
  const state = typeof config.state === 'string' && config.state !== '' ? config.state : DEFAULT_STATE_DIR;
  return { file: abs, baseDir, stateDir: path.resolve(baseDir, state), config, source };
}
