// PT_RECLAIM (MADV_DONTNEED) frees a PTE table while a fault, GUP-fast and an RCU pte_offset_map
// walker use the same PMD slot (seed 001, RECL-7, GATHER-3).

import type { Program } from '../../check/program.js';
import { do_anonymous_page } from '../memory.js';
import { gup_fast } from '../gup.js';
import { madvise_dontneed_single_vma } from '../madvise.js';
import { pteOffsetMapReader } from '../pte-walker.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** PT_RECLAIM against a fault, GUP-fast and an RCU walker on one PMD slot. */
export const ptReclaimVsWalkers: Scenario = defineScenario({
  name: 'pt_reclaim_vs_walkers',
  description:
    'MADV_DONTNEED with PT_RECLAIM empties and frees the PTE table of one PMD slot (entry 0 mapped) ' +
    'while a write fault maps entry 1, GUP-fast pins entry 0 with IRQs off, and an rmap-style ' +
    'walker reads entry 0 through pte_offset_map under rcu_read_lock with IRQs on.',
  variants: {
    table_free: {
      values: ['rcu', 'semi_rcu', 'page'],
      default: 'rcu',
      doc:
        'How the one-table fallback of tlb_remove_table frees: rcu = call_rcu on the ptdesc ' +
        '(CONFIG_PT_RECLAIM, 6.14+, "x86: mm: free page table pages by RCU instead of semi RCU"); ' +
        'semi_rcu = tlb_remove_table_sync_one IPI then immediate free (the fallback before that ' +
        'series, seed 001); page = an architecture whose __pte_free_tlb frees the table like a ' +
        'page right after the TLB flush, with no RCU (the proposal to enable PT_RECLAIM there, ' +
        "20251103063718.90743-1-dev.jain@arm.com, and Qi Zheng's answer that walkers would then " +
        'use a freed table).',
    },
    batch: {
      values: ['nomem', 'alloc'],
      default: 'nomem',
      doc:
        'Whether the GFP_NOWAIT mmu_table_batch page is available: nomem forces the one-table ' +
        'fallback (tlb_remove_table_one); alloc takes the batch + call_rcu path.',
    },
  },
  expected: (v) =>
    v.table_free === 'page'
      ? {
          verdict: 'fail',
          kinds: ['use-after-free'],
          why: 'nothing waits for the rcu_read_lock walker (nor, without a flush IPI, for GUP-fast) before the table is freed',
        }
      : v.table_free === 'semi_rcu' && v.batch === 'nomem'
        ? {
            verdict: 'fail',
            kinds: ['use-after-free'],
            why: 'the IPI waits only for IRQs-off CPUs, so the table is freed while the pte_offset_map walker, inside rcu_read_lock with IRQs on, still reads it',
          }
        : {
            verdict: 'pass',
            why: 'every unlinked table waits a grace period, which covers both GUP-fast (IRQs off) and rcu_read_lock walkers',
          },
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(
      ptReclaimVsWalkers,
      v,
      o,
      {
        ptrs_per_pte: 2,
        config: {
          pt_reclaim: v.table_free === 'rcu',
          batch_alloc_fails: v.batch === 'nomem',
          mmu_gather_rcu_table_free: v.table_free !== 'page',
        },
        table: [1],
      },
      (w, pmd) => {
        w.spawn('fault', (cpu) => do_anonymous_page(w, cpu, pmd, 1, 2));
        w.spawn('gup_fast', (cpu) => gup_fast(w, cpu, pmd, 0));
        w.spawn('madvise', (cpu) => madvise_dontneed_single_vma(w, cpu, pmd, { mmap_lock: false }));
        w.spawn('walker', (cpu) => pteOffsetMapReader(w, cpu, pmd, 0));
      },
    ),
});
