/** The SDK conformance kit against the EWS simulator, one fresh folder per test. */
import { afterAll, describe, expect, it } from 'vitest';
import { runConformanceSuite } from '@dovetail/core/testing';
import type { EwsSimulator } from '@dovetail/ews-simulator';
import { exchangeFor, freshFolder, startSimulator } from './helpers.js';

const ROOT = { event: 'calendar', task: 'tasks', contact: 'contacts' } as const;
let sim: Promise<EwsSimulator> | undefined;
afterAll(async () => { await (await sim)?.stop(); });

runConformanceSuite('exchange (EWS simulator)', async (entity) => {
  const s = await (sim ??= startSimulator());
  const connector = await exchangeFor(s);
  const info = await connector.createCollection!({ id: `${ROOT[entity]}/${freshFolder(entity)}`, entities: [entity] });
  return { connector, collection: info.id, dispose: () => connector.close?.() ?? Promise.resolve() };
}, { describe, it, expect, entities: ['event', 'task', 'contact'], invalidItems: false });
