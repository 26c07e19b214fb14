// The run estimate (issue #6 §4): random probes and Knuth's estimator give the executions of an
// exhaustive DPOR run to within a small factor on built-in scenarios of different shapes.

import { describe, expect, it } from 'vitest';
import { estimateRun, runCheck, type Program } from '../../../src/check/index.js';
import { getScenario } from '../../../src/paths/index.js';

function build(name: string, values: Record<string, string>): Program {
  const s = getScenario(name);
  return s.build({
    ...Object.fromEntries(Object.entries(s.variants).map(([k, v]) => [k, v.default])),
    ...values,
  });
}

describe('estimateRun', () => {
  it.each([
    ['zap_race', { faulters: '2', walkers: '2' }],
    ['zap_race', { faulters: '2', walkers: '1' }],
    ['pte_ref_revive', { refcount: 'tryget' }],
    ['munmap_vs_gup_fast', {}],
  ] as const)('estimates %s %j within 6x of the exhaustive run', (name, values) => {
    const program = build(name, values);
    const est = estimateRun(program, { probes: 40, seed: 1 });
    const real = runCheck(program, {});
    expect(real.verdict).toBe('pass');
    const ratio = est.executions / real.stats.executions;
    expect(ratio).toBeGreaterThan(1 / 6);
    expect(ratio).toBeLessThan(6);
    expect(est.probes).toBe(40);
    expect(est.seconds).toBeUndefined();
  });

  it('is deterministic for a seed and gives a time with a clock', () => {
    const program = build('zap_race', { faulters: '2', walkers: '2' });
    const a = estimateRun(program, { seed: 3 });
    const b = estimateRun(program, { seed: 3, now: () => performance.now() });
    expect(b.executions).toBe(a.executions);
    expect(b.relativeError).toBe(a.relativeError);
    expect(b.seconds).toBeGreaterThan(0);
  });
});
