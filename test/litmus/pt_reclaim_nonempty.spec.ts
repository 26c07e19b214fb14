// The 6.14-rc PT_RECLAIM bug that freed a refilled table (issue #2 §2; WALK-7.4, RECL-4).

import { describe, expect, it } from 'vitest';
import { expectScenarioFails, expectScenarioPasses } from './scenario-checks.js';

describe('pt_reclaim_nonempty', () => {
  it('passes exhaustively with the fix: a dropped lock forces the rescanning slow path', () => {
    expectScenarioPasses('pt_reclaim_nonempty', { fix: 'fixed' });
  });

  it('finds the fast path unlinking a refilled table before the fix, and replays it', () => {
    const fail = expectScenarioFails(
      'pt_reclaim_nonempty',
      { fix: 'buggy' },
      'lost-mapping',
      'madvise',
    );
    expect(fail.trace[fail.failedStep ?? -1].label).toContain('try_get_and_clear_pmd');
    const labels = fail.trace.map((t) => `${t.threadName}: ${t.label}`);
    const resched = labels.indexOf('madvise: zap_pte_range: cond_resched: pte_unmap_unlock');
    const refill = labels.indexOf('fault: do_anonymous_page: set_pte_at');
    expect(resched).toBeGreaterThanOrEqual(0);
    expect(refill).toBeGreaterThan(resched);
  });
});
