/**
 * The DAV connectors' request timeout: 120 s unless the endpoint sets `timeoutMs` (a cold Radicale takes over a
 * minute to answer a 10,000-item listing). The settings schemas' default is checked in core's schema-contract test.
 */
import { describe, expect, it } from 'vitest';
import { testContext } from '@dovetail/core/testing';
import { DEFAULT_DAV_TIMEOUT_MS, openDavEndpoint } from '../src/endpoint.js';

describe('DAV request timeout', () => {
  it('is 120 s when the endpoint does not set timeoutMs', async () => {
    const ep = await openDavEndpoint(testContext({ url: 'http://127.0.0.1:1/dav/' }), 'caldav');
    expect(DEFAULT_DAV_TIMEOUT_MS).toBe(120_000);
    expect(ep.transport.timeoutMs).toBe(DEFAULT_DAV_TIMEOUT_MS);
  });

  it('is the endpoint\'s timeoutMs when set', async () => {
    const ep = await openDavEndpoint(testContext({ url: 'http://127.0.0.1:1/dav/', timeoutMs: 5000 }), 'carddav');
    expect(ep.transport.timeoutMs).toBe(5000);
  });
});
