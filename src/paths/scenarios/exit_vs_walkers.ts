// exit_mmap's teardown against the walkers that can still reach a dying mm (issue #6 §3): the OOM
// reaper (mmap_read_lock, mm held by mm_count), an rmap walker (anon_vma lock) and khugepaged's
// retract_page_tables (i_mmap lock, no mmap lock). No thread of the mm is left, so GUP-fast and
// faults cannot run: exit_mmap starts only when mm_users is zero.

import type { Program } from '../../check/program.js';
import { exit_mmap, oom_reap_task_mm, type ExitRmaps } from '../exit.js';
import { retract_page_tables } from '../khugepaged.js';
import { rmap_walk_anon } from '../rmap.js';
import { RwSemaphore } from '../world/rwsem.js';
import { Shared } from '../world/shared.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** exit_mmap of a one-slot mm against one outside walker. */
export const exitVsWalkers: Scenario = defineScenario({
  name: 'exit_vs_walkers',
  description:
    'exit: mmput drops mm_users to 0; exit_mmap zaps the slot under mmap_read_lock, sets ' +
    'MMF_OOM_SKIP, takes mmap_write_lock, free_pgtables (unlink the VMA from its anon_vma or ' +
    'i_mmap, then pmd_clear and pte_free_tlb with no page-table lock), tlb_finish_mmu. The walker: ' +
    'the OOM reaper zapping under mmap_read_lock unless MMF_OOM_SKIP, an rmap walk of entry 0 ' +
    '(anon_vma read lock, pte_offset_map_lock), or retract_page_tables of the empty table of a ' +
    'file VMA (i_mmap read lock, collapse_test_exit, PMD and PTE locks, pte_free_defer).',
  variants: {
    walker: {
      values: ['oom_reaper', 'rmap', 'retract'],
      default: 'oom_reaper',
      doc:
        'oom_reaper = __oom_reap_task_mm / process_mrelease, excluded from free_pgtables by ' +
        'mmap_write_lock since "mm: protect free_pgtables with mmap_lock write lock in ' +
        'exit_mmap" (64591e8605d6, 6.0); rmap = rmap_walk_anon (rmap walkers take no mmap_lock: ' +
        'cf2dee71-0b01-1df2-f97e-12c27ed6d630@redhat.com); retract = khugepaged without mmap ' +
        'lock (1d65b771bc08, 6.6), whose collapse_test_exit is a racy read.',
    },
    table_free: {
      values: ['rcu', 'page'],
      default: 'rcu',
      doc:
        'rcu = MMU_GATHER_RCU_TABLE_FREE (x86 6.15+, every PT_RECLAIM kernel); page = tables ' +
        'freed like pages after the TLB flush (x86 without PARAVIRT before 6.15, arm32), where ' +
        'only the locks protect a walker.',
    },
  },
  expected: (v) => ({
    verdict: 'pass',
    why:
      v.walker === 'oom_reaper'
        ? 'the reaper either zaps before exit_mmap takes mmap_write_lock or reads MMF_OOM_SKIP ' +
          'after it was set'
        : 'free_pgtables unlinks the VMA from the anon_vma / i_mmap under their write lock ' +
          'before it frees the tables, so a walker that found the VMA finishes first',
  }),
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(
      exitVsWalkers,
      v,
      o,
      {
        ptrs_per_pte: 2,
        config: { mmu_gather_rcu_table_free: v.table_free === 'rcu' },
        table: v.walker === 'retract' ? [] : [1],
      },
      (w, pmd) => {
        const r: ExitRmaps = {
          mm_users: new Shared('mm_users', 1),
          oom_skip: new Shared('mm.flags(MMF_OOM_SKIP)', false),
          ...(v.walker === 'rmap'
            ? {
                anon_vma: {
                  rwsem: new RwSemaphore('anon_vma.rwsem'),
                  linked: new Shared('anon_vma_chain(vma)', true),
                },
              }
            : {}),
          ...(v.walker === 'retract'
            ? {
                i_mmap: {
                  rwsem: new RwSemaphore('i_mmap_rwsem'),
                  linked: new Shared('i_mmap(vma)', true),
                },
              }
            : {}),
        };
        w.spawn('exit', (cpu) => exit_mmap(w, cpu, r));
        if (v.walker === 'oom_reaper') {
          w.spawn('oom_reaper', (cpu) => oom_reap_task_mm(w, cpu, r.oom_skip));
        } else if (r.anon_vma !== undefined) {
          const anon_vma = r.anon_vma;
          w.spawn('rmap', (cpu) => rmap_walk_anon(w, cpu, anon_vma, pmd, 0));
        } else if (r.i_mmap !== undefined) {
          const f = r.i_mmap;
          w.spawn('khugepaged', (cpu) =>
            retract_page_tables(w, cpu, pmd, {
              i_mmap: f.rwsem,
              mapped: f.linked,
              mm_users: r.mm_users,
            }),
          );
        }
      },
    ),
});
