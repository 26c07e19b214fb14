// A user's checker scenario, in plain JavaScript: khugepaged's retract_page_tables against
// GUP-fast, the race Jann Horn found in 2022 (spec WALK-7.1). Run it with
//   npm run build && npx ptlab check ./examples/002-check-scenario/scenario.js --variant free=none

import {
  World,
  defineScenario,
  gup_fast,
  mm_dec_nr_ptes,
  pmd_clear,
  pmdp_get_lockless,
  programName,
  pte_free_defer,
  tlb_remove_table_sync_one,
} from 'ptlab';

/**
 * retract_page_tables for one slot, as kernels before 6.6 did it: PMD lock, PTE lock, clear the
 * PMD, unlock, then free the table: after an IPI (`sync`), right away, or by pte_free_defer.
 */
function* retract(w, cpu, pmd, free) {
  const pml = w.mm.pml;
  yield* pml.spin_lock(cpu, 'retract_page_tables: pmd_lock');
  const pmdval = yield* pmdp_get_lockless(w, cpu, pmd, 'retract_page_tables: check_pmd_state');
  if (pmdval === 0) {
    yield* pml.spin_unlock(cpu, 'retract_page_tables: spin_unlock(pml)');
    return;
  }
  const table = w.alloc.table(pmdval);
  yield* table.page.ptl.spin_lock(cpu, 'retract_page_tables: spin_lock_nested(ptl)');
  yield* pmd_clear(w, cpu, pmd, 'retract_page_tables: pmdp_collapse_flush');
  yield* table.page.ptl.spin_unlock(cpu, 'retract_page_tables: spin_unlock(ptl)');
  yield* pml.spin_unlock(cpu, 'retract_page_tables: spin_unlock(pml)');
  mm_dec_nr_ptes(w.mm, cpu, 'retract_page_tables');
  if (free === 'defer') {
    yield* pte_free_defer(w, cpu, table);
    return;
  }
  if (free === 'ipi') yield* tlb_remove_table_sync_one(w, cpu);
  yield* w.alloc.free_page(cpu, table.page, 'retract_page_tables: pte_free');
}

const scenario = defineScenario({
  name: 'retract_vs_gup_fast',
  description:
    'khugepaged removes the (empty) PTE table of a file range now mapped by a THP while GUP-fast ' +
    'walks the same slot with IRQs off. The TLB flush of pmdp_collapse_flush sends no IPI ' +
    '(an architecture with RCU table freeing, or x86 paravirt).',
  variants: {
    free: {
      values: ['defer', 'ipi', 'none'],
      default: 'defer',
      doc:
        'defer = pte_free_defer (6.6+, "mm: free retracted page table by RCU"); ipi = ' +
        'tlb_remove_table_sync_one before the free ("mm/khugepaged: fix GUP-fast interaction by ' +
        'sending IPI", 2ba99c5e0881, Nov 2022); none = the free right after the flush, before that fix.',
    },
  },
  expected: (v) =>
    v.free === 'none'
      ? {
          verdict: 'fail',
          kinds: ['use-after-free'],
          why: 'nothing waits for GUP-fast, which still reads the table',
        }
      : { verdict: 'pass', why: 'the IPI or the grace period waits for the IRQs-off walker' },
  build: (v) => ({
    name: programName(scenario, v),
    create: () => {
      const w = new World({ ptrs_per_pte: 1 });
      const pmd = w.pmd();
      w.linkInitial(pmd, w.alloc.newPage().tables[0]);
      w.spawn('khugepaged', (cpu) => retract(w, cpu, pmd, v.free));
      w.spawn('gup_fast', function* (cpu) {
        yield* gup_fast(w, cpu, pmd, 0);
      });
      return w.instance();
    },
  }),
});

export default scenario;
