// Public API of the kernel world (src/paths): primitives, kernel paths and checker scenarios, for
// the CLI and for users' own scenario modules (issue #2 §4).

export type { Gen } from './world/step.js';
export { step } from './world/step.js';
export { Cpu } from './world/cpu.js';
export { SpinLock, type AccessCheck } from './world/spinlock.js';
export { RwSemaphore } from './world/rwsem.js';
export { Atomic } from './world/atomic.js';
export { Rcu, RcuHead, type RcuCallback } from './world/rcu.js';
export { local_irq_disable, local_irq_enable, smp_call_function_wait } from './world/irq.js';
export {
  PageAllocator,
  PtDesc,
  PteTable,
  type PageState,
  type TableLife,
} from './world/page-alloc.js';
export { MmStruct, PmdSlot, VmAreaStruct, mm_dec_nr_ptes, mm_inc_nr_ptes } from './world/mm.js';
export {
  MUTATIONS,
  guarded,
  resolveKernelConfig,
  type KernelConfig,
  type Mutation,
} from './world/config.js';
export { Shared } from './world/shared.js';
export { newKernelStats, type KernelStats } from './world/stats.js';
export {
  World,
  type KernelProgramInstance,
  type ThreadFn,
  type WorldOptions,
} from './world/world.js';

export {
  __pte_offset_map,
  pmd_clear,
  pmd_populate,
  pmdp_get_lockless,
  pte_offset_map,
  pte_offset_map_lock,
  pte_offset_map_rw_nolock,
  pte_unmap,
  pte_unmap_unlock,
  ptep_get,
  ptep_get_and_clear,
  set_pte_at,
  type Mapped,
} from './pgtable.js';
export {
  __pte_alloc,
  do_anonymous_page,
  free_pte_range,
  pmd_install,
  pte_alloc,
  zap_pte_range,
  type FaultResult,
  type ZapDetails,
} from './memory.js';
export { free_pte, try_get_and_clear_pmd, try_to_free_pte } from './pt_reclaim.js';
export {
  MmuGather,
  __tlb_remove_table,
  pte_free_tlb,
  tlb_finish_mmu,
  tlb_flush_mmu_tlbonly,
  tlb_gather_mmu,
  tlb_remove_table,
  tlb_remove_table_one,
  tlb_remove_table_sync_one,
  tlb_table_flush,
} from './mmu_gather.js';
export {
  gup_fast,
  pin_user_pages_fast,
  unpin_user_page,
  write_through_pin,
  type GupOptions,
  type GupPin,
  type GupResult,
} from './gup.js';
export { Folio } from './world/folio.js';
export { pteOffsetMapReader } from './pte-walker.js';
export { madvise_dontneed_single_vma, type MadviseOptions } from './madvise.js';
export { do_user_addr_fault, lock_vma_under_rcu, type FaultOptions } from './fault.js';
export { do_vmi_munmap } from './mmap.js';
export {
  collapse_huge_page,
  pte_free_defer,
  retract_page_tables,
  type CollapseResult,
  type RetractOptions,
} from './khugepaged.js';
export { move_page_tables_pmd, type MovePmdOptions } from './mremap.js';
export {
  PTE_FREE_DEFERRED,
  PteFragCache,
  pte_frag_destroy,
  pte_fragment_alloc,
  pte_fragment_alloc_cached,
  pte_fragment_free,
  pte_free_defer_ppc,
  type PteFrag,
} from './pgtable-frag.js';
export {
  do_anonymous_page_pte_ref,
  madvise_dontneed_pte_ref,
  pte_put,
  pte_ref_walker,
  pte_tryget,
  track_pte_set,
  try_to_free_user_pte,
} from './pte_ref.js';
export { measureCost, type CostReport, type MetricSpread } from './cost.js';

export {
  defineScenario,
  programName,
  type BuildOptions,
  type ExpectedVerdict,
  type Scenario,
  type VariantSpec,
  type VariantValues,
} from './scenarios/scenario.js';
export {
  getScenario,
  listScenarios,
  resolveVariants,
  variantCombinations,
} from './scenarios/index.js';
export { checkScenario, meetsExpectation, type ScenarioCheck } from './scenarios/check.js';
export {
  worldProgram,
  type ScenarioSetup,
  type ScenarioWorldOptions,
} from './scenarios/world-program.js';
export { scenarioFromModule } from './scenarios/user.js';
