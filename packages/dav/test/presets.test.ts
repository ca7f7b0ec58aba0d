import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_QUIRKS,
  PRESET_IDS,
  effectiveQuirks,
  getPreset,
  listPresets,
  parsePresets,
  presetUrl,
  type DavPreset,
  type DavProtocol,
} from '../src/presets.js';

const presetsFile = fileURLToPath(new URL('../presets.json', import.meta.url));
const rawPresets = JSON.parse(readFileSync(presetsFile, 'utf8')) as Record<string, any>;
const PROTOCOLS: DavProtocol[] = ['caldav', 'carddav'];
const EXPECTED_IDS = ['google', 'icloud', 'nextcloud', 'sogo', 'fastmail', 'posteo', 'mailbox-org', 'radicale', 'baikal', 'davical'];
const sampleValues = { server: 'https://dav.example.org/sub', username: 'ann.smith@example.org' };

function mustGet(id: string): DavPreset {
  const preset = getPreset(id);
  if (!preset) throw new Error(`no preset ${id}`);
  return preset;
}

describe('preset data', () => {
  it('lists exactly the documented providers, in file order', () => {
    expect([...PRESET_IDS]).toEqual(Object.keys(rawPresets));
    expect([...PRESET_IDS].sort()).toEqual([...EXPECTED_IDS].sort());
    expect(listPresets().map((p) => p.id)).toEqual([...PRESET_IDS]);
  });

  it.each(EXPECTED_IDS)('%s: every declared protocol yields a valid absolute URL once placeholders are filled', (id) => {
    const preset = mustGet(id);
    const declared = PROTOCOLS.filter((protocol) => preset[protocol]);
    expect(declared.length).toBeGreaterThan(0);
    for (const protocol of declared) {
      const url = new URL(presetUrl(preset, protocol, sampleValues));
      expect(['https:', 'http:']).toContain(url.protocol);
      expect(url.href).not.toMatch(/[{}]/);
      expect(url.pathname.endsWith('/')).toBe(true);
      if (preset[protocol]!.url.includes('{server}')) expect(url.href.startsWith('https://dav.example.org/sub/')).toBe(true);
      if (preset[protocol]!.url.includes('{username}')) expect(url.pathname).toContain('ann.smith%40example.org');
    }
    expect(preset.auth.length).toBeGreaterThan(0);
    expect(preset.displayName.trim()).not.toBe('');
  });

  it('keeps the documented provider endpoints', () => {
    expect(presetUrl(mustGet('google'), 'caldav', { username: 'ann@gmail.com' })).toBe(
      'https://apidata.googleusercontent.com/caldav/v2/ann%40gmail.com/',
    );
    expect(presetUrl(mustGet('google'), 'carddav', { username: 'ann@gmail.com' })).toBe(
      'https://www.googleapis.com/carddav/v1/principals/ann%40gmail.com/lists/default/',
    );
    expect(mustGet('google').auth).toEqual(['bearer']);
    expect(presetUrl(mustGet('icloud'), 'caldav', {})).toBe('https://caldav.icloud.com/');
    expect(presetUrl(mustGet('icloud'), 'carddav', {})).toBe('https://contacts.icloud.com/');
    expect(presetUrl(mustGet('posteo'), 'caldav', {})).toBe('https://posteo.de:8443/');
    expect(presetUrl(mustGet('posteo'), 'carddav', {})).toBe('https://posteo.de:8843/');
    expect(presetUrl(mustGet('nextcloud'), 'caldav', { server: 'cloud.example.com' })).toBe('https://cloud.example.com/remote.php/dav/');
    expect(presetUrl(mustGet('sogo'), 'carddav', { server: 'https://mail.example.com/', username: 'ann' })).toBe(
      'https://mail.example.com/SOGo/dav/ann/',
    );
    expect(presetUrl(mustGet('davical'), 'caldav', { server: 'http://10.0.0.5:8080', username: 'ann' })).toBe(
      'http://10.0.0.5:8080/caldav.php/ann/',
    );
    expect(mustGet('baikal').auth[0]).toBe('digest');
  });

  it('returns frozen presets so callers cannot corrupt the shared table', () => {
    const preset = mustGet('nextcloud');
    expect(() => {
      (preset.quirks as { syncCollection?: boolean }).syncCollection = false;
    }).toThrow(TypeError);
    expect(mustGet('nextcloud').quirks.syncCollection).toBe(true);
  });
});

describe('getPreset', () => {
  it('returns undefined for an unknown id', () => {
    expect(getPreset('exchange')).toBeUndefined();
    expect(getPreset('')).toBeUndefined();
    expect(getPreset('Nextcloud')).toBeUndefined();
  });
});

describe('presetUrl', () => {
  it('names the missing placeholder', () => {
    expect(() => presetUrl(mustGet('nextcloud'), 'caldav', {})).toThrow(/nextcloud.*needs a server/);
    expect(() => presetUrl(mustGet('nextcloud'), 'caldav', { server: '   ' })).toThrow(/needs a server/);
    expect(() => presetUrl(mustGet('google'), 'carddav', {})).toThrow(/google.*carddav URL needs a username/);
    expect(() => presetUrl(mustGet('sogo'), 'caldav', { server: 'https://mail.example.com' })).toThrow(/needs a username/);
  });

  it('throws when the preset has no URL for the protocol', () => {
    const calOnly: DavPreset = { id: 'cal-only', displayName: 'Cal only', caldav: { url: 'https://cal.example/' }, auth: ['basic'], quirks: {} };
    expect(presetUrl(calOnly, 'caldav', {})).toBe('https://cal.example/');
    expect(() => presetUrl(calOnly, 'carddav', {})).toThrow(/cal-only.*has no carddav URL/);
  });

  it('percent-encodes the username so it cannot change the path', () => {
    const url = presetUrl(mustGet('davical'), 'caldav', { server: 'https://dav.example', username: 'a/b?c#d e' });
    expect(url).toBe('https://dav.example/caldav.php/a%2Fb%3Fc%23d%20e/');
    expect(new URL(url).pathname.split('/').filter(Boolean)).toHaveLength(2);
  });

  it('normalises the server: bare host gets https, trailing slashes, query and fragment are dropped', () => {
    const nextcloud = mustGet('nextcloud');
    expect(presetUrl(nextcloud, 'carddav', { server: 'https://example.com/cloud///' })).toBe('https://example.com/cloud/remote.php/dav/');
    expect(presetUrl(nextcloud, 'carddav', { server: 'https://example.com/cloud?x=1#top' })).toBe('https://example.com/cloud/remote.php/dav/');
    expect(presetUrl(nextcloud, 'carddav', { server: 'example.com:8443' })).toBe('https://example.com:8443/remote.php/dav/');
  });

  it('rejects a server that is not an http(s) host', () => {
    const nextcloud = mustGet('nextcloud');
    expect(() => presetUrl(nextcloud, 'caldav', { server: 'ftp://example.com' })).toThrow(/must be an http\(s\) URL/);
    expect(() => presetUrl(nextcloud, 'caldav', { server: 'https://exa mple.com' })).toThrow(/not a valid host or URL/);
    expect(() => presetUrl(nextcloud, 'caldav', { server: 'https://ann:pw@example.com' })).toThrow(/must not contain credentials/);
  });
});

describe('effectiveQuirks', () => {
  it('assumes every capability without a preset', () => {
    expect(effectiveQuirks()).toEqual(DEFAULT_QUIRKS);
    expect(DEFAULT_QUIRKS.maxMultiget).toBe(200);
    expect(DEFAULT_QUIRKS.syncCollection).toBe(true);
    expect(DEFAULT_QUIRKS.timeRangeExpandsRecurrences).toBe(true);
    expect(DEFAULT_QUIRKS.createCollection).toBe(true);
  });

  it('layers defaults < preset < protocol quirks < overrides', () => {
    const google = mustGet('google');
    const shared = effectiveQuirks(google);
    expect(shared.rateLimited).toBe(true); // from the preset
    expect(shared.createCollection).toBe(true); // per-protocol quirk not applied without a protocol
    expect(shared.maxMultiget).toBe(200); // default

    const caldav = effectiveQuirks(google, undefined, 'caldav');
    expect(caldav.createCollection).toBe(false);
    expect(caldav.eventsAndTasksSeparate).toBe(true);
    expect(effectiveQuirks(google, undefined, 'carddav').eventsAndTasksSeparate).toBe(false);

    const overridden = effectiveQuirks(google, { createCollection: true, maxMultiget: 20, rateLimited: undefined }, 'caldav');
    expect(overridden.createCollection).toBe(true);
    expect(overridden.maxMultiget).toBe(20);
    expect(overridden.rateLimited).toBe(true); // an undefined override leaves the preset value
    expect(Object.keys(overridden).sort()).toEqual(Object.keys(DEFAULT_QUIRKS).sort());
  });

  it('applies overrides without a preset and does not mutate the defaults', () => {
    const quirks = effectiveQuirks(undefined, { syncCollection: false, uidClash: '207-412' });
    expect(quirks.syncCollection).toBe(false);
    expect(quirks.uidClash).toBe('207-412');
    expect(DEFAULT_QUIRKS.syncCollection).toBe(true);
    expect(DEFAULT_QUIRKS.uidClash).toBe('409');
  });

  it('rejects overrides outside the quirk vocabulary', () => {
    expect(() => effectiveQuirks(undefined, { maxMultiget: 0 })).toThrow(/maxMultiget: must be a positive integer/);
    expect(() => effectiveQuirks(undefined, { uidClash: '400' as never })).toThrow(/uidClash/);
    expect(() => effectiveQuirks(undefined, { syncTokens: true } as never)).toThrow(/unknown key "syncTokens"/);
  });
});

describe('parsePresets (validation at load)', () => {
  const clone = () => JSON.parse(JSON.stringify(rawPresets)) as Record<string, any>;

  it('accepts the shipped file and matches what the module loaded', () => {
    expect(parsePresets(clone())).toEqual(listPresets());
  });

  it.each([
    ['a non-object file', () => [], /must be an object keyed by preset id/],
    ['a bad id', () => ({ ...clone(), 'Bad Id': clone().radicale }), /id "Bad Id"/],
    ['a missing displayName', (d: any) => { delete d.google.displayName; return d; }, /"google".displayName/],
    ['no URL at all', (d: any) => { delete d.posteo.caldav; delete d.posteo.carddav; return d; }, /"posteo": needs a "caldav" or "carddav" URL/],
    ['an empty auth list', (d: any) => { d.icloud.auth = []; return d; }, /"icloud".auth: must be a non-empty array/],
    ['an unknown auth scheme', (d: any) => { d.icloud.auth = ['ntlm']; return d; }, /"ntlm" is not one of/],
    ['a duplicated auth scheme', (d: any) => { d.icloud.auth = ['basic', 'basic']; return d; }, /lists a scheme twice/],
    ['an unknown quirk', (d: any) => { d.sogo.quirks.fastSync = true; return d; }, /"sogo".quirks: unknown key "fastSync"/],
    ['a quirk of the wrong type', (d: any) => { d.sogo.quirks.syncCollection = 'yes'; return d; }, /syncCollection: must be true or false/],
    ['a bad colorProperty', (d: any) => { d.sogo.quirks.colorProperty = 'google'; return d; }, /colorProperty: must be one of apple, none/],
    ['a bad protocol quirk', (d: any) => { d.google.caldav.quirks.maxMultiget = 1.5; return d; }, /"google".caldav.quirks.maxMultiget/],
    ['an unknown placeholder', (d: any) => { d.radicale.caldav.url = '{host}/'; return d; }, /unknown placeholder \{host\}/],
    ['{server} in the middle', (d: any) => { d.radicale.caldav.url = 'https://x/{server}/'; return d; }, /\{server\} may only appear at the start/],
    ['an empty URL', (d: any) => { d.radicale.carddav.url = ''; return d; }, /"radicale".carddav.url: must be a non-empty string/],
    ['an unknown preset key', (d: any) => { d.baikal.port = 80; return d; }, /"baikal": unknown key "port"/],
    ['non-string notes', (d: any) => { d.baikal.notes = 5; return d; }, /"baikal".notes: must be a string/],
  ])('rejects %s', (_label, mutate: (d: any) => unknown, message) => {
    expect(() => parsePresets(mutate(clone()))).toThrow(message);
  });
});
