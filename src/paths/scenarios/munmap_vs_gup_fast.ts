// munmap frees the PTE table through free_pgtables and the mmu_gather while GUP-fast walks it
// with IRQs off and a fault waits on mmap_lock (WALK-1, WALK-5, GATHER-4/5).

import type { Program } from '../../check/program.js';
import { do_user_addr_fault } from '../fault.js';
import { gup_fast } from '../gup.js';
import { do_vmi_munmap } from '../mmap.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** munmap under mmap_lock against GUP-fast and a fault. */
export const munmapVsGupFast: Scenario = defineScenario({
  name: 'munmap_vs_gup_fast',
  description:
    'munmap of a VMA whose one PMD slot holds a table (entry 0 mapped): mmap_lock for write, detach, ' +
    'downgrade, zap, free_pgtables, tlb_finish_mmu; GUP-fast pins entry 0 with IRQs off; a write ' +
    'fault on entry 1 takes the VMA lock or mmap_lock for read.',
  variants: {
    table_free: {
      values: ['ipi', 'rcu', 'none'],
      default: 'rcu',
      doc:
        'ipi = tables freed like pages after the TLB-flush IPI (native x86 up to 6.13, ' +
        'tlb_remove_page); rcu = MMU_GATHER_RCU_TABLE_FREE batch + call_rcu (x86 6.15+, "x86/mm: ' +
        'Make MMU_GATHER_RCU_TABLE_FREE unconditional"; arm64, powerpc); none = a TLB flush that ' +
        'interrupts nobody (AMD INVLPGB, paravirt flush hypercalls) with tables still freed like ' +
        'pages: the combination the 6.15 INVLPGB series had to rule out.',
    },
    fault_lock: {
      values: ['per_vma', 'mmap_lock'],
      default: 'per_vma',
      doc:
        'per_vma = the fault read-locks the VMA under RCU (lock_vma_under_rcu, CONFIG_PER_VMA_LOCK, ' +
        "6.4+), excluded by munmap's vma_start_write; mmap_lock = lock_mm_and_find_vma (before 6.4, " +
        'and the fallback).',
    },
  },
  expected: (v) =>
    v.table_free === 'none'
      ? {
          verdict: 'fail',
          kinds: ['use-after-free'],
          why: 'nothing waits for the IRQs-off GUP-fast walker before the table is freed',
        }
      : {
          verdict: 'pass',
          why: 'the flush IPI or the grace period cannot complete while GUP-fast has IRQs off',
        },
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(
      munmapVsGupFast,
      v,
      o,
      {
        ptrs_per_pte: 2,
        config: {
          mmu_gather_rcu_table_free: v.table_free === 'rcu',
          tlb_flush_ipi: v.table_free === 'ipi',
        },
        table: [1],
      },
      (w, pmd) => {
        w.spawn('munmap', (cpu) => do_vmi_munmap(w, cpu));
        w.spawn('gup_fast', (cpu) => gup_fast(w, cpu, pmd, 0));
        w.spawn('fault', (cpu) =>
          do_user_addr_fault(w, cpu, pmd, 1, 2, { per_vma_lock: v.fault_lock === 'per_vma' }),
        );
      },
    ),
});
