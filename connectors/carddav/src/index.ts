/** The CardDAV connector. See README.md. */
import { defineConnector } from '@dovetail/core/sdk';
import { createCardDavConnector, type CardDavSettings } from './connector.js';

export { createCardDavConnector, type CardDavSettings } from './connector.js';

export default defineConnector<CardDavSettings>((ctx) => createCardDavConnector(ctx));
