// The one piece of reverse mapping the model needs: when a VMA gets its anon_vma, and which one,
// since that decides later merges (is_mergeable_anon_vma). Mirrors mm/rmap.c and
// find_mergeable_anon_vma in mm/vma.c (see docs/kernel-version.md).

import { AnonVma, VM_ACCESS_FLAGS } from './mm_types.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';
import { avc_insert, same_file_range } from './vma.js';

/**
 * `anon_vma_compatible(a, b)` for adjacent anonymous VMAs `a` (below) and `b`: they could share
 * an anon_vma because they differ at most in access bits (a later mprotect may merge them).
 * The offsets must line up (an mremap moves an anonymous VMA's `vm_pgoff` with it).
 */
function anon_vma_compatible(a: VmAreaStruct, b: VmAreaStruct): boolean {
  const sameFile = same_file_range(a, b);
  return (
    a.vm_end === b.vm_start && ((a.vm_flags ^ b.vm_flags) & ~VM_ACCESS_FLAGS) === 0 && sameFile
  );
}

/**
 * `find_mergeable_anon_vma`: the anon_vma of the next VMA, else of the previous one, when that
 * neighbour is compatible and its anon_vma_chain is singular (`reusable_anon_vma`): not a VMA a
 * fork cloned (AnonVma.forked).
 */
function find_mergeable_anon_vma(mm: MmStruct, vma: VmAreaStruct): AnonVma | null {
  const next = mm.mmap.next(vma);
  if (next?.anon_vma && !next.anon_vma.forked && anon_vma_compatible(vma, next)) {
    return next.anon_vma;
  }
  const prev = mm.mmap.prev(vma);
  if (prev?.anon_vma && !prev.anon_vma.forked && anon_vma_compatible(prev, vma)) {
    return prev.anon_vma;
  }
  return null;
}

/**
 * Gives the VMA an anon_vma if it has none (`anon_vma_prepare` → `__anon_vma_prepare`), reusing
 * a compatible neighbour's (issue #7 d). Called by write faults and by every THP fault,
 * including the huge-zero read fault; small read faults map the zero page without one.
 */
export function anon_vma_prepare(mm: MmStruct, vma: VmAreaStruct): void {
  if (vma.anon_vma !== null) return;
  vma.anon_vma = find_mergeable_anon_vma(mm, vma) ?? new AnonVma();
  avc_insert(vma);
}
