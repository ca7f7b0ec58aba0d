/** CardDAV connectors built through the package's default export, pointed at a harness server. */
import type { Connector, Logger } from '@dovetail/core/sdk';
import { testContext } from '@dovetail/core/testing';
import type { DavServer } from '../../../test/support/dav-servers.js';
import definition, { type CardDavSettings } from '../src/index.js';

const quiet: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/** A CardDAV connector for a harness server (Radicale: any Basic login; Xandikos: no auth). */
export async function cardDavFor(server: DavServer, extra: Partial<CardDavSettings> = {}, logger: Logger = quiet): Promise<Connector> {
  const settings: CardDavSettings = server.kind === 'radicale'
    ? { url: server.url, username: server.username, password: 'from-secrets', ...extra }
    : { url: server.url, ...extra };
  const secrets: Record<string, string> = server.kind === 'radicale' ? { password: server.password } : {};
  return definition.create(testContext(settings, { secrets, logger, endpoint: 'contacts' }));
}

let counter = 0;
/** A fresh address book name for one test. */
export function freshBook(prefix = 'book'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}
