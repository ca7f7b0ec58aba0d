/** Connectors built through the package's default export, pointed at a real server from the test harness. */
import type { Connector, Logger } from '@dovetail/core/sdk';
import { testContext } from '@dovetail/core/testing';
import type { DavServer } from '../../../test/support/dav-servers.js';
import definition, { type CalDavSettings } from '../src/index.js';

/** A CalDAV connector with `settings`; secrets come from `secrets`. */
export async function makeCalDav(settings: CalDavSettings, options: { secrets?: Record<string, string>; logger?: Logger; baseDir?: string } = {}): Promise<Connector> {
  return definition.create(testContext(settings, { ...options, endpoint: 'dav' }));
}

/** A connector for a harness server (Radicale: any Basic login; Xandikos: no auth). */
export function connectorFor(server: DavServer, extra: Partial<CalDavSettings> = {}): Promise<Connector> {
  return server.kind === 'radicale'
    ? makeCalDav({ url: server.url, username: server.username, password: 'x', ...extra }, { secrets: { password: server.password } })
    : makeCalDav({ url: server.url, ...extra });
}

export { recordingLogger } from '@dovetail/core/testing';

let counter = 0;
/** A fresh calendar name for one test. */
export function freshName(prefix = 'cal'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}
