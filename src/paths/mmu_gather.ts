// Table freeing through the mmu_gather. Mirrors mm/mmu_gather.c (tlb_remove_table,
// tlb_remove_table_one, tlb_table_flush, tlb_finish_mmu), include/asm-generic/tlb.h
// (pte_free_tlb) and arch/x86/mm/pgtable.c (___pte_free_tlb) (see docs/kernel-version.md).

import type { Cpu } from './world/cpu.js';
import { smp_call_function_wait } from './world/irq.js';
import type { PteTable } from './world/page-alloc.js';
import { RcuHead } from './world/rcu.js';
import type { Gen } from './world/step.js';
import { guarded } from './world/config.js';
import type { World } from './world/world.js';

/** struct mmu_gather, reduced to the table batch, the page list and the pending-flush flag. */
export class MmuGather {
  /** The RCU-freed table batch (struct mmu_table_batch), or null before the first table. */
  batch: PteTable[] | null = null;
  /** Tables freed like pages (tlb_remove_page) when RCU table freeing is not configured. */
  readonly pages: PteTable[] = [];
  /** Set by pte_free_tlb: the next TLB flush must also drop paging-structure caches. */
  freed_tables = false;
}

/** tlb_gather_mmu(): an empty gather on the caller's stack. */
export function tlb_gather_mmu(): MmuGather {
  return new MmuGather();
}

/**
 * tlb_flush_mmu_tlbonly(): the TLB flush. With `tlb_flush_ipi` it interrupts every other CPU and
 * waits (native x86 shootdown), which is what protected IRQs-off walkers before RCU table
 * freeing; otherwise the flush sends no interrupt and is not a shared step (TLBs are not modelled).
 */
export function* tlb_flush_mmu_tlbonly(w: World, cpu: Cpu, tlb: MmuGather): Gen {
  if (!tlb.freed_tables) return;
  if (w.config.tlb_flush_ipi) {
    const wait = guarded(w.config, 'ipi_wait');
    yield* smp_call_function_wait(cpu, w.cpus, w.stats, 'flush_tlb_mm_range', wait);
  }
  tlb.freed_tables = false;
}

/** __tlb_remove_table(): the table's page goes back to the allocator (pagetable_free). */
export function* __tlb_remove_table(w: World, cpu: Cpu, table: PteTable): Gen {
  yield* w.alloc.free_page(cpu, table.page, '__tlb_remove_table: pagetable_free');
}

/** tlb_remove_table_sync_one(): IPIs every CPU and waits; only IRQs-off walkers are waited for. */
export function* tlb_remove_table_sync_one(w: World, cpu: Cpu): Gen {
  const wait = guarded(w.config, 'ipi_wait');
  yield* smp_call_function_wait(cpu, w.cpus, w.stats, 'tlb_remove_table_sync_one', wait);
}

/**
 * tlb_remove_table_one(): the no-memory fallback for one table (GATHER-3). With CONFIG_PT_RECLAIM
 * the table is freed by call_rcu on its ptdesc's rcu_head; otherwise (semi-RCU) by an IPI and an
 * immediate free, which does not wait for rcu_read_lock() walkers.
 */
export function* tlb_remove_table_one(w: World, cpu: Cpu, table: PteTable): Gen {
  if (!guarded(w.config, 'rcu_table_free')) {
    yield* __tlb_remove_table(w, cpu, table);
    return;
  }
  if (w.config.pt_reclaim) {
    yield* w.rcu.call_rcu(
      cpu,
      table.page.pt_rcu_head,
      (gp) => __tlb_remove_table(w, gp, table),
      'tlb_remove_table_one: call_rcu(pt_rcu_head)',
    );
    return;
  }
  yield* tlb_remove_table_sync_one(w, cpu);
  yield* __tlb_remove_table(w, cpu, table);
}

/** tlb_remove_table(): adds the table to the RCU batch, or frees it alone if no batch page. */
export function* tlb_remove_table(w: World, cpu: Cpu, tlb: MmuGather, table: PteTable): Gen {
  table.life = 'queued';
  if (tlb.batch === null) {
    if (w.config.batch_alloc_fails) {
      yield* tlb_flush_mmu_tlbonly(w, cpu, tlb);
      yield* tlb_remove_table_one(w, cpu, table);
      return;
    }
    tlb.batch = [];
  }
  // MAX_TABLE_BATCH (509) is never reached by a scenario's handful of tables.
  tlb.batch.push(table);
}

/**
 * pte_free_tlb(): x86 ___pte_free_tlb hands the unlinked table to tlb_remove_table when
 * MMU_GATHER_RCU_TABLE_FREE is configured, else to tlb_remove_page (freed after the flush).
 */
export function* pte_free_tlb(w: World, cpu: Cpu, tlb: MmuGather, table: PteTable): Gen {
  tlb.freed_tables = true;
  if (w.config.mmu_gather_rcu_table_free) {
    yield* tlb_remove_table(w, cpu, tlb, table);
  } else {
    table.life = 'queued';
    tlb.pages.push(table);
  }
}

/** tlb_table_flush(): hands the batch to RCU (tlb_remove_table_free → call_rcu). */
export function* tlb_table_flush(w: World, cpu: Cpu, tlb: MmuGather): Gen {
  const batch = tlb.batch;
  if (batch === null) return;
  tlb.batch = null;
  yield* tlb_flush_mmu_tlbonly(w, cpu, tlb);
  if (!guarded(w.config, 'rcu_table_free')) {
    for (const t of batch) yield* __tlb_remove_table(w, cpu, t);
    return;
  }
  yield* w.rcu.call_rcu(
    cpu,
    // Named after its tables: two gathers' batches are two objects, and traces must tell them apart.
    new RcuHead(`mmu_table_batch(${batch.map((t) => t.name).join(',')})`),
    function* (gp) {
      for (const t of batch) yield* __tlb_remove_table(w, gp, t);
    },
    'tlb_remove_table_free: call_rcu(batch)',
  );
}

/** tlb_finish_mmu(): flushes the TLB, then frees the batched tables and pages. */
export function* tlb_finish_mmu(w: World, cpu: Cpu, tlb: MmuGather): Gen {
  yield* tlb_flush_mmu_tlbonly(w, cpu, tlb);
  yield* tlb_table_flush(w, cpu, tlb);
  for (const t of tlb.pages.splice(0)) {
    yield* w.alloc.free_page(cpu, t.page, 'tlb_batch_pages_flush: free table page');
  }
}
