/** WebDAV plumbing shared by the CalDAV and CardDAV connectors. */
export * from './xml.js';
export * from './href.js';
export * from './multistatus.js';
export * from '@dovetail/http';
export * from './client.js';
export * from './listing.js';
export * from './multiget.js';
export * from './writes.js';
export * from './repairs.js';
export * from './discovery.js';
export * from './presets.js';
export * from './dns-discovery.js';
export * from './endpoint.js';
export * from './members.js';
export * from './account.js';
export * from './collection-props.js';
