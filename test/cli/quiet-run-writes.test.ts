/**
 * A run that changes nothing makes one durable state write (its run metadata: counts, last run), not more: the
 * collection metadata (names, colours, when they were last checked) is committed only when it changed.
 */
import { readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { Workspace } from '../support/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

const journalLines = () => readFileSync(ws.path('.dovetail', 'p-p', 'journal.jsonl'), 'utf8').trim().split('\n');

it('a no-change folder sync appends one journal line, holding no collection metadata', async () => {
  ws = new Workspace();
  ws.pairing();
  ws.put('left', { uid: 'a@test', summary: 'A' });
  ws.put('right', { uid: 'b@test', summary: 'B' });
  expect((await ws.run(['sync'])).code).toBe(0);
  expect((await ws.run(['sync'])).code).toBe(0); // settles anything the first run learned
  const before = journalLines().length;
  const r = await ws.run(['sync', '--json']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.json!.runs[0]!.unchanged).toBe(2);
  const added = journalLines().slice(before);
  expect(added).toHaveLength(1);
  expect(added[0]).not.toContain('collectionA');
});
