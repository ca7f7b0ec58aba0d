/** The CalDAV connector. See README.md. */
import { defineConnector } from '@dovetail/core/sdk';
import { createCalDavConnector, type CalDavSettings } from './connector.js';

export { createCalDavConnector, type CalDavSettings } from './connector.js';

export default defineConnector<CalDavSettings>((ctx) => createCalDavConnector(ctx));
