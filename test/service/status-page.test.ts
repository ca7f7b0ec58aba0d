/**
 * The status page in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core): it lists the
 * pairings with their health, and "Sync now" starts a run whose result the page then shows.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunnerService } from '../../core/src/runner/service.js';
import { startService, TOKEN, writeServiceConfig } from '../support/service.js';
import { Workspace } from '../support/workspace.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let browser: BrowserContext;
let profile: string;
let ws: Workspace;
let running: RunnerService | undefined;

beforeAll(async () => {
  profile = mkdtempSync(path.join(tmpdir(), 'dovetail-chromium-'));
  // A fresh, empty profile (--user-data-dir): playwright passes it for a persistent context.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  rmSync(profile, { recursive: true, force: true });
});
beforeEach(() => { ws = new Workspace('dovetail-page-'); });
afterEach(async () => { await running?.stop(); running = undefined; ws.cleanup(); });

describe('status page', () => {
  it('lists the pairings; "Sync now" starts a run and the page shows its result', async () => {
    for (const c of ['cal', 'other']) {
      mkdirSync(ws.path('left', c), { recursive: true });
      mkdirSync(ws.path('right', c), { recursive: true });
    }
    ws.put('left', { uid: 'e1', summary: 'One' });
    ws.put('left', { uid: 'e2', summary: 'Two' });
    writeServiceConfig(ws, {
      endpoints: { left: { connector: 'filesystem', settings: { path: './left' } }, right: { connector: 'filesystem', settings: { path: './right' } } },
      pairings: {
        team: { entity: 'event', a: { endpoint: 'left', collection: 'cal' }, b: { endpoint: 'right', collection: 'cal' } },
        archive: { entity: 'event', enabled: false, a: { endpoint: 'left', collection: 'other' }, b: { endpoint: 'right', collection: 'other' } },
      },
    });
    const started = await startService(ws);
    running = started.service;
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

    // Without a token the page asks for one; a wrong one is refused.
    await page.goto(`${started.url}/`);
    await page.locator('#login').waitFor({ state: 'visible' });
    await page.fill('#token', 'wrong-token-0123456789');
    await page.click('#login button[type=submit]');
    await expect.poll(() => page.locator('#login-error').textContent()).toContain('refused');
    expect(errors.every((e) => e.includes('401 (Unauthorized)'))).toBe(true); // the refused token's requests, nothing else
    errors.length = 0;

    await page.fill('#token', TOKEN);
    await page.click('#login button[type=submit]');
    const team = page.locator('tr[data-pairing="team"]');
    const archive = page.locator('tr[data-pairing="archive"]');
    await team.waitFor();
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(await team.getAttribute('data-health')).toBe('never-run');
    expect(await team.locator('[data-field="result"]').textContent()).toBe('never run');
    expect(await team.locator('input[role=switch]').isChecked()).toBe(true);
    expect(await archive.locator('input[role=switch]').isChecked()).toBe(false);
    expect(await archive.locator('input[role=switch]').isDisabled()).toBe(true);
    expect(await archive.locator('button[data-action=sync]').isDisabled()).toBe(true);
    expect(await page.locator('#banner').textContent()).toMatch(/Service running: 2 pairings, 1 enabled/);

    await team.locator('button[data-action=sync]').click();
    await expect.poll(() => team.locator('[data-field="result"]').textContent(), { timeout: 15_000 }).toMatch(/^done: 2 changes/);
    expect(await team.getAttribute('data-health')).toBe('ok');
    expect(ws.items('right').size).toBe(2);
    // The chart counts today's two items.
    const today = new Date().toISOString().slice(0, 10);
    await expect.poll(() => page.locator(`#chart rect[data-day="${today}"]`).getAttribute('data-items')).toBe('2');

    // The switch disables the pairing at runtime.
    await team.locator('input[role=switch]').click();
    await expect.poll(async () => (await started.api('/api/pairings/team').then((r) => r.json())).disabledAtRuntime).toBe(true);
    await expect.poll(() => team.locator('button[data-action=sync]').isDisabled()).toBe(true);

    await page.screenshot({ path: ws.path('status-page.png'), fullPage: true });
    expect(errors, errors.join("\n")).toEqual([]);
    await page.close();
  });
});
