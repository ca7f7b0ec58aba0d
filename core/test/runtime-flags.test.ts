import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runtimeFlags } from '../src/runtime-flags.js';

describe('runtimeFlags', () => {
  it('on Node 20 (V8 11): the heap growth and no second compile of WebAssembly', () => {
    expect(runtimeFlags([], '11.3.244.8-node.33')).toEqual(['--heap-growing-percent=100', '--no-wasm-tier-up', '--no-wasm-dynamic-tiering']);
  });

  it('on Node 22 and 24 (V8 12, 13): only the heap growth', () => {
    expect(runtimeFlags([], '12.4.254.21-node.33')).toEqual(['--heap-growing-percent=100']);
    expect(runtimeFlags([], '13.6.233.17-node.37')).toEqual(['--heap-growing-percent=100']);
  });

  it('leaves alone what node was told itself, in either spelling', () => {
    expect(runtimeFlags(['--heap-growing-percent=300'], '11.3.244.8')).toEqual(['--no-wasm-tier-up', '--no-wasm-dynamic-tiering']);
    expect(runtimeFlags(['--heap_growing_percent=50', '--wasm-dynamic-tiering'], '11.3.244.8')).toEqual([]);
    expect(runtimeFlags(['--liftoff-only'], '11.3.244.8')).toEqual(['--heap-growing-percent=100']);
    expect(runtimeFlags(['--no-wasm_tier_up'], '11.3.244.8')).toEqual(['--heap-growing-percent=100']);
    expect(runtimeFlags(['--max-old-space-size=4096', '--enable-source-maps'], '11.3.244.8')).toHaveLength(3);
  });

  it('every flag it sets is one this Node knows (an unknown flag would print an error on every run)', () => {
    const known = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
    for (const flag of runtimeFlags([], '11.0')) {
      const name = flag.replace(/^--(no-)?/, '').replace(/=.*$/, '');
      expect(known).toContain(`--${name} `);
    }
    // And the command starts with them without a word on stderr.
    const bin = fileURLToPath(new URL('../bin/dovetail.js', import.meta.url));
    const r = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });
});
