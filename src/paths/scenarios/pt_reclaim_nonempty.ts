// The 6.14-rc PT_RECLAIM bug (WALK-7.4): zap_pte_range drops the PTE lock in the middle of the
// slot, a fault refills an entry already zapped, and the try_get_and_clear_pmd fast path then
// frees a table that is no longer empty.

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

/** MADV_DONTNEED that reschedules mid-slot against a refilling fault. */
export const ptReclaimNonempty: Scenario = defineScenario({
  name: 'pt_reclaim_nonempty',
  description:
    'MADV_DONTNEED with PT_RECLAIM zaps a two-entry table and drops the PTE lock after the first ' +
    'entry (need_resched); meanwhile a write fault maps entry 0 again.',
  variants: {
    fix: {
      values: ['fixed', 'buggy'],
      default: 'fixed',
      doc:
        'fixed = "mm: pgtable: fix incorrect reclaim of non-empty PTE pages" (6.14-rc, Feb 2025): ' +
        'once the lock was dropped only the rescanning try_to_free_pte slow path may free; buggy = ' +
        'the code merged for 6.14-rc1, which still took the fast path.',
    },
  },
  expected: (v) =>
    v.fix === 'buggy'
      ? {
          verdict: 'fail',
          kinds: ['lost-mapping'],
          why: 'the fast path unlinks the table the fault refilled while the PTE lock was dropped',
        }
      : {
          verdict: 'pass',
          why: 'after a dropped lock the slow path rescans under both locks and keeps a refilled table',
        },
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(
      ptReclaimNonempty,
      v,
      o,
      {
        ptrs_per_pte: 2,
        config: { zap_resched_after: 1, pt_reclaim_direct_fix: v.fix === 'fixed' },
        table: [1, 2],
      },
      (w, pmd) => {
        w.spawn('madvise', (cpu) => madvise_dontneed_single_vma(w, cpu, pmd, { mmap_lock: false }));
        w.spawn('fault', (cpu) => do_anonymous_page(w, cpu, pmd, 0, 3));
      },
    ),
});
