// The CLI's start-up machinery (docs/cli.md#start-up): the built bundle comes with a V8 code
// cache that this Node accepts, and the entry point runs commands through it.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureBuilt, ptlab } from '../helpers/cli.js';

describe('the bundled CLI', () => {
  it('ships one bundle with a code cache that V8 accepts, and runs commands from it', () => {
    ensureBuilt();
    const dir = join(REPO_ROOT, 'dist/cli');
    const bundles = readdirSync(dir).filter((f) => /^ptlab-\w+\.cjs$/.test(f));
    expect(bundles).toHaveLength(1);
    const base = join(dir, bundles[0].slice(0, -4));
    expect(readdirSync(dir)).toContain(`${bundles[0].slice(0, -4)}.cache`);
    // A fresh Node process, as the CLI runs: with the same flags V8 must use the cache.
    const probe = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { loadBundle } from ${JSON.stringify(join(dir, 'code-cache.js'))};
         const b = loadBundle(${JSON.stringify(`${base}.cjs`)}, ${JSON.stringify(`${base}.cache`)});
         console.log(JSON.stringify({ cacheUsed: b.cacheUsed, run: typeof b.exports.run }));`,
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(probe.stdout)).toEqual({ cacheUsed: true, run: 'function' });
    const r = ptlab(['check', 'zap_race', '--variant', 'fix=buggy', '--no-shrink']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {5}zap_race/);
    expect(r.stderr).toBe('');
  });
});
