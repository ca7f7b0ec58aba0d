/**
 * The connector cache the host keeps per endpoint (`STATE/cache/ENDPOINT.json`): loaded lazily, written atomically and
 * only when it changed, bounded, and ignored when missing or corrupt.
 */
import { readFile, readdir, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { endpointCache } from '../../src/host/connector-cache.js';
import { cleanTemp, memoryLogger, tempDir } from './helpers.js';

afterEach(cleanTemp);

const cacheOf = (stateDir: string, log = memoryLogger('debug'), maxBytes?: number) =>
  ({ log, cache: endpointCache({ stateDir, endpoint: 'my cal', connectorId: 'filesystem', logger: log.logger, maxBytes }) });

describe('the connector cache of an endpoint', () => {
  it('starts empty, keeps scopes in STATE/cache/ENDPOINT.json once saved, and a new instance reads them back', async () => {
    const stateDir = await tempDir();
    const { cache } = cacheOf(stateDir);
    expect(await cache.read('/a')).toEqual({});
    await cache.write('/a', JSON.parse('{"x.ics":"1:2:3 VEVENT","__proto__":"kept as a key"}'));
    await cache.write('/b', { 'y.ics': '4:5:6 VTODO' });
    expect(cache.location).toBe(path.join(stateDir, 'cache', 'my%20cal.json'));
    await cache.save();
    const again = cacheOf(stateDir).cache;
    expect(await again.read('/a')).toEqual(JSON.parse('{"x.ics":"1:2:3 VEVENT","__proto__":"kept as a key"}'));
    expect(await again.read('/b')).toEqual({ 'y.ics': '4:5:6 VTODO' });
    expect(((await stat(path.join(stateDir, 'cache'))).mode & 0o777)).toBe(0o700);
  });

  it('writes the file only when a scope changed', async () => {
    const stateDir = await tempDir();
    const { cache } = cacheOf(stateDir);
    await cache.save();
    await expect(stat(cache.location)).rejects.toThrow(/ENOENT/);
    await cache.write('/a', { k: 'v' });
    await cache.save();
    const first = await stat(cache.location, { bigint: true });
    const next = cacheOf(stateDir).cache;
    await next.write('/a', { k: 'v' }); // the same entries
    await next.save();
    await next.write('/missing', {}); // removing what is not there
    await next.save();
    const after = await stat(cache.location, { bigint: true });
    expect([after.ino, after.mtimeNs]).toEqual([first.ino, first.mtimeNs]);
    await next.write('/a', {}); // removes the scope
    await next.save();
    expect(JSON.parse(await readFile(cache.location, 'utf8'))).toEqual({ format: 1, connector: 'filesystem', scopes: {} });
  });

  it.each([
    ['not JSON', '{"format":1,"scopes":{', 'not JSON'],
    ['another shape', '[1,2,3]', 'not a cache file of format 1'],
    ['another format', '{"format":2,"connector":"filesystem","scopes":{}}', 'not a cache file of format 1'],
    ['another connector', '{"format":1,"connector":"caldav","scopes":{"/a":{"k":"v"}}}', 'written for connector "caldav"'],
    ['a value that is not a string', '{"format":1,"connector":"filesystem","scopes":{"/a":{"k":1}}}', 'scope "/a" is not an object of strings'],
  ])('ignores a cache file that is %s (a debug line), and replaces it on the next save', async (_what, text, why) => {
    const stateDir = await tempDir();
    await mkdir(path.join(stateDir, 'cache'));
    await writeFile(path.join(stateDir, 'cache', 'my%20cal.json'), text);
    const { cache, log } = cacheOf(stateDir);
    expect(await cache.read('/a')).toEqual({});
    const line = log.lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.msg.startsWith('connector cache ignored'));
    expect(line).toMatchObject({ level: 20, msg: `connector cache ignored: ${why}` });
    await cache.write('/a', { k: 'new' });
    await cache.save();
    expect(await cacheOf(stateDir).cache.read('/a')).toEqual({ k: 'new' });
  });

  it('ignores a file larger than its bound, and does not save a cache grown past it (a warning)', async () => {
    const stateDir = await tempDir();
    const big = cacheOf(stateDir).cache;
    await big.write('/a', { k: 'x'.repeat(2000) });
    await big.save();
    const small = cacheOf(stateDir, memoryLogger('debug'), 1000);
    expect(await small.cache.read('/a')).toEqual({});
    expect(small.log.text()).toMatch(/connector cache ignored: \d+ bytes, more than 1000/);
    await small.cache.write('/b', { k: 'y'.repeat(1000) });
    await small.cache.save();
    expect(small.log.text()).toMatch(/"level":40.*connector cache not saved: more than 1000 bytes; the next run rebuilds what it needs/);
    expect(await cacheOf(stateDir).cache.read('/a')).toEqual({ k: 'x'.repeat(2000) });
  });

  it('drops a write that is not an object of strings (what a child process sends is not trusted)', async () => {
    const stateDir = await tempDir();
    const { cache } = cacheOf(stateDir);
    await cache.write('/a', { k: 1 } as unknown as Record<string, string>);
    await cache.write('/b', null as unknown as Record<string, string>);
    await cache.save();
    await expect(stat(cache.location)).rejects.toThrow(/ENOENT/);
  });

  it('gives a scope handle that is the cache\'s own entries: changes are saved, a new instance reads them back', async () => {
    const stateDir = await tempDir();
    const { cache } = cacheOf(stateDir);
    await cache.write('/a', { 'old.ics': '1:1:1 VEVENT', 'x.ics': '2:2:2 VTODO' });
    const scope = await cache.scope('/a');
    expect(scope.size).toBe(2);
    expect(scope.get('x.ics')).toBe('2:2:2 VTODO');
    scope.set('y.ics', '3:3:3 VEVENT');
    scope.set('__proto__', 'kept as a key');
    scope.set('lone', '\uD800'); // not keepable as UTF-8: ignored
    expect(scope.delete('old.ics')).toBe(true);
    expect(scope.delete('never.ics')).toBe(false);
    await scope.flush(); // in process: nothing to hand over
    expect(await cache.read('/a')).toEqual(JSON.parse('{"x.ics":"2:2:2 VTODO","y.ics":"3:3:3 VEVENT","__proto__":"kept as a key"}'));
    await cache.save();
    const again = cacheOf(stateDir).cache;
    expect(await again.read('/a')).toEqual(JSON.parse('{"x.ics":"2:2:2 VTODO","y.ics":"3:3:3 VEVENT","__proto__":"kept as a key"}'));
    // A write replaces what an open handle holds.
    const handle = await again.scope('/a');
    await again.write('/a', { 'z.ics': '4:4:4 VEVENT' });
    expect([...handle.keys()]).toEqual(['z.ics']);
  });

  it('saves after a change through a handle only: setting a value it holds, or reading, writes nothing', async () => {
    const stateDir = await tempDir();
    const { cache } = cacheOf(stateDir);
    (await cache.scope('/a')).set('k', 'v');
    await cache.save();
    const first = await stat(cache.location, { bigint: true });
    const next = cacheOf(stateDir).cache;
    const scope = await next.scope('/a');
    scope.set('k', 'v');
    scope.get('k');
    [...scope.keys()];
    await next.scope('/empty');
    await next.save();
    const after = await stat(cache.location, { bigint: true });
    expect([after.ino, after.mtimeNs]).toEqual([first.ino, first.mtimeNs]);
    scope.delete('k'); // the scope is empty now: left out of the file
    await next.save();
    expect(JSON.parse(await readFile(cache.location, 'utf8'))).toEqual({ format: 1, connector: 'filesystem', scopes: {} });
  });

  it('writes a large cache in pieces that read back exactly (keys and values JSON must escape, many scopes)', async () => {
    const stateDir = await tempDir();
    const { cache } = cacheOf(stateDir);
    const expected: Record<string, Record<string, string>> = {};
    for (const scopeName of ['/one', '/two "quoted"\\back', '/ünï😀', '/empty-after']) {
      const scope = await cache.scope(scopeName);
      const entries: Record<string, string> = {};
      for (let i = 0; i < 1_300; i++) { // 1,300: more than two pieces of 512, and a last piece that is not full
        const key = i % 97 === 0 ? `odd "${i}"\n\t\u0001é😀.ics` : `${i}.ics`;
        const value = `17000000${i}:${i}:${i * 3} ${i % 5 === 0 ? 'VEVENT,VTODO' : 'VEVENT'}`;
        scope.set(key, value);
        entries[key] = value;
      }
      expected[scopeName] = entries;
    }
    for (const k of [...(await cache.scope('/empty-after')).keys()]) (await cache.scope('/empty-after')).delete(k);
    delete expected['/empty-after'];
    (await cache.scope('/single')).set('only', 'one');
    expected['/single'] = { only: 'one' };
    await cache.save();
    const text = await readFile(cache.location, 'utf8');
    expect(JSON.parse(text)).toEqual({ format: 1, connector: 'filesystem', scopes: expected });
    const again = cacheOf(stateDir).cache;
    for (const [scopeName, entries] of Object.entries(expected)) expect(await again.read(scopeName)).toEqual(entries);
    expect(await readdir(path.dirname(cache.location))).toEqual(['my%20cal.json']);
  });

  it('keeps the old file intact, and leaves no temp file, when a save fails midway (grown past the bound)', async () => {
    const stateDir = await tempDir();
    const { cache } = cacheOf(stateDir);
    await cache.write('/a', { k: 'old' });
    await cache.save();
    const before = await readFile(cache.location);
    const bounded = cacheOf(stateDir, memoryLogger('debug'), 100_000);
    const scope = await bounded.cache.scope('/a');
    // ~180 kB of entries: several pieces reach the temp file before the bound is crossed.
    for (let i = 0; i < 4_000; i++) scope.set(`${i}.ics`, `1700000000000000000:${i}:${i} VEVENT`);
    await bounded.cache.save();
    expect(bounded.log.text()).toMatch(/"level":40.*connector cache not saved: more than 100000 bytes/);
    expect(await readFile(cache.location)).toEqual(before);
    expect(await readdir(path.dirname(cache.location))).toEqual(['my%20cal.json']);
  });
});
