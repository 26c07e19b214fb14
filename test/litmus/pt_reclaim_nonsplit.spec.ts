// PT_RECLAIM with non-split PTE locks: the PTE lock is the PMD lock (issue #6 §3).

import { describe, expect, it } from 'vitest';
import { runCheck, type ExecutionRecord } from '../../src/check/index.js';
import { checkScenario, getScenario, variantCombinations } from '../../src/paths/index.js';

const scenario = getScenario('pt_reclaim_nonsplit');
const FAST = 'try_get_and_clear_pmd: pmdp_get_lockless + pmd_clear';

/** Whether some execution unlinked the table by the fast path. */
function tookFastPath(v: Record<string, string>): boolean {
  let fast = false;
  runCheck(scenario.build(v), {
    onExecution: (e: ExecutionRecord) => {
      fast ||= e.trace.some((s) => s.label === FAST);
    },
  });
  return fast;
}

describe('pt_reclaim_nonsplit', () => {
  it.each(variantCombinations(scenario))('passes exhaustively: %o', (v) => {
    const { result, asExpected } = checkScenario(scenario, v);
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
  });

  it('takes the fast path with the 2026 fix, and never before it (the trylock of the held lock fails)', () => {
    expect(tookFastPath({ path: 'fast', zap_fix: 'fixed' })).toBe(true);
    expect(tookFastPath({ path: 'fast', zap_fix: 'before' })).toBe(false);
  });

  it('deadlocks when the slow path takes the PTE lock that is the PMD lock it holds', () => {
    const { result } = checkScenario(
      scenario,
      { path: 'slow', zap_fix: 'fixed' },
      {},
      { mutations: ['pt_reclaim_same_lock_check'] },
    );
    expect(result.verdict).toBe('fail');
    if (result.verdict === 'fail') expect(result.violation.kind).toBe('deadlock');
  });
});
