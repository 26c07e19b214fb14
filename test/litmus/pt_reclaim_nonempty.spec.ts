// The 6.14-rc PT_RECLAIM bug that freed a refilled table (issue #2 §2; WALK-7.4, RECL-4).

import { describe, expect, it } from 'vitest';
import { runCheck, type CheckFail } from '../../src/check/index.js';
import { checkScenario, getScenario } from '../../src/paths/index.js';

const scenario = getScenario('pt_reclaim_nonempty');

describe('pt_reclaim_nonempty', () => {
  it('passes exhaustively with the fix: a dropped lock forces the rescanning slow path', () => {
    const { result, asExpected } = checkScenario(scenario, { fix: 'fixed' });
    expect(result.verdict).toBe('pass');
    expect(asExpected).toBe(true);
  });

  it('finds the fast path unlinking a refilled table before the fix, and replays it', () => {
    const { program, result, asExpected } = checkScenario(scenario, { fix: 'buggy' });
    expect(asExpected).toBe(true);
    const fail = result as CheckFail;
    expect(fail.violation.kind).toBe('lost-mapping');
    expect(fail.trace[fail.failedStep ?? -1].label).toContain('try_get_and_clear_pmd');
    const labels = fail.trace.map((t) => `${t.threadName}: ${t.label}`);
    const resched = labels.indexOf('madvise: zap_pte_range: cond_resched: pte_unmap_unlock');
    const refill = labels.indexOf('fault: do_anonymous_page: set_pte_at');
    expect(resched).toBeGreaterThanOrEqual(0);
    expect(refill).toBeGreaterThan(resched);
    const again = runCheck(program, { schedule: fail.schedule }) as CheckFail;
    expect(again.violation).toEqual(fail.violation);
  });
});
