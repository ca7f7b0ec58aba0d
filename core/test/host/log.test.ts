import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, lazyLogger, REDACTED, SecretRegistry } from '../../src/log.js';
import { cleanTemp, memoryLogger, tempDir } from './helpers.js';

afterEach(cleanTemp);

describe('createLogger', () => {
  it('redacts secret keys at the depths we log them', () => {
    const { logger, lines } = memoryLogger('info');
    logger.info({
      password: 'p0', token: 't0',
      settings: { url: 'https://x', password: 'p1', username: 'ann' },
      headers: { authorization: 'Basic abc', Cookie: 'sid=1', 'set-cookie': 'sid=2', accept: 'text/calendar' },
      request: { auth: { secret: 's2', apiKey: 'k2' } },
    }, 'request sent');
    const line = JSON.parse(lines[0]);
    expect(line.password).toBe(REDACTED);
    expect(line.token).toBe(REDACTED);
    expect(line.settings).toEqual({ url: 'https://x', password: REDACTED, username: 'ann' });
    expect(line.headers).toEqual({ authorization: REDACTED, Cookie: REDACTED, 'set-cookie': REDACTED, accept: 'text/calendar' });
    expect(line.request.auth).toEqual({ secret: REDACTED, apiKey: REDACTED });
  });

  it('masks the user information of every URL in every line, registered or not', () => {
    const { logger, text } = memoryLogger('info');
    logger.warn({ url: 'https://ann:Pw-not-registered@dav.example.com/cal/', proxy: 'http://u:p%40ss@proxy:3128' }, 'insecure https://bob:hunter22@x.example/ and webcal://t0k3n@feeds.example/a.ics');
    const out = text();
    for (const leaked of ['Pw-not-registered', 'ann:', 'p%40ss', 'hunter22', 't0k3n']) expect(out).not.toContain(leaked);
    expect(out).toContain('https://[redacted]@dav.example.com/cal/');
    expect(out).toContain('http://[redacted]@proxy:3128');
    expect(out).toContain('webcal://[redacted]@feeds.example/a.ics');
  });

  it('masks registered secret values wherever they appear: message, nested values, bindings, errors', () => {
    const secrets = new SecretRegistry();
    const { logger, lines, text } = memoryLogger('debug', secrets);
    const value = 'Tr0ub4dor&3';
    const quoted = 'with "quotes" and \\ backslash';
    secrets.add(value);
    secrets.add(quoted);
    const child = logger.child({ connector: 'x', url: `https://ann:${value}@dav.example.com/` });
    child.info(`login with ${value}`);
    child.debug({ deep: { list: [`a${value}b`], note: quoted } }, 'payload');
    child.error({ err: new Error(`server said ${value}`) }, 'failed');
    const out = text();
    expect(out).not.toContain(value);
    expect(out).not.toContain(JSON.stringify(quoted).slice(1, -1));
    expect(out).not.toContain('quotes');
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed[0]).toMatchObject({ msg: `login with ${REDACTED}`, url: `https://${REDACTED}@dav.example.com/` }); // the whole user information
    expect(parsed[1].deep).toEqual({ list: [`a${REDACTED}b`], note: REDACTED });
    expect(parsed[2].err.message).toBe(`server said ${REDACTED}`);
  });

  it('masks values registered after the logger was created, and ignores very short ones', () => {
    const secrets = new SecretRegistry();
    const { logger, lines } = memoryLogger('info', secrets);
    logger.info('before: late-secret');
    secrets.add('late-secret');
    secrets.add('ab');
    logger.info('after: late-secret ab');
    expect(JSON.parse(lines[0]).msg).toBe('before: late-secret');
    expect(JSON.parse(lines[1]).msg).toBe(`after: ${REDACTED} ab`);
  });

  it('writes to a file destination and respects the level', async () => {
    const file = path.join(await tempDir(), 'logs', 'dovetail.log');
    const secrets = new SecretRegistry();
    secrets.add('file-secret');
    const logger = createLogger({ level: 'warn', destination: file, secrets });
    logger.info('hidden');
    logger.warn({ password: 'x' }, 'shown file-secret');
    logger.flush();
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: `shown ${REDACTED}`, password: REDACTED });
  });
});

describe('lazyLogger', () => {
  it('builds the logger on the first line at its level, once, and drops lines below the level without building it', () => {
    let built = 0;
    const memory = memoryLogger('info');
    const lazy = lazyLogger(() => { built++; return memory.logger; }, 'info');
    const child = lazy.child({ endpoint: 'l' });
    lazy.debug('not written');
    child.trace({ x: 1 }, 'not written either');
    expect(built).toBe(0);
    child.warn({ n: 1 }, 'written');
    lazy.info('also written');
    expect(built).toBe(1);
    const lines = memory.lines.map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.msg, l.endpoint, l.n])).toEqual([['written', 'l', 1], ['also written', undefined, undefined]]);
  });

  it('writes nothing and builds nothing at level silent', () => {
    let built = 0;
    const lazy = lazyLogger(() => { built++; return memoryLogger('info').logger; }, 'silent');
    lazy.error('dropped');
    lazy.child({}).warn('dropped');
    expect(built).toBe(0);
  });
});
