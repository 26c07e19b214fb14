// powerpc pte_free_defer (seed 002, WALK-6, WALK-7.3): khugepaged retracts two PTE tables that are
// fragments of one page, sharing its one rcu_head, while a walker reads the second under RCU.

import type { Program } from '../../check/program.js';
import { retract_page_tables } from '../khugepaged.js';
import { pteOffsetMapReader } from '../pte-walker.js';
import { World } from '../world/world.js';
import { defineScenario, programName, type Scenario, type VariantValues } from './scenario.js';

/** Two fragments of one page deferred by retract_page_tables against an RCU walker. */
export const ppcPteFreeDefer: Scenario = defineScenario({
  name: 'ppc_pte_free_defer',
  description:
    'powerpc with PTE_FRAG_NR = 2: PMD slots 0 and 1 point to the two fragments of one page. ' +
    'khugepaged retract_page_tables clears both slots in turn and hands each fragment to ' +
    'pte_free_defer; a pte_offset_map walker reads slot 1 under rcu_read_lock.',
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
  build: (v: VariantValues): Program => ({
    name: programName(ppcPteFreeDefer, v),
    create: () => {
      const w = new World({
        ptrs_per_pte: 1,
        pmd_slots: 2,
        config: {
          arch: 'powerpc',
          ppc_defer: v.ppc_defer as 'naive' | 'hugh' | 'jason' | 'merged',
        },
      });
      const page = w.alloc.newPage(2);
      page.pt_frag_refcount.value = 2;
      w.linkInitial(w.pmd(0), page.tables[0]);
      w.linkInitial(w.pmd(1), page.tables[1]);
      w.spawn('khugepaged', function* (cpu) {
        yield* retract_page_tables(w, cpu, w.pmd(0));
        yield* retract_page_tables(w, cpu, w.pmd(1));
      });
      w.spawn('walker', function* (cpu) {
        yield* pteOffsetMapReader(w, cpu, w.pmd(1), 0);
      });
      return w.instance();
    },
  }),
});
