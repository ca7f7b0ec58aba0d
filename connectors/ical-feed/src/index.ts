/** The iCal feed connector: subscribe to a feed (read-only) or publish one. See README.md. */
import { defineConnector } from '@dovetail/core/sdk';
import { createIcalFeedConnector } from './connector.js';
import type { IcalFeedSettings } from './settings.js';

export { createIcalFeedConnector, FEED_COLLECTION, type IcalFeedConnector } from './connector.js';
export type { IcalFeedSettings } from './settings.js';

export default defineConnector<IcalFeedSettings>((ctx) => createIcalFeedConnector(ctx));
