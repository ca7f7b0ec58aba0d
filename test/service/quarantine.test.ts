/**
 * The runner service with an out-of-process connector that exits during every write: the connector is quarantined,
 * its pairing's runs fail with kind `quarantined` until the circuit opens (health error, metrics), while another
 * pairing keeps running on schedule in the same service.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunnerService } from '../../core/src/runner/service.js';
import { startService, until, writeServiceConfig } from '../support/service.js';
import { ics, repoRoot, Workspace } from '../support/workspace.js';

let ws: Workspace;
let running: RunnerService | undefined;
beforeEach(() => { ws = new Workspace('dovetail-quarantine-'); });
afterEach(async () => { await running?.stop(); running = undefined; ws.cleanup(); });

describe('a quarantined connector in the service', () => {
  it('fails only its pairing (kind quarantined, circuit open, health error) while the other pairing keeps running', async () => {
    for (const folder of ['for-crashy', 'src']) mkdirSync(ws.path('left', folder), { recursive: true });
    for (let i = 1; i <= 4; i++) writeFileSync(ws.path('left', 'for-crashy', `c${i}.ics`), ics({ uid: `c${i}@test`, summary: `C ${i}`, start: '20260310T090000Z', end: '20260310T100000Z' }));
    writeFileSync(ws.path('left', 'src', 'g1.ics'), ics({ uid: 'g1@test', summary: 'G 1', start: '20260310T090000Z', end: '20260310T100000Z' }));
    const schedule = { every: '1s', maxFailures: 2, retry: { initial: '1s', max: '1s' } };
    writeServiceConfig(ws, {
      connectorDirs: [path.join(repoRoot, 'core', 'test', 'fixtures', 'connectors', 'stdio-js')],
      endpoints: {
        left: { connector: 'filesystem', settings: { path: './left' } },
        crashy: { connector: 'stdio-js', settings: { mode: 'exit-on-write' } },
      },
      pairings: {
        crashy: { entity: 'event', a: { endpoint: 'left', collection: 'for-crashy' }, b: { endpoint: 'crashy', collection: 'c' }, mode: 'push-a-to-b', chunkSize: 1, schedule },
        good: { entity: 'event', a: { endpoint: 'left', collection: 'src' }, b: { endpoint: 'left', collection: 'dst', create: true }, schedule },
      },
    });
    const started = await startService(ws);
    running = started.service;
    const { api } = started;
    const status = (name: string) => api(`/api/pairings/${name}`).then((r) => r.json());

    const open = await until(async () => { const p = await status('crashy'); return p.circuit.open ? p : undefined; }, 40_000, 200);
    expect(open).toMatchObject({ health: 'error', enabled: false, circuit: { open: true, failures: 2 }, lastRun: { ok: false, failure: 'quarantined' } });
    expect(open.lastError).toMatch(/connector "stdio-js" is quarantined after 3 crashes \(last: the process exited with code 7\)/);
    expect(open.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^last run failed: .*quarantined/)]));
    const runs = (await (await api('/api/runs?pairing=crashy')).json()).runs as { failure?: string }[];
    expect(runs.map((r) => r.failure)).toEqual(['quarantined', 'quarantined']);

    const goodRuns = async () => ((await (await api('/api/runs?pairing=good')).json()).runs as { ok: boolean }[]);
    const before = (await goodRuns()).length;
    await until(async () => (await goodRuns()).length >= before + 2, 20_000, 200);
    expect((await goodRuns()).every((r) => r.ok)).toBe(true);
    expect(await status('good')).toMatchObject({ health: 'ok', enabled: true });
    const metrics = await (await api('/metrics')).text();
    expect(metrics).toContain('dovetail_run_failures_total{pairing="crashy",kind="quarantined"} 2');
    expect(metrics).toContain('dovetail_circuit_open{pairing="crashy"} 1');
  });
});
