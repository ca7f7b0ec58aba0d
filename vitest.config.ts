import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@dovetail\/core\/sdk$/, replacement: src('./core/src/sdk/index.ts') },
      { find: /^@dovetail\/core\/testing$/, replacement: src('./core/src/testing/index.ts') },
      { find: /^@dovetail\/dav$/, replacement: src('./packages/dav/src/index.ts') },
      { find: /^@dovetail\/http$/, replacement: src('./packages/http/src/index.ts') },
      { find: /^@dovetail\/ews-simulator$/, replacement: src('./packages/ews-simulator/src/index.ts') },
      { find: /^@dovetail\/graph-simulator$/, replacement: src('./packages/graph-simulator/src/index.ts') },
      { find: /^@dovetail\/core$/, replacement: src('./core/src/index.ts') },
    ],
  },
  test: {
    include: ['core/test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'connectors/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
