// mremap's moves of page tables from one PMD slot to another: a whole PTE table
// (move_page_tables choosing NORMAL_PMD, move_pgt_entry, move_normal_pmd) or entry by entry
// (move_ptes). Mirrors mm/mremap.c and copy_vma of mm/vma.c (see docs/kernel-version.md).

import { violate } from '../check/program.js';
import { pte_alloc } from './memory.js';
import {
  pmd_clear,
  pmd_populate,
  pmdp_get_lockless,
  pte_offset_map_lock,
  pte_offset_map_rw_nolock,
  pte_unmap,
  pte_unmap_unlock,
  ptep_get_and_clear,
  set_pte_at,
} from './pgtable.js';
import type { AnonVma } from './rmap.js';
import { guarded } from './world/config.js';
import type { Cpu } from './world/cpu.js';
import type { PmdSlot, VmAreaStruct } from './world/mm.js';
import type { RwSemaphore } from './world/rwsem.js';
import { step, type Gen } from './world/step.js';
import type { World } from './world/world.js';

/** Options of {@link move_page_tables_pmd}. */
export interface MovePmdOptions {
  /** The file's i_mmap rwsem, which take_rmap_locks takes for write (omitted: not modelled). */
  readonly i_mmap?: RwSemaphore;
  /**
   * Re-read the source PMD under the PMD lock and give up when it is no longer a table: the fix
   * 6fa1066fc5d0 ("mm/mremap: fix move_normal_pmd/retract_page_tables race", 2024). Default true.
   */
  readonly recheck?: boolean;
}

/**
 * mremap of one PMD-aligned slot under mmap_write_lock: the source PMD is read without the rmap
 * locks (get_old_pmd; none means nothing to move), then take_rmap_locks and move_normal_pmd under
 * the PMD lock (one lock for both slots: one PMD table) clears `from` and populates `to` with the
 * table read there. Without `recheck`, a PMD that went none since the first read is moved as it
 * is: pmd_populate of pmd_pgtable() of a none PMD, reported as a violation. Returns whether the
 * table moved (false: the kernel falls back to move_ptes, which finds nothing and is not modelled).
 * Differs from kernel: the anon_vma lock, the VMA write lock and the TLB flush are not modelled
 * (the competitors in the scenarios take none of them).
 */
export function* move_page_tables_pmd(
  w: World,
  cpu: Cpu,
  from: PmdSlot,
  to: PmdSlot,
  o: MovePmdOptions = {},
): Gen<boolean> {
  const mm = w.mm;
  yield* mm.mmap_lock.down_write(cpu, 'mremap: mmap_write_lock');
  const seen = yield* pmdp_get_lockless(w, cpu, from, 'move_page_tables: get_old_pmd');
  let moved = false;
  if (seen > 0) {
    if (o.i_mmap) yield* o.i_mmap.down_write(cpu, 'move_pgt_entry: take_rmap_locks');
    const recheck = (o.recheck ?? true) && guarded(w.config, 'mremap_pmd_recheck');
    moved = yield* move_normal_pmd(w, cpu, from, to, recheck);
    if (o.i_mmap) yield* o.i_mmap.up_write(cpu, 'move_pgt_entry: drop_rmap_locks');
  }
  yield* mm.mmap_lock.up_write(cpu, 'mremap: mmap_write_unlock');
  return moved;
}

/** move_normal_pmd(): the table moves under the PMD lock, re-checked when `recheck`. */
function* move_normal_pmd(
  w: World,
  cpu: Cpu,
  from: PmdSlot,
  to: PmdSlot,
  recheck: boolean,
): Gen<boolean> {
  const pml = w.mm.pml;
  yield* pml.spin_lock(cpu, 'move_normal_pmd: pmd_lock');
  if (recheck) {
    const now = yield* pmdp_get_lockless(w, cpu, from, 'move_normal_pmd: re-read old pmd');
    if (now <= 0) {
      yield* pml.spin_unlock(cpu, 'move_normal_pmd: spin_unlock, not a table');
      return false;
    }
  }
  const old = yield* pmd_clear(w, cpu, from, 'move_normal_pmd: pmd_clear(old)');
  if (old === 0) {
    yield step('move_normal_pmd: pmd_populate(new, pmd_pgtable(none))');
    violate(
      'assertion',
      `${cpu.name}: move_normal_pmd: ${from.obj} went none after move_page_tables chose to move ` +
        `its table, so ${to.obj} is populated with pmd_pgtable() of a none PMD: a page that is ` +
        'no PTE table gets mapped',
    );
  }
  yield* pmd_populate(w, cpu, to, w.alloc.table(old), 'move_normal_pmd: pmd_populate(new)');
  yield* pml.spin_unlock(cpu, 'move_normal_pmd: spin_unlock');
  return true;
}

/** Options of {@link mremap_move_ptes}. */
export interface MovePtesOptions {
  /** The source VMA and the one copy_vma creates for the destination (detached until linked). */
  readonly vma: VmAreaStruct;
  readonly new_vma: VmAreaStruct;
  /** The anon_vma both VMAs are on. */
  readonly anon_vma: AnonVma;
  /**
   * The new VMA precedes the old in the anon_vma's interval-tree order, so move_ptes must take
   * the rmap locks (need_rmap_locks, "mm: avoid taking rmap locks in move_ptes()", 2012). Default
   * false: the usual case, the new VMA after the old.
   */
  readonly new_vma_first?: boolean;
}

/**
 * mremap of the entries of one slot to another under mmap_write_lock: vma_start_write on the
 * source VMA, copy_vma links a new VMA (write-locked before it becomes visible), move_page_tables
 * allocates the destination table (pte_alloc) and move_ptes moves every entry: the source mapped
 * and locked by pte_offset_map_lock, the destination by pte_offset_map_rw_nolock with no
 * pmd_same re-check (the kernel relies on the exclusive mmap_lock), both PTE locks held, with the
 * anon_vma lock around it when need_rmap_locks. The VM write locks end at mmap_write_unlock.
 * Differs from kernel: the source range is not unmapped afterwards (do_vmi_munmap, modelled in
 * munmap scenarios), the TLB flush and folio rmap updates are not modelled.
 */
export function* mremap_move_ptes(
  w: World,
  cpu: Cpu,
  from: PmdSlot,
  to: PmdSlot,
  o: MovePtesOptions,
): Gen {
  const mm = w.mm;
  yield* mm.mmap_lock.down_write(cpu, 'mremap: mmap_write_lock');
  const vma_locks = guarded(w.config, 'mremap_vma_start_write');
  if (vma_locks) yield* o.vma.vm_lock.down_write(cpu, 'move_vma: vma_start_write(vma)');
  if (vma_locks) yield* o.new_vma.vm_lock.down_write(cpu, 'copy_vma: vma_link: vma_start_write');
  yield step('copy_vma: vma_link: vma_iter_store_new');
  o.new_vma.detached = false;
  const seen = yield* pmdp_get_lockless(w, cpu, from, 'move_page_tables: get_old_pmd');
  if (seen > 0) {
    yield* pte_alloc(w, cpu, to);
    const rmap_locks = (o.new_vma_first ?? false) && guarded(w.config, 'mremap_rmap_locks');
    if (rmap_locks) yield* o.anon_vma.rwsem.down_write(cpu, 'move_ptes: take_rmap_locks');
    yield* move_ptes(w, cpu, from, to);
    if (rmap_locks) yield* o.anon_vma.rwsem.up_write(cpu, 'move_ptes: drop_rmap_locks');
  }
  if (vma_locks) {
    yield* o.new_vma.vm_lock.up_write(cpu, 'mmap_write_unlock: vma_end_write_all(new_vma)');
    yield* o.vma.vm_lock.up_write(cpu, 'mmap_write_unlock: vma_end_write_all(vma)');
  }
  yield* mm.mmap_lock.up_write(cpu, 'mremap: mmap_write_unlock');
}

/** move_ptes(): every entry of the source table into the destination table, under both locks. */
function* move_ptes(w: World, cpu: Cpu, from: PmdSlot, to: PmdSlot): Gen {
  const old = yield* pte_offset_map_lock(w, cpu, from);
  if (!old) return;
  const neu = yield* pte_offset_map_rw_nolock(w, cpu, to);
  if (!neu) {
    yield* pte_unmap_unlock(w, cpu, old, 'move_ptes: -EAGAIN');
    return;
  }
  const new_ptl = neu.table.page.ptl;
  const nested = new_ptl !== old.table.page.ptl;
  if (nested) yield* new_ptl.spin_lock(cpu, 'move_ptes: spin_lock_nested(new_ptl)');
  for (let i = 0; i < old.table.nr_entries; i++) {
    const pte = yield* ptep_get_and_clear(w, cpu, old.table, i, 'move_ptes: get_and_clear_ptes');
    if (pte !== 0) yield* set_pte_at(w, cpu, neu.table, i, pte, 'move_ptes: set_ptes(new)');
  }
  if (nested) yield* new_ptl.spin_unlock(cpu, 'move_ptes: spin_unlock(new_ptl)');
  yield* pte_unmap(w, cpu, 'move_ptes: pte_unmap(new)');
  yield* pte_unmap_unlock(w, cpu, old, 'move_ptes');
}
