/** A feed in a local file: unchanged when its stat (mtime in ns, size, inode) is, so it is not even read. */
import { promises as fsp } from 'node:fs';
import { Invalid, NotFound, Unavailable } from '@dovetail/core/sdk';
import { formatBytes } from '@dovetail/http';
import { notICalendarReason } from './feed-items.js';
import type { Fetched, FeedSource, Validators } from './source.js';

/** `mtimeNs:size:inode` of `file`, or undefined when it does not exist. Other errors are Unavailable. */
export async function statVersion(file: string, what: string): Promise<string | undefined> {
  try {
    const st = await fsp.stat(file, { bigint: true });
    if (!st.isFile()) throw new Invalid(`${what} ${file} is not a file`);
    return `${st.mtimeNs}:${st.size}:${st.ino}`;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (e instanceof Invalid) throw e;
    throw new Unavailable(`cannot read ${what} ${file}: ${code ?? (e as Error).message}`, { cause: e });
  }
}

/** Reads `file` as UTF-8 unless it is larger than `maxBytes` (then Invalid naming the setting). */
export async function readBounded(file: string, maxBytes: number, what: string): Promise<string> {
  try {
    const handle = await fsp.open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > maxBytes) {
        throw new Invalid(`${what} ${file} is larger than ${formatBytes(maxBytes)}; raise "maxBytes" in the endpoint's settings if this is expected`);
      }
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (e) {
    if (e instanceof Invalid) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFound(`${what} ${file} does not exist`, { cause: e });
    throw new Unavailable(`cannot read ${what} ${file}: ${code ?? (e as Error).message}`, { cause: e });
  }
}

export class FileFeedSource implements FeedSource {
  readonly shown: string;

  constructor(private readonly file: string, private readonly maxBytes: number) {
    this.shown = file;
  }

  async fetch(known?: Validators): Promise<Fetched> {
    const stat = await statVersion(this.file, 'feed file');
    if (stat === undefined) throw new NotFound(`feed file ${this.file} does not exist; check "url"`);
    if (known?.stat === stat) return { kind: 'not-modified' };
    const text = await readBounded(this.file, this.maxBytes, 'feed file');
    const problem = notICalendarReason(text);
    if (problem) throw new Invalid(`${this.file} ${problem}`);
    return { kind: 'body', text, validators: { stat } };
  }
}
