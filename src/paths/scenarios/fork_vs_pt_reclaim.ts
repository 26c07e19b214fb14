// fork's copy of the parent's page tables against what other threads of the parent may run
// meanwhile under the per-VMA lock (issue #6 §3): MADV_DONTNEED with PT_RECLAIM (6.17+) and a
// write fault installing the VMA's first anon_vma. fork holds mmap_lock for write, which excludes
// neither; since fb49c455323f it also write-locks each VMA.

import type { Program } from '../../check/program.js';
import { do_user_addr_fault } from '../fault.js';
import { dup_mmap, type ForkAnonVma } from '../fork.js';
import { madvise_dontneed_single_vma } from '../madvise.js';
import { Shared } from '../world/shared.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** dup_mmap + copy_pte_range of the parent's one slot against one per-VMA-locked thread. */
export const forkVsPtReclaim: Scenario = defineScenario({
  name: 'fork_vs_pt_reclaim',
  description:
    'fork: mmap_write_lock, vma_start_write (per variant), anon_vma_fork, vma_needs_copy, then ' +
    "copy_pte_range of the parent's slot into the child (pte_offset_map_rw_nolock, both PTE " +
    'locks, copy every present entry). Another thread of the parent: MADV_DONTNEED with ' +
    'PT_RECLAIM of the slot under the per-VMA lock (both entries mapped), or a write fault on ' +
    'entry 0 of a VMA that has no anon_vma yet (its table empty).',
  variants: {
    other: {
      values: ['madvise', 'fault'],
      default: 'madvise',
      doc:
        'madvise = MADV_DONTNEED under the per-VMA read lock ("mm: use per_vma lock for ' +
        'MADV_DONTNEED", a6fde7add78d, 6.17) frees the emptied table by PT_RECLAIM; fault = a ' +
        'write fault installing the first anon_vma (fb49c455323f: "a concurrent page fault ... ' +
        'might trigger ... anon_vma_prepare(vma) on the source vma, defeating the ' +
        'anon_vma_clone() that wasn\'t done").',
    },
    fork_lock: {
      values: ['vma_start_write', 'mmap_lock_only'],
      default: 'vma_start_write',
      doc:
        'vma_start_write = dup_mmap write-locks each parent VMA ("fork: lock VMAs of the parent ' +
        'process when forking", fb49c455323f, 6.5); mmap_lock_only = 6.4, and Barry Song\'s 2026 ' +
        'proposal to drop it (CAGsJ_4w_-Y8qNLDeLX9OWpLpK01YG2bF-N6_mGypgsauvfCvkA@mail.gmail.com).',
    },
    anon_prepare: {
      values: ['mmap_lock', 'per_vma'],
      default: 'mmap_lock',
      doc:
        'mmap_lock = vmf_anon_prepare: a per-VMA-locked fault on a VMA without anon_vma retries ' +
        'under mmap_lock ("mm: Delay the check for a NULL anon_vma", 2024; before it ' +
        'lock_vma_under_rcu refused such a VMA); per_vma = the anon_vma installed under the VMA ' +
        "lock alone, as fb49c455323f's message describes. Only other=fault reads it.",
    },
  },
  expected: (v) =>
    v.other === 'fault' && v.fork_lock === 'mmap_lock_only' && v.anon_prepare === 'per_vma'
      ? {
          verdict: 'fail',
          kinds: ['lost-mapping'],
          why:
            'the fault installs the anon_vma after anon_vma_fork found none and before ' +
            'vma_needs_copy: the child gets a PTE of a folio whose anon_vma it is not chained to',
        }
      : {
          verdict: 'pass',
          why:
            v.other === 'madvise'
              ? 'the copy maps the source table under RCU and its PTE lock: a table PT_RECLAIM ' +
                'frees meanwhile is read empty and freed only after the copy (no VMA lock needed)'
              : 'vma_start_write makes the fault wait, or the fault installs the anon_vma only ' +
                'under mmap_lock, which fork holds for write',
        },
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(forkVsPtReclaim, v, o, { ptrs_per_pte: 2 }, (w, pmd) => {
      const madvise = v.other === 'madvise';
      w.initTable(pmd, madvise ? [1, 2] : []);
      const child = w.newMm('child');
      const anon_vma: ForkAnonVma = {
        parent: new Shared('anon_vma(vma)', madvise),
        child_chained: new Shared('anon_vma_chain(child.vma)', false),
      };
      w.spawn('fork', (cpu) =>
        dup_mmap(w, cpu, child, { vma_start_write: v.fork_lock === 'vma_start_write', anon_vma }),
      );
      if (madvise) {
        w.spawn('madvise', (cpu) =>
          madvise_dontneed_single_vma(w, cpu, pmd, { per_vma_lock: true }),
        );
      } else {
        const anon_prepare = v.anon_prepare === 'per_vma' ? 'per_vma' : 'mmap_lock';
        w.spawn('fault', (cpu) =>
          do_user_addr_fault(w, cpu, pmd, 0, 3, { anon_vma: anon_vma.parent, anon_prepare }),
        );
      }
      w.addFinalCheck(() => {
        if (anon_vma.child_chained.peek()) return undefined;
        for (const cpmd of child.pmds) {
          const id = cpmd.peek();
          if (id <= 0) continue;
          const e = w.alloc
            .table(id)
            .peekEntries()
            .find((x) => x !== 0);
          if (e === undefined) continue;
          return {
            kind: 'lost-mapping',
            message:
              `the child maps folio${e} but its VMA is on no anon_vma chain (anon_vma_fork found ` +
              'none): rmap (reclaim, migration) cannot find this mapping',
          };
        }
        return undefined;
      });
    }),
});
