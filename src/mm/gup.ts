// Faulting pages in on behalf of the kernel: MAP_POPULATE, MAP_LOCKED and mlock
// (`__mm_populate` -> `populate_vma_page_range`) and MADV_POPULATE_READ/WRITE
// (`faultin_page_range`). Each page is faulted as one user access would fault it.
// Mirrors the populate half of mm/gup.c (see docs/kernel-version.md).

import type { Errno } from '../util/errors.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';
import { VM_EXEC, VM_LOCKONFAULT, VM_READ, VM_SHARED, VM_WRITE } from './mm_types.js';
import { handle_mm_fault_range } from './memory.js';
import { folio_mark_dirty_range } from './folio-split.js';
import { file_fault_pages } from './filemap.js';
import { first_guard } from './guard.js';

/** `vma_is_accessible`: any of read, write or exec. */
function vma_is_accessible(vma: VmAreaStruct): boolean {
  return (vma.vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) !== 0;
}

/**
 * `populate_vma_page_range` over [start, end) (pages, inside `vma`): a private writable VMA is
 * faulted for write (breaking COW), anything else for read; VM_LOCKONFAULT faults nothing. A VMA
 * without any access fails (GUP without FOLL_FORCE): EFAULT.
 */
export function populate_vma_page_range(
  mm: MmStruct,
  vma: VmAreaStruct,
  start: number,
  end: number,
): Errno | null {
  if (vma.vm_flags & VM_LOCKONFAULT) return null;
  if (!vma_is_accessible(vma)) return 'EFAULT';
  const write = (vma.vm_flags & (VM_WRITE | VM_SHARED)) === VM_WRITE;
  // A guard marker stops GUP with EFAULT after the pages before it.
  const guard = first_guard(mm, start, end);
  if (guard >= 0) end = guard;
  if (vma.vm_file) {
    // GUP turns a SIGBUS (beyond the file's end) into EFAULT.
    if (file_fault_pages(mm, vma, start, 1, end - start, write)) return 'EFAULT';
    return guard >= 0 ? 'EFAULT' : null;
  }
  if (start < end) handle_mm_fault_range(mm, vma, start, end, write, /* gup = */ true);
  if (write) folio_mark_dirty_range(mm, start, end);
  return guard >= 0 ? 'EFAULT' : null;
}

/**
 * `__mm_populate(start, len, ignore_errors)` over pages [start, end): holes are skipped; the first
 * VMA that fails stops the walk unless `ignore_errors` (MAP_POPULATE, mlockall).
 */
export function __mm_populate(
  mm: MmStruct,
  start: number,
  end: number,
  opts: { readonly ignore_errors: boolean },
): Errno | null {
  for (const vma of mm.mmap.range(start, end)) {
    const e = populate_vma_page_range(
      mm,
      vma,
      Math.max(start, vma.vm_start),
      Math.min(end, vma.vm_end),
    );
    if (e && !opts.ignore_errors) return e;
  }
  return null;
}

/**
 * `madvise_populate` (MADV_POPULATE_READ/WRITE) over pages [start, end): faults VMA by VMA in
 * order; a hole stops it with ENOMEM, a VMA that does not allow the access with EINVAL, each after
 * the pages before it were faulted. Unlike mlock it never breaks COW for read.
 */
export function madvise_populate(
  mm: MmStruct,
  start: number,
  end: number,
  write: boolean,
): Errno | null {
  let addr = start;
  while (addr < end) {
    const vma = mm.mmap.find_vma(addr);
    if (!vma || vma.vm_start > addr) return 'ENOMEM';
    const allowed = (vma.vm_flags & (write ? VM_WRITE : VM_READ)) !== 0;
    if (!allowed) return 'EINVAL';
    const guard = first_guard(mm, addr, Math.min(end, vma.vm_end));
    const e = guard >= 0 ? guard : Math.min(end, vma.vm_end);
    if (vma.vm_file) {
      if (file_fault_pages(mm, vma, addr, 1, e - addr, write)) return 'EFAULT';
    } else if (e > addr) {
      handle_mm_fault_range(mm, vma, addr, e, write, /* gup = */ true);
      if (write) folio_mark_dirty_range(mm, addr, e);
    }
    if (guard >= 0) return 'EFAULT';
    addr = e;
  }
  return null;
}
