/**
 * Node 23 removed `util.isNullOrUndefined`, which ews-javascript-api calls when it writes an extended property.
 * This file runs in its own process (vitest's forks pool) with the function taken away, as on Node 24, and writes
 * and reads an event and a contact through the EWS simulator.
 */
import util from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ContactEntity, EventEntity } from '@dovetail/core/sdk';
import type { EwsSimulator } from '@dovetail/ews-simulator';
import { exchangeFor, freshFolder, startSimulator } from './helpers.js';

delete (util as { isNullOrUndefined?: unknown }).isNullOrUndefined;
let sim: EwsSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim?.stop(); });

it('writes and reads items on a Node without util.isNullOrUndefined (Node 23 and later)', async () => {
  expect((util as { isNullOrUndefined?: unknown }).isNullOrUndefined).toBeUndefined();
  const connector = await exchangeFor(sim);
  const calendar = (await connector.createCollection!({ id: `calendar/${freshFolder('event')}`, entities: ['event'] })).id;
  const event: EventEntity = { type: 'event', uid: 'node-util@dovetail.test', summary: 'Planning', start: { kind: 'utc', value: '2026-06-01T09:00:00Z' }, end: { kind: 'utc', value: '2026-06-01T10:00:00Z' } };
  const [created] = await connector.write(calendar, [{ op: 'create', item: event }]);
  expect(created).toMatchObject({ ok: true });
  const [read] = await connector.load(calendar, [(created as { id: string }).id], { entity: 'event' });
  expect(read).toMatchObject({ ok: true, item: { uid: 'node-util@dovetail.test', summary: 'Planning' } });

  const contacts = (await connector.createCollection!({ id: `contacts/${freshFolder('contact')}`, entities: ['contact'] })).id;
  const contact: ContactEntity = { type: 'contact', uid: 'node-util-card@dovetail.test', name: { given: 'Ada', family: 'Lovelace' }, emails: [{ value: 'ada@example.org' }] } as ContactEntity;
  const [card] = await connector.write(contacts, [{ op: 'create', item: contact }]);
  expect(card).toMatchObject({ ok: true });
  await connector.close?.();
});
