/**
 * The child entry for a connector that has only an in-process entry (`main`) but runs out of process (the endpoint
 * says `"process": true`): `node launcher.js ENTRY` imports ENTRY and serves its default export with `runStdio`.
 */
import { pathToFileURL } from 'node:url';
import { applyRuntimeFlags } from '../../runtime-flags.js';
import { isConnectorDefinition } from '../../sdk/connector.js';
import { runStdio } from '../../sdk/stdio.js';

applyRuntimeFlags(); // as the `dovetail` command does: before the connector loads or sends anything

const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: launcher.js ENTRY\n');
  process.exit(2);
}
const mod = (await import(pathToFileURL(entry).href)) as { default?: unknown };
if (!isConnectorDefinition(mod.default)) {
  process.stderr.write(`${entry} does not export a connector definition as default\n`);
  process.exit(2);
}
await runStdio(mod.default);
