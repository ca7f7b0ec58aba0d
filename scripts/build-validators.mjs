#!/usr/bin/env node
// Build step after `tsc -b` (run by `npm run build` / `prepare`): compiles the JSON schemas shipped with Dovetail —
// schemas/*.json and the settings schemas and readOnlyWhen rules of the connectors in connectors/ — into ajv
// standalone validators in core/dist/validators, so no command compiles them at run time (core/src/config/validator-store.ts).
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildValidator } from '../core/dist/config/validator-store.js';
import { widenSecrets } from '../core/dist/host/settings-schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'core', 'dist', 'validators');
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

rmSync(out, { recursive: true, force: true }); // validators of schemas that changed since the last build go
let count = 0;
for (const name of readdirSync(path.join(root, 'schemas')).filter((n) => n.endsWith('.json')).sort()) {
  buildValidator(readJson(path.join(root, 'schemas', name)), out);
  count++;
}
for (const name of readdirSync(path.join(root, 'connectors')).sort()) {
  let manifest;
  try { manifest = readJson(path.join(root, 'connectors', name, 'package.json')).dovetail; } catch { continue; }
  if (manifest?.settings) {
    buildValidator(widenSecrets(readJson(path.join(root, 'connectors', name, manifest.settings))), out, { useDefaults: true });
    count++;
  }
  if (manifest?.readOnlyWhen?.settings) {
    buildValidator(manifest.readOnlyWhen.settings, out);
    count++;
  }
}
// A connector without a settings schema gets the empty one (settings-schema.ts NO_SETTINGS_SCHEMA).
buildValidator(widenSecrets({ type: 'object', additionalProperties: false, properties: {} }), out, { useDefaults: true });
console.log(`build-validators: ${count + 1} validators in ${path.relative(root, out)}`);
