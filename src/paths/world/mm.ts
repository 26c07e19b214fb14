// The slice of an mm_struct the scenarios need: mmap_lock, one PMD table (its split PMD lock and a
// few PMD slots), the PTE-table count and the VMA covering the slots. Mirrors the fields of
// include/linux/mm_types.h that the modelled paths touch (see docs/kernel-version.md).

import { violate } from '../../check/program.js';
import type { Cpu } from './cpu.js';
import { RwSemaphore } from './rwsem.js';
import { SpinLock } from './spinlock.js';

/** One PMD entry: 0 is pmd_none, otherwise the id of the PTE table it points to. */
export class PmdSlot {
  val = 0;

  /** @param obj how traces name it: `pmd` for a lone slot, `pmd[1]` otherwise. */
  constructor(
    readonly obj: string,
    readonly index: number,
  ) {}
}

/** struct vm_area_struct, reduced to its lock and whether munmap detached it. */
export class VmAreaStruct {
  /** The per-VMA lock (vm_lock / vm_refcnt), taken for read by lock_vma_under_rcu(). */
  readonly vm_lock = new RwSemaphore('vma_lock');
  detached = false;
}

/** struct mm_struct, reduced to what the modelled paths touch. */
export class MmStruct {
  readonly mmap_lock = new RwSemaphore('mmap_lock');
  /** The split PMD lock of the one PMD table modelled (pmd_lockptr for every slot). */
  readonly pml = new SpinLock('pml');
  /** PTE tables linked into this mm (mm_inc_nr_ptes / mm_dec_nr_ptes), in tables. */
  nr_ptes = 0;
  readonly pmds: PmdSlot[];
  readonly vma = new VmAreaStruct();

  constructor(nr_pmds: number) {
    this.pmds = Array.from(
      { length: nr_pmds },
      (_, i) => new PmdSlot(nr_pmds === 1 ? 'pmd' : `pmd[${i}]`, i),
    );
  }
}

/** mm_inc_nr_ptes(): counted when a table is linked (an atomic add, commutes: not a step). */
export function mm_inc_nr_ptes(mm: MmStruct): void {
  mm.nr_ptes++;
}

/** mm_dec_nr_ptes(): counted when a table is unlinked; going negative is an accounting bug. */
export function mm_dec_nr_ptes(mm: MmStruct, cpu: Cpu, label: string): void {
  mm.nr_ptes--;
  if (mm.nr_ptes < 0) violate('accounting', `${cpu.name}: ${label}: nr_ptes went negative`);
}
