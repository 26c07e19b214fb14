// fork's copy of a parent's page tables into the child: dup_mmap write-locks the parent's mmap_lock
// (and, since fb49c455323f, each VMA), clones the anon_vma chain, and copy_page_range copies every
// present PTE into a table of the child. Mirrors kernel/fork.c / mm/mmap.c (dup_mmap) and
// mm/memory.c (copy_page_range, copy_pmd_range, copy_pte_range, copy_present_ptes) (see
// docs/kernel-version.md).

import { pmd_populate, pmdp_get_lockless, pte_offset_map_rw_nolock, pte_unmap } from './pgtable.js';
import { ptep_get, set_pte_at } from './pgtable.js';
import { guarded } from './world/config.js';
import type { Cpu } from './world/cpu.js';
import { mm_inc_nr_ptes, type MmStruct, type PmdSlot } from './world/mm.js';
import type { Shared } from './world/shared.js';
import { step, type Gen } from './world/step.js';
import type { World } from './world/world.js';

/** The anon_vma state fork reads and writes: the parent VMA's pointer and the child's chain. */
export interface ForkAnonVma {
  /** vma->anon_vma of the parent VMA is set (anon_vma_prepare ran). */
  readonly parent: Shared<boolean>;
  /** The child VMA is chained to the parent's anon_vma (anon_vma_fork cloned it). */
  readonly child_chained: Shared<boolean>;
}

/**
 * What fork's copy of a private anonymous mapping needs when the world models folios (COW): the
 * mm's write_protect_seq, each source entry's write bit and each folio's PageAnonExclusive.
 */
export interface ForkCow {
  readonly write_protect_seq: Shared<number>;
  /** The write bit of source entry `i`. */
  readonly pte_write: readonly Shared<boolean>[];
  /** PageAnonExclusive by folio number. */
  readonly anon_exclusive: ReadonlyMap<number, Shared<boolean>>;
  /** The folio number copy_present_page gives the child's copy of a pinned folio. */
  readonly copy_folio: number;
}

/** Options of {@link dup_mmap}. */
export interface DupMmapOptions {
  /**
   * vma_start_write on the parent VMA before copying ("fork: lock VMAs of the parent process when
   * forking", fb49c455323f, 6.5). Default true; false is 6.4 (mmap_write_lock only).
   */
  readonly vma_start_write?: boolean;
  readonly anon_vma: ForkAnonVma;
  /** COW state when the world models folios; omitted, PTE values are copied as bare numbers. */
  readonly cow?: ForkCow;
}

/**
 * dup_mmap() of the parent's one VMA into `child`: under the parent's mmap_write_lock (and the
 * VMA write lock), anon_vma_fork chains the child to the parent's anon_vma if it has one, then
 * copy_page_range copies the tables when vma_needs_copy (an anon_vma exists now).
 * Differs from kernel: the child's own mmap_lock, the COW write-protection of the parent's PTEs,
 * folio references and the TLB flush are not modelled (no competitor depends on them).
 */
export function* dup_mmap(w: World, cpu: Cpu, child: MmStruct, o: DupMmapOptions): Gen {
  const mm = w.mm;
  const vma = mm.vma;
  yield* mm.mmap_lock.down_write(cpu, 'dup_mmap: mmap_write_lock_killable(oldmm)');
  const locked = (o.vma_start_write ?? true) && guarded(w.config, 'fork_vma_start_write');
  if (locked) yield* vma.vm_lock.down_write(cpu, 'dup_mmap: vma_start_write_killable(mpnt)');
  yield step('dup_mmap: anon_vma_fork');
  if (o.anon_vma.parent.get()) o.anon_vma.child_chained.set(true);
  // vma_needs_copy() reads vma->anon_vma again: an anon_vma that appeared since anon_vma_fork
  // makes the tables be copied to a child that is not on its chain.
  yield step('copy_page_range: vma_needs_copy');
  if (o.anon_vma.parent.get()) {
    const cow = o.cow;
    // copy_page_range() of a COW mapping: GUP-fast FOLL_PIN walks see the odd count and retry.
    if (cow) yield step('copy_page_range: raw_write_seqcount_begin(write_protect_seq)');
    if (cow) cow.write_protect_seq.set(cow.write_protect_seq.get() + 1);
    for (let i = 0; i < mm.pmds.length; i++) {
      yield* copy_pte_range(w, cpu, child, mm.pmds[i], child.pmds[i], cow);
    }
    if (cow) yield step('copy_page_range: raw_write_seqcount_end(write_protect_seq)');
    if (cow) cow.write_protect_seq.set(cow.write_protect_seq.get() + 1);
  }
  if (locked) yield* vma.vm_lock.up_write(cpu, 'mmap_write_unlock: vma_end_write_all');
  yield* mm.mmap_lock.up_write(cpu, 'dup_mmap: mmap_write_unlock(oldmm)');
}

/**
 * copy_pmd_range() + copy_pte_range() of one slot: skips a none source PMD, allocates and locks
 * the child's table, maps the source with pte_offset_map_rw_nolock (no pmd_same re-check: the
 * kernel relies on the exclusive mmap_lock), takes the source PTE lock nested, and copies every
 * present entry (copy_present_ptes).
 */
export function* copy_pte_range(
  w: World,
  cpu: Cpu,
  child: MmStruct,
  src_pmd: PmdSlot,
  dst_pmd: PmdSlot,
  cow?: ForkCow,
): Gen {
  const seen = yield* pmdp_get_lockless(w, cpu, src_pmd, 'copy_pmd_range: pmd_none_or_clear_bad');
  if (seen <= 0) return;
  // pte_alloc_map_lock() in the child: nobody else can see the child's tables yet.
  const dst = yield* w.alloc.pte_alloc_one(cpu, 'copy_pte_range: pte_alloc (child)');
  yield* child.pml.spin_lock(cpu, 'copy_pte_range: pmd_install (child): pmd_lock');
  mm_inc_nr_ptes(child);
  yield* pmd_populate(w, cpu, dst_pmd, dst, 'copy_pte_range: pmd_populate (child)');
  yield* child.pml.spin_unlock(cpu, 'copy_pte_range: pmd_install (child): spin_unlock');
  yield* dst.page.ptl.spin_lock(cpu, 'copy_pte_range: pte_alloc_map_lock (child)');
  const m = yield* pte_offset_map_rw_nolock(w, cpu, src_pmd);
  if (m) {
    const src_ptl = m.table.page.ptl;
    yield* src_ptl.spin_lock(cpu, 'copy_pte_range: spin_lock_nested(src_ptl)');
    for (let i = 0; i < m.table.nr_entries; i++) {
      const pte = yield* ptep_get(w, cpu, m.table, i, 'copy_present_ptes: ptep_get(src)');
      if (pte === 0) continue;
      const child_pte = cow ? yield* copy_present_pte_cow(w, cpu, cow, pte, i) : pte;
      yield* set_pte_at(w, cpu, dst, i, child_pte, 'copy_present_ptes: set_ptes (child)');
    }
    yield* src_ptl.spin_unlock(cpu, 'copy_pte_range: spin_unlock(src_ptl)');
    yield* pte_unmap(w, cpu, 'copy_pte_range');
  }
  yield* dst.page.ptl.spin_unlock(cpu, 'copy_pte_range: pte_unmap_unlock (child)');
}

/**
 * copy_present_pte() of an anonymous folio: folio_try_dup_anon_rmap_pte() refuses a folio that
 * may be DMA-pinned (more references than its one mapping), and copy_present_page() gives the
 * child a copy of its own; otherwise the folio is shared (PageAnonExclusive cleared, a reference
 * for the child) and the parent's entry write-protected. Returns what the child maps.
 */
function* copy_present_pte_cow(
  w: World,
  _cpu: Cpu,
  cow: ForkCow,
  pte: number,
  i: number,
): Gen<number> {
  const folio = w.folios.get(pte);
  if (folio === undefined) return pte;
  yield step('copy_present_ptes: folio_try_dup_anon_rmap_pte (folio_maybe_dma_pinned)');
  if (folio.folio_ref_count() > 1) {
    w.newFolio(cow.copy_folio, 1);
    return cow.copy_folio;
  }
  cow.anon_exclusive.get(pte)?.set(false);
  folio.folio_get();
  yield step('copy_present_ptes: ptep_set_wrprotect(src)');
  cow.pte_write[i].set(false);
  return pte;
}
