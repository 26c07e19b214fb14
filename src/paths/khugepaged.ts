// khugepaged's removal of PTE tables that map a file range now backed by a THP, in every mm
// mapping the file, with no mmap or VMA lock, and its collapse of an anonymous range into a THP.
// Mirrors mm/khugepaged.c (retract_page_tables, collapse_huge_page) and
// the generic pte_free_defer of mm/pgtable-generic.c (see docs/kernel-version.md).

import { pte_free_defer_ppc } from './pgtable-frag.js';
import { pmd_clear, pmd_populate, pmdp_get_lockless, ptep_get } from './pgtable.js';
import type { Cpu } from './world/cpu.js';
import { mm_dec_nr_ptes, type PmdSlot } from './world/mm.js';
import type { PteTable } from './world/page-alloc.js';
import type { Folio } from './world/folio.js';
import { smp_call_function_wait } from './world/irq.js';
import { step, type Gen } from './world/step.js';
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
  // Non-split locks: the PTE lock is the PMD lock, already held (the kernel's `if (ptl != pml)`).
  const locked = guarded(w.config, 'retract_pte_lock') && ptl !== pml;
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

/** How a collapse ended (the scan results of mm/khugepaged.c that the model reaches). */
export type CollapseResult = 'SCAN_SUCCEED' | 'SCAN_PMD_NONE' | 'SCAN_PAGE_COUNT';

/**
 * collapse_huge_page() of an anonymous range mapped by one PTE table: pmdp_collapse_flush under
 * the PMD lock (the PMD goes none, the TLB flush interrupts IRQs-off walkers only with
 * `tlb_flush_ipi`), then __collapse_huge_page_isolate under the PTE lock, which gives up when a
 * folio has more references than its mapping (a GUP pin) and puts the table back; otherwise
 * __collapse_huge_page_copy copies every folio into the THP `hpage`, clears the entries and puts
 * the small folios, and the THP is mapped by the PMD with the table deposited under it.
 * Differs from kernel: mmap_write_lock and the anon_vma lock are not modelled, since the one
 * competitor here, GUP-fast, takes neither.
 */
export function* collapse_huge_page(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  hpage: number,
): Gen<CollapseResult> {
  const pml = w.mm.pml;
  yield* pml.spin_lock(cpu, 'collapse_huge_page: pmd_lock');
  const pmdval = yield* pmd_clear(w, cpu, pmd, 'collapse_huge_page: pmdp_collapse_flush');
  yield* pml.spin_unlock(cpu, 'collapse_huge_page: spin_unlock(pml)');
  if (pmdval <= 0) return 'SCAN_PMD_NONE';
  if (w.config.tlb_flush_ipi) {
    yield* smp_call_function_wait(
      cpu,
      w.cpus,
      w.stats,
      'pmdp_collapse_flush: flush_tlb_range',
      guarded(w.config, 'ipi_wait'),
    );
  }
  const table = w.alloc.table(pmdval);
  const ptl = table.page.ptl;
  yield* ptl.spin_lock(cpu, '__collapse_huge_page_isolate: spin_lock(ptl)');
  const folios: Folio[] = [];
  let suitable = true;
  for (let i = 0; i < table.nr_entries && suitable; i++) {
    const pte = yield* ptep_get(w, cpu, table, i, '__collapse_huge_page_isolate: ptep_get');
    const folio = w.folios.get(pte);
    if (folio === undefined) continue;
    yield step(`__collapse_huge_page_isolate: is_refcount_suitable(${folio.name})`);
    // One reference per mapping (no swap cache, no other mapper): anything more is a pin.
    suitable = folio.folio_ref_count() === 1;
    folios.push(folio);
  }
  yield* ptl.spin_unlock(cpu, '__collapse_huge_page_isolate: spin_unlock(ptl)');
  if (!suitable) {
    yield* pml.spin_lock(cpu, 'collapse_huge_page: pmd_lock (abort)');
    yield* pmd_populate(w, cpu, pmd, table, 'collapse_huge_page: pmd_populate (restore)');
    yield* pml.spin_unlock(cpu, 'collapse_huge_page: spin_unlock(pml)');
    return 'SCAN_PAGE_COUNT';
  }
  w.newFolio(hpage, 0);
  for (let i = 0; i < table.nr_entries; i++) {
    const pte = yield* ptep_get(w, cpu, table, i, '__collapse_huge_page_copy: copy the folio');
    const folio = w.folios.get(pte);
    if (folio === undefined) continue;
    folio.copiedInto(hpage);
    yield step('__collapse_huge_page_copy_succeeded: pte_clear, folio_put');
    table.set_pte(i, 0);
    folio.folio_put(cpu, '__collapse_huge_page_copy_succeeded');
  }
  yield* pml.spin_lock(cpu, 'collapse_huge_page: pmd_lock (install)');
  yield step('collapse_huge_page: pgtable_trans_huge_deposit, set_pmd_at(THP)');
  const thp = w.folios.get(hpage);
  if (thp !== undefined) thp.folio_get();
  w.deposited.set(pmd.index, table);
  table.life = 'linked';
  pmd.val = -hpage;
  yield* pml.spin_unlock(cpu, 'collapse_huge_page: spin_unlock(pml)');
  return 'SCAN_SUCCEED';
}
