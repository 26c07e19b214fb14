// GUP-fast pinning a page of the parent while fork copies its tables (issue #6 §3): fork copies a
// possibly pinned folio for the child instead of sharing it (70e806e4e645, 5.9), but a pin that
// lands after that check and before the write-protection stays on a folio the parent then gives
// up on its next write (COW). mm->write_protect_seq closes the window (57efa1fe5957, 5.11).

import type { Program } from '../../check/program.js';
import { user_write_anon } from '../cow.js';
import { dup_mmap, type ForkCow } from '../fork.js';
import { pin_user_pages_fast, unpin_user_page, write_through_pin } from '../gup.js';
import { Shared } from '../world/shared.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** fork of a one-page anonymous mapping, then a write by the parent, against a FOLL_PIN walk. */
export const forkVsGupFast: Scenario = defineScenario({
  name: 'fork_vs_gup_fast',
  description:
    'folio1 mapped writable and exclusive at entry 0. The parent thread forks (dup_mmap, ' +
    'write_protect_seq odd around copy_page_range; copy_present_pte copies a possibly pinned ' +
    'folio for the child, else shares it and write-protects the parent entry), then writes the ' +
    'page (do_wp_page: reuse if exclusive, else copy into folio20). gup_fast: ' +
    'pin_user_pages_fast(FOLL_WRITE) of entry 0, a write through the pin, unpin.',
  variants: {
    gup: {
      values: ['write_protect_seq', 'pte_recheck_only'],
      default: 'write_protect_seq',
      doc:
        'write_protect_seq = GUP-fast reads mm->write_protect_seq before the walk and re-checks ' +
        'it after pinning ("mm/gup: prevent gup_fast from racing with COW during fork", ' +
        '57efa1fe5957, 5.11); pte_recheck_only = 5.9-5.10: fork already copies pinned pages ' +
        '("mm: Do early cow for pinned pages during fork() for ptes", 70e806e4e645) but GUP-fast ' +
        'relies on its PTE re-check alone.',
    },
  },
  expected: (v) =>
    v.gup === 'pte_recheck_only'
      ? {
          verdict: 'fail',
          kinds: ['lost-mapping'],
          why:
            'the pin is taken after fork found folio1 unpinned and before it write-protected the ' +
            "entry; the PTE re-check passes, the folio is shared, and the parent's next write " +
            'copies it away from the pin',
        }
      : {
          verdict: 'pass',
          why:
            'a pin that overlaps copy_page_range sees write_protect_seq odd or changed and is ' +
            'dropped; one taken before makes fork copy the folio for the child',
        },
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(forkVsGupFast, v, o, { ptrs_per_pte: 1 }, (w, pmd) => {
      w.newFolio(1, 1);
      w.initTable(pmd, [1]);
      const child = w.newMm('child');
      const pte_write = new Shared('pte_write(tbl1)[0]', true);
      const anon_exclusive = new Map([[1, new Shared('anon_exclusive(folio1)', true)]]);
      const cow: ForkCow = {
        write_protect_seq: new Shared('write_protect_seq', 0),
        pte_write: [pte_write],
        anon_exclusive,
        copy_folio: 10,
      };
      const anon_vma = {
        parent: new Shared('anon_vma(vma)', true),
        child_chained: new Shared('anon_vma_chain(child.vma)', false),
      };
      w.spawn('parent', function* (cpu) {
        yield* dup_mmap(w, cpu, child, { anon_vma, cow });
        yield* user_write_anon(w, cpu, pmd, 0, { pte_write, anon_exclusive, copy_folio: 20 });
      });
      const seq = v.gup === 'write_protect_seq';
      w.spawn('gup_fast', function* (cpu) {
        const pin = yield* pin_user_pages_fast(w, cpu, pmd, 0, {
          pte_write,
          ...(seq ? { write_protect_seq: cow.write_protect_seq } : {}),
        });
        if (pin.result !== 'pinned' || pin.folio === null) return;
        yield* write_through_pin(w, cpu, pin.folio);
        yield* unpin_user_page(w, cpu, pin.folio);
      });
    }),
});
