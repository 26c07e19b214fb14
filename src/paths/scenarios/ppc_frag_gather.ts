// powerpc PTE fragments freed through the mmu_gather (issue #6 §3): MADV_DONTNEED with PT_RECLAIM
// frees one fragment of a page while a walker reads a fragment of the same page. The page must
// outlive the fragment: powerpc's __tlb_remove_table calls pgtable_free(table, 0), which is
// pte_fragment_free(), and only the last fragment's reference frees the 64 KiB page.

import type { Program } from '../../check/program.js';
import { madvise_dontneed_single_vma } from '../madvise.js';
import { pteOffsetMapReader } from '../pte-walker.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** One fragment reclaimed through the mmu_gather against a walker of the page. */
export const ppcFragGather: Scenario = defineScenario({
  name: 'ppc_frag_gather',
  description:
    'powerpc PTE fragments: PMD slots 0 and 1 point to the two fragments of one page. MADV_DONTNEED ' +
    'with PT_RECLAIM empties slot 0 and frees its fragment through the mmu_gather (RCU batch, ' +
    '__tlb_remove_table); a pte_offset_map walker reads slot 1 (the other fragment) or slot 0 (the ' +
    'freed one) under rcu_read_lock.',
  variants: {
    walker: {
      values: ['other', 'same'],
      default: 'other',
      doc:
        'other = the walker reads the fragment that stays linked (the page must not be freed under ' +
        'it); same = the walker reads the fragment being freed (the RCU batch waits for it).',
    },
  },
  expected: (v) => ({
    verdict: 'pass',
    why:
      v.walker === 'other'
        ? '__tlb_remove_table drops one fragment reference (pte_fragment_free); the page stays while the other fragment is linked'
        : 'the fragment is handed to pte_fragment_free only from the RCU batch callback, after the walker left its read-side section',
  }),
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(
      ppcFragGather,
      v,
      o,
      {
        ptrs_per_pte: 1,
        pmd_slots: 2,
        config: { arch: 'powerpc', ppc_defer: 'merged' },
      },
      (w) => {
        const page = w.alloc.newPage(2);
        page.pt_frag_refcount.value = 2;
        page.tables[0].initEntry(0, 1);
        page.tables[1].initEntry(0, 2);
        w.linkInitial(w.pmd(0), page.tables[0]);
        w.linkInitial(w.pmd(1), page.tables[1]);
        w.spawn('madvise', (cpu) =>
          madvise_dontneed_single_vma(w, cpu, w.pmd(0), { mmap_lock: false }),
        );
        const slot = v.walker === 'other' ? 1 : 0;
        w.spawn('walker', (cpu) => pteOffsetMapReader(w, cpu, w.pmd(slot), 0));
      },
    ),
});
