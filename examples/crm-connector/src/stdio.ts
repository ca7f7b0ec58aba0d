/** The out-of-process entry (the manifest's `process` command): the same connector, served over stdio. */
import { runStdio } from '@dovetail/core/sdk';
import definition from './index.js';

await runStdio(definition);
