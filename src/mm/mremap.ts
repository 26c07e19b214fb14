// mremap: shrink (an munmap of the tail), grow in place (the VMA extended and merged with its
// next), or move (copy_vma, move_page_tables, then the source unmapped with its neighbours as
// floor and ceiling, or kept empty with MREMAP_DONTUNMAP); several VMAs move at once with
// MREMAP_FIXED and an unchanged size (6.17+). Mirrors mm/mremap.c (see docs/kernel-version.md).

import type { Errno } from '../util/errors.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';
import { VM_ACCOUNT, VM_LOCKED, VM_LOCKED_MASK, VM_SHARED } from './mm_types.js';
import type { MmapResult } from './mmap.js';
import {
  do_munmap,
  do_vmi_align_munmap,
  file_get_unmapped_area,
  unmapped_area_topdown,
  vm_enough_memory,
} from './mmap.js';
import { avc_insert, vma_merge, vma_pgoff } from './vma.js';
import { dontunmap_keep_mlocked_file } from './filemap-reclaim.js';
import { dontunmap_keep_mlocked } from './mlocked.js';
import { move_page_tables } from './mremap-pgtables.js';
import { __mm_populate } from './gup.js';

/** `MREMAP_*` flags of one call; every field defaults to false. */
export interface MremapFlags {
  readonly maymove?: boolean;
  /** MREMAP_FIXED: move to `new_addr` exactly, unmapping what is there (needs maymove). */
  readonly fixed?: boolean;
  /** MREMAP_DONTUNMAP: move, leaving the source VMA in place with no pages (needs maymove). */
  readonly dontunmap?: boolean;
}

/** One call's state, in pages once the arguments are checked (`struct vma_remap_struct`). */
interface Vrm {
  addr: number;
  old_len: number;
  new_len: number;
  new_addr: number;
  readonly flags: MremapFlags;
  /** The VMA is VM_LOCKED and grows: the new part is populated at the end. */
  populate_expand: boolean;
}

const implies_new_addr = (vrm: Vrm): boolean => !!(vrm.flags.fixed || vrm.flags.dontunmap);

/** `vma_lookup`: the VMA containing page `addr`. */
function vma_lookup(mm: MmStruct, addr: number): VmAreaStruct | undefined {
  const v = mm.mmap.find_vma(addr);
  return v && v.vm_start <= addr ? v : undefined;
}

/**
 * `check_prep_vma`: EFAULT when `addr` is in no VMA; for a call that grows or moves, EINVAL for a
 * zero old length of a private mapping and EFAULT when the range that moves or grows runs past
 * the VMA's end.
 */
function check_prep_vma(vma: VmAreaStruct | undefined, vrm: Vrm): Errno | null {
  if (!vma) return 'EFAULT';
  if (!implies_new_addr(vrm)) vrm.new_addr = vrm.addr;
  if (!(vrm.new_len > vrm.old_len || implies_new_addr(vrm))) return null;
  if (vrm.old_len === 0 && !(vma.vm_flags & VM_SHARED)) return 'EINVAL';
  // A shrinking move is checked after the shrink: only the part that moves must fit the VMA.
  if (Math.min(vrm.old_len, vrm.new_len) > vma.vm_end - vrm.addr) return 'EFAULT';
  if (vrm.new_len > vrm.old_len && vma.vm_flags & VM_LOCKED) vrm.populate_expand = true;
  return null;
}

/** `vrm_calc_charge`: an accounted VMA charges what the call adds; ENOMEM when refused. */
function vrm_calc_charge(mm: MmStruct, vma: VmAreaStruct, vrm: Vrm): boolean {
  if (!(vma.vm_flags & VM_ACCOUNT)) return true;
  const charged = vrm.flags.dontunmap ? vrm.new_len : Math.abs(vrm.new_len - vrm.old_len);
  return vm_enough_memory(mm, charged);
}

/**
 * `copy_vma`: the destination VMA, merged with its neighbours where mm/vma.c would. A never
 * faulted anonymous VMA takes the offset of its new address; else it keeps its old one, so a moved
 * anonymous VMA rarely merges with anything but its old neighbours.
 */
function copy_vma(mm: MmStruct, vma: VmAreaStruct, addr: number, len: number, pgoff: number) {
  if (!vma.vm_file && !vma.anon_vma) pgoff = addr;
  const copy: VmAreaStruct = {
    vm_start: addr,
    vm_end: addr + len,
    vm_flags: vma.vm_flags,
    anon_vma: vma.anon_vma,
  };
  if (vma.vm_file) copy.vm_file = vma.vm_file;
  if (vma.vm_file || pgoff !== addr) copy.vm_pgoff = pgoff;
  mm.mmap.insert(copy);
  avc_insert(copy);
  return vma_merge(mm.mmap, copy, { left: true, right: true });
}

/** `move_vma`: copy_vma, move_page_tables, then unmap (or with DONTUNMAP empty) the source. */
function move_vma(mm: MmStruct, vma: VmAreaStruct, vrm: Vrm): MmapResult {
  if (!vrm_calc_charge(mm, vma, vrm)) return { errno: 'ENOMEM' };
  const pgoff = vma_pgoff(vma) + (vrm.addr - vma.vm_start);
  const newVma = copy_vma(mm, vma, vrm.new_addr, vrm.new_len, pgoff);
  move_page_tables(mm, {
    old: vma,
    new: newVma,
    old_addr: vrm.addr,
    new_addr: vrm.new_addr,
    old_end: vrm.addr + vrm.old_len,
    len_in: vrm.old_len,
  });
  if (vrm.flags.dontunmap) {
    // dontunmap_complete: the whole source VMA loses its lock bits; it keeps VM_ACCOUNT (6.17+).
    dontunmap_keep_mlocked(mm, vma);
    dontunmap_keep_mlocked_file(mm, vma);
    vma.vm_flags &= ~VM_LOCKED_MASK;
    if (vrm.addr === vma.vm_start && vrm.addr + vrm.old_len === vma.vm_end) vma.anon_vma = null;
  } else if (vrm.old_len > 0) {
    // unmap_source_vma: VM_ACCOUNT is cleared and restored around the split; no net change.
    do_vmi_align_munmap(mm, vrm.addr, vrm.addr + vrm.old_len);
  }
  return { addr: vrm.new_addr };
}

/**
 * `vrm_set_new_addr`: MREMAP_FIXED takes `new_addr` (EPERM below mmap_min_addr); DONTUNMAP alone
 * uses it as a hint; else the kernel places the VMA as mmap would (PLACE-1/2).
 */
function vrm_set_new_addr(mm: MmStruct, vma: VmAreaStruct, vrm: Vrm): Errno | null {
  const g = mm.geometry;
  const page = BigInt(g.PAGE_SIZE);
  const len = vrm.new_len;
  const minPage = Number((mm.mmap_min_addr + page - 1n) / page);
  if (vrm.flags.fixed) {
    if (vrm.new_addr < minPage) return 'EPERM';
    return null;
  }
  const hint = implies_new_addr(vrm) ? vrm.new_addr : 0;
  if (
    hint !== 0 &&
    hint >= minPage &&
    hint + len <= g.TASK_SIZE &&
    !mm.mmap.find_vma_intersection(hint, hint + len)
  ) {
    return null;
  }
  // The file's get_unmapped_area at the moved range's page offset (PLACE-2 for anonymous memory).
  const pgoff = (vma.vm_pgoff ?? vma.vm_start) + (vrm.addr - vma.vm_start);
  // A hint the range does not fit at is dropped, except that a disk file's search still aligns.
  const disk = vma.vm_file !== undefined && !vma.vm_file.shmem;
  const found =
    hint !== 0 && !disk
      ? unmapped_area_topdown(mm, len)
      : file_get_unmapped_area(
          mm,
          vma.vm_file ?? undefined,
          (vma.vm_flags & VM_SHARED) !== 0,
          len,
          pgoff,
        );
  if (found === undefined) return 'ENOMEM';
  vrm.new_addr = found;
  return null;
}

/** `mremap_to`: FIXED unmaps the destination first, a shrink unmaps the tail, then move_vma. */
function mremap_to(mm: MmStruct, vrm: Vrm): MmapResult {
  if (vrm.flags.fixed) do_vmi_align_munmap(mm, vrm.new_addr, vrm.new_addr + vrm.new_len);
  let vma = vma_lookup(mm, vrm.addr);
  if (!vma) return { errno: 'EFAULT' };
  if (vrm.new_len < vrm.old_len) {
    do_vmi_align_munmap(mm, vrm.addr + vrm.new_len, vrm.addr + vrm.old_len);
    vma = vma_lookup(mm, vrm.addr);
    if (!vma) return { errno: 'EFAULT' };
    vrm.old_len = vrm.new_len;
  }
  const e = vrm_set_new_addr(mm, vma, vrm);
  if (e) return { errno: e };
  return move_vma(mm, vma, vrm);
}

/** `vma_expandable`: nothing mapped after the VMA's end for `delta` pages, all of it user space. */
function vma_expandable(mm: MmStruct, vma: VmAreaStruct, delta: number): boolean {
  const end = vma.vm_end + delta;
  return end <= mm.geometry.TASK_SIZE && !mm.mmap.find_vma_intersection(vma.vm_end, end);
}

/** `mremap_at`: same size is a no-op, a shrink unmaps the tail, a growth is in place or a move. */
function mremap_at(mm: MmStruct, vma: VmAreaStruct, vrm: Vrm): MmapResult {
  const page = BigInt(mm.geometry.PAGE_SIZE);
  if (vrm.new_len === vrm.old_len) return { addr: vrm.addr };
  if (vrm.new_len < vrm.old_len) {
    const start = BigInt(vrm.addr + vrm.new_len) * page;
    const e = do_munmap(mm, start, BigInt(vrm.old_len - vrm.new_len) * page);
    return e ? { errno: e } : { addr: vrm.addr };
  }
  const delta = vrm.new_len - vrm.old_len;
  if (vma.vm_end - vrm.addr === vrm.old_len && vma_expandable(mm, vma, delta)) {
    if (!vrm_calc_charge(mm, vma, vrm)) return { errno: 'ENOMEM' };
    // vma_merge_extend: the VMA grows, then merges with its next where it may.
    vma.vm_end += delta;
    vma_merge(mm.mmap, vma, { left: false, right: true });
    return { addr: vrm.addr };
  }
  if (!vrm.flags.maymove) return { errno: 'ENOMEM' };
  const e = vrm_set_new_addr(mm, vma, vrm);
  if (e) return { errno: e };
  return move_vma(mm, vma, vrm);
}

/**
 * `remap_move` (MREMAP_FIXED, same size): every VMA in [addr, addr + len) moves, split as needed,
 * keeping the gaps between them; a gap at the start is EFAULT. Returns the first VMA's new address.
 */
function remap_move(mm: MmStruct, vrm: Vrm): MmapResult {
  const start = vrm.addr;
  const end = vrm.addr + vrm.old_len;
  let res: MmapResult = { errno: 'EFAULT' };
  let target = vrm.new_addr;
  let lastEnd = 0;
  let seen = false;
  for (let cursor = start; cursor < end;) {
    const vma = mm.mmap.find_vma(cursor);
    if (!vma || vma.vm_start >= end) break;
    if (!seen && start < vma.vm_start) return { errno: 'EFAULT' };
    const addr = Math.max(vma.vm_start, start);
    const len = Math.min(end, vma.vm_end) - addr;
    const offset = seen ? vma.vm_start - lastEnd : 0;
    lastEnd = vma.vm_end;
    const piece: Vrm = { ...vrm, addr, old_len: len, new_len: len, new_addr: target + offset };
    const e = check_prep_vma(vma, piece);
    if (e) return { errno: e };
    const r = mremap_to(mm, piece);
    if ('errno' in r) return r;
    if (!seen) res = r;
    seen = true;
    target = r.addr + len;
    cursor = addr + len;
  }
  return res;
}

/**
 * `mremap(addr, old_len, new_len, flags, new_addr)` (bytes). Returns the new start (pages) or the
 * errno, in the kernel's order: EINVAL for bad flags, an unaligned address, a zero new length, a
 * range beyond TASK_SIZE, FIXED or DONTUNMAP without MAYMOVE, DONTUNMAP with a resize or
 * overlapping ranges; EFAULT when `addr` is unmapped or the range runs past its VMA; ENOMEM when
 * it cannot grow in place without MAYMOVE, finds no room, or overcommit refuses the growth.
 */
export function do_mremap(
  mm: MmStruct,
  addrBytes: bigint,
  oldLenBytes: bigint,
  newLenBytes: bigint,
  flags: MremapFlags,
  newAddrBytes: bigint,
): MmapResult {
  const g = mm.geometry;
  const page = BigInt(g.PAGE_SIZE);
  const ULONG = 1n << 64n;
  const pageAlign = (x: bigint): bigint => (((x + page - 1n) / page) * page) % ULONG;
  const oldLen = pageAlign(oldLenBytes);
  const newLen = pageAlign(newLenBytes);
  const taskBytes = BigInt(g.TASK_SIZE) * page;
  if (addrBytes % page !== 0n || newLen === 0n) return { errno: 'EINVAL' };
  if (newLen > taskBytes || newAddrBytes > taskBytes - newLen) return { errno: 'EINVAL' };
  const fixedOrDontunmap = !!(flags.fixed || flags.dontunmap);
  if (fixedOrDontunmap) {
    if (newAddrBytes % page !== 0n || !flags.maymove) return { errno: 'EINVAL' };
    if (flags.dontunmap && oldLen !== newLen) return { errno: 'EINVAL' };
    if (addrBytes + oldLen > newAddrBytes && newAddrBytes + newLen > addrBytes) {
      return { errno: 'EINVAL' };
    }
  }
  // A start beyond user space is in no VMA (EFAULT); page numbers stay exact below 2^53.
  if (addrBytes >= taskBytes) return { errno: 'EFAULT' };
  const vrm: Vrm = {
    addr: Number(addrBytes / page),
    old_len: Number((oldLen < taskBytes ? oldLen : taskBytes) / page),
    new_len: Number(newLen / page),
    new_addr: Number(newAddrBytes / page),
    flags,
    populate_expand: false,
  };
  let r: MmapResult;
  if (flags.fixed && oldLen === newLen) {
    r = remap_move(mm, vrm);
  } else {
    const vma = vma_lookup(mm, vrm.addr);
    const e = check_prep_vma(vma, vrm);
    if (e) return { errno: e };
    r = fixedOrDontunmap ? mremap_to(mm, vrm) : mremap_at(mm, vma as VmAreaStruct, vrm);
  }
  if (!('errno' in r) && vrm.populate_expand) {
    // mm_populate of the grown part: errors ignored.
    __mm_populate(mm, r.addr + vrm.old_len, r.addr + vrm.new_len, { ignore_errors: true });
  }
  return r;
}
