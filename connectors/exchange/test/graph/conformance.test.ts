/** The SDK conformance kit against the Graph simulator through the Graph backend, one fresh folder per test. */
import { afterAll, describe, expect, it } from 'vitest';
import { runConformanceSuite } from '@dovetail/core/testing';
import type { GraphSimulator } from '@dovetail/graph-simulator';
import { freshName, graphFor, startGraph } from './helpers.js';

const ROOT = { event: 'calendar', task: 'tasks', contact: 'contacts' } as const;
let sim: Promise<GraphSimulator> | undefined;
afterAll(async () => { await (await sim)?.stop(); });

runConformanceSuite('exchange (Graph simulator)', async (entity) => {
  const s = await (sim ??= startGraph());
  const connector = await graphFor(s);
  const info = await connector.createCollection!({ id: `${ROOT[entity]}/${freshName(entity)}`, entities: [entity] });
  return { connector, collection: info.id, dispose: () => connector.close?.() ?? Promise.resolve() };
}, { describe, it, expect, entities: ['event', 'task', 'contact'], invalidItems: false });
