import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigLoadError, loadConfig } from '../../src/config/load.js';
import { cleanTemp, tempDir, writeJson } from '../host/helpers.js';

afterEach(cleanTemp);

describe('loadConfig', () => {
  it('resolves the file, its folder and the default state folder beside it', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, 'dovetail.json'), { endpoints: {}, pairings: {} });
    const loaded = await loadConfig(path.relative(process.cwd(), path.join(dir, 'dovetail.json')));
    expect(loaded.file).toBe(path.join(dir, 'dovetail.json'));
    expect(loaded.baseDir).toBe(dir);
    expect(loaded.stateDir).toBe(path.join(dir, '.dovetail'));
    expect(loaded.config).toEqual({ endpoints: {}, pairings: {} });
  });

  it('resolves a relative state folder against the config folder and keeps an absolute one', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'conf'));
    await writeJson(path.join(dir, 'conf', 'a.json'), { state: '../state', endpoints: {}, pairings: {} });
    await writeJson(path.join(dir, 'conf', 'b.json'), { state: path.join(dir, 'abs-state'), endpoints: {}, pairings: {} });
    expect((await loadConfig(path.join(dir, 'conf', 'a.json'))).stateDir).toBe(path.join(dir, 'state'));
    expect((await loadConfig(path.join(dir, 'conf', 'b.json'))).stateDir).toBe(path.join(dir, 'abs-state'));
  });

  it('reports a JSON syntax error with line and column', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'dovetail.json');
    await writeFile(file, '{\n  "endpoints": {},\n  "pairings": { "p": { "entity": "event",, } }\n}\n');
    const err = await loadConfig(file).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigLoadError);
    expect(err.line).toBe(3);
    expect(err.column).toBe(42); // the second comma
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:42: invalid JSON`));
  });

  it('reports a truncated file at its end', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'dovetail.json');
    await writeFile(file, '{\n  "endpoints": {\n');
    const err = await loadConfig(file).catch((e) => e);
    expect([err.line, err.column]).toEqual([3, 1]);
    expect(err.message).toMatch(/:3:1: invalid JSON: /);
  });

  it('names a missing file and refuses a non-object document', async () => {
    const dir = await tempDir();
    await expect(loadConfig(path.join(dir, 'nope.json'))).rejects.toThrow(`config file ${path.join(dir, 'nope.json')} does not exist`);
    await writeFile(path.join(dir, 'list.json'), '[1, 2]');
    await expect(loadConfig(path.join(dir, 'list.json'))).rejects.toThrow(/must be a JSON object/);
  });
});
