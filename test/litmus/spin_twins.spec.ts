// The Promela twins in bench/spin (issue #6 §4) give Spin's verdict on the same protocol as a
// built-in scenario: checked here for pt_reclaim_nonempty, fixed and buggy, against ptlab's own
// verdict (bench/spin-twins.mjs also times pt_reclaim_vs_walkers). Needs Debian's `spin` and a C
// compiler (.ci/run installs spin); skips and says which is missing otherwise.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/index.js';
import { getScenario } from '../../src/paths/index.js';
import { hasCommand } from '../helpers/host.js';

const TWINS = fileURLToPath(new URL('../../bench/spin/', import.meta.url));
const missing = ['spin', 'cc'].filter((c) => !hasCommand(c));

/** Spin's verdict: spin -a, cc, ./pan in a temporary folder; the assertion that failed, if any. */
function spinVerdict(model: string, define: string): { verdict: string; assertion?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ptlab-spin-'));
  try {
    for (const f of readdirSync(TWINS))
      if (f.endsWith('.pml')) copyFileSync(join(TWINS, f), join(dir, f));
    const run = (cmd: string, args: string[]): string => {
      const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8' });
      if (r.status !== 0 && cmd !== './pan')
        throw new Error(`${cmd} failed: ${r.stdout}${r.stderr}`);
      return r.stdout;
    };
    run('spin', ['-a', `-D${define}`, model]);
    // -O0: the models are small, and an optimising compile of pan.c costs seconds more.
    run('cc', ['-O0', '-w', '-DSAFETY', '-o', 'pan', 'pan.c']);
    const out = run('./pan', []);
    const errors = /errors: (\d+)/.exec(out)?.[1];
    expect(errors).toBeDefined();
    const assertion = /assertion violated (.*)/.exec(out)?.[1];
    return { verdict: errors === '0' ? 'pass' : 'fail', ...(assertion ? { assertion } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(missing.length > 0)(
  `Spin twins (${missing.length > 0 ? `skipped: ${missing.join(', ')} not installed` : 'spin 6.5.2'})`,
  () => {
    it.each([
      ['FIX=1', 'fixed', 'pass'],
      ['FIX=0', 'buggy', 'fail'],
    ])(
      'pt_reclaim_nonempty.pml -D%s agrees with ptlab on fix=%s (%s)',
      (define, fix, verdict) => {
        const spin = spinVerdict('pt_reclaim_nonempty.pml', define);
        const s = getScenario('pt_reclaim_nonempty');
        const ours = runCheck(s.build({ fix }), {});
        expect(spin.verdict).toBe(verdict);
        expect(ours.verdict).toBe(verdict);
        if (verdict === 'fail') {
          // The same finding: the fast path unlinks a table whose entry 0 was refilled.
          expect(spin.assertion).toMatch(/pte\[/);
          expect(ours.verdict === 'fail' && ours.violation.kind).toBe('lost-mapping');
        }
      },
      120_000,
    );
  },
);
