/**
 * `context.cache` of a connector served by `runStdio`: it asks the host (`cache.read` / `cache.write`) when
 * `initialize` offered a cache (`cacheMaxBytes`), is cleanly unavailable when it did not (reads `{}`, sends nothing),
 * drops a write larger than the host accepts, and can still write from `close()` before the answer to `close`.
 * The host end is a real protocol peer over in-memory streams.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import { readLines } from '../../src/protocol/lines.js';
import { createPeer, serve } from '../../src/protocol/peer.js';
import { defineConnector, runStdio, type ConnectorCache } from '../../src/sdk/index.js';

const stops: (() => void)[] = [];
afterEach(() => { for (const stop of stops.splice(0)) stop(); });

/** A child served over streams, a host peer answering its cache requests from `stored`, and the requests it made. */
function serveChild(init: Record<string, unknown>) {
  const toChild = new PassThrough();
  const fromChild = new PassThrough();
  const requests: [string, unknown][] = [];
  const stored = new Map<string, Record<string, string>>([['/folder', { 'a.ics': '1:2:3 VEVENT' }]]);
  let cache!: ConnectorCache;
  const definition = defineConnector((ctx) => {
    cache = ctx.cache;
    return {
      check: async () => ({ ok: true, message: JSON.stringify(await ctx.cache.read('/folder')) }),
      discover: async () => [],
      list: async () => ({ kind: 'full', items: [] }),
      load: async () => [],
      write: async () => [],
      close: async () => { await ctx.cache.write('/folder', { 'b.ics': '4:5:6 VTODO' }); },
    };
  });
  const done = runStdio(definition, { input: toChild, output: fromChild, logStream: new PassThrough() });
  const host = createPeer((line) => { toChild.write(line); });
  serve<{ scope: string }, Record<string, string>>(host, 'cache.read', (p) => { requests.push(['cache.read', p]); return stored.get(p.scope) ?? {}; });
  serve<{ scope: string; entries: Record<string, string> }, null>(host, 'cache.write', (p) => { requests.push(['cache.write', p]); stored.set(p.scope, p.entries); return null; });
  stops.push(readLines(fromChild, { maxBytes: 1 << 20, onLine: (line) => { void host.receiveAndSend(JSON.parse(line), undefined, undefined); } }));
  stops.push(() => toChild.end());
  return {
    requests, stored, done, cache: () => cache,
    initialize: () => host.request('initialize', { protocolVersion: PROTOCOL_VERSION, endpoint: 'e', settings: {}, baseDir: '/', secretKeys: [], credentialsLocation: '(none)', ...init }, undefined),
    call: (method: string, params: unknown = null) => host.request(method, params, undefined),
  };
}

describe('the connector cache of an out-of-process connector', () => {
  it('reads and writes through the host, and a write from close() arrives before close is answered', async () => {
    const child = serveChild({ cacheMaxBytes: 10_000 });
    await child.initialize();
    expect(JSON.parse(((await child.call('check')) as { message: string }).message)).toEqual({ 'a.ics': '1:2:3 VEVENT' });
    await child.call('close');
    expect(child.stored.get('/folder')).toEqual({ 'b.ics': '4:5:6 VTODO' });
    expect(child.requests.map(([m]) => m)).toEqual(['cache.read', 'cache.write']);
    await child.done;
  });

  it('is unavailable, asking nothing, when the host offers no cache', async () => {
    const child = serveChild({});
    await child.initialize();
    expect(JSON.parse(((await child.call('check')) as { message: string }).message)).toEqual({});
    await child.call('close');
    expect(child.requests).toEqual([]);
    expect(child.stored.get('/folder')).toEqual({ 'a.ics': '1:2:3 VEVENT' });
  });

  it('drops a write larger than the host accepts (the host would refuse the message)', async () => {
    const child = serveChild({ cacheMaxBytes: 200 });
    await child.initialize();
    await child.cache().write('/big', { k: 'x'.repeat(300) });
    await child.cache().write('/small', { k: 'y' });
    expect(child.requests).toEqual([['cache.write', { scope: '/small', entries: { k: 'y' } }]]);
  });

  it('opens a scope with one cache.read, and its flush sends one cache.write of the whole scope only after a change', async () => {
    const child = serveChild({ cacheMaxBytes: 10_000 });
    await child.initialize();
    const scope = await child.cache().scope('/folder');
    expect(await child.cache().scope('/folder')).toBe(scope); // read once per scope
    expect(scope.get('a.ics')).toBe('1:2:3 VEVENT');
    await scope.flush(); // nothing changed: nothing sent
    scope.set('a.ics', '1:2:3 VEVENT'); // the value it holds: no change
    await scope.flush();
    scope.set('c.ics', '7:8:9 VEVENT');
    scope.delete('a.ics');
    expect(child.stored.get('/folder')).toEqual({ 'a.ics': '1:2:3 VEVENT' }); // not the host's until flushed
    await scope.flush();
    expect(child.stored.get('/folder')).toEqual({ 'c.ics': '7:8:9 VEVENT' });
    await scope.flush();
    expect(child.requests).toEqual([
      ['cache.read', { scope: '/folder' }],
      ['cache.write', { scope: '/folder', entries: { 'c.ics': '7:8:9 VEVENT' } }],
    ]);
  });

  it('gives a scope kept in the child only when the host offers no cache', async () => {
    const child = serveChild({});
    await child.initialize();
    const scope = await child.cache().scope('/folder');
    scope.set('k', 'v');
    await scope.flush();
    expect(scope.get('k')).toBe('v');
    expect(child.requests).toEqual([]);
  });
});
