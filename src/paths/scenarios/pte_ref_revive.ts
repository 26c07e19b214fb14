// The 2022 percpu_ref design (seed 000, HIST-2): MADV_DONTNEED drops the last entry reference and
// frees the table at zero while a walker and a fault take visitor references.

import type { Program } from '../../check/program.js';
import { do_anonymous_page_pte_ref, madvise_dontneed_pte_ref, pte_ref_walker } from '../pte_ref.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** Reference-counted PTE tables: reclaim at zero against a walker and a fault. */
export const pteRefRevive: Scenario = defineScenario({
  name: 'pte_ref_revive',
  description:
    'The RFC "Free user PTE page table pages" (v2, Apr 2022): a table with entry 0 mapped holds one ' +
    'entry reference. MADV_DONTNEED zaps it and frees the table when the count is zero; a walker ' +
    'reads entry 0 and a write fault maps entry 1, each under a visitor reference.',
  variants: {
    refcount: {
      values: ['tryget', 'naive'],
      default: 'tryget',
      doc:
        'tryget = pte_tryget() with percpu_ref_tryget semantics in atomic mode (fails at zero), as ' +
        'the RFC v2 (Qi Zheng, Apr 2022) intended; naive = a plain get that revives a table whose ' +
        'count already reached zero and whose freeing has begun.',
    },
  },
  expected: (v) =>
    v.refcount === 'naive'
      ? {
          verdict: 'fail',
          kinds: ['use-after-free', 'lost-mapping'],
          why: 'a get after the reclaimer saw zero keeps using a table that is then unlinked and freed: the walker reads it after the grace period, or the fault maps into it',
        }
      : {
          verdict: 'pass',
          why: 'zero is final: no reference can be taken once the count reached it, so a zero count means no user',
        },
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(
      pteRefRevive,
      v,
      o,
      {
        ptrs_per_pte: 2,
        config: { pte_refcount: true, pte_ref_get: v.refcount === 'naive' ? 'naive' : 'tryget' },
        table: [1],
      },
      (w, pmd, t) => {
        t.pte_ref.value = 1;
        w.spawn('madvise', (cpu) => madvise_dontneed_pte_ref(w, cpu, pmd));
        w.spawn('walker', (cpu) => pte_ref_walker(w, cpu, pmd, 0));
        w.spawn('fault', (cpu) => do_anonymous_page_pte_ref(w, cpu, pmd, 1, 2));
      },
    ),
});
