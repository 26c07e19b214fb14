// powerpc pte_free_defer (seed 002, WALK-6, WALK-7.3): khugepaged retracts two PTE tables that are
// fragments of one page, sharing its one rcu_head, while a walker reads the second under RCU.

import type { Program } from '../../check/program.js';
import { retract_page_tables } from '../khugepaged.js';
import { pteOffsetMapReader } from '../pte-walker.js';
import { worldProgram } from './world-program.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';

/** Two fragments of one page deferred by retract_page_tables against an RCU walker. */
export const ppcPteFreeDefer: Scenario = defineScenario({
  name: 'ppc_pte_free_defer',
  description:
    'powerpc PTE fragments: PMD slots 0..n-1 point to the n fragments of one page. khugepaged ' +
    'retract_page_tables clears every slot in turn and hands each fragment to pte_free_defer; a ' +
    'pte_offset_map walker reads the last slot under rcu_read_lock.',
  variants: {
    ppc_defer: {
      values: ['naive', 'hugh', 'jason', 'merged'],
      default: 'merged',
      doc:
        'naive = v1 of "powerpc: add pte_free_defer() for pgtables sharing page" (June 2023): each ' +
        "fragment call_rcu()s the page's one rcu_head; hugh = v2 of that patch: bias " +
        'pt_frag_refcount by 0x10000, only the first deferral queues, the callback re-defers once ' +
        "when more arrived; jason = Jason Gunthorpe's reply (seed 002): pte_fragment_free always " +
        'RCU-frees the page; merged = 6.6 as merged: PG_active marks deferred pages, only those are ' +
        'RCU-freed.',
    },
    fragments: {
      values: ['2', '3'],
      default: '2',
      doc:
        'Fragments of the page, all retracted in turn (PTE_FRAG_NR is 16 on 64K-page radix; 2 or 3 ' +
        'keep the scenario small). With 3, two deferrals can pend at once during a grace period, ' +
        'which exercises the folding loop of the hugh design.',
    },
  },
  expected: (v) =>
    v.ppc_defer === 'naive'
      ? {
          verdict: 'fail',
          kinds: ['double-free'],
          why: "the second fragment queues the page's rcu_head while the first deferral still has it queued",
        }
      : {
          verdict: 'pass',
          why: 'the page is freed once, after a grace period that began after both fragments were unlinked',
        },
  build: (v: VariantValues, o?: BuildOptions): Program => {
    const n = Number(v.fragments);
    const config = {
      arch: 'powerpc',
      ppc_defer: v.ppc_defer as 'naive' | 'hugh' | 'jason' | 'merged',
    } as const;
    return worldProgram(ppcPteFreeDefer, v, o, { ptrs_per_pte: 1, pmd_slots: n, config }, (w) => {
      const page = w.alloc.newPage(n);
      page.pt_frag_refcount.value = n;
      for (let i = 0; i < n; i++) w.linkInitial(w.pmd(i), page.tables[i]);
      w.spawn('khugepaged', function* (cpu) {
        for (let i = 0; i < n; i++) yield* retract_page_tables(w, cpu, w.pmd(i));
      });
      w.spawn('walker', (cpu) => pteOffsetMapReader(w, cpu, w.pmd(n - 1), 0));
    });
  },
});
