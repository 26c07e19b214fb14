// mremap's whole-table move against khugepaged's retract_page_tables (issue #6 §3). Since
// 1d65b771bc08 (6.6) retract clears a file VMA's PMD under the i_mmap lock and the PMD/PTE locks
// alone, so mremap's mmap_write_lock no longer excludes it; move_page_tables chooses the table
// move from a PMD read before it takes the rmap locks, and only a re-check under the PMD lock
// (6fa1066fc5d0, 2024) keeps it from moving a PMD that went none meanwhile.

import type { Program } from '../../check/program.js';
import { retract_page_tables } from '../khugepaged.js';
import { move_page_tables_pmd } from '../mremap.js';
import { RwSemaphore } from '../world/rwsem.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** move_normal_pmd under mmap_write_lock and i_mmap against retract_page_tables. */
export const mremapVsRetract: Scenario = defineScenario({
  name: 'mremap_vs_retract',
  description:
    'An empty PTE table of a file VMA at pmd[0]. mremap: mmap_write_lock, read pmd[0] (a table: ' +
    'move it whole), take_rmap_locks (i_mmap for write), move_normal_pmd under the PMD lock to ' +
    'pmd[1]. khugepaged: i_mmap for read, retract_page_tables of pmd[0] (PMD lock, PTE lock, ' +
    'pmdp_collapse_flush, pte_free_defer).',
  variants: {
    fix: {
      values: ['recheck', 'before'],
      default: 'recheck',
      doc:
        'recheck = move_normal_pmd re-reads the old PMD under the PMD lock and gives up unless it ' +
        'is a table (6fa1066fc5d0, "mm/mremap: fix move_normal_pmd/retract_page_tables race", ' +
        'Jann Horn, 2024); before = it moves whatever the PMD holds.',
    },
    retract: {
      values: ['no_mmap_lock', 'mmap_trylock'],
      default: 'no_mmap_lock',
      doc:
        'no_mmap_lock = retract without mmap or VMA lock (1d65b771bc08, "mm/khugepaged: ' +
        'retract_page_tables() without mmap or vma lock", Hugh Dickins, 6.6); mmap_trylock = ' +
        'before it: retract skips an mm whose mmap_write_trylock fails.',
    },
  },
  expected: (v) =>
    v.fix === 'before' && v.retract === 'no_mmap_lock'
      ? {
          verdict: 'fail',
          kinds: ['assertion'],
          why:
            'retract clears pmd[0] between mremap reading it and taking the rmap locks; ' +
            'move_normal_pmd then populates pmd[1] with pmd_pgtable() of a none PMD',
        }
      : {
          verdict: 'pass',
          why:
            'either the PMD is re-read under the PMD lock, which retract also holds to clear it, ' +
            "or mremap's mmap_write_lock makes retract's trylock fail for the whole move",
        },
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(mremapVsRetract, v, o, { ptrs_per_pte: 1, pmd_slots: 2, table: [] }, (w, from) => {
      const i_mmap = new RwSemaphore('i_mmap_rwsem');
      const mmap_trylock = v.retract === 'mmap_trylock';
      w.spawn('khugepaged', (cpu) => retract_page_tables(w, cpu, from, { i_mmap, mmap_trylock }));
      w.spawn('mremap', (cpu) =>
        move_page_tables_pmd(w, cpu, from, w.pmd(1), {
          i_mmap,
          recheck: v.fix === 'recheck',
        }),
      );
    }),
});
