// khugepaged's removal of PTE tables that map a file range now backed by a THP, in every mm
// mapping the file, with no mmap or VMA lock, and its collapse of an anonymous range into a THP.
// Mirrors mm/khugepaged.c (retract_page_tables, collapse_huge_page) and
// the generic pte_free_defer of mm/pgtable-generic.c (see docs/kernel-version.md).

import { violate } from '../check/program.js';
import { pte_free_defer_ppc } from './pgtable-frag.js';
import { pmd_clear, pmd_populate, pmdp_get_lockless, ptep_get } from './pgtable.js';
import type { Cpu } from './world/cpu.js';
import { mm_dec_nr_ptes, type PmdSlot } from './world/mm.js';
import type { PteTable } from './world/page-alloc.js';
import type { Folio } from './world/folio.js';
import { smp_call_function_wait } from './world/irq.js';
import { step, type Gen } from './world/step.js';
import { guarded } from './world/config.js';
import type { RwSemaphore } from './world/rwsem.js';
import type { Shared } from './world/shared.js';
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
  o: RetractOptions = {},
): Gen {
  if (o.i_mmap) yield* o.i_mmap.down_read(cpu, 'retract_page_tables: i_mmap_lock_read');
  if (!(yield* retract_finds_vma(cpu, o))) {
    if (o.i_mmap) yield* o.i_mmap.up_read(cpu, 'retract_page_tables: i_mmap_unlock_read');
    return;
  }
  if (o.mmap_trylock ?? false) {
    const got = yield* w.mm.mmap_lock.down_write_trylock(
      cpu,
      'retract_page_tables: mmap_write_trylock',
    );
    if (got) yield* retract_one(w, cpu, pmd, o);
    if (got) yield* w.mm.mmap_lock.up_write(cpu, 'retract_page_tables: mmap_write_unlock');
  } else {
    yield* retract_one(w, cpu, pmd, o);
  }
  if (o.i_mmap) yield* o.i_mmap.up_read(cpu, 'retract_page_tables: i_mmap_unlock_read');
}

/**
 * vma_interval_tree_foreach and collapse_test_exit(): whether the VMA is still in the file's tree
 * and its mm still has users (a racy read: the mm may start exiting right after).
 */
function* retract_finds_vma(_cpu: Cpu, o: RetractOptions): Gen<boolean> {
  if (o.mapped !== undefined) {
    yield step('retract_page_tables: vma_interval_tree_foreach');
    if (!o.mapped.get()) return false;
  }
  if (o.mm_users !== undefined) {
    yield step('retract_page_tables: collapse_test_exit');
    if (o.mm_users.get() === 0) return false;
  }
  return true;
}

/** Options of {@link retract_page_tables}. */
export interface RetractOptions {
  /** The VMA is in the file's i_mmap tree (omitted: always). */
  readonly mapped?: Shared<boolean>;
  /** The mm's mm_users, read by collapse_test_exit (omitted: not modelled). */
  readonly mm_users?: Shared<number>;
  /** Free the table at once instead of by pte_free_defer (a broken design). */
  readonly immediate?: boolean;
  /** The file's i_mmap rwsem, taken for read around the walk (omitted: not modelled). */
  readonly i_mmap?: RwSemaphore;
  /**
   * Before 1d65b771bc08 ("mm/khugepaged: retract_page_tables() without mmap or vma lock", 6.6):
   * retract only an mm whose mmap_write_trylock succeeds, skipping it otherwise.
   */
  readonly mmap_trylock?: boolean;
}

/** retract_page_tables() for one mm, under whatever outer locks the caller took. */
function* retract_one(w: World, cpu: Cpu, pmd: PmdSlot, o: RetractOptions): Gen {
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
export type CollapseResult = 'SCAN_SUCCEED' | 'SCAN_PMD_NULL' | 'SCAN_PMD_NONE' | 'SCAN_PAGE_COUNT';

/** Options of {@link collapse_huge_page}. */
export interface CollapseOptions {
  /**
   * Model mmap_write_lock, vma_start_write and check_pmd_still_valid, in the order given:
   * `check_then_vma_lock` before "mm: fix the race between collapse and PT_RECLAIM under per-vma
   * lock" (2025), `vma_lock_then_check` after it. Default: none of them (GUP-fast takes no lock).
   */
  readonly vma_lock?: 'check_then_vma_lock' | 'vma_lock_then_check';
}

/**
 * collapse_huge_page() of an anonymous range mapped by one PTE table: pmdp_collapse_flush under
 * the PMD lock (the PMD goes none, the TLB flush interrupts IRQs-off walkers only with
 * `tlb_flush_ipi`), then __collapse_huge_page_isolate under the PTE lock, which gives up when a
 * folio has more references than its mapping (a GUP pin) and puts the table back; otherwise
 * __collapse_huge_page_copy copies every folio into the THP `hpage`, clears the entries and puts
 * the small folios, and the THP is mapped by the PMD with the table deposited under it.
 * With `o.vma_lock` set, the part under mmap_write_lock is modelled too: vma_start_write (held
 * until mmap_write_unlock) and check_pmd_still_valid, in either order (see {@link CollapseOptions}).
 * Should the flush find the PMD none (a path the locks did not exclude freed the table), the
 * kernel's pte_offset_map_lock(&_pmd) fails and the restore pmd_populate()s pmd_pgtable() of a
 * none PMD: reported as a violation.
 * Differs from kernel: the anon_vma lock is not modelled (neither competitor takes it), and
 * without `o.vma_lock` neither is mmap_write_lock (GUP-fast takes no lock).
 */
export function* collapse_huge_page(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  hpage: number,
  o: CollapseOptions = {},
): Gen<CollapseResult> {
  const mm = w.mm;
  const vma = mm.vmaOf(pmd);
  const order = o.vma_lock;
  // Without the guard the VMA is never write-locked: MADV_DONTNEED under its read lock runs on.
  const vma_locked = guarded(w.config, 'collapse_vma_start_write');
  if (order !== undefined) {
    yield* mm.mmap_lock.down_write(cpu, 'collapse_huge_page: mmap_write_lock');
    if (order === 'vma_lock_then_check' && vma_locked) {
      yield* vma.vm_lock.down_write(cpu, 'collapse_huge_page: vma_start_write');
    }
    const valid = yield* pmdp_get_lockless(w, cpu, pmd, 'check_pmd_still_valid');
    if (valid <= 0) {
      if (order === 'vma_lock_then_check' && vma_locked) {
        yield* vma.vm_lock.up_write(cpu, 'mmap_write_unlock: vma_end_write_all');
      }
      yield* mm.mmap_lock.up_write(cpu, 'collapse_huge_page: mmap_write_unlock');
      return 'SCAN_PMD_NULL';
    }
    if (order === 'check_then_vma_lock' && vma_locked) {
      yield* vma.vm_lock.down_write(cpu, 'collapse_huge_page: vma_start_write');
    }
  }
  const r = yield* collapse_locked(w, cpu, pmd, hpage);
  if (order !== undefined) {
    if (vma_locked) yield* vma.vm_lock.up_write(cpu, 'mmap_write_unlock: vma_end_write_all');
    yield* mm.mmap_lock.up_write(cpu, 'collapse_huge_page: mmap_write_unlock');
  }
  return r;
}

/** collapse_huge_page() from pmdp_collapse_flush on (under mmap_write_lock in the kernel). */
function* collapse_locked(w: World, cpu: Cpu, pmd: PmdSlot, hpage: number): Gen<CollapseResult> {
  const pml = w.mm.pml;
  yield* pml.spin_lock(cpu, 'collapse_huge_page: pmd_lock');
  const pmdval = yield* pmd_clear(w, cpu, pmd, 'collapse_huge_page: pmdp_collapse_flush');
  yield* pml.spin_unlock(cpu, 'collapse_huge_page: spin_unlock(pml)');
  if (pmdval === 0) {
    // pte_offset_map_lock(&_pmd) fails (SCAN_PMD_NULL) and the restore path populates the PMD
    // with pmd_pgtable(_pmd) of a none _pmd: a page that is no PTE table (pfn 0 on x86).
    yield* pml.spin_lock(cpu, 'collapse_huge_page: pmd_lock (restore)');
    yield step('collapse_huge_page: pmd_populate(pmd_pgtable(_pmd))');
    violate(
      'assertion',
      `${cpu.name}: collapse_huge_page: pmdp_collapse_flush found ${pmd.obj} none (a path its ` +
        'locks did not exclude freed the table), so the restore pmd_populate()s pmd_pgtable() of a ' +
        'none PMD: a page that is no PTE table gets mapped',
    );
  }
  if (pmdval < 0) return 'SCAN_PMD_NONE';
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
