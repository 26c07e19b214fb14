// An rmap walker against a PTE table freed under mmap_write_lock alone (issue #6 §3): rmap walks
// take the anon_vma (or i_mmap) lock and never the mmap_lock, so only unlinking the VMA from the
// anon_vma first, or freeing the table by RCU, keeps them off a freed table.

import type { Program } from '../../check/program.js';
import { pte_free_defer } from '../khugepaged.js';
import { pmd_clear } from '../pgtable.js';
import { rmap_walk_anon, type AnonVma } from '../rmap.js';
import { mm_dec_nr_ptes } from '../world/mm.js';
import { RwSemaphore } from '../world/rwsem.js';
import { Shared } from '../world/shared.js';
import { step } from '../world/step.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** rmap_walk_anon against a table freer holding mmap_lock for write. */
export const rmapVsTableFree: Scenario = defineScenario({
  name: 'rmap_vs_table_free',
  description:
    'A PTE table whose entry 0 maps an anonymous folio. The rmap walker (rmap_walk_anon: ' +
    'anon_vma lock for read, page_vma_mapped_walk through pte_offset_map_lock) looks the folio up ' +
    'while a freer holding mmap_lock for write clears the PMD (under the PMD lock) and frees the ' +
    'table, having first unlinked the VMA from the anon_vma or not.',
  variants: {
    freer: {
      values: ['free_pgtables', 'mmap_lock_only'],
      default: 'free_pgtables',
      doc:
        'free_pgtables = munmap/exit order: unlink_anon_vmas under the anon_vma lock, then free the ' +
        'tables; mmap_lock_only = a table freed under mmap_write_lock alone, as the 2022 pte_ref ' +
        "RFC proposed for empty tables (David Hildenbrand's review, " +
        'cf2dee71-0b01-1df2-f97e-12c27ed6d630@redhat.com: rmap walkers do not take the mmap_lock).',
    },
    table_free: {
      values: ['page', 'rcu'],
      default: 'page',
      doc:
        'page = the table is freed at once (pte_free); rcu = after a grace period (pte_free_defer), ' +
        "which since 6.5 (Hugh Dickins' pte_offset_map series: RCU, pmd_same re-check) protects " +
        'every walker that maps the table, rmap walkers included.',
    },
  },
  expected: (v) =>
    v.freer === 'mmap_lock_only' && v.table_free === 'page'
      ? {
          verdict: 'fail',
          kinds: ['use-after-free'],
          why: "the rmap walker holds the anon_vma lock, not mmap_lock: it locks the freed table's ptl",
        }
      : {
          verdict: 'pass',
          why:
            v.freer === 'free_pgtables'
              ? 'the VMA leaves the anon_vma under its lock before the table is freed'
              : 'the walker maps the table under RCU and re-checks the PMD under the PTE lock',
        },
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(rmapVsTableFree, v, o, { ptrs_per_pte: 2, table: [1] }, (w, pmd, t) => {
      const anon_vma: AnonVma = {
        rwsem: new RwSemaphore('anon_vma.rwsem'),
        linked: new Shared('anon_vma_chain(vma)', true),
      };
      w.spawn('rmap', (cpu) => rmap_walk_anon(w, cpu, anon_vma, pmd, 0));
      w.spawn('freer', function* (cpu) {
        const mm = w.mm;
        yield* mm.mmap_lock.down_write(cpu, 'mmap_write_lock');
        if (v.freer === 'free_pgtables') {
          yield* anon_vma.rwsem.down_write(cpu, 'unlink_anon_vmas: anon_vma_lock_write');
          yield step('unlink_anon_vmas: anon_vma_interval_tree_remove');
          anon_vma.linked.set(false);
          yield* anon_vma.rwsem.up_write(cpu, 'unlink_anon_vmas: anon_vma_unlock_write');
        }
        // The entry was zapped before (its folio is not what this scenario is about).
        yield step('zap_pte_range: ptep_get_and_clear');
        t.set_pte(0, 0);
        yield* mm.pml.spin_lock(cpu, 'free_pte_range: pmd_lock');
        yield* pmd_clear(w, cpu, pmd, 'free_pte_range: pmd_clear');
        yield* mm.pml.spin_unlock(cpu, 'free_pte_range: spin_unlock(pml)');
        mm_dec_nr_ptes(mm, cpu, 'free_pte_range');
        if (v.table_free === 'rcu') yield* pte_free_defer(w, cpu, t);
        else yield* w.alloc.free_page(cpu, t.page, 'pte_free');
        yield* mm.mmap_lock.up_write(cpu, 'mmap_write_unlock');
      });
    }),
});
