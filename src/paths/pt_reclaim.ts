// Freeing of empty PTE tables by MADV_DONTNEED (CONFIG_PT_RECLAIM, 6.14+). Mirrors mm/pt_reclaim.c
// (try_get_and_clear_pmd, free_pte, try_to_free_pte) (see docs/kernel-version.md).

import { violate } from '../check/program.js';
import type { MmuGather } from './mmu_gather.js';
import { pte_free_tlb } from './mmu_gather.js';
import { pmd_clear, pte_offset_map_rw_nolock, pte_unmap, ptep_get } from './pgtable.js';
import type { Cpu } from './world/cpu.js';
import { mm_dec_nr_ptes, type PmdSlot } from './world/mm.js';
import type { PteTable } from './world/page-alloc.js';
import type { SpinLock } from './world/spinlock.js';
import { step, type Gen } from './world/step.js';
import { guarded } from './world/config.js';
import type { World } from './world/world.js';

/**
 * P3 (WALK-8): PT_RECLAIM may unlink a table only when every entry is none. A property check, not
 * kernel code: it reads the entries without a step of its own, inside the unlinking step (so the
 * unlink is ordered against every entry write, as the property needs).
 */
function assertEmptyAtUnlink(cpu: Cpu, table: PteTable, label: string): void {
  for (let i = 0; i < table.nr_entries; i++) {
    const pte = table.pte(i);
    if (pte === 0) continue;
    violate(
      'lost-mapping',
      `${cpu.name}: ${label}: unlinked ${table.name} while pte[${i}] maps folio${pte}`,
      {
        [table.name]: `entries [${table.peekEntries().join(', ')}]: a non-empty table was reclaimed`,
      },
    );
  }
}

/**
 * try_get_and_clear_pmd(): the fast path, called with the PTE lock held: trylocks the PMD lock
 * (the one reverse-order acquisition, RECL-6), reads and clears the PMD. Returns the old PMD value,
 * or 0 when the trylock failed.
 */
export function* try_get_and_clear_pmd(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  /** The PTE lock the caller holds; when it is the PMD lock (non-split) there is none to take. */
  ptl?: SpinLock,
): Gen<number> {
  const pml = w.mm.pml;
  const held = ptl === pml && w.config.zap_empty_nonsplit_fix;
  const locked = guarded(w.config, 'pt_reclaim_fast_pmd_lock') && !held;
  if (locked && !(yield* pml.spin_trylock(cpu, 'try_get_and_clear_pmd: spin_trylock(pml)')))
    return 0;
  // The read and the clear happen under pml and ptl: no writer can come between them, and
  // lockless readers commute with the read, so one step models both.
  yield step('try_get_and_clear_pmd: pmdp_get_lockless + pmd_clear');
  const pmdval = pmd.val;
  if (pmdval <= 0) {
    violate(
      'assertion',
      `${cpu.name}: try_get_and_clear_pmd: ${pmd.obj} is no longer this table (a path the ` +
        'locks did not exclude cleared it): free_pte would free pmd_pgtable() of that value',
    );
  }
  const table = w.alloc.table(pmdval);
  assertEmptyAtUnlink(cpu, table, 'try_get_and_clear_pmd');
  pmd.val = 0;
  table.life = 'unlinked';
  if (locked) yield* pml.spin_unlock(cpu, 'try_get_and_clear_pmd: spin_unlock(pml)');
  return pmdval;
}

/** free_pte(): queues the unlinked table in the mmu_gather and uncounts it. */
export function* free_pte(w: World, cpu: Cpu, tlb: MmuGather, table: PteTable): Gen {
  yield* pte_free_tlb(w, cpu, tlb, table);
  mm_dec_nr_ptes(w.mm, cpu, 'free_pte');
}

/**
 * try_to_free_pte(): the slow path: under the PMD lock then the PTE lock, rescans every entry and
 * unlinks the table only if all are none.
 */
export function* try_to_free_pte(w: World, cpu: Cpu, pmd: PmdSlot, tlb: MmuGather): Gen {
  const pml = w.mm.pml;
  const locked = guarded(w.config, 'pt_reclaim_slow_pmd_lock');
  if (locked) yield* pml.spin_lock(cpu, 'try_to_free_pte: pmd_lock');
  const m = yield* pte_offset_map_rw_nolock(w, cpu, pmd);
  if (!m) {
    if (locked) yield* pml.spin_unlock(cpu, 'try_to_free_pte: spin_unlock(pml)');
    return;
  }
  const ptl = m.table.page.ptl;
  // With non-split locks the PTE lock is the PMD lock already held: taking it again would spin
  // forever (the kernel's `if (ptl != pml)`).
  const nested = ptl !== pml || !guarded(w.config, 'pt_reclaim_same_lock_check');
  if (nested) yield* ptl.spin_lock(cpu, 'try_to_free_pte: spin_lock_nested(ptl)');
  let empty = true;
  const rescan = guarded(w.config, 'pt_reclaim_rescan');
  for (let i = 0; i < m.table.nr_entries && empty && rescan; i++) {
    empty = (yield* ptep_get(w, cpu, m.table, i, 'try_to_free_pte: pte_none scan')) === 0;
  }
  if (!empty) {
    if (nested) yield* ptl.spin_unlock(cpu, 'try_to_free_pte: pte_unmap_unlock');
    yield* pte_unmap(w, cpu, 'try_to_free_pte');
    if (locked) yield* pml.spin_unlock(cpu, 'try_to_free_pte: spin_unlock(pml)');
    return;
  }
  yield* pte_unmap(w, cpu, 'try_to_free_pte');
  assertEmptyAtUnlink(cpu, m.table, 'try_to_free_pte');
  yield* pmd_clear(w, cpu, pmd, 'try_to_free_pte: pmd_clear');
  if (nested) yield* ptl.spin_unlock(cpu, 'try_to_free_pte: spin_unlock(ptl)');
  if (locked) yield* pml.spin_unlock(cpu, 'try_to_free_pte: spin_unlock(pml)');
  yield* free_pte(w, cpu, tlb, m.table);
}
