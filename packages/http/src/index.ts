/** HTTP plumbing shared by the network connectors (CalDAV, CardDAV, iCal feeds, Exchange). */
export * from './net-errors.js';
export * from './digest.js';
export * from './ntlm.js';
export * from './transport.js';
export * from './redact-url.js';
export * from './limiter.js';
