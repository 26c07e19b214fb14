// MADV_DONTNEED with PT_RECLAIM on one PMD slot. Mirrors mm/madvise.c
// (madvise_dontneed_single_vma) (see docs/kernel-version.md).

import { zap_pte_range } from './memory.js';
import { tlb_finish_mmu, tlb_gather_mmu } from './mmu_gather.js';
import type { Cpu } from './world/cpu.js';
import type { PmdSlot } from './world/mm.js';
import type { Gen } from './world/step.js';
import type { World } from './world/world.js';

/** Options of {@link madvise_dontneed_single_vma}. */
export interface MadviseOptions {
  /** Take mmap_lock for read around the zap (since 6.17 a per-VMA read lock may be used). Default true. */
  readonly mmap_lock?: boolean;
}

/** madvise_dontneed_single_vma(): zaps the whole slot with reclaim_pt set (RECL-2). */
export function* madvise_dontneed_single_vma(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  o: MadviseOptions = {},
): Gen {
  const lock = o.mmap_lock ?? true;
  if (lock) yield* w.mm.mmap_lock.down_read(cpu, 'do_madvise: mmap_read_lock');
  const tlb = tlb_gather_mmu();
  yield* zap_pte_range(w, cpu, tlb, pmd, { reclaim_pt: true });
  yield* tlb_finish_mmu(w, cpu, tlb);
  if (lock) yield* w.mm.mmap_lock.up_read(cpu, 'do_madvise: mmap_read_unlock');
}
