#!/usr/bin/env node
// Build step before `tsc -b` (run by `npm run build`, `prepare` and `npm test`): bundles dependencies whose module
// graphs cost more to load than to run into one file each, under PACKAGE/dist/vendor, mapped by that package's
// `imports` field (`#inversify`, `#undici`); their types stay the dependency's own. Measured on Node 20:
// - inversify 8 is 247 ES modules, ~150 ms on every activation; bundled ~15 ms.
// - jsonc-parser (every command reads the config with it) loads its UMD build file by file, ~30 ms; bundled ~10 ms.
// - semver: the seven functions the manifest checks use require ~20 of its CommonJS files, ~40 ms; bundled ~8 ms.
// - undici 7's index loads every dispatcher, mock, cache, WebSocket and EventSource module (~120 ms); the HTTP
//   transport uses Agent, ProxyAgent, DecoratorHandler and fetch (with its Headers and Response), bundled from their
//   own files (~60 ms). Those are undici's internal paths: when an update moves them, this build fails naming the file.
// - tsdav (every DAV request is built by its davRequest) loads debug, xml-js and sax as ~15 CommonJS files beside its
//   own: fastest of 9 imports 53 ms; its four request helpers bundled 27 ms (measured on a loaded machine).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The semver functions the manifest checks use (core/src/host/manifest.ts). */
const SEMVER = [
  ['gt', 'functions/gt'], ['parse', 'functions/parse'], ['satisfies', 'functions/satisfies'], ['valid', 'functions/valid'],
  ['intersects', 'ranges/intersects'], ['minVersion', 'ranges/min-version'], ['validRange', 'ranges/valid'],
];

/** What is bundled: the package that imports it, the `#name` it imports, the bundle's entry, its type declarations. */
const VENDORED = [
  {
    pkg: 'core',
    name: 'inversify',
    entry: "export * from 'inversify';",
    types: "export * from 'inversify';",
  },
  {
    pkg: 'core',
    name: 'jsonc-parser',
    entry: "export * from 'jsonc-parser';",
    types: "export * from 'jsonc-parser';",
  },
  {
    pkg: 'core',
    name: 'semver',
    entry: SEMVER.map(([name, file]) => `export { default as ${name} } from 'semver/${file}.js';`).join('\n'),
    types: SEMVER.map(([name, file]) => `export { default as ${name} } from 'semver/${file}.js';`).join('\n'),
  },
  {
    pkg: 'packages/http',
    name: 'undici',
    entry: [
      // As undici's index does: the request API (request, stream, pipeline, connect, upgrade) on every dispatcher.
      "import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';",
      "import api from 'undici/lib/api/index.js';",
      'Object.assign(Dispatcher.prototype, api);',
      "export { default as Agent } from 'undici/lib/dispatcher/agent.js';",
      "export { default as ProxyAgent } from 'undici/lib/dispatcher/proxy-agent.js';",
      "export { default as DecoratorHandler } from 'undici/lib/handler/decorator-handler.js';",
      "export { fetch } from 'undici/lib/web/fetch/index.js';",
      // fetch's own Headers and Response (the tsdav adapter's): Node's globals of those names load Node's internal
      // copy of undici on first use (~45 ms on a loaded machine, on every DAV run).
      "export { Headers } from 'undici/lib/web/fetch/headers.js';",
      "export { Response } from 'undici/lib/web/fetch/response.js';",
    ].join('\n'),
    types: "export { Agent, ProxyAgent, DecoratorHandler, fetch, Headers, Response } from 'undici';",
  },
  {
    pkg: 'packages/dav',
    name: 'tsdav',
    entry: "export { createObject, davRequest, deleteObject, updateObject } from 'tsdav';",
    types: "export { createObject, davRequest, deleteObject, updateObject } from 'tsdav';",
  },
];

for (const v of VENDORED) {
  const out = path.join(root, v.pkg, 'dist', 'vendor');
  mkdirSync(out, { recursive: true });
  await build({
    stdin: { contents: v.entry, resolveDir: path.join(root, v.pkg), sourcefile: `${v.name}-vendor.js` },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // A package's ES module build where it has one (jsonc-parser's main is a UMD build that loads module by module).
    mainFields: ['module', 'main'],
    outfile: path.join(out, `${v.name}.js`),
    // CommonJS inside an ES module bundle requires Node's built-ins through a real require.
    banner: { js: "import { createRequire as __vendorRequire } from 'node:module';\nconst require = __vendorRequire(import.meta.url);" },
    legalComments: 'inline',
    logLevel: 'warning',
  });
  writeFileSync(path.join(out, `${v.name}.d.ts`), `// Types of the bundle beside this file: the package's own.\n${v.types}\n`);
}
console.log(`build-vendor: ${VENDORED.map((v) => `${v.pkg}/dist/vendor/${v.name}.js`).join(', ')}`);
