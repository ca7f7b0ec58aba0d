/** An EWS simulator per test file and Exchange connectors built through the package's default export. */
import type { Connector, Logger } from '@dovetail/core/sdk';
import { recordingLogger, testContext } from '@dovetail/core/testing';
import { EwsSimulator } from '@dovetail/ews-simulator';
import definition, { type ExchangeSettings } from '../src/index.js';

export const USER = 'ann@example.com';
export const PASSWORD = 'Ann-secret-1';
export const OTHER = 'bob@example.com';

export function startSimulator(): Promise<EwsSimulator> {
  return EwsSimulator.start({ users: [{ email: USER, password: PASSWORD }, { email: OTHER, password: 'Bob-secret-2' }] });
}

/** An Exchange connector signed in as ann (Basic unless `extra` says otherwise). */
export async function exchangeFor(sim: EwsSimulator, extra: Partial<ExchangeSettings> = {}, logger: Logger = recordingLogger()): Promise<Connector> {
  const settings: ExchangeSettings = { url: sim.url, username: USER, password: 'from-secrets', timeZone: 'Europe/Berlin', ...extra };
  return definition.create(testContext(settings, { secrets: { password: PASSWORD }, logger, endpoint: 'exchange' }));
}

let counter = 0;
/** A fresh folder name for one test. */
export function freshFolder(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}
