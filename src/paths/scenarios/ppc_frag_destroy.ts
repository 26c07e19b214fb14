// powerpc pte_frag_destroy at exit (issue #6 §3): a process has carved one fragment of its cached
// PTE page; khugepaged retracts that fragment by pte_free_defer (PG_active set, reference dropped,
// not the last) while exit's pte_frag_destroy drops the uncarved fragments' references.

import type { Program } from '../../check/program.js';
import { retract_page_tables } from '../khugepaged.js';
import { PteFragCache, pte_frag_destroy } from '../pgtable-frag.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** Fragments per page (PTE_FRAG_NR, 16 on 64K-page radix; 2 keeps the scenario small). */
const FRAG_NR = 2;

/** pte_free_defer of a carved fragment against pte_frag_destroy of the cached page. */
export const ppcFragDestroy: Scenario = defineScenario({
  name: 'ppc_frag_destroy',
  description:
    'powerpc PTE fragment cache: PMD slot 0 points to fragment 0 of a page whose fragment 1 is ' +
    'still in mm->context.pte_frag (pt_frag_refcount 2). khugepaged retract_page_tables hands ' +
    'fragment 0 to pte_free_defer while the exiting mm runs pte_frag_destroy.',
  variants: {
    destroy: {
      values: ['buggy', 'fixed'],
      default: 'fixed',
      doc:
        'buggy = pte_frag_destroy before "powerpc/pgtable-frag: Fix bad page state in ' +
        'pte_frag_destroy" (2026, Fixes 32cc0b7c9d50): frees the page with the last reference ' +
        'as it is; fixed = that patch: clears PG_active first.',
    },
  },
  expected: (v) =>
    v.destroy === 'buggy'
      ? {
          verdict: 'fail',
          kinds: ['bad-page-state'],
          why:
            'when pte_free_defer drops its reference first, PG_active stays set and ' +
            'pte_frag_destroy frees the page with it',
        }
      : {
          verdict: 'pass',
          why: 'whoever drops the last reference frees the page once, with no flag set',
        },
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(
      ppcFragDestroy,
      v,
      o,
      {
        ptrs_per_pte: 1,
        pmd_slots: 1,
        config: { arch: 'powerpc', ppc_defer: 'merged' },
      },
      (w) => {
        // The page as pte_fragment_alloc left it: charged for both fragments, fragment 0 carved.
        const page = w.alloc.newPage(FRAG_NR);
        page.pt_frag_refcount.value = FRAG_NR;
        const cache = new PteFragCache(FRAG_NR, { page, next: 1 });
        w.linkInitial(w.pmd(0), page.tables[0]);
        w.spawn('khugepaged', (cpu) => retract_page_tables(w, cpu, w.pmd(0)));
        w.spawn('exit', (cpu) => pte_frag_destroy(w, cpu, cache, v.destroy === 'fixed'));
      },
    ),
});
