/** The per-pairing summary line names repairs and server alterations (counts per rule and per property). */
import { describe, expect, it } from 'vitest';
import { summary } from '../../src/cli/format.js';
import type { RunReport } from '../../src/engine/report.js';

const base: RunReport = {
  pairing: 'p', ok: true, dryRun: false, startedAt: '2026-01-01T00:00:00Z', durationMs: 1200,
  a: { created: 0, updated: 0, deleted: 0 }, b: { created: 3, updated: 0, deleted: 0 }, unchanged: 0, conflicts: 0, skipped: 0, failed: 0,
  errors: [], items: [],
};
const item = (uid: string, extra: object) => ({ action: 'create' as const, side: 'b' as const, uid, title: uid, reason: 'new on a', ok: true, ...extra });

describe('summary', () => {
  it('says how many items went through repaired and which the server altered', () => {
    const text = summary({
      ...base, repaired: 2, altered: 2,
      items: [
        item('x', { repaired: ['negative-duration-sign'] }),
        item('y', { repaired: ['negative-duration-sign', 'synthesised-master'], altered: [{ property: 'ORG', sent: 'ORG:SAP', stored: 'ORG:SAP;' }] }),
        item('z', { altered: [{ property: 'ORG', sent: 'ORG:X', stored: 'ORG:X;' }, { property: 'N', sent: 'N:a;b', stored: 'N:a;b;;;' }] }),
      ],
    });
    expect(text).toContain('  repaired: 2 items the server refused as they were went through repaired (negative-duration-sign ×2, synthesised-master ×1); the source is unchanged');
    expect(text).toContain('  altered by the server: 2 items stored otherwise than sent (ORG ×2, N ×1; see --json items[].altered)');
  });

  it('says nothing of either when nothing was repaired or altered', () => {
    expect(summary(base)).not.toMatch(/repaired|altered/);
  });
});
