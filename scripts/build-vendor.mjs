#!/usr/bin/env node
// Build step before `tsc -b` (run by `npm run build`, `prepare` and `npm test`): bundles dependencies that ship as
// hundreds of small ES modules into one file each under core/dist/vendor, so a command that activates a connector
// loads one module instead of hundreds. inversify 8 is 247 modules (about 150 ms to resolve and link on every
// activation); bundled, about 15 ms. core/package.json maps `#inversify` to the bundle (and its types to the package's).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'core', 'dist', 'vendor');
const VENDORED = ['inversify'];

mkdirSync(out, { recursive: true });
for (const name of VENDORED) {
  await build({
    stdin: { contents: `export * from '${name}';`, resolveDir: path.join(root, 'core'), sourcefile: `${name}-vendor.js` },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: path.join(out, `${name}.js`),
    legalComments: 'inline',
    logLevel: 'warning',
  });
  writeFileSync(path.join(out, `${name}.d.ts`), `// Types of the bundle beside this file: the package's own.\nexport * from '${name}';\n`);
}
console.log(`build-vendor: ${VENDORED.join(', ')} bundled into ${path.relative(root, out)}`);
