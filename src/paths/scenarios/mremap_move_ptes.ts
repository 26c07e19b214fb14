// mremap's entry-by-entry move (move_ptes) against what its locks must exclude (issue #6 §3):
// MADV_DONTNEED with PT_RECLAIM under the per-VMA lock (6.17+) on the source or on the new VMA,
// and an rmap walker, which takes no mmap or VMA lock and visits the two VMAs in the anon_vma's
// interval-tree order. move_ptes maps the destination table with no pmd_same re-check, trusting
// that nothing can free it while mmap_lock is held for write.

import type { Program } from '../../check/program.js';
import { madvise_dontneed_single_vma } from '../madvise.js';
import { mremap_move_ptes } from '../mremap.js';
import { rmap_walk_anon_vmas, type AnonVma } from '../rmap.js';
import { RwSemaphore } from '../world/rwsem.js';
import { Shared } from '../world/shared.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** move_ptes of pmd[0] (vma0) into a new table at pmd[1] (vma1) against one other thread. */
export const mremapMovePtes: Scenario = defineScenario({
  name: 'mremap_move_ptes',
  description:
    'vma0 maps folio1 at entry 0 of pmd[0]. mremap: mmap_write_lock, vma_start_write(vma0), ' +
    'copy_vma links vma1 (write-locked first), pte_alloc at pmd[1], move_ptes (source by ' +
    'pte_offset_map_lock, destination by pte_offset_map_rw_nolock, both PTE locks, rmap locks ' +
    'when vma1 precedes vma0 in rmap order). The other thread: MADV_DONTNEED with PT_RECLAIM ' +
    'under the per-VMA lock of vma1 or vma0, or an rmap walk for folio1 over both VMAs.',
  variants: {
    other: {
      values: ['madvise_new', 'madvise_src', 'rmap_after', 'rmap_before'],
      default: 'madvise_new',
      doc:
        'madvise_new / madvise_src = MADV_DONTNEED of the new or the source VMA under its ' +
        'per-VMA lock ("mm: use per_vma lock for MADV_DONTNEED", a6fde7add78d, 6.17), excluded by ' +
        'the VMA write locks of "mm/mremap: write-lock VMA while remapping it to a new address ' +
        'range" (20230216051750.3125598-19-surenb@google.com, 6.4) and of vma_link; rmap_after / ' +
        'rmap_before = rmap_walk_anon visiting the source then the new VMA, or the reverse, where ' +
        'move_ptes takes the anon_vma lock ("mm: avoid taking rmap locks in move_ptes()", ' +
        '1346750457-12385-8-git-send-email-walken@google.com).',
    },
  },
  expected: (v) => ({
    verdict: 'pass',
    why: v.other.startsWith('madvise')
      ? 'lock_vma_under_rcu fails on a write-locked or not yet linked VMA, so MADV_DONTNEED waits ' +
        'for mmap_lock; the destination table cannot be reclaimed under move_ptes'
      : 'visiting the source first, the walk sees the entry before or after the move; visiting ' +
        'the new VMA first, the anon_vma lock orders the whole move against the walk',
  }),
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(
      mremapMovePtes,
      v,
      o,
      {
        ptrs_per_pte: 1,
        pmd_slots: 2,
        vma_slots: [1, 1],
      },
      (w) => {
        const [from, to] = [w.pmd(0), w.pmd(1)];
        const [vma, new_vma] = w.mm.vmas;
        new_vma.initDetached();
        w.initTable(from, [1]);
        const anon_vma: AnonVma = {
          rwsem: new RwSemaphore('anon_vma.rwsem'),
          linked: new Shared('anon_vma_chain(vma0)', true),
        };
        const new_vma_first = v.other === 'rmap_before';
        w.spawn('mremap', (cpu) =>
          mremap_move_ptes(w, cpu, from, to, { vma, new_vma, anon_vma, new_vma_first }),
        );
        if (v.other === 'madvise_new' || v.other === 'madvise_src') {
          const dst = v.other === 'madvise_new';
          w.spawn('madvise', (cpu) =>
            madvise_dontneed_single_vma(w, cpu, dst ? to : from, {
              per_vma_lock: true,
              vma: dst ? new_vma : vma,
            }),
          );
          return;
        }
        let found = -1;
        const order = new_vma_first ? [to, from] : [from, to];
        w.spawn('rmap', function* (cpu) {
          found = yield* rmap_walk_anon_vmas(w, cpu, anon_vma, order, 0, 1);
        });
        w.addFinalCheck(() =>
          found === 0
            ? {
                kind: 'lost-mapping',
                message:
                  'the rmap walk found folio1 in neither VMA: move_ptes moved it between the ' +
                  "walk's visits (try_to_unmap or migration would leave that mapping behind)",
              }
            : undefined,
        );
      },
    ),
});
