// A user program's memory accesses as the faults they cause: one access per stride step, in
// address order, stopping with SIGSEGV at the first unmapped or forbidden address (SIGBUS beyond a mapped file's end) (pages before
// it stay faulted, as in a real process).

import type { Errno } from '../util/errors.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';
import { VM_READ, VM_WRITE } from './mm_types.js';
import { handle_mm_fault_range, handle_mm_fault_strided } from './memory.js';
import { file_fault_pages } from './filemap.js';
import { first_guard, is_guard_page } from './guard.js';
import { clear_unwritten } from './unwritten.js';
import { find_vma_for_fault } from './stack.js';

/** Whether `vma` allows the access (`access_error`). */
function access_ok(vma: VmAreaStruct, write: boolean): boolean {
  return (vma.vm_flags & (write ? VM_WRITE : VM_READ)) !== 0;
}

/**
 * Accesses `start`, `start + stride`, ... below `start + len` (bytes). Returns SIGSEGV when an
 * access hits no VMA or one without the permission, after faulting every page before it.
 */
export function touch_range(
  mm: MmStruct,
  start: bigint,
  len: bigint,
  stride: bigint,
  write: boolean,
): Errno | null {
  if (len <= 0n) return null;
  const page = BigInt(mm.geometry.PAGE_SIZE);
  const last = start + ((len - 1n) / stride) * stride;
  const limit = BigInt(mm.geometry.TASK_SIZE) * page;
  if (stride <= page) {
    // Consecutive accesses are at most a page apart: every page from first to last is touched.
    const p0 = Number(start / page);
    const p1 = last >= limit ? Number(limit / page) + 1 : Number(last / page) + 1;
    return fault_run(mm, p0, p1, write);
  }
  const n = (len - 1n) / stride + 1n;
  if (stride % page === 0n && start / page < limit / page) {
    const step = Number(stride / page);
    const first = Number(start / page);
    const count = Number(n);
    let k = 0;
    while (k < count) {
      const p = first + k * step;
      const vma = find_vma_for_fault(mm, p);
      if (!vma || !access_ok(vma, write)) return 'SIGSEGV';
      // Accesses k .. k + n - 1 fall inside this VMA.
      let n = Math.min(count - k, Math.ceil((vma.vm_end - p) / step));
      // A guard marker faults with SIGSEGV after the accesses before it.
      const guard = first_guard_strided(mm, p, step, n);
      if (guard >= 0) n = guard;
      if (n === 0) return 'SIGSEGV';
      if (vma.vm_file) {
        const e = file_fault_pages(mm, vma, p, step, n, write);
        if (e) return e;
      } else {
        handle_mm_fault_strided(mm, vma, p, step, n, write);
        if (write && mm.unwritten.size !== 0) {
          for (let j = 0; j < n; j++) clear_unwritten(mm, p + j * step, p + j * step + 1);
        }
      }
      if (guard >= 0) return 'SIGSEGV';
      k += n;
    }
    return null;
  }
  let prev = -1;
  for (let a = start; a <= last; a += stride) {
    if (a >= limit) return 'SIGSEGV';
    const p = Number(a / page);
    if (p === prev) continue;
    prev = p;
    const err = fault_run(mm, p, p + 1, write);
    if (err) return err;
  }
  return null;
}

/** Faults pages [p0, p1) in order, VMA by VMA; SIGSEGV at the first page no VMA allows. */
function fault_run(mm: MmStruct, p0: number, p1: number, write: boolean): Errno | null {
  let p = p0;
  while (p < p1) {
    const vma = find_vma_for_fault(mm, p);
    if (!vma || !access_ok(vma, write)) return 'SIGSEGV';
    const guard = first_guard(mm, p, Math.min(vma.vm_end, p1));
    const e = guard >= 0 ? guard : Math.min(vma.vm_end, p1);
    if (e > p && vma.vm_file) {
      const err = file_fault_pages(mm, vma, p, 1, e - p, write);
      if (err) return err;
    } else if (e > p) {
      handle_mm_fault_range(mm, vma, p, e, write);
      if (write) clear_unwritten(mm, p, e);
    }
    if (guard >= 0) return 'SIGSEGV';
    p = e;
  }
  return null;
}

/** Index of the first of `n` accesses `p`, `p + step`, … that hits a guard marker, or -1. */
function first_guard_strided(mm: MmStruct, p: number, step: number, n: number): number {
  if (mm.guardPages.size === 0) return -1;
  for (let k = 0; k < n; k++) if (is_guard_page(mm, p + k * step)) return k;
  return -1;
}
