// The mutation suite of the path library (issue #6 §2): every protocol guard in src/paths can be
// removed by a mutation switch (KernelConfig.mutations, an option, not a code edit), and for each
// one a built-in scenario variant that passes with the guard fails without it, naming the
// violation. A guard no scenario notices would mean a scenario is missing.

import { describe, expect, it } from 'vitest';
import type { CheckFail, ViolationKind } from '../../src/check/index.js';
import { MUTATIONS, checkScenario, getScenario, type Mutation } from '../../src/paths/index.js';

interface Catch {
  readonly mutation: Mutation;
  readonly scenario: string;
  readonly variants: Readonly<Record<string, string>>;
  readonly kind: ViolationKind;
  /** The thread whose step (or `end` for the final check) reports it. */
  readonly at: string;
}

/** guard → the scenario that catches its removal. */
export const CATCHES: readonly Catch[] = [
  {
    mutation: 'pte_offset_map_rcu',
    scenario: 'retract_vs_fault',
    variants: {},
    kind: 'use-after-free',
    at: 'inserter',
  },
  {
    mutation: 'pte_offset_map_lock_recheck',
    scenario: 'pt_reclaim_nonempty',
    variants: { fix: 'fixed' },
    kind: 'lost-mapping',
    at: 'fault',
  },
  {
    mutation: 'ipi_wait',
    scenario: 'munmap_vs_gup_fast',
    variants: { table_free: 'ipi', fault_lock: 'mmap_lock' },
    kind: 'use-after-free',
    at: 'gup_fast',
  },
  {
    mutation: 'rcu_table_free',
    scenario: 'pt_reclaim_nonempty',
    variants: { fix: 'fixed' },
    kind: 'use-after-free',
    at: 'fault',
  },
  {
    mutation: 'rcu_gp_readers',
    scenario: 'retract_vs_fault',
    variants: {},
    kind: 'use-after-free',
    at: 'inserter',
  },
  {
    mutation: 'pt_reclaim_fast_pmd_lock',
    scenario: 'pt_reclaim_two_freers',
    variants: { second: 'madvise', faults: '0' },
    kind: 'accounting',
    at: 'madvise_a',
  },
  {
    mutation: 'pt_reclaim_slow_pmd_lock',
    scenario: 'pt_reclaim_two_freers',
    variants: { second: 'madvise', faults: '0' },
    kind: 'accounting',
    at: 'madvise_a',
  },
  {
    mutation: 'pt_reclaim_rescan',
    scenario: 'pt_reclaim_nonempty',
    variants: { fix: 'fixed' },
    kind: 'lost-mapping',
    at: 'madvise',
  },
  {
    mutation: 'retract_pte_lock',
    scenario: 'retract_vs_fault',
    variants: {},
    kind: 'lost-mapping',
    at: 'end',
  },
  {
    mutation: 'ppc_defer_rcu',
    scenario: 'ppc_pte_free_defer',
    variants: { ppc_defer: 'merged' },
    kind: 'use-after-free',
    at: 'walker',
  },
  {
    mutation: 'pmd_install_lock',
    scenario: 'pte_alloc_race',
    variants: {},
    kind: 'leak',
    at: 'end',
  },
  {
    mutation: 'gup_fast_recheck',
    scenario: 'gup_fast_vs_collapse',
    variants: { gup: 'fixed', flush: 'no_ipi' },
    kind: 'lost-mapping',
    at: 'gup_fast',
  },
  {
    mutation: 'pt_reclaim_same_lock_check',
    scenario: 'pt_reclaim_nonsplit',
    variants: { path: 'slow', zap_fix: 'fixed' },
    kind: 'deadlock',
    at: 'end',
  },
  {
    mutation: 'vma_start_write',
    scenario: 'pt_reclaim_two_freers',
    variants: { second: 'munmap_per_vma', faults: '0' },
    kind: 'accounting',
    at: 'madvise_a',
  },
  {
    mutation: 'collapse_vma_start_write',
    scenario: 'collapse_vs_pt_reclaim',
    variants: { order: 'vma_lock_then_check', madvise_lock: 'per_vma' },
    kind: 'assertion',
    at: 'madvise',
  },
  {
    mutation: 'mremap_pmd_recheck',
    scenario: 'mremap_vs_retract',
    variants: { fix: 'recheck', retract: 'no_mmap_lock' },
    kind: 'assertion',
    at: 'mremap',
  },
  {
    mutation: 'fork_vma_start_write',
    scenario: 'fork_vs_pt_reclaim',
    variants: { other: 'fault', fork_lock: 'vma_start_write', anon_prepare: 'per_vma' },
    kind: 'lost-mapping',
    at: 'end',
  },
  {
    mutation: 'pt_reclaim_whole_range',
    scenario: 'two_vma_shared_table',
    variants: { fault_in: 'a' },
    kind: 'lost-mapping',
    at: 'madvise_b',
  },
  {
    mutation: 'exit_mmap_write_lock',
    scenario: 'exit_vs_walkers',
    variants: { walker: 'oom_reaper', table_free: 'page' },
    kind: 'use-after-free',
    at: 'oom_reaper',
  },
  {
    mutation: 'free_pgtables_unlink_first',
    scenario: 'exit_vs_walkers',
    variants: { walker: 'retract', table_free: 'rcu' },
    kind: 'accounting',
    at: 'khugepaged',
  },
  {
    mutation: 'mremap_vma_start_write',
    scenario: 'mremap_move_ptes',
    variants: { other: 'madvise_new' },
    kind: 'lost-mapping',
    at: 'mremap',
  },
  {
    mutation: 'mremap_rmap_locks',
    scenario: 'mremap_move_ptes',
    variants: { other: 'rmap_before' },
    kind: 'lost-mapping',
    at: 'end',
  },
  {
    mutation: 'gup_fast_write_protect_seq',
    scenario: 'fork_vs_gup_fast',
    variants: { gup: 'write_protect_seq' },
    kind: 'lost-mapping',
    at: 'gup_fast',
  },
];

describe('mutation suite', () => {
  it.each(CATCHES)('$scenario catches the removal of $mutation', (c) => {
    const scenario = getScenario(c.scenario);
    const intact = checkScenario(scenario, c.variants);
    expect(intact.result.verdict).toBe('pass');
    const { result } = checkScenario(scenario, c.variants, {}, { mutations: [c.mutation] });
    expect(result.verdict).toBe('fail');
    const fail = result as CheckFail;
    expect(fail.violation.kind).toBe(c.kind);
    const at = fail.failedStep === null ? 'end' : fail.trace[fail.failedStep].threadName;
    expect(at).toBe(c.at);
  });

  it('has a catching scenario for every guard', () => {
    const caught = new Set(CATCHES.map((c) => c.mutation));
    const missing = Object.keys(MUTATIONS).filter((m) => !caught.has(m as Mutation));
    expect(missing).toEqual([]);
  });
});
