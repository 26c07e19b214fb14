// MADV_DONTNEED with PT_RECLAIM on one PMD slot. Mirrors mm/madvise.c
// (madvise_dontneed_single_vma) (see docs/kernel-version.md).

import { zap_pte_range, type ZapRange } from './memory.js';
import { tlb_finish_mmu, tlb_gather_mmu } from './mmu_gather.js';
import type { Cpu } from './world/cpu.js';
import type { PmdSlot, VmAreaStruct } from './world/mm.js';
import { lock_vma_under_rcu } from './fault.js';
import { step, type Gen } from './world/step.js';
import type { World } from './world/world.js';

/** Options of {@link madvise_dontneed_single_vma}. */
export interface MadviseOptions {
  /** Take mmap_lock for read around the zap (since 6.17 a per-VMA read lock may be used). Default true. */
  readonly mmap_lock?: boolean;
  /**
   * Take the per-VMA read lock (lock_vma_under_rcu) instead of mmap_lock, as MADV_DONTNEED may
   * since 6.17 ("mm: use per_vma lock for MADV_DONTNEED"). Default false.
   */
  readonly per_vma_lock?: boolean;
  /** Overrides `zap_resched_after` of the config for this call (need_resched mid-slot). */
  readonly zap_resched_after?: number;
  /** The VMA advised. Default: the VMA covering `pmd`. */
  readonly vma?: VmAreaStruct;
  /** The entries of the table inside the advised range. Default: the whole table. */
  readonly range?: ZapRange;
}

/** madvise_dontneed_single_vma(): zaps the whole slot with reclaim_pt set (RECL-2). */
export function* madvise_dontneed_single_vma(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  o: MadviseOptions = {},
): Gen {
  const vma = o.vma ?? w.mm.vmaOf(pmd);
  const details = {
    reclaim_pt: true,
    ...(o.zap_resched_after !== undefined ? { resched_after: o.zap_resched_after } : {}),
  };
  if (o.per_vma_lock ?? false) {
    // lock_vma_under_rcu fails on a detached or write-locked VMA: the kernel falls back to
    // mmap_lock, where find_vma no longer finds it (-ENOMEM).
    if (!(yield* lock_vma_under_rcu(w, cpu, vma))) return;
    const tlb = tlb_gather_mmu();
    yield* zap_pte_range(w, cpu, tlb, pmd, details, o.range);
    yield* tlb_finish_mmu(w, cpu, tlb);
    yield* vma.vm_lock.up_read(cpu, 'madvise: vma_end_read');
    return;
  }
  const lock = o.mmap_lock ?? true;
  if (lock) {
    yield* w.mm.mmap_lock.down_read(cpu, 'do_madvise: mmap_read_lock');
    yield step('madvise_walk_vmas: find_vma');
    if (vma.detached) {
      yield* w.mm.mmap_lock.up_read(cpu, 'do_madvise: mmap_read_unlock (-ENOMEM)');
      return;
    }
  }
  const tlb = tlb_gather_mmu();
  yield* zap_pte_range(w, cpu, tlb, pmd, details, o.range);
  yield* tlb_finish_mmu(w, cpu, tlb);
  if (lock) yield* w.mm.mmap_lock.up_read(cpu, 'do_madvise: mmap_read_unlock');
}
