// GUP-fast pins a folio while khugepaged collapses the range into a THP (issue #6 §2): the pin is
// only safe because GUP-fast re-checks the PMD after taking its reference, and collapse refuses a
// folio with more references than mappings. Without the re-check (or with the PTE re-check alone,
// before 6.1) the pin lands after collapse's refcount check and the write through it is lost.

import type { Program } from '../../check/program.js';
import { pin_user_pages_fast, unpin_user_page, write_through_pin } from '../gup.js';
import { collapse_huge_page } from '../khugepaged.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** khugepaged's anonymous collapse against pin_user_pages_fast on entry 0. */
export const gupFastVsCollapse: Scenario = defineScenario({
  name: 'gup_fast_vs_collapse',
  description:
    'A PTE table maps folio1 and folio2, one reference each. khugepaged collapses the range: ' +
    'pmdp_collapse_flush, the refcount check under the PTE lock, copy into THP folio10, ' +
    'set_pmd_at. pin_user_pages_fast pins entry 0 with IRQs off (try_grab_folio_fast, then the ' +
    're-check), writes through the pin and unpins.',
  variants: {
    gup: {
      values: ['fixed', 'pte_recheck_only'],
      default: 'fixed',
      doc:
        'fixed = GUP-fast re-checks the PMD and the PTE after pinning ("mm: gup: fix the fast GUP ' +
        'race against THP collapse", 70cbc3cc78a9, 6.1); pte_recheck_only = before it: ' +
        'pmdp_collapse_flush leaves the PTEs in place, so the PTE re-check passes.',
    },
    flush: {
      values: ['no_ipi', 'ipi'],
      default: 'no_ipi',
      doc:
        "no_ipi = the collapse's TLB flush interrupts nobody (arm64 broadcast TLBI, x86 INVLPGB, " +
        'paravirt flushes); ipi = native x86 shootdown IPIs, which wait for the IRQs-off walk and ' +
        'so serialise it before the refcount check (why x86 never showed the bug).',
    },
  },
  expected: (v) =>
    v.gup === 'pte_recheck_only' && v.flush === 'no_ipi'
      ? {
          verdict: 'fail',
          kinds: ['lost-mapping'],
          why:
            "the pin lands after collapse's refcount check while the PTE still maps the folio; " +
            'collapse copies it and the write through the pin is lost (70cbc3cc78a9)',
        }
      : {
          verdict: 'pass',
          why:
            'a pin taken before pmdp_collapse_flush fails the refcount check and collapse backs ' +
            'off; one taken after it sees the PMD changed and is dropped (or the IPI waits for it)',
        },
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(
      gupFastVsCollapse,
      v,
      o,
      {
        ptrs_per_pte: 2,
        config: { tlb_flush_ipi: v.flush === 'ipi' },
        table: [1, 2],
      },
      (w, pmd) => {
        w.newFolio(1);
        w.newFolio(2);
        w.spawn('khugepaged', (cpu) => collapse_huge_page(w, cpu, pmd, 10));
        w.spawn('gup_fast', function* (cpu) {
          const pin = yield* pin_user_pages_fast(w, cpu, pmd, 0, {
            pmd_recheck: v.gup === 'fixed',
          });
          if (pin.folio === null) return;
          yield* write_through_pin(w, cpu, pin.folio);
          yield* unpin_user_page(w, cpu, pin.folio);
        });
      },
    ),
});
