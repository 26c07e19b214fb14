// The slice of an mm_struct the scenarios need: mmap_lock, one PMD table (its split PMD lock and a
// few PMD slots), the PTE-table count and the VMAs covering the slots. Mirrors the fields of
// include/linux/mm_types.h that the modelled paths touch (see docs/kernel-version.md).

import { violate } from '../../check/program.js';
import type { Cpu } from './cpu.js';
import { RwSemaphore } from './rwsem.js';
import { Shared } from './shared.js';
import { SpinLock } from './spinlock.js';
import { memo, numbered } from './step.js';

const vmaNames = memo((name) => ({ vm_lock: `vm_lock(${name})`, detached: `${name}.detached` }));
const mmNames = memo((prefix) => ({
  mmap_lock: `${prefix}mmap_lock`,
  pml: `${prefix}pml`,
  nr_ptes: `${prefix}nr_ptes`,
  pmd: `${prefix}pmd`,
  slot: memo((i) => `${prefix}pmd[${i}]`),
  vma: `${prefix}vma`,
  vmaN: memo((i) => `${prefix}vma${i}`),
}));

/** One PMD entry: 0 is pmd_none, otherwise the id of the PTE table it points to. */
export class PmdSlot {
  private readonly entry: Shared<number>;

  /** @param obj how traces name it: `pmd` for a lone slot, `pmd[1]` otherwise. */
  constructor(
    readonly obj: string,
    readonly index: number,
  ) {
    this.entry = new Shared(obj, 0);
  }

  /** The entry (a read of the slot); setting it writes the slot. */
  get val(): number {
    return this.entry.get();
  }

  set val(v: number) {
    this.entry.set(v);
  }

  /** The entry without an access: setup, final checks and state dumps only. */
  peek(): number {
    return this.entry.peek();
  }

  /** Sets the entry before the threads start. */
  init(v: number): void {
    this.entry.init(v);
  }
}

/** struct vm_area_struct, reduced to its lock, the PMD slots it covers and whether it is detached. */
export class VmAreaStruct {
  /** The per-VMA lock (vm_lock / vm_refcnt), taken for read by lock_vma_under_rcu(). */
  readonly vm_lock: RwSemaphore;
  private readonly state: Shared<boolean>;

  /**
   * @param name how traces name it, e.g. `vma` or `vma1`.
   * @param slots the PMD slots the VMA covers (its page tables).
   */
  constructor(
    readonly name: string,
    readonly slots: readonly PmdSlot[],
  ) {
    const names = vmaNames(name);
    this.vm_lock = new RwSemaphore(names.vm_lock);
    this.state = new Shared(names.detached, false);
  }

  /** Set by munmap (vma_mark_detached): the VMA is no longer in the tree. */
  get detached(): boolean {
    return this.state.get();
  }

  set detached(v: boolean) {
    this.state.set(v);
  }

  /** Marks the VMA detached before the threads start (a VMA a path will create and link). */
  initDetached(): void {
    this.state.init(true);
  }
}

/** struct mm_struct, reduced to what the modelled paths touch. */
export class MmStruct {
  readonly mmap_lock: RwSemaphore;
  /** The split PMD lock of the one PMD table modelled (pmd_lockptr for every slot). */
  readonly pml: SpinLock;
  /** PTE tables linked into this mm (mm_inc_nr_ptes / mm_dec_nr_ptes), in tables. */
  private readonly ptes: Shared<number>;
  readonly pmds: PmdSlot[];
  /** The VMAs, in address order; each covers a run of slots. */
  readonly vmas: VmAreaStruct[];

  /**
   * @param vma_slots how many slots each VMA covers (default: one VMA over all).
   * @param prefix prepended to every object name, so a second mm (a fork child) traces apart.
   */
  constructor(nr_pmds: number, vma_slots: readonly number[] = [nr_pmds], prefix = '') {
    const names = mmNames(prefix);
    this.mmap_lock = new RwSemaphore(names.mmap_lock);
    this.pml = new SpinLock(names.pml);
    this.ptes = new Shared(names.nr_ptes, 0);
    // Plain loops and shared names: an mm is built for every execution of a scenario.
    this.pmds = [];
    for (let i = 0; i < nr_pmds; i++) {
      this.pmds.push(new PmdSlot(nr_pmds === 1 ? names.pmd : names.slot(numbered('', i)), i));
    }
    this.vmas = [];
    let first = 0;
    for (let i = 0; i < vma_slots.length; i++) {
      const vname = vma_slots.length === 1 ? names.vma : names.vmaN(numbered('', i));
      this.vmas.push(new VmAreaStruct(vname, this.pmds.slice(first, first + vma_slots[i])));
      first += vma_slots[i];
    }
  }

  /** The first VMA (the only one in single-VMA scenarios). */
  get vma(): VmAreaStruct {
    return this.vmas[0];
  }

  /** The VMA covering `pmd` (find_vma on its address). */
  vmaOf(pmd: PmdSlot): VmAreaStruct {
    const v = this.vmas.find((x) => x.slots.includes(pmd));
    return v ?? this.vmas[0];
  }

  /** The PTE-table count (a read). */
  get nr_ptes(): number {
    return this.ptes.get();
  }

  set nr_ptes(n: number) {
    this.ptes.set(n);
  }

  /** The count without an access: setup and final checks only. */
  peekNrPtes(): number {
    return this.ptes.peek();
  }

  /** Sets the count before the threads start. */
  initNrPtes(n: number): void {
    this.ptes.init(n);
  }
}

/** mm_inc_nr_ptes(): counted when a table is linked. */
export function mm_inc_nr_ptes(mm: MmStruct): void {
  mm.nr_ptes++;
}

/** mm_dec_nr_ptes(): counted when a table is unlinked; going negative is an accounting bug. */
export function mm_dec_nr_ptes(mm: MmStruct, cpu: Cpu, label: string): void {
  mm.nr_ptes--;
  if (mm.nr_ptes < 0) violate('accounting', `${cpu.name}: ${label}: nr_ptes went negative`);
}
