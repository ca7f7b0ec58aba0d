/** The per-endpoint credential file a connector may keep in the state folder (SDK `CredentialStore`). */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CredentialStore } from '../sdk/connector.js';
import { syncDirectory } from '../state/durable-fs.js';

/** `STATE/credentials/ENDPOINT.json`, mode 0600, in a folder of mode 0700. */
export function credentialStore(stateDir: string, endpoint: string): CredentialStore {
  const dir = path.join(stateDir, 'credentials');
  const file = path.join(dir, `${encodeURIComponent(endpoint)}.json`);
  return {
    location: file,
    async read() {
      try {
        return await readFile(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async write(text: string) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, file);
      await syncDirectory(dir);
    },
    async clear() {
      await rm(file, { force: true });
    },
  };
}
