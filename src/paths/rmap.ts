// The reverse-map walk of an anonymous folio: anon_vma lock for read, the VMAs linked to it, and
// page_vma_mapped_walk on each, which maps and locks the PTE table with no mmap or VMA lock. Mirrors
// mm/rmap.c (rmap_walk_anon) and mm/page_vma_mapped.c (map_pte) (see docs/kernel-version.md).

import { pte_offset_map_lock, pte_unmap_unlock, ptep_get } from './pgtable.js';
import type { Cpu } from './world/cpu.js';
import type { PmdSlot } from './world/mm.js';
import type { RwSemaphore } from './world/rwsem.js';
import type { Shared } from './world/shared.js';
import { step, type Gen } from './world/step.js';
import type { World } from './world/world.js';

/** struct anon_vma, reduced to its rwsem and whether the one VMA is still chained to it. */
export interface AnonVma {
  readonly rwsem: RwSemaphore;
  /** The VMA's anon_vma_chain is in the anon_vma's interval tree (unlink_anon_vmas clears it). */
  readonly linked: Shared<boolean>;
}

/**
 * rmap_walk_anon() for the folio mapped at entry `i` of `pmd`: under anon_vma_lock_read, for the
 * VMA still linked, page_vma_mapped_walk maps the table (pte_offset_map_lock: RCU, PTE lock,
 * pmd_same re-check) and reads the entry. Returns the entry, or null when nothing was mapped.
 */
export function* rmap_walk_anon(
  w: World,
  cpu: Cpu,
  anon_vma: AnonVma,
  pmd: PmdSlot,
  i: number,
): Gen<number | null> {
  yield* anon_vma.rwsem.down_read(cpu, 'rmap_walk_anon: anon_vma_lock_read');
  yield step('rmap_walk_anon: anon_vma_interval_tree_foreach');
  let pte: number | null = null;
  if (anon_vma.linked.get()) {
    const m = yield* pte_offset_map_lock(w, cpu, pmd);
    if (m) {
      pte = yield* ptep_get(w, cpu, m.table, i, 'page_vma_mapped_walk: ptep_get');
      yield* pte_unmap_unlock(w, cpu, m, 'page_vma_mapped_walk');
    }
  }
  yield* anon_vma.rwsem.up_read(cpu, 'rmap_walk_anon: anon_vma_unlock_read');
  return pte;
}

/**
 * rmap_walk_anon() over several VMAs of one anon_vma, in the interval tree's order: for each,
 * page_vma_mapped_walk looks for the folio at entry `i` of that VMA's slot. Returns how many
 * mappings it found; a folio mapped throughout must be found at least once (try_to_unmap and
 * migration rely on it).
 */
export function* rmap_walk_anon_vmas(
  w: World,
  cpu: Cpu,
  anon_vma: AnonVma,
  pmds: readonly PmdSlot[],
  i: number,
  folio: number,
): Gen<number> {
  yield* anon_vma.rwsem.down_read(cpu, 'rmap_walk_anon: anon_vma_lock_read');
  let found = 0;
  for (const pmd of pmds) {
    const m = yield* pte_offset_map_lock(w, cpu, pmd);
    if (!m) continue;
    const pte = yield* ptep_get(w, cpu, m.table, i, `page_vma_mapped_walk(${pmd.obj}): ptep_get`);
    if (pte === folio) found++;
    yield* pte_unmap_unlock(w, cpu, m, 'page_vma_mapped_walk');
  }
  yield* anon_vma.rwsem.up_read(cpu, 'rmap_walk_anon: anon_vma_unlock_read');
  return found;
}
