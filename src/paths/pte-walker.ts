// A lockless reader of one PTE through pte_offset_map() under RCU, with no mmap or VMA lock: the
// shape of rmap walkers (page_vma_mapped_walk) and other "outsiders" (WALK-2, WALK-5).

import { pte_offset_map, pte_unmap, ptep_get } from './pgtable.js';
import type { Cpu } from './world/cpu.js';
import type { PmdSlot } from './world/mm.js';
import type { Gen } from './world/step.js';
import type { World } from './world/world.js';

/** Reads entry `i` through `pmd`; null when the PMD was none. */
export function* pteOffsetMapReader(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  i: number,
): Gen<number | null> {
  const m = yield* pte_offset_map(w, cpu, pmd);
  if (!m) return null;
  const pte = yield* ptep_get(w, cpu, m.table, i, 'pte_offset_map walker: ptep_get');
  yield* pte_unmap(w, cpu, 'pte_offset_map walker');
  return pte;
}
