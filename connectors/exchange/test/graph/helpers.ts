/** A Graph simulator per test file and Exchange connectors on its Graph backend, built through the package's default export. */
import type { Connector, CredentialStore, Logger } from '@dovetail/core/sdk';
import { memoryCredentials, recordingLogger, testContext } from '@dovetail/core/testing';
import { GraphSimulator, type GraphSimulatorOptions } from '@dovetail/graph-simulator';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import definition, { type ExchangeSettings } from '../../src/index.js';

export const USER = 'ann@contoso.onmicrosoft.com';
export const OTHER = 'bob@contoso.onmicrosoft.com';
export const TENANT = 'contoso.onmicrosoft.com';
export const CLIENT_ID = '6731de76-14a6-49ae-97bc-6eba6914391e';
export const SECRET = 'Graph-app-secret~1';

export function startGraph(extra: Partial<GraphSimulatorOptions> = {}): Promise<GraphSimulator> {
  return GraphSimulator.start({ tenant: TENANT, clientId: CLIENT_ID, clientSecret: SECRET, users: [{ email: USER }, { email: OTHER }], ...extra });
}

/** The simulator's certificate as a CA file for `caFile`. */
export function caFileOf(sim: GraphSimulator): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'graph-ca-')), 'ca.pem');
  writeFileSync(file, sim.certificate!);
  return file;
}

/** Settings of a Graph endpoint on the simulator (app-only with the secret unless `extra` says otherwise). */
export function graphSettings(sim: GraphSimulator, extra: Partial<ExchangeSettings> = {}): ExchangeSettings {
  return {
    backend: 'graph', tenant: TENANT, clientId: CLIENT_ID, clientSecret: 'from-secrets', mailbox: USER, timeZone: 'Europe/Berlin',
    authority: sim.authorityHost, graphUrl: sim.baseUrl, caFile: caFileOf(sim), ...extra,
  };
}

export async function graphFor(sim: GraphSimulator, extra: Partial<ExchangeSettings> = {}, o: { logger?: Logger; credentials?: CredentialStore; secrets?: Record<string, string> } = {}): Promise<Connector> {
  const settings = graphSettings(sim, extra);
  return definition.create(testContext(settings, {
    secrets: o.secrets ?? { clientSecret: SECRET }, logger: o.logger ?? recordingLogger(), endpoint: 'm365', credentials: o.credentials ?? memoryCredentials(),
  }));
}

let counter = 0;
export function freshName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}
