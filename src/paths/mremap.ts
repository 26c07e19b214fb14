// mremap's move of a whole PTE table from one PMD slot to another (move_page_tables choosing
// NORMAL_PMD, move_pgt_entry, move_normal_pmd). Mirrors mm/mremap.c (see docs/kernel-version.md).

import { violate } from '../check/program.js';
import { pmd_clear, pmd_populate, pmdp_get_lockless } from './pgtable.js';
import type { Cpu } from './world/cpu.js';
import type { PmdSlot } from './world/mm.js';
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
    moved = yield* move_normal_pmd(w, cpu, from, to, o.recheck ?? true);
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
