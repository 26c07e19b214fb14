// Two freers of one PTE table (issue #6 §3): MADV_DONTNEED with PT_RECLAIM against a second
// MADV_DONTNEED or against munmap, with or without faults refilling the slot. The PMD lock of both
// PT_RECLAIM paths and the PMD lock of pmd_install are what keep the table freed exactly once.

import type { Program } from '../../check/program.js';
import { do_user_addr_fault } from '../fault.js';
import { do_anonymous_page } from '../memory.js';
import { madvise_dontneed_single_vma } from '../madvise.js';
import { do_vmi_munmap } from '../mmap.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** One table, two freers, and 0 to 2 faults on the same slot. */
export const ptReclaimTwoFreers: Scenario = defineScenario({
  name: 'pt_reclaim_two_freers',
  description:
    'A PTE table with both entries mapped. madvise A (MADV_DONTNEED, PT_RECLAIM) drops the PTE lock ' +
    'after the first entry (need_resched), so it frees by the rescanning slow path under the PMD ' +
    'lock; the second freer is madvise B on the same range (no resched: the try_get_and_clear_pmd ' +
    'fast path) or munmap of the VMA. A fault may write entry 1 meanwhile.',
  variants: {
    second: {
      values: ['madvise', 'munmap', 'munmap_per_vma'],
      default: 'madvise',
      doc:
        'madvise = two MADV_DONTNEED on one table (6.14+ PT_RECLAIM, "mm: pgtable: reclaim empty ' +
        'PTE page in madvise(MADV_DONTNEED)"); they and the faults hold mmap_lock or VMA locks only ' +
        'for read, which exclude nothing among them, so no mmap-level lock is modelled: one of the ' +
        'two must find the PMD none. munmap = MADV_DONTNEED under mmap_lock for read against munmap, ' +
        'which detaches the VMA under mmap_lock for write (a later madvise finds no VMA: -ENOMEM); ' +
        'munmap_per_vma = madvise under the per-VMA read lock (6.17+, "mm: use per_vma lock for ' +
        'MADV_DONTNEED"), excluded by munmap\'s vma_start_write.',
    },
    faults: {
      values: ['0', '1'],
      default: '0',
      doc:
        'Faults on the slot during the frees: 1 refills entry 1, or finds the PMD none and ' +
        'allocates a new table (with munmap: under the VMA lock or mmap_lock, SIGSEGV once detached).',
    },
  },
  expected: () => ({
    verdict: 'pass',
    why:
      'each freer unlinks the table under the PTE lock with the PMD lock held or try-locked, so ' +
      'only one finds the PMD still pointing at it; munmap excludes madvise by mmap_lock or the VMA lock',
  }),
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(ptReclaimTwoFreers, v, o, { ptrs_per_pte: 2, table: [1, 2] }, (w, pmd) => {
      // Two madvise calls and faults all hold mmap_lock (or VMA locks) for read, which exclude
      // nothing among them: only with munmap do the locks matter, so only then are they modelled.
      const locks = v.second !== 'madvise';
      const per_vma_lock = v.second === 'munmap_per_vma';
      const mmap_lock = locks && !per_vma_lock;
      w.spawn('madvise_a', (cpu) =>
        madvise_dontneed_single_vma(w, cpu, pmd, {
          per_vma_lock: locks && per_vma_lock,
          mmap_lock,
          zap_resched_after: 1,
        }),
      );
      if (v.second === 'madvise') {
        w.spawn('madvise_b', (cpu) => madvise_dontneed_single_vma(w, cpu, pmd, { mmap_lock }));
      } else {
        w.spawn('munmap', (cpu) => do_vmi_munmap(w, cpu));
      }
      const faults = Number(v.faults);
      for (let f = 0; f < faults; f++) {
        const entry = 1 - f;
        w.spawn(`fault${entry}`, function* (cpu) {
          if (locks) yield* do_user_addr_fault(w, cpu, pmd, entry, 3 + f);
          else yield* do_anonymous_page(w, cpu, pmd, entry, 3 + f);
        });
      }
    }),
});
