// khugepaged's anonymous collapse against MADV_DONTNEED with PT_RECLAIM (issue #6 §3). Since
// MADV_DONTNEED may run under the per-VMA read lock alone (a6fde7add78d, 6.17), collapse's
// mmap_write_lock no longer excludes it: only vma_start_write does, so it must come before
// check_pmd_still_valid ("mm: fix the race between collapse and PT_RECLAIM under per-vma lock").

import type { Program } from '../../check/program.js';
import { collapse_huge_page } from '../khugepaged.js';
import { madvise_dontneed_single_vma } from '../madvise.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** collapse_huge_page under mmap_write_lock against MADV_DONTNEED of the whole slot. */
export const collapseVsPtReclaim: Scenario = defineScenario({
  name: 'collapse_vs_pt_reclaim',
  description:
    'A PTE table with both entries mapped. khugepaged: mmap_write_lock, check_pmd_still_valid and ' +
    'vma_start_write (in the order of the variant), pmdp_collapse_flush, isolate, copy into THP ' +
    'folio10, set_pmd_at. madvise: MADV_DONTNEED of the slot with PT_RECLAIM, which empties the ' +
    'table and frees it.',
  variants: {
    order: {
      values: ['vma_lock_then_check', 'check_then_vma_lock'],
      default: 'vma_lock_then_check',
      doc:
        'vma_lock_then_check = vma_start_write before check_pmd_still_valid (the fix, Barry Song, ' +
        '20250805035447.7958-1-21cnbao@gmail.com, Fixes a6fde7add78d); check_then_vma_lock = ' +
        'before it: the PMD is checked, then collapse waits for per-VMA readers.',
    },
    madvise_lock: {
      values: ['per_vma', 'mmap_lock'],
      default: 'per_vma',
      doc:
        'per_vma = MADV_DONTNEED under the per-VMA read lock ("mm: use per_vma lock for ' +
        'MADV_DONTNEED", a6fde7add78d, 6.17); a write-locked VMA makes it fall back to mmap_lock, ' +
        'which waits for collapse (modelled as giving up: the later zap is outside the race); ' +
        'mmap_lock = before 6.17, mmap_read_lock, excluded by mmap_write_lock.',
    },
  },
  expected: (v) =>
    v.order === 'check_then_vma_lock' && v.madvise_lock === 'per_vma'
      ? {
          verdict: 'fail',
          kinds: ['assertion'],
          why:
            'MADV_DONTNEED frees the table after check_pmd_still_valid; vma_start_write only waits ' +
            'for it, pmdp_collapse_flush finds the PMD none and the restore populates pmd_pgtable() ' +
            'of a none PMD',
        }
      : {
          verdict: 'pass',
          why:
            'the lock that excludes MADV_DONTNEED (vma_start_write, or mmap_write_lock before 6.17) ' +
            'is held when the PMD is checked, so the table collapse checked is the one it flushes',
        },
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(collapseVsPtReclaim, v, o, { ptrs_per_pte: 2, table: [1, 2] }, (w, pmd) => {
      w.spawn('khugepaged', (cpu) =>
        collapse_huge_page(w, cpu, pmd, 10, {
          vma_lock:
            v.order === 'check_then_vma_lock' ? 'check_then_vma_lock' : 'vma_lock_then_check',
        }),
      );
      const per_vma_lock = v.madvise_lock === 'per_vma';
      w.spawn('madvise', (cpu) =>
        madvise_dontneed_single_vma(w, cpu, pmd, { per_vma_lock, mmap_lock: !per_vma_lock }),
      );
    }),
});
