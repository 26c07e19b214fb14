// Kernel build and version choices the modelled paths branch on; scenario variants set them.

/**
 * Protocol guards of the path library that a mutation switch can remove (issue #6 §2): each names
 * one check, lock or wait the kernel relies on. A guard whose removal no scenario notices means a
 * scenario is missing. docs/check-scenarios.md lists which scenario catches each.
 */
export const MUTATIONS = {
  pte_offset_map_rcu: 'pte_offset_map takes no rcu_read_lock around the walk',
  pte_offset_map_lock_recheck: 'pte_offset_map_lock does not recheck pmd_same under the PTE lock',
  ipi_wait: 'an IPI broadcast with wait returns before IRQs-off CPUs took it',
  rcu_table_free: 'mmu_gather frees tables at once instead of after a grace period',
  rcu_gp_readers: 'a grace period ends without waiting for pre-existing readers',
  pt_reclaim_fast_pmd_lock: 'the PT_RECLAIM fast path clears the PMD without the PMD lock',
  pt_reclaim_slow_pmd_lock: 'the PT_RECLAIM slow path rescans and clears without the PMD lock',
  pt_reclaim_rescan: 'the PT_RECLAIM slow path frees without rescanning for non-none entries',
  retract_pte_lock: "khugepaged's retract_page_tables clears the PMD without the PTE lock",
  gup_fast_recheck: 'GUP-fast keeps its pin without re-checking the PMD and PTE',
  ppc_defer_rcu: 'powerpc pte_free_defer frees the page at once instead of by RCU',
  pmd_install_lock: 'pmd_install checks and populates the PMD without the PMD lock',
  vma_start_write: 'munmap detaches the VMA without write-locking it (per-VMA readers go on)',
  pt_reclaim_whole_range:
    'reclaim_pt_is_enabled accepts a zap of part of a table (a table shared with another VMA)',
  exit_mmap_write_lock:
    'exit_mmap frees the page tables without mmap_write_lock (an OOM reaper may still be zapping)',
  free_pgtables_unlink_first:
    'free_pgtables frees the tables before unlinking the VMA from its anon_vma and i_mmap',
  collapse_vma_start_write:
    'collapse_huge_page never write-locks the VMA (MADV_DONTNEED under the VMA read lock goes on)',
  mremap_pmd_recheck: 'move_normal_pmd moves the old PMD without re-reading it under the PMD lock',
  mremap_vma_start_write:
    'mremap moves entries without write-locking the source VMA and the new one it links',
  mremap_rmap_locks:
    'move_ptes skips the rmap locks even when the new VMA precedes the old in rmap order',
  gup_fast_write_protect_seq:
    "GUP-fast pins without checking fork's write_protect_seq (a pin can land after fork's check)",
  fork_vma_start_write:
    "dup_mmap copies the parent's tables without write-locking its VMAs (per-VMA faults go on)",
  pt_reclaim_same_lock_check:
    'the PT_RECLAIM slow path takes the PTE lock even when it is the PMD lock (non-split locks)',
} as const;

/** The name of a removable guard. */
export type Mutation = keyof typeof MUTATIONS;

/** Kernel behaviour switches; `resolveKernelConfig` holds the defaults (6.18 x86-64). */
export interface KernelConfig {
  /**
   * CONFIG_MMU_GATHER_RCU_TABLE_FREE: mmu_gather frees tables through tlb_remove_table (RCU
   * batch). Without it, x86 frees them like pages after the TLB flush. Default true (6.15+ x86).
   */
  readonly mmu_gather_rcu_table_free: boolean;
  /**
   * CONFIG_PT_RECLAIM: the single-table fallback (no batch page) frees by call_rcu instead of
   * IPI + immediate free (semi-RCU). Default true (6.14+ x86-64).
   */
  readonly pt_reclaim: boolean;
  /** The batch page allocation (GFP_NOWAIT) fails, forcing tlb_remove_table_one. Default false. */
  readonly batch_alloc_fails: boolean;
  /**
   * TLB flushes interrupt the other CPUs (native x86 shootdown IPIs) rather than broadcasting
   * without interrupts (AMD INVLPGB, paravirt remote-flush hypercalls). Default false.
   */
  readonly tlb_flush_ipi: boolean;
  /**
   * "mm: pgtable: fix incorrect reclaim of non-empty PTE pages" (6.14-rc, Feb 2025): the
   * try_get_and_clear_pmd fast path only when the PTE lock was never dropped. Default true.
   */
  readonly pt_reclaim_direct_fix: boolean;
  /** zap_pte_range drops the PTE lock (need_resched) after this many entries; 0 never. Default 0. */
  readonly zap_resched_after: number;
  /** The architecture whose pte_free_defer() is used: generic (x86) or powerpc fragments. */
  readonly arch: 'x86_64' | 'powerpc';
  /**
   * powerpc pte_free_defer() design (seed 002): `naive` (v1: every fragment call_rcu's the page's
   * one rcu_head), `hugh` (v2: bias 0x10000 and re-deferral), `jason` (pte_fragment_free always
   * RCU-frees the page), `merged` (6.6: RCU only for pages marked PG_active). Default `merged`.
   */
  readonly ppc_defer: 'naive' | 'hugh' | 'jason' | 'merged';
  /**
   * 2022 RFC pte_ref get (seed 000): `tryget` (percpu_ref_tryget: fails at zero) or `naive` (a
   * plain get that revives a table already at zero). Default `tryget`.
   */
  readonly pte_ref_get: 'tryget' | 'naive';
  /** The 2022 RFC's per-table reference count (pte_ref) is in use. Default false. */
  readonly pte_refcount: boolean;
  /**
   * USE_SPLIT_PTE_PTLOCKS: each PTE table has its own lock; false makes every table's PTE lock the
   * mm's PMD lock (page_table_lock), as on configurations with few CPUs. Default true.
   */
  readonly split_pte_ptlocks: boolean;
  /**
   * "mm/memory: handle non-split locks correctly in zap_empty_pte_table()" (2026): the fast path
   * does not trylock a PMD lock that is the PTE lock it already holds. Without it the trylock
   * fails and non-split configurations never take the fast path. Default true.
   */
  readonly zap_empty_nonsplit_fix: boolean;
  /** Guards removed (mutation testing of the path library). Default none. */
  readonly mutations: readonly Mutation[];
}

/** True unless mutation `m` removed this guard. */
export function guarded(config: KernelConfig, m: Mutation): boolean {
  return !config.mutations.includes(m);
}

/** Fills in the defaults of {@link KernelConfig}. */
export function resolveKernelConfig(o: Partial<KernelConfig> = {}): KernelConfig {
  return {
    mmu_gather_rcu_table_free: true,
    pt_reclaim: true,
    batch_alloc_fails: false,
    tlb_flush_ipi: false,
    pt_reclaim_direct_fix: true,
    zap_resched_after: 0,
    arch: 'x86_64',
    ppc_defer: 'merged',
    pte_ref_get: 'tryget',
    pte_refcount: false,
    split_pte_ptlocks: true,
    zap_empty_nonsplit_fix: true,
    mutations: [],
    ...o,
  } satisfies KernelConfig;
}
