// PT_RECLAIM with non-split PTE locks (issue #6 §3): every table's PTE lock is the mm's PMD lock,
// so the reclaim paths must not take "both" locks. The slow path's `if (ptl != pml)` has been
// there since PT_RECLAIM was merged; the fast path learnt it in 2026.

import type { Program } from '../../check/program.js';
import { do_anonymous_page } from '../memory.js';
import { madvise_dontneed_single_vma } from '../madvise.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** MADV_DONTNEED with PT_RECLAIM on a non-split-lock configuration against a refilling fault. */
export const ptReclaimNonsplit: Scenario = defineScenario({
  name: 'pt_reclaim_nonsplit',
  description:
    'Split PTE locks off: the PTE lock of every table is the PMD lock. MADV_DONTNEED with ' +
    'PT_RECLAIM zaps a two-entry table (holding the PTE lock throughout, or dropping it after the ' +
    'first entry) and frees it by the fast or the slow path, while a write fault maps entry 0.',
  variants: {
    path: {
      values: ['fast', 'slow'],
      default: 'fast',
      doc:
        'fast = the lock is held over the whole slot, so zap_empty_pte_table (try_get_and_clear_pmd) ' +
        'may clear the PMD; slow = need_resched after the first entry: the rescanning slow path ' +
        '(try_to_free_pte / zap_pte_table_if_empty), whose `if (ptl != pml)` avoids taking the ' +
        'held lock again.',
    },
    zap_fix: {
      values: ['fixed', 'before'],
      default: 'fixed',
      doc:
        'fixed = "mm/memory: handle non-split locks correctly in zap_empty_pte_table()" (2026): the ' +
        'fast path knows the PMD lock is the PTE lock it holds; before = it trylocks that lock, ' +
        'which fails, so the table is always freed by the slow path (safe, never fast).',
    },
  },
  expected: () => ({
    verdict: 'pass',
    why:
      'one lock serialises the zap, the unlink and the fault; neither path takes it twice, and the ' +
      'slow path rescans after the lock was dropped',
  }),
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(
      ptReclaimNonsplit,
      v,
      o,
      {
        ptrs_per_pte: 2,
        config: {
          split_pte_ptlocks: false,
          zap_resched_after: v.path === 'slow' ? 1 : 0,
          zap_empty_nonsplit_fix: v.zap_fix === 'fixed',
        },
        table: [1, 2],
      },
      (w, pmd) => {
        w.spawn('madvise', (cpu) => madvise_dontneed_single_vma(w, cpu, pmd, { mmap_lock: false }));
        w.spawn('fault', (cpu) => do_anonymous_page(w, cpu, pmd, 0, 3));
      },
    ),
});
