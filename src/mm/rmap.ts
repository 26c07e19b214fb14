// The one piece of reverse mapping the model needs: when a VMA gets its anon_vma, which decides
// later merges (is_mergeable_anon_vma). Mirrors mm/rmap.c (see docs/kernel-version.md).

import { AnonVma } from './mm_types.js';
import type { VmAreaStruct } from './mm_types.js';

/**
 * Gives the VMA an anon_vma if it has none (`anon_vma_prepare`). Called by write faults and by
 * every THP fault, including the huge-zero read fault; small read faults map the zero page
 * without one.
 */
export function anon_vma_prepare(vma: VmAreaStruct): void {
  if (vma.anon_vma === null) vma.anon_vma = new AnonVma();
}
