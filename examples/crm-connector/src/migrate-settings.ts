/**
 * Settings written for version 0.x of this connector named the CRM file `file` and the token `token`; 1.0 calls
 * them `database` and `accessToken`. The host runs this before it validates an endpoint's settings, so old configs
 * keep working (and it logs that the config should be updated). Current settings pass through unchanged.
 */
import { defineSettingsMigration } from '@dovetail/core/sdk';

export default defineSettingsMigration((settings) => {
  const next = { ...settings };
  if ('file' in next && !('database' in next)) { next.database = next.file; delete next.file; }
  if ('token' in next && !('accessToken' in next)) { next.accessToken = next.token; delete next.token; }
  return next;
});
