// The program break: brk(2) grows the heap VMA (or starts one) page by page and shrinks it with an
// munmap of the tail, whose tables go as do_vmi_align_munmap frees them. Mirrors the brk syscall
// and do_brk_flags in mm/mmap.c and mm/vma.c (see docs/kernel-version.md).

import type { MmStruct, VmAreaStruct } from './mm_types.js';
import { VM_ACCOUNT, VM_LOCKED, VM_READ, VM_WRITE } from './mm_types.js';
import { do_vmi_align_munmap, vm_enough_memory } from './mmap.js';
import { STACK_GUARD_GAP_PAGES, vm_start_gap } from './stack.js';
import { avc_insert, same_file_range } from './vma.js';
import { __mm_populate } from './gup.js';

/** `mm->start_brk` and `mm->brk`, in bytes (the break need not be page-aligned). */
export interface BrkState {
  start_brk: bigint;
  brk: bigint;
}

// Kept beside the mm rather than in it: an mm without a heap (no process image) has none.
const heaps = new WeakMap<MmStruct, BrkState>();

/** The heap of `mm`, or undefined when it has none. */
export function mm_brk(mm: MmStruct): BrkState | undefined {
  return heaps.get(mm);
}

/**
 * Sets `start_brk` and `brk` (exec's `setup_new_exec`/ELF loader, or `prctl(PR_SET_MM_MAP)`);
 * mappings are not touched.
 */
export function mm_set_brk(mm: MmStruct, start_brk: bigint, brk: bigint): void {
  heaps.set(mm, { start_brk, brk });
}

/**
 * `brk(addr)`: returns the new break, or the old one when the kernel refuses (below start_brk, a
 * growth that would come within a page, or a stack's guard gap, of the next mapping, overcommit,
 * or a shrink with nothing mapped in the range). Undefined when the mm has no heap.
 */
export function do_brk(mm: MmStruct, addr: bigint): bigint | undefined {
  const st = heaps.get(mm);
  if (!st) return undefined;
  const page = BigInt(mm.geometry.PAGE_SIZE);
  const origbrk = st.brk;
  if (addr < st.start_brk) return origbrk;
  const newbrk = Number((addr + page - 1n) / page);
  const oldbrk = Number((st.brk + page - 1n) / page);
  if (newbrk === oldbrk) {
    st.brk = addr;
    return addr;
  }
  if (addr <= st.brk) {
    // Always allowed, if a VMA lies in the range: an munmap of the tail.
    if (!mm.mmap.find_vma_intersection(newbrk, oldbrk)) return origbrk;
    st.brk = addr;
    do_vmi_align_munmap(mm, newbrk, oldbrk);
    return addr;
  }
  const next = mm.mmap.find_vma_intersection(oldbrk, newbrk + 1 + STACK_GUARD_GAP_PAGES);
  if (next && newbrk + 1 > vm_start_gap(next)) return origbrk;
  const start = Number(st.start_brk / page);
  const prev = mm.mmap.vmas[mm.mmap.indexAfter(oldbrk) - 1] as VmAreaStruct | undefined;
  const brkvma = prev && prev.vm_end > start ? prev : undefined;
  if (!do_brk_flags(mm, brkvma, oldbrk, newbrk - oldbrk)) return origbrk;
  st.brk = addr;
  if (mm.def_flags & VM_LOCKED) __mm_populate(mm, oldbrk, newbrk, { ignore_errors: true });
  return addr;
}

/**
 * `do_brk_flags`: charges the pages, then extends `vma` when it ends at `addr` and may merge
 * with the new range (same flags, offsets continuing), else links a new anonymous VMA; the new
 * range never merges with a VMA after it.
 */
function do_brk_flags(
  mm: MmStruct,
  vma: VmAreaStruct | undefined,
  addr: number,
  len: number,
): boolean {
  const flags = VM_READ | VM_WRITE | VM_ACCOUNT | mm.def_flags;
  if (!vm_enough_memory(mm, len)) return false;
  const fresh: VmAreaStruct = {
    vm_start: addr,
    vm_end: addr + len,
    vm_flags: flags,
    anon_vma: null,
  };
  if (vma && vma.vm_end === addr && vma.vm_flags === flags && same_file_range(vma, fresh)) {
    vma.vm_end = addr + len;
    avc_insert(vma);
    return true;
  }
  mm.mmap.insert(fresh);
  return true;
}
