// khugepaged's removal of PTE tables that map a file range now backed by a THP, in every mm
// mapping the file, with no mmap or VMA lock. Mirrors mm/khugepaged.c (retract_page_tables) and
// the generic pte_free_defer of mm/pgtable-generic.c (see docs/kernel-version.md).

import { pte_free_defer_ppc } from './pgtable-frag.js';
import { pmd_clear, pmdp_get_lockless, ptep_get } from './pgtable.js';
import type { Cpu } from './world/cpu.js';
import { mm_dec_nr_ptes, type PmdSlot } from './world/mm.js';
import type { PteTable } from './world/page-alloc.js';
import type { Gen } from './world/step.js';
import { guarded } from './world/config.js';
import type { World } from './world/world.js';

/** pte_free_defer(): frees the table after a grace period (generic: call_rcu; powerpc: fragments). */
export function* pte_free_defer(w: World, cpu: Cpu, table: PteTable): Gen {
  if (w.config.arch === 'powerpc') {
    yield* pte_free_defer_ppc(w, cpu, table);
    return;
  }
  table.life = 'queued';
  yield* w.rcu.call_rcu(
    cpu,
    table.page.pt_rcu_head,
    (gp) => w.alloc.free_page(gp, table.page, 'pte_free_now: pte_free'),
    'pte_free_defer: call_rcu(pt_rcu_head)',
  );
}

/**
 * retract_page_tables() for one slot: PMD lock, recheck the PMD still holds a table, PTE lock,
 * pmdp_collapse_flush, unlock, uncount and pte_free_defer. The table is empty: the file pages it
 * mapped were unmapped before the collapse.
 */
export function* retract_page_tables(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  /** `immediate`: free the table at once instead of by pte_free_defer (a broken design). */
  o: { readonly immediate?: boolean } = {},
): Gen {
  const pml = w.mm.pml;
  yield* pml.spin_lock(cpu, 'retract_page_tables: pmd_lock');
  const pmdval = yield* pmdp_get_lockless(w, cpu, pmd, 'retract_page_tables: check_pmd_state');
  if (pmdval === 0) {
    yield* pml.spin_unlock(cpu, 'retract_page_tables: spin_unlock(pml)');
    return;
  }
  const table = w.alloc.table(pmdval);
  const ptl = table.page.ptl;
  const locked = guarded(w.config, 'retract_pte_lock');
  if (locked) yield* ptl.spin_lock(cpu, 'retract_page_tables: spin_lock_nested(ptl)');
  // With the PTE lock held, repeat the check that nothing was inserted meanwhile (the kernel
  // repeats its anon_vma and userfaultfd_wp() checks: a racing UFFDIO_COPY may have mapped ptes).
  let empty = true;
  for (let i = 0; i < table.nr_entries && empty; i++) {
    empty = (yield* ptep_get(w, cpu, table, i, 'retract_page_tables: recheck entries')) === 0;
  }
  if (!empty) {
    if (locked) yield* ptl.spin_unlock(cpu, 'retract_page_tables: spin_unlock(ptl), skip');
    yield* pml.spin_unlock(cpu, 'retract_page_tables: spin_unlock(pml)');
    return;
  }
  yield* pmd_clear(w, cpu, pmd, 'retract_page_tables: pmdp_collapse_flush');
  if (locked) yield* ptl.spin_unlock(cpu, 'retract_page_tables: spin_unlock(ptl)');
  yield* pml.spin_unlock(cpu, 'retract_page_tables: spin_unlock(pml)');
  mm_dec_nr_ptes(w.mm, cpu, 'retract_page_tables');
  if (o.immediate ?? false)
    yield* w.alloc.free_page(cpu, table.page, 'retract_page_tables: pte_free');
  else yield* pte_free_defer(w, cpu, table);
}
