// fork's copy_pte_range against MADV_DONTNEED/PT_RECLAIM and a first-anon_vma fault under the
// per-VMA lock (issue #6 §3; fb49c455323f).

import { describe, expect, it } from 'vitest';
import { variantCombinations, getScenario } from '../../src/paths/index.js';
import {
  expectScenarioFails,
  expectScenarioPasses,
  someExecutionOrders,
} from './scenario-checks.js';

const NAME = 'fork_vs_pt_reclaim';
const failing = { other: 'fault', fork_lock: 'mmap_lock_only', anon_prepare: 'per_vma' };

describe(NAME, () => {
  it.each(
    variantCombinations(getScenario(NAME)).filter(
      (v) =>
        !(v.other === 'fault' && v.fork_lock === 'mmap_lock_only' && v.anon_prepare === 'per_vma'),
    ),
  )('passes exhaustively: %o', (v) => {
    expectScenarioPasses(NAME, v);
  });

  it('copies from a table PT_RECLAIM already unlinked when fork takes no VMA lock, and still passes', () => {
    // The race is reached: madvise clears the PMD after fork mapped the table, before its lock.
    const v = { other: 'madvise', fork_lock: 'mmap_lock_only', anon_prepare: 'mmap_lock' };
    expect(
      someExecutionOrders(
        NAME,
        v,
        'fork: pte_offset_map_rw_nolock: pmdp_get_lockless',
        'madvise: try_get_and_clear_pmd: pmdp_get_lockless + pmd_clear',
      ),
    ).toBe(true);
  });

  it('maps a folio in the child that rmap cannot find when the anon_vma appears during fork, and replays it', () => {
    const fail = expectScenarioFails(NAME, failing, 'lost-mapping', 'end');
    const labels = fail.trace.map((s) => `${s.threadName}: ${s.label}`);
    const cloned = labels.indexOf('fork: dup_mmap: anon_vma_fork');
    const prepared = labels.indexOf('fault: vmf_anon_prepare: vma->anon_vma');
    const needs = labels.indexOf('fork: copy_page_range: vma_needs_copy');
    expect(cloned).toBeLessThan(prepared);
    expect(prepared).toBeLessThan(needs);
  });
});
