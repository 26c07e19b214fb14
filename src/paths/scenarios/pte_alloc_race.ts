// Two faults on one empty PMD slot both allocate a PTE table (issue #6 §2: the PMD lock of
// pmd_install). The one that installs second must see the first table and free its own (ALLOC-2).

import type { Program } from '../../check/program.js';
import { do_anonymous_page } from '../memory.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** Two write faults racing to populate one empty PMD slot. */
export const pteAllocRace: Scenario = defineScenario({
  name: 'pte_alloc_race',
  description:
    'An empty PMD slot; two write faults on entries 0 and 1 each allocate a PTE table outside any ' +
    'lock (__pte_alloc) and install it with pmd_install, which re-checks pmd_none under the PMD ' +
    'lock and frees the table of the fault that lost.',
  variants: {},
  expected: () => ({
    verdict: 'pass',
    why: 'pmd_install populates only a PMD it found none under the PMD lock, so one table is linked and the other freed (mm/memory.c since "mm: introduce pmd_install() helper", 2021)',
  }),
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(pteAllocRace, v, o, { ptrs_per_pte: 2 }, (w, pmd) => {
      for (const entry of [0, 1]) {
        w.spawn(`fault${entry}`, (cpu) => do_anonymous_page(w, cpu, pmd, entry, entry + 1));
      }
    }),
});
