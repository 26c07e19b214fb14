// Stack growth: a fault below a VM_GROWSDOWN VMA (the main stack, MAP_GROWSDOWN) extends it down to
// the faulting page, unless that comes within stack_guard_gap of an accessible mapping below,
// makes the stack larger than RLIMIT_STACK, or overcommit refuses it. Mirrors expand_downwards in
// mm/mmap.c (see docs/kernel-version.md).

import type { MmStruct, VmAreaStruct } from './mm_types.js';
import { VM_ACCOUNT, VM_EXEC, VM_GROWSDOWN, VM_READ, VM_WRITE } from './mm_types.js';
import { vm_enough_memory } from './mmap.js';
import { anon_vma_prepare } from './rmap.js';
import { avc_insert, STACK_GUARD_GAP_PAGES, vm_start_gap } from './vma.js';

export { STACK_GUARD_GAP_PAGES, vm_start_gap };

/** `RLIMIT_STACK`: 8 MiB, the usual soft limit, in pages. */
export const RLIMIT_STACK_PAGES = 2048;

/**
 * `expand_downwards`: extends the stack `vma` down to page `addr`; false (the fault is SIGSEGV)
 * below mmap_min_addr, within the guard gap above an accessible non-stack VMA, beyond
 * RLIMIT_STACK, or when overcommit refuses the growth of an accounted stack.
 */
export function expand_downwards(mm: MmStruct, vma: VmAreaStruct, addr: number): boolean {
  const page = BigInt(mm.geometry.PAGE_SIZE);
  if (!(vma.vm_flags & VM_GROWSDOWN)) return false;
  if (BigInt(addr) * page < mm.mmap_min_addr || addr < mm.geometry.FIRST_USER_ADDRESS) return false;
  const prev = mm.mmap.prev(vma);
  const accessible = (v: VmAreaStruct): boolean =>
    (v.vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) !== 0;
  if (
    prev &&
    !(prev.vm_flags & VM_GROWSDOWN) &&
    accessible(prev) &&
    addr - prev.vm_end < STACK_GUARD_GAP_PAGES
  ) {
    return false;
  }
  anon_vma_prepare(mm, vma);
  if (addr >= vma.vm_start) return true;
  const grow = vma.vm_start - addr;
  // acct_stack_growth
  if (vma.vm_end - addr > RLIMIT_STACK_PAGES) return false;
  if (vma.vm_flags & VM_ACCOUNT && !vm_enough_memory(mm, grow)) return false;
  if (vma.vm_pgoff !== undefined) vma.vm_pgoff -= grow;
  vma.vm_start = addr;
  avc_insert(vma);
  return true;
}

/**
 * `lock_mm_and_find_vma` for a user fault at page `p`: the VMA containing it, after growing a stack
 * just above it; undefined when the fault is SIGSEGV.
 */
export function find_vma_for_fault(mm: MmStruct, p: number): VmAreaStruct | undefined {
  const vma = mm.mmap.find_vma(p);
  if (!vma) return undefined;
  if (vma.vm_start <= p) return vma;
  return expand_downwards(mm, vma, p) ? vma : undefined;
}
