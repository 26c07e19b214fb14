// khugepaged's retract_page_tables against a racing insertion into the same PTE table (issue #6
// §2: the PTE lock in retract). Retract runs with no mmap or VMA lock; what keeps it from
// unlinking a table that just got an entry is its re-check under the PTE lock.

import type { Program } from '../../check/program.js';
import { retract_page_tables } from '../khugepaged.js';
import { do_anonymous_page } from '../memory.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** retract_page_tables against an insertion under the PTE lock. */
export const retractVsFault: Scenario = defineScenario({
  name: 'retract_vs_fault',
  description:
    'khugepaged retracts the empty PTE table of a file range now backed by a THP (PMD lock, PTE ' +
    'lock, re-check that no entry appeared, pmdp_collapse_flush, pte_free_defer); meanwhile a ' +
    'racing insertion (a UFFDIO_COPY into the range, modelled as an anonymous write fault) maps ' +
    'entry 0 under the PTE lock.',
  variants: {
    table_free: {
      values: ['defer', 'none'],
      default: 'defer',
      doc:
        'defer = pte_free_defer (6.6+, "mm/khugepaged: retract_page_tables() without mmap or vma ' +
        'lock", Hugh Dickins, 2023); none = the same without RCU (generic pte_free_defer replaced ' +
        'by an immediate free): the inserter still walks the table under rcu_read_lock.',
    },
  },
  expected: (v) =>
    v.table_free === 'none'
      ? {
          verdict: 'fail',
          kinds: ['use-after-free'],
          why: "the inserter's pte_offset_map_lock read the PMD before the retract and still maps the table after it was freed",
        }
      : {
          verdict: 'pass',
          why: 'under the PTE lock retract either sees the new entry and skips, or clears the PMD before the inserter locks, which then finds the PMD changed and retries',
        },
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(retractVsFault, v, o, { ptrs_per_pte: 1, table: [] }, (w, pmd) => {
      const immediate = v.table_free === 'none';
      w.spawn('khugepaged', (cpu) => retract_page_tables(w, cpu, pmd, { immediate }));
      w.spawn('inserter', (cpu) => do_anonymous_page(w, cpu, pmd, 0, 1));
    }),
});
