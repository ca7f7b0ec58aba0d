/** The SDK's crash-safe writer (used by the local-folder and iCal feed connectors), on real temp folders. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createExclusive, createExclusiveFile, replaceAtomic } from '../../src/sdk/atomic-write.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'dovetail-atomic-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('createExclusive', () => {
  it('creates the first free name and never clobbers an existing file', async () => {
    await writeFile(path.join(dir, 'a.ics'), 'existing');
    const name = await createExclusive(dir, ['a.ics', 'a-1.ics'], 'new content');
    expect(name).toBe('a-1.ics');
    expect(readFileSync(path.join(dir, 'a.ics'), 'utf8')).toBe('existing');
    expect(readFileSync(path.join(dir, 'a-1.ics'), 'utf8')).toBe('new content');
    expect(readdirSync(dir).sort()).toEqual(['a-1.ics', 'a.ics']);
  });

  it('returns undefined and leaves no temp file when every name is taken', async () => {
    await writeFile(path.join(dir, 'a.ics'), 'existing');
    expect(await createExclusive(dir, ['a.ics'], 'x')).toBeUndefined();
    expect(readdirSync(dir)).toEqual(['a.ics']);
  });

  it('gives each of many concurrent creates of one name its own file', async () => {
    const names = Array.from({ length: 20 }, (_, i) => ['same.ics', ...Array.from({ length: 20 }, (_, n) => `same-${n + 1}.ics`)]);
    const chosen = await Promise.all(names.map((candidates, i) => createExclusive(dir, candidates, `content ${i}`)));
    expect(new Set(chosen).size).toBe(20);
    const contents = chosen.map((n) => readFileSync(path.join(dir, n!), 'utf8')).sort();
    expect(contents).toEqual(Array.from({ length: 20 }, (_, i) => `content ${i}`).sort());
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});

describe('createExclusiveFile', () => {
  it('gives the stat of the file it created: the inode, size and mtime a later stat of the name reports', async () => {
    await writeFile(path.join(dir, 'b.ics'), 'existing');
    const created = await createExclusiveFile(dir, ['b.ics', 'b-1.ics'], 'new content é');
    expect(created?.name).toBe('b-1.ics');
    const now = statSync(path.join(dir, 'b-1.ics'), { bigint: true });
    expect([created!.stat.ino, created!.stat.size, created!.stat.mtimeNs]).toEqual([now.ino, now.size, now.mtimeNs]);
    expect(created!.stat.size).toBe(BigInt(Buffer.byteLength('new content é')));
    expect(readdirSync(dir).sort()).toEqual(['b-1.ics', 'b.ics']);
  });
});

describe('replaceAtomic', () => {
  it('gives the stat of the file as written', async () => {
    await writeFile(path.join(dir, 'y.ics'), 'old');
    const written = await replaceAtomic(dir, 'y.ics', 'newer');
    const now = statSync(path.join(dir, 'y.ics'), { bigint: true });
    expect([written.ino, written.size, written.mtimeNs]).toEqual([now.ino, now.size, now.mtimeNs]);
  });

  it('replaces the content, keeps the permission bits and leaves no temp file', async () => {
    const file = path.join(dir, 'x.vcf');
    await writeFile(file, 'old');
    await chmod(file, 0o600);
    const oldInode = statSync(file).ino;
    await replaceAtomic(dir, 'x.vcf', 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file).ino).not.toBe(oldInode); // a rename, not an in-place rewrite
    expect(readdirSync(dir)).toEqual(['x.vcf']);
  });

  it('changes nothing when the check before the rename throws', async () => {
    const file = path.join(dir, 'x.ics');
    await writeFile(file, 'old');
    await expect(replaceAtomic(dir, 'x.ics', 'new', async () => { throw new Error('changed meanwhile'); }))
      .rejects.toThrow('changed meanwhile');
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['x.ics']);
  });

  it('writes content given in pieces, each as it comes (never joined into one string)', async () => {
    const file = path.join(dir, 'cache.json');
    await writeFile(file, 'old');
    const given: number[] = [];
    function* pieces() {
      for (let i = 0; i < 300; i++) {
        given.push(i);
        yield `${i}:ä😀;`;
      }
    }
    const written = await replaceAtomic(dir, 'cache.json', pieces());
    const expected = Array.from({ length: 300 }, (_, i) => `${i}:ä😀;`).join('');
    expect(readFileSync(file, 'utf8')).toBe(expected);
    expect(Number(written.size)).toBe(Buffer.byteLength(expected));
    expect(given).toHaveLength(300);
    expect(readdirSync(dir)).toEqual(['cache.json']);
  });

  it('keeps the old file and leaves no temp file when the pieces fail midway (after some were written)', async () => {
    const file = path.join(dir, 'cache.json');
    await writeFile(file, 'old content');
    let written = 0;
    function* failing() {
      for (;;) {
        if (written === 50) throw new Error('source failed');
        written += 1;
        yield 'x'.repeat(10_000);
      }
    }
    await expect(replaceAtomic(dir, 'cache.json', failing())).rejects.toThrow('source failed');
    expect(written).toBe(50); // 500 kB went to the temp file before the failure
    expect(readFileSync(file, 'utf8')).toBe('old content');
    expect(readdirSync(dir)).toEqual(['cache.json']);
  });

  it('readers never see a partial file while large contents are replaced', async () => {
    const file = path.join(dir, 'big.ics');
    const versions = ['A', 'B', 'C', 'D'].map((c) => c.repeat(2_000_000));
    await writeFile(file, versions[0]);
    let reading = true;
    const seen = new Set<number>();
    const reader = (async () => {
      while (reading) {
        const text = readFileSync(file, 'utf8');
        seen.add(text.length);
        expect(versions).toContain(text);
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (const v of versions.slice(1)) await replaceAtomic(dir, 'big.ics', v);
    reading = false;
    await reader;
    expect([...seen]).toEqual([2_000_000]);
    expect(readFileSync(file, 'utf8')).toBe(versions[3]);
  });
});
