/**
 * Test helpers for connector authors and engine tests: `import { runConformanceSuite, MemoryStore } from '@dovetail/core/testing'`.
 * Nothing here imports a test runner; pass your runner's describe/it/expect to the conformance suite.
 */
export * from './conformance.js';
export * from './context.js';
export * from './memory-connector.js';
export * from './memory-state.js';
export * from './corpus.js';
export * from './table-runner.js';
