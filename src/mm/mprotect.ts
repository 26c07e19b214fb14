// mprotect and the VMA flag changes shared with madvise(hugepage|nohugepage): split at the range
// ends, set flags, merge with neighbours; no table is allocated or freed (FREE-12).
// Mirrors mm/mprotect.c and vma_modify_flags in mm/vma.c (see docs/kernel-version.md).

import { pagesRoundUp } from '../arch/index.js';
import type { Errno } from '../util/errors.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';
import {
  VM_ACCESS_FLAGS,
  VM_ACCOUNT,
  VM_LOCKED,
  VM_NORESERVE,
  VM_SHARED,
  VM_WRITE,
} from './mm_types.js';
import { populate_vma_page_range } from './gup.js';
import { __split_vma, calc_vm_prot_bits, vm_enough_memory } from './mmap.js';
import { vma_merge } from './vma.js';

/**
 * `vma_modify_flags`: gives [start, end) (inside `vma`) the flags `newflags`, splitting `vma` at
 * the range ends and merging the result with compatible neighbours. Returns the VMA now holding
 * the range.
 */
export function vma_modify_flags(
  mm: MmStruct,
  vma: VmAreaStruct,
  start: number,
  end: number,
  newflags: number,
): VmAreaStruct {
  let target = vma;
  if (target.vm_start < start) target = __split_vma(mm, target, start);
  if (target.vm_end > end) __split_vma(mm, target, end);
  target.vm_flags = newflags;
  return vma_merge(mm.mmap, target, { left: true, right: true });
}

/**
 * `mprotect_fixup`: the VM_ACCOUNT rules (a VMA becoming writable is charged unless it is
 * VM_NORESERVE or already charged; ENOMEM if overcommit refuses), then the flag change of
 * [start, end) of `vma`.
 */
export function mprotect_fixup(
  mm: MmStruct,
  vma: VmAreaStruct,
  start: number,
  end: number,
  newflags: number,
): Errno | null {
  const oldflags = vma.vm_flags;
  if (newflags === oldflags) return null;
  if (newflags & VM_WRITE) {
    if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE))) {
      if (!vm_enough_memory(mm, end - start)) return 'ENOMEM';
      newflags |= VM_ACCOUNT;
    }
  } else if (oldflags & VM_ACCOUNT && vma.anon_vma === null) {
    // An unfaulted anonymous VMA made read-only gives its commit charge back.
    newflags &= ~VM_ACCOUNT;
  }
  const after = vma_modify_flags(mm, vma, start, end, newflags);
  // A locked private mapping made writable is faulted for write at once, breaking COW.
  if ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) === VM_LOCKED && newflags & VM_WRITE) {
    populate_vma_page_range(mm, after, start, end);
  }
  return null;
}

/**
 * `do_mprotect_pkey`: EINVAL for an unaligned start, success for a zero length, ENOMEM when the
 * range does not start in a VMA. Applies VMA by VMA and stops with ENOMEM at the first hole,
 * keeping what it changed before it, as the kernel does.
 */
export function do_mprotect(
  mm: MmStruct,
  startBytes: bigint,
  len: bigint,
  prot: number,
): Errno | null {
  const g = mm.geometry;
  const page = BigInt(g.PAGE_SIZE);
  if (startBytes % page !== 0n) return 'EINVAL';
  if (len === 0n) return null;
  const start = Number(startBytes / page);
  const end = start + pagesRoundUp(g, len);
  if (end <= start || startBytes + len >= 1n << 64n) return 'ENOMEM';
  const first = mm.mmap.find_vma_intersection(start, end);
  if (!first || first.vm_start > start) return 'ENOMEM';
  let tmp = first.vm_start;
  let nstart = start;
  for (const vma of mm.mmap.range(start, end)) {
    if (vma.vm_start !== tmp) return 'ENOMEM';
    const newflags = calc_vm_prot_bits(prot) | (vma.vm_flags & ~VM_ACCESS_FLAGS);
    tmp = Math.min(vma.vm_end, end);
    const e = mprotect_fixup(mm, vma, nstart, tmp, newflags);
    if (e) return e;
    nstart = tmp;
  }
  return tmp < end ? 'ENOMEM' : null;
}
