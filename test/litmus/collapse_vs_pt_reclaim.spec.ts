// khugepaged's collapse against MADV_DONTNEED with PT_RECLAIM under the per-VMA lock (issue #6 §3):
// vma_start_write must come before check_pmd_still_valid (20250805035447.7958-1-21cnbao@gmail.com).

import { describe, expect, it } from 'vitest';
import { endStates, expectScenarioFails, expectScenarioPasses } from './scenario-checks.js';

const NAME = 'collapse_vs_pt_reclaim';

describe('collapse_vs_pt_reclaim', () => {
  it.each([
    { order: 'vma_lock_then_check', madvise_lock: 'per_vma' },
    { order: 'vma_lock_then_check', madvise_lock: 'mmap_lock' },
    { order: 'check_then_vma_lock', madvise_lock: 'mmap_lock' },
  ])('passes exhaustively with order=$order, madvise_lock=$madvise_lock', (v) => {
    expectScenarioPasses(NAME, v);
  });

  it('populates the PMD from a none _pmd when MADV_DONTNEED frees the table after the check', () => {
    const fail = expectScenarioFails(
      NAME,
      { order: 'check_then_vma_lock', madvise_lock: 'per_vma' },
      'assertion',
      'khugepaged',
    );
    expect(fail.violation.message).toMatch(/pmdp_collapse_flush found pmd none/);
    const labels = fail.trace.map((s) => `${s.threadName}: ${s.label}`);
    // The order that makes it: the check, madvise's whole zap and free, then vma_start_write.
    const check = labels.indexOf('khugepaged: check_pmd_still_valid');
    const freed = labels.findIndex(
      (l) =>
        l.startsWith('madvise: try_get_and_clear_pmd') ||
        l.startsWith('madvise: try_to_free_pte: pmd_clear'),
    );
    const locked = labels.indexOf('khugepaged: collapse_huge_page: vma_start_write');
    expect(check).toBeGreaterThanOrEqual(0);
    expect(freed).toBeGreaterThan(check);
    expect(locked).toBeGreaterThan(freed);
  });

  it('reaches both endings of the fixed order: collapsed, or the check finds the PMD none', () => {
    expect(endStates(NAME, { order: 'vma_lock_then_check', madvise_lock: 'per_vma' })).toEqual([
      'pmd = THP folio10 (deposited tbl1)',
      'pmd = none',
    ]);
  });
});
