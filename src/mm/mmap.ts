// mmap (MAP_PRIVATE|MAP_ANONYMOUS, hinted MAP_FIXED_NOREPLACE or top-down placement), munmap and
// exit: VMA bookkeeping around unmap_vmas + free_pgtables (FREE-1/2/10, PLACE-1..3).
// Mirrors mm/mmap.c and mm/vma.c (see docs/kernel-version.md).

import { pagesRoundUp, ULONG_MAX } from '../arch/index.js';
import type { Errno } from '../util/errors.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';
import type { SimFile } from './mm_types.js';
import {
  VM_ACCOUNT,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_LOCKED,
  VM_NORESERVE,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  PMD_HUGE_SHMEM,
} from './mm_types.js';
import { file_alloc } from './filemap.js';
import { __split_huge_pmd } from './huge_memory.js';
import { zap_huge_pmd_shmem } from './filemap-thp.js';
import { pmd_lookup } from './pgtable.js';
import { free_pgtables } from './free_pgtables.js';
import { unmap_vmas } from './zap.js';
import { split_vma, vm_start_gap, vma_merge } from './vma.js';
import { __mm_populate } from './gup.js';

/** `PROT_*` bits (include/uapi/asm-generic/mman-common.h). */
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;

/** Result of a syscall that returns an address. */
export type MmapResult = { readonly addr: number } | { readonly errno: Errno };

/** `calc_vm_prot_bits`: vm_flags for a protection. */
export function calc_vm_prot_bits(prot: number): number {
  return (
    (prot & PROT_READ ? VM_READ : 0) |
    (prot & PROT_WRITE ? VM_WRITE : 0) |
    (prot & PROT_EXEC ? VM_EXEC : 0)
  );
}

/** `MAP_*` behaviour of one mmap call beyond anonymous private; every field defaults to false. */
export interface MmapFlags {
  /** MAP_FIXED: `at` replaces whatever is mapped there (FREE-11) instead of failing with EEXIST. */
  readonly fixed?: boolean;
  /** MAP_LOCKED: the VMA is VM_LOCKED and populated. */
  readonly locked?: boolean;
  /** MAP_POPULATE: the new range is faulted in (errors ignored). */
  readonly populate?: boolean;
  /** MAP_SHARED; without `file` an anonymous shared mapping (a shmem file of its own). */
  readonly shared?: boolean;
  /** The file mapped, from page offset `pgoff` (default 0). */
  readonly file?: SimFile;
  readonly pgoff?: number;
  /** MAP_NORESERVE: VM_NORESERVE, no commit charge, so no VM_ACCOUNT (issue #7 e). */
  readonly noreserve?: boolean;
  /** MAP_GROWSDOWN: VM_GROWSDOWN, a stack that a fault just below extends (`stack.ts`). */
  readonly growsdown?: boolean;
}

/**
 * `__vm_enough_memory` under heuristic overcommit: a charge of more pages than RAM + swap fails.
 */
export function vm_enough_memory(mm: MmStruct, pages: number): boolean {
  return pages <= mm.overcommit_pages;
}

/**
 * `vm_mmap_pgoff`: `do_mmap`, then `mm_populate` of the new range when it is VM_LOCKED (MAP_LOCKED
 * or mlockall MCL_FUTURE) or MAP_POPULATE was given; populate errors are ignored.
 */
export function vm_mmap_pgoff(
  mm: MmStruct,
  at: bigint | undefined,
  len: bigint,
  prot: number,
  flags: MmapFlags = {},
): MmapResult {
  const r = do_mmap(mm, at, len, prot, flags);
  if ('errno' in r) return r;
  const vma = mm.mmap.find_vma(r.addr);
  if (vma && (vma.vm_flags & VM_LOCKED || flags.populate)) {
    __mm_populate(mm, r.addr, r.addr + pagesRoundUp(mm.geometry, len), { ignore_errors: true });
  }
  return r;
}

/**
 * `do_mmap` of an anonymous private mapping. `at` is a MAP_FIXED_NOREPLACE address (MAP_FIXED
 * with `flags.fixed`); without it the mapping goes top-down below mmap_base. Lengths round up to
 * pages. A private writable map without MAP_NORESERVE is charged (`accountable_mapping`):
 * VM_ACCOUNT, and ENOMEM when the heuristic overcommit check refuses it.
 */
export function do_mmap(
  mm: MmStruct,
  at: bigint | undefined,
  len: bigint,
  prot: number,
  flags: MmapFlags = {},
): MmapResult {
  const g = mm.geometry;
  const page = BigInt(g.PAGE_SIZE);
  if (len === 0n) return { errno: 'EINVAL' };
  if (len > ULONG_MAX - page + 1n) return { errno: 'ENOMEM' };
  const pages = pagesRoundUp(g, len);
  if (pages > g.TASK_SIZE) return { errno: 'ENOMEM' };
  let start: number;
  if (at !== undefined) {
    const taskBytes = BigInt(g.TASK_SIZE) * page;
    if (at > taskBytes - BigInt(pages) * page) return { errno: 'ENOMEM' };
    if (at % page !== 0n) return { errno: 'EINVAL' };
    if (at < mm.mmap_min_addr) return { errno: 'EPERM' };
    start = Number(at / page);
    if (mm.mmap.find_vma_intersection(start, start + pages)) {
      if (!flags.fixed) return { errno: 'EEXIST' };
      // The old range goes first, with the old neighbours as floor and ceiling (FREE-11).
      do_vmi_align_munmap(mm, start, start + pages);
    }
  } else {
    const found = file_get_unmapped_area(
      mm,
      flags.file,
      flags.shared === true,
      pages,
      flags.pgoff ?? 0,
    );
    if (found === undefined) return { errno: 'ENOMEM' };
    start = found;
  }
  let vm_flags = calc_vm_prot_bits(prot) | mm.def_flags;
  if (flags.locked) vm_flags |= VM_LOCKED;
  if (flags.shared) vm_flags |= VM_SHARED;
  if (flags.noreserve) vm_flags |= VM_NORESERVE;
  if (flags.growsdown) vm_flags |= VM_GROWSDOWN;
  // accountable_mapping: private writable mappings without MAP_NORESERVE are charged (and so
  // carry VM_ACCOUNT); heuristic overcommit may refuse the charge.
  if ((vm_flags & (VM_WRITE | VM_NORESERVE | VM_SHARED)) === VM_WRITE) {
    if (!vm_enough_memory(mm, pages)) return { errno: 'ENOMEM' };
    vm_flags |= VM_ACCOUNT;
  }
  const vma: VmAreaStruct = {
    vm_start: start,
    vm_end: start + pages,
    vm_flags,
    anon_vma: null,
  };
  // shmem_zero_setup: an anonymous shared mapping is a shmem file of its own size.
  const file = flags.file ?? (flags.shared ? file_alloc('dev/zero', pages, true) : undefined);
  if (file) {
    vma.vm_file = file;
    vma.vm_pgoff = flags.file ? (flags.pgoff ?? 0) : 0;
  }
  mm.mmap.insert(vma);
  vma_merge(mm.mmap, vma, { left: true, right: true });
  return { addr: start };
}

/**
 * `__get_unmapped_area` for a hint-less anonymous mapping: top-down below mmap_base; a length
 * that is a multiple of PMD_SIZE is placed PMD-aligned via a padded search (PLACE-2,
 * `__thp_get_unmapped_area`).
 */
export function get_unmapped_area(mm: MmStruct, pages: number): number | undefined {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  if (pages % PMD_SIZE === 0) {
    const ret = unmapped_area_topdown(mm, pages + PMD_SIZE);
    if (ret !== undefined) {
      const off_sub = (PMD_SIZE - (ret % PMD_SIZE)) % PMD_SIZE;
      return off_sub === 0 ? ret + PMD_SIZE : ret + off_sub;
    }
  }
  return unmapped_area_topdown(mm, pages);
}

/**
 * `__get_unmapped_area` of a hint-less mapping by its backing: a shmem file or anonymous shared
 * memory goes through `shmem_get_unmapped_area`, which aligns nothing while `shmem_enabled` is
 * `never` and the mount is huge=never (this host); a disk file (ext4) through
 * `thp_get_unmapped_area` at its page offset; anonymous private memory as `get_unmapped_area`.
 */
export function file_get_unmapped_area(
  mm: MmStruct,
  file: SimFile | undefined,
  shared: boolean,
  pages: number,
  pgoff: number,
): number | undefined {
  if (file && !file.shmem) return thp_get_unmapped_area(mm, pages, pgoff);
  if (file || shared) return unmapped_area_topdown(mm, pages);
  return get_unmapped_area(mm, pages);
}

/**
 * `thp_get_unmapped_area` for `pages` at file page offset `pgoff`: when [pgoff, pgoff + pages)
 * holds a whole 2 MiB-aligned run of the file, a search padded by PMD_SIZE places the range so
 * that address and offset agree modulo 2 MiB (the highest such place; `__thp_get_unmapped_area`
 * moves up by the remainder, or by a whole PMD_SIZE when the padded gap already agrees); else a
 * plain top-down search. Measured on ext4 (docs/fidelity.md).
 */
export function thp_get_unmapped_area(
  mm: MmStruct,
  pages: number,
  pgoff: number,
): number | undefined {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const off_align = Math.ceil(pgoff / PMD_SIZE) * PMD_SIZE;
  if (pgoff + pages > off_align && pgoff + pages - off_align >= PMD_SIZE) {
    const ret = unmapped_area_topdown(mm, pages + PMD_SIZE);
    if (ret !== undefined) {
      const off_sub = (((pgoff - ret) % PMD_SIZE) + PMD_SIZE) % PMD_SIZE;
      return off_sub === 0 ? ret + PMD_SIZE : ret + off_sub;
    }
  }
  return unmapped_area_topdown(mm, pages);
}

/** `unmapped_area_topdown`: the highest gap below mmap_base (and above mmap_min_addr) that fits. */
export function unmapped_area_topdown(mm: MmStruct, pages: number): number | undefined {
  const page = BigInt(mm.geometry.PAGE_SIZE);
  const low = Math.max(1, Number((mm.mmap_min_addr + page - 1n) / page));
  const high = mm.mmap_base;
  const vmas = mm.mmap.vmas;
  let i = mm.mmap.indexAfter(high) - 1;
  let gapEnd = high;
  // A gap ends below the guard gap of a stack above it (`vm_start_gap`).
  const next = vmas[i + 1];
  if (next && vm_start_gap(next) < gapEnd) gapEnd = vm_start_gap(next);
  for (; ; i--) {
    const prev = vmas[i];
    const gapStart = Math.max(prev ? prev.vm_end : 0, low);
    if (gapEnd - gapStart >= pages && gapEnd >= gapStart) return gapEnd - pages;
    if (!prev) return undefined;
    gapEnd = Math.min(vm_start_gap(prev), high);
  }
}

/** Splits the huge PMD straddling `addr`, if any (`split_huge_pmd_address` on VMA splits). */
export function split_huge_pmd_address(mm: MmStruct, addr: number): void {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  if (addr % PMD_SIZE === 0) return;
  const pmd = pmd_lookup(mm, addr);
  if (pmd === 0) return;
  const idx = Math.floor(addr / PMD_SIZE) % mm.geometry.PTRS_PER_PMD;
  const entry = mm.dirs[mm.dirs.length - 1].get(pmd, idx);
  if (entry === PMD_HUGE_SHMEM) zap_huge_pmd_shmem(mm, pmd, idx);
  else if (entry < 0) __split_huge_pmd(mm, pmd, idx);
}

/** `__split_vma` including `vma_adjust_trans_huge`; returns the upper piece. */
export function __split_vma(mm: MmStruct, vma: VmAreaStruct, addr: number): VmAreaStruct {
  split_huge_pmd_address(mm, addr);
  return split_vma(mm.mmap, vma, addr);
}

/**
 * `do_vmi_munmap`: unmaps [start, start + PAGE_ALIGN(len)) bytes. Fails with EINVAL for an
 * unaligned start, a zero length or a range beyond TASK_SIZE; a hole is not an error.
 */
export function do_munmap(mm: MmStruct, startBytes: bigint, len: bigint): Errno | null {
  const g = mm.geometry;
  const page = BigInt(g.PAGE_SIZE);
  const taskBytes = BigInt(g.TASK_SIZE) * page;
  if (startBytes % page !== 0n || startBytes > taskBytes || len > taskBytes - startBytes) {
    return 'EINVAL';
  }
  const pages = pagesRoundUp(g, len);
  if (pages === 0) return 'EINVAL';
  const start = Number(startBytes / page);
  do_vmi_align_munmap(mm, start, start + pages);
  return null;
}

/**
 * `do_vmi_align_munmap` over page range [start, end): split the boundary VMAs, detach the pieces
 * inside, zap them, and free tables with the live neighbours as floor and ceiling (FREE-2).
 */
export function do_vmi_align_munmap(mm: MmStruct, start: number, end: number): void {
  const g = mm.geometry;
  let vmas = mm.mmap.range(start, end);
  const first = vmas[0];
  if (!first) return;
  if (first.vm_start < start) __split_vma(mm, first, start);
  vmas = mm.mmap.range(start, end);
  const last = vmas[vmas.length - 1];
  if (last.vm_end > end) __split_vma(mm, last, end);
  vmas = mm.mmap.range(start, end);
  const prev = mm.mmap.prev(vmas[0]);
  const next = mm.mmap.next(vmas[vmas.length - 1]);
  for (const v of vmas) mm.mmap.remove(v);
  unmap_vmas(mm, vmas, start, end);
  free_pgtables(
    mm,
    vmas,
    prev ? prev.vm_end : g.FIRST_USER_ADDRESS,
    next ? next.vm_start : g.USER_PGTABLES_CEILING,
  );
}

/** `exit_mmap`: zaps everything, frees every table (floor 0, ceiling 0), empties the tree (FREE-10). */
export function exit_mmap(mm: MmStruct): void {
  const g = mm.geometry;
  const vmas = [...mm.mmap.vmas];
  for (const v of vmas) mm.mmap.remove(v);
  unmap_vmas(mm, vmas, 0, Number.MAX_SAFE_INTEGER);
  free_pgtables(mm, vmas, g.FIRST_USER_ADDRESS, g.USER_PGTABLES_CEILING);
  mm.family.delete(mm);
}
