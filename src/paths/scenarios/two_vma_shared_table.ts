// Two VMAs in one 2 MiB slot share one PTE table, each with its own per-VMA lock (issue #6 §3): a
// fault in VMA A holds only A's lock, MADV_DONTNEED in VMA B only B's, so no VMA or mmap lock
// orders them. What keeps PT_RECLAIM from freeing the table under A is reclaim_pt_is_enabled():
// only a zap covering the whole table may free it, and B never covers A's part.

import type { Program } from '../../check/program.js';
import { do_user_addr_fault } from '../fault.js';
import { madvise_dontneed_single_vma } from '../madvise.js';
import { VmAreaStruct } from '../world/mm.js';
import {
  defineScenario,
  type BuildOptions,
  type Scenario,
  type VariantValues,
} from './scenario.js';
import { worldProgram } from './world-program.js';

/** A per-VMA-locked fault in A against per-VMA-locked MADV_DONTNEED in B, one shared table. */
export const twoVmaSharedTable: Scenario = defineScenario({
  name: 'two_vma_shared_table',
  description:
    'One PTE table, two VMAs: vma_a covers entry 0 (none), vma_b entry 1 (mapped). madvise_b: ' +
    'MADV_DONTNEED of vma_b under vm_lock(vma_b) with PT_RECLAIM requested, zapping entry 1 only. ' +
    'A write fault under the per-VMA lock of the variant maps entry 0 (in vma_a) or entry 1 ' +
    '(in vma_b).',
  variants: {
    fault_in: {
      values: ['a', 'b'],
      default: 'a',
      doc:
        'a = the fault is in the other VMA (vm_lock(vma_a), entry 0): no lock orders it against ' +
        'B; b = the fault refills the entry B zaps, under vm_lock(vma_b) for read too (readers ' +
        'do not exclude each other). Per-VMA locks: 6.4+; MADV_DONTNEED under them: 6.17+ ' +
        '("mm: use per_vma lock for MADV_DONTNEED", a6fde7add78d).',
    },
  },
  expected: () => ({
    verdict: 'pass',
    why:
      'reclaim_pt_is_enabled() requires the zap to cover the whole table (end - start >= ' +
      'PMD_SIZE, since PT_RECLAIM was merged, 6375e95f381e), so a table shared with another VMA ' +
      'is never freed by MADV_DONTNEED; B only clears its own entry under the PTE lock',
  }),
  build: (v: VariantValues, o?: BuildOptions): Program =>
    worldProgram(twoVmaSharedTable, v, o, { ptrs_per_pte: 2, table: [0, 2] }, (w, pmd) => {
      const vma_a = new VmAreaStruct('vma_a', [pmd]);
      const vma_b = new VmAreaStruct('vma_b', [pmd]);
      const a = v.fault_in === 'a';
      w.spawn(`fault_${v.fault_in}`, (cpu) =>
        do_user_addr_fault(w, cpu, pmd, a ? 0 : 1, 3, { vma: a ? vma_a : vma_b }),
      );
      w.spawn('madvise_b', (cpu) =>
        madvise_dontneed_single_vma(w, cpu, pmd, {
          per_vma_lock: true,
          vma: vma_b,
          range: { start: 1, end: 2 },
        }),
      );
    }),
});
