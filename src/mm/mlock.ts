// mlock, munlock, mlockall and munlockall: VM_LOCKED (and VM_LOCKONFAULT) set or cleared VMA by
// VMA with splits and merges, then the range populated. Locking never allocates or frees tables by
// itself; the populate does (ALLOC-4). Mirrors mm/mlock.c (see docs/kernel-version.md).

import type { Errno } from '../util/errors.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';
import { VM_LOCKED, VM_LOCKED_MASK, VM_LOCKONFAULT } from './mm_types.js';
import { vma_modify_flags } from './mprotect.js';
import { __mm_populate } from './gup.js';

/** `mlock_fixup`: gives [start, end) of `vma` the lock bits of `newflags`; returns the VMA after. */
function mlock_fixup(
  mm: MmStruct,
  vma: VmAreaStruct,
  start: number,
  end: number,
  newflags: number,
): VmAreaStruct {
  if (newflags === vma.vm_flags) return vma;
  return vma_modify_flags(mm, vma, start, end, newflags);
}

/**
 * `apply_vma_lock_flags` over pages [start, end): ENOMEM when `start` is in no VMA or a hole
 * follows, after changing the VMAs before the hole (as mprotect does).
 */
function apply_vma_lock_flags(
  mm: MmStruct,
  start: number,
  end: number,
  flags: number,
): Errno | null {
  if (end === start) return null;
  const first = mm.mmap.find_vma(start);
  if (!first || first.vm_start > start) return 'ENOMEM';
  let nstart = start;
  let vma: VmAreaStruct | undefined = first;
  // Re-looked-up after each fixup: a merge may have swallowed the next VMA.
  while (vma && vma.vm_start < end) {
    if (vma.vm_start > nstart) return 'ENOMEM';
    const newflags = (vma.vm_flags & ~VM_LOCKED_MASK) | flags;
    const after = mlock_fixup(mm, vma, nstart, Math.min(vma.vm_end, end), newflags);
    nstart = after.vm_end;
    if (nstart >= end) return null;
    vma = mm.mmap.find_vma(nstart);
  }
  return 'ENOMEM';
}

/** Page range [start, end) of an mlock-style (start, len) pair: start rounded down, len up. */
function lockRange(mm: MmStruct, startBytes: bigint, len: bigint): [number, number] | 'EINVAL' {
  const g = mm.geometry;
  const page = BigInt(g.PAGE_SIZE);
  const off = startBytes % page;
  const start = startBytes - off;
  const end = start + ((len + off + page - 1n) / page) * page;
  if (end >= 1n << 64n) return 'EINVAL';
  const top = BigInt(g.TASK_SIZE) * page;
  if (start >= top) return [Number(top / page), Number(top / page) + 1];
  // Beyond TASK_SIZE there is no VMA: a range reaching there has a hole (ENOMEM).
  return [Number(start / page), end > top ? Number(top / page) + 1 : Number(end / page)];
}

/**
 * `do_mlock` (mlock, or mlock2 with MLOCK_ONFAULT when `onfault`): an unaligned start is rounded
 * down. Locks VMA by VMA, then populates; a VMA without access makes the populate fail, which
 * mlock reports as ENOMEM (`__mlock_posix_error_return`).
 */
export function do_mlock(
  mm: MmStruct,
  startBytes: bigint,
  len: bigint,
  opts: { readonly onfault: boolean },
): Errno | null {
  const r = lockRange(mm, startBytes, len);
  if (r === 'EINVAL') return r;
  const [start, end] = r;
  const e = apply_vma_lock_flags(mm, start, end, VM_LOCKED | (opts.onfault ? VM_LOCKONFAULT : 0));
  if (e) return e;
  const p = __mm_populate(mm, start, end, { ignore_errors: false });
  return p === 'EFAULT' ? 'ENOMEM' : p;
}

/** `munlock`: clears VM_LOCKED and VM_LOCKONFAULT over the range; ENOMEM at a hole. */
export function do_munlock(mm: MmStruct, startBytes: bigint, len: bigint): Errno | null {
  const r = lockRange(mm, startBytes, len);
  if (r === 'EINVAL') return r;
  return apply_vma_lock_flags(mm, r[0], r[1], 0);
}

/** mlockall flags (include/uapi/asm-generic/mman-common.h). */
export const MCL_CURRENT = 1;
export const MCL_FUTURE = 2;
export const MCL_ONFAULT = 4;

/**
 * `mlockall(flags)` (`apply_mlockall_flags`, then `mm_populate` of everything for MCL_CURRENT
 * without MCL_ONFAULT, errors ignored); `flags` 0 is munlockall. EINVAL for flags mlockall refuses.
 */
export function do_mlockall(mm: MmStruct, flags: number): Errno | null {
  const all = MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT;
  if (flags !== 0 && (flags & ~all || flags === MCL_ONFAULT)) return 'EINVAL';
  mm.def_flags &= ~VM_LOCKED_MASK;
  if (flags & MCL_FUTURE) {
    mm.def_flags |= VM_LOCKED | (flags & MCL_ONFAULT ? VM_LOCKONFAULT : 0);
    if (!(flags & MCL_CURRENT)) return null;
  }
  const to_add = flags & MCL_CURRENT ? VM_LOCKED | (flags & MCL_ONFAULT ? VM_LOCKONFAULT : 0) : 0;
  let vma = mm.mmap.vmas[0];
  while (vma) {
    const after = mlock_fixup(
      mm,
      vma,
      vma.vm_start,
      vma.vm_end,
      (vma.vm_flags & ~VM_LOCKED_MASK) | to_add,
    );
    vma = mm.mmap.vmas[mm.mmap.indexAfter(after.vm_end)];
  }
  if (flags & MCL_CURRENT) {
    __mm_populate(mm, 0, mm.geometry.TASK_SIZE, { ignore_errors: true });
  }
  return null;
}
