/** Change notification for a collection folder: fs.watch, debounced, ignoring hidden and temp files. */
import { watch as fsWatch } from 'node:fs';
import type { WatchHandle } from '@dovetail/core/sdk';
import { isIgnoredFileName } from './names.js';

/** Quiet period after the last file event before `onChange` fires (a sync writes many files at once). */
export const WATCH_DEBOUNCE_MS = 300;

/** Calls `onChange` (debounced) whenever a non-hidden file in `dir` is added, changed or removed. */
export function watchFolder(dir: string, onChange: () => void, debounceMs = WATCH_DEBOUNCE_MS): WatchHandle {
  let timer: NodeJS.Timeout | undefined;
  const watcher = fsWatch(dir, { persistent: false }, (_event, fileName) => {
    if (fileName !== null && isIgnoredFileName(String(fileName))) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => { timer = undefined; onChange(); }, debounceMs);
  });
  watcher.on('error', () => undefined); // the folder vanished; the next list reports it
  return {
    async close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      watcher.close();
    },
  };
}
