// Counters a scenario reports as its cost (grace periods, callbacks, IPIs), so that freeing
// designs can be compared on more than their verdict.

/** Cost counters of one execution; every field starts at zero. */
export interface KernelStats {
  /** Grace periods the RCU machinery ran (only ones that had callbacks waiting). */
  grace_periods: number;
  /** RCU callbacks invoked. */
  rcu_callbacks: number;
  /** IPI broadcasts that waited for every other CPU (tlb_remove_table_sync_one, flush IPIs). */
  ipi_broadcasts: number;
  /** Page-table pages handed back to the page allocator. */
  pages_freed: number;
}

/** Fresh, zeroed counters. */
export function newKernelStats(): KernelStats {
  return { grace_periods: 0, rcu_callbacks: 0, ipi_broadcasts: 0, pages_freed: 0 };
}
