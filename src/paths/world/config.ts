// Kernel build and version choices the modelled paths branch on; scenario variants set them.

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
    ...o,
  } satisfies KernelConfig;
}
