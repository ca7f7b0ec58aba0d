import { describe, expect, it } from 'vitest';
import { isTokenLike, redactUrl } from '../src/redact-url.js';

describe('redactUrl', () => {
  it('hides the query, the user information and the fragment, keeping scheme, host, port and path', () => {
    expect(redactUrl('https://ann:s3cret@portal.example.com:8443/export/ical/team.ics?token=abc&x=1#top'))
      .toBe('https://[redacted]@portal.example.com:8443/export/ical/team.ics?[redacted]#[redacted]');
    expect(redactUrl('http://127.0.0.1:5232/feed.ics')).toBe('http://127.0.0.1:5232/feed.ics');
  });

  it('hides token-like path segments of real feed URL shapes (Google private address, Outlook, iCloud, UUIDs)', () => {
    expect(redactUrl('https://calendar.google.com/calendar/ical/team%40example.com/private-0123456789abcdef0123456789abcdef/basic.ics'))
      .toBe('https://calendar.google.com/calendar/ical/team%40example.com/[redacted]/basic.ics');
    expect(redactUrl('https://outlook.office365.com/owa/calendar/6b1f0c1e9a2b4c3d8e9f0a1b2c3d4e5f@example.com/f00dfeedf00dfeed1234567890abcdef/calendar.ics'))
      .toBe('https://outlook.office365.com/owa/calendar/[redacted]/[redacted]/calendar.ics');
    expect(redactUrl('webcal://p52-caldav.icloud.com/published/2/MTIzNDU2Nzg5MDEyMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9w'))
      .toBe('webcal://p52-caldav.icloud.com/published/2/[redacted]');
    expect(redactUrl('https://crm.example.com/feeds/6b1f0c1e-9a2b-4c3d-8e9f-0a1b2c3d4e5f.ics'))
      .toBe('https://crm.example.com/feeds/[redacted]');
  });

  it('keeps ordinary names readable', () => {
    for (const s of ['holidays-2026-public.ics', 'calendar.ics', 'basic.ics', 'team%40example.com', 'export', '2026']) {
      expect(isTokenLike(s), s).toBe(false);
    }
  });

  it('returns file paths and other non-URLs unchanged', () => {
    expect(redactUrl('./public/team.ics')).toBe('./public/team.ics');
    expect(redactUrl('file:///srv/feeds/team.ics')).toBe('file:///srv/feeds/team.ics');
  });
});
