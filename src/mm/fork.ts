// fork: a child mm with a copy of the parent's VMAs and, for the VMAs that need it, of their
// page tables (COW: both sides map the same pages afterwards). Mirrors dup_mmap (mm/mmap.c,
// kernel/fork.c), anon_vma_fork (mm/rmap.c) and copy_page_range .. copy_pte_range /
// copy_huge_pmd (mm/memory.c, mm/huge_memory.c) (see docs/kernel-version.md).

import { mm_brk, mm_set_brk } from './brk.js';
import { popcount32, wordMask } from './pgtable-pool.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';
import {
  AnonVma,
  PMD_HUGE_SHMEM,
  PMD_HUGE_ZERO,
  VM_DONTCOPY,
  VM_LOCKED_MASK,
  VM_WIPEONFORK,
} from './mm_types.js';
import { mm_alloc, mm_inc_nr_dir, mm_inc_nr_ptes, pmd_install } from './pgtable.js';
import { folio_add_record, folio_find_record, folio_records } from './folio.js';
import { avc_insert } from './vma.js';
import { cow_fork_pages } from './cow-share.js';

/**
 * `dup_mm`: the child's mm. Every VMA is copied except VM_DONTCOPY ones (MADV_DONTFORK), without
 * VM_LOCKED (mlock is not inherited, nor is mlockall's MCL_FUTURE); a VM_WIPEONFORK VMA starts
 * empty (no anon_vma, no tables). Each other VMA with an anon_vma gets one of its own
 * (`anon_vma_fork`) and its tables copied (`vma_needs_copy`: in 6.18, an anon_vma, VM_PFNMAP/
 * VM_MIXEDMAP or uffd-wp; file and shared VMAs without one are refilled by faults).
 */
export function dup_mm(parent: MmStruct): MmStruct {
  const g = parent.geometry;
  const child = mm_alloc(g, parent.policy, parent.mmap_base, {
    plainTables: !parent.inlineTables,
    mmap_min_addr: parent.mmap_min_addr,
    overcommit_pages: parent.overcommit_pages,
    thp_mode: parent.thp_mode,
    max_ptes_none: parent.max_ptes_none,
    family: parent.family,
  });
  for (const vma of parent.mmap.vmas) {
    if (vma.vm_flags & VM_DONTCOPY) continue;
    const wipe = (vma.vm_flags & VM_WIPEONFORK) !== 0;
    const tmp: VmAreaStruct = {
      vm_start: vma.vm_start,
      vm_end: vma.vm_end,
      vm_flags: vma.vm_flags & ~VM_LOCKED_MASK,
      anon_vma: vma.anon_vma === null || wipe ? null : new AnonVma(true),
    };
    avc_insert(tmp);
    if (vma.vm_file) {
      tmp.vm_file = vma.vm_file;
      tmp.vm_pgoff = vma.vm_pgoff ?? 0;
    } else if (vma.vm_pgoff !== undefined) {
      // An anonymous VMA an mremap moved keeps its old offset.
      tmp.vm_pgoff = vma.vm_pgoff;
    }
    child.mmap.insert(tmp);
    if (!wipe && vma.anon_vma !== null) copy_page_range(child, parent, vma);
  }
  const heap = mm_brk(parent);
  if (heap) mm_set_brk(child, heap.start_brk, heap.brk);
  return child;
}

/**
 * `copy_page_range` of `vma` (pages) from `src` into `dst`: walks the source's tables over the
 * VMA; below every present source entry the destination gets its table at the next level
 * (`pud_alloc`, `pmd_alloc`, `pte_alloc` in copy_p4d/pud/pmd_range), so an empty source PTE table
 * still costs the child one; then the entries of the VMA's range are copied.
 */
function copy_page_range(dst: MmStruct, src: MmStruct, vma: VmAreaStruct): void {
  copy_level(dst, src, 0, src.pgd, dst.pgd, vma.vm_start, vma.vm_end, vma);
}

function copy_level(
  dst: MmStruct,
  src: MmStruct,
  k: number,
  srcTable: number,
  dstTable: number,
  addr: number,
  end: number,
  vma: VmAreaStruct,
): void {
  const pool = src.dirs[k];
  const span = src.dirSpan[k];
  const tableStart = addr - (addr % (span * pool.entries));
  const i0 = Math.floor((addr - tableStart) / span);
  const i1 = Math.ceil((end - tableStart) / span);
  const last = k === src.dirs.length - 1;
  for (
    let idx = Math.max(i0, pool.first(srcTable));
    idx < Math.min(i1, pool.end(srcTable));
    idx++
  ) {
    if (pool.raw(srcTable, idx) === 0) continue;
    const slot = tableStart + idx * span;
    const a = Math.max(slot, addr);
    const e = Math.min(slot + span, end);
    if (last) {
      copy_pmd_entry(dst, src, srcTable, dstTable, idx, a, e, vma);
      continue;
    }
    const child = pool.get(srcTable, idx);
    const dstPool = dst.dirs[k];
    let dstChild = dstPool.get(dstTable, idx);
    if (dstChild === 0) {
      dstChild = dst.dirs[k + 1].alloc();
      dstPool.set(dstTable, idx, dstChild);
      mm_inc_nr_dir(dst, k + 1);
    }
    copy_level(dst, src, k + 1, child, dstChild, a, e, vma);
  }
}

/**
 * One PMD entry over [addr, end): a huge PMD is shared with its deposit copied (`copy_huge_pmd`:
 * +1 PTE table, +512 RssAnon unless it is the huge zero page); a PTE table gets a destination
 * table and its entries in range copied (`copy_pte_range`).
 */
function copy_pmd_entry(
  dst: MmStruct,
  src: MmStruct,
  srcPmd: number,
  dstPmd: number,
  idx: number,
  addr: number,
  end: number,
  vma: VmAreaStruct,
): void {
  const PMD_SIZE = src.geometry.PMD_SIZE;
  const srcPool = src.dirs[src.dirs.length - 1];
  const dstPool = dst.dirs[dst.dirs.length - 1];
  const entry = srcPool.get(srcPmd, idx);
  const slot = Math.floor(addr / PMD_SIZE);
  // copy_huge_pmd leaves a file PMD to be faulted in again: the child's entry stays none.
  if (entry === PMD_HUGE_SHMEM) return;
  if (entry < 0) {
    dstPool.set(dstPmd, idx, entry);
    mm_inc_nr_ptes(dst);
    if (entry !== PMD_HUGE_ZERO) dst.rss_anon += src.geometry.PTRS_PER_PTE;
    share_folio(dst, src, slot, 0, src.ptes.entries);
    return;
  }
  let dstPte = dstPool.get(dstPmd, idx);
  if (dstPte === 0) dstPte = pmd_install(dst, dstPmd, idx);
  const lo = addr - slot * PMD_SIZE;
  const hi = end - slot * PMD_SIZE;
  const sp = src.ptes;
  const dp = dst.ptes;
  const s = sp.presentWords(entry);
  const d = dp.presentWords(dstPte);
  const sPlanes = sp.planeWords(entry);
  const files = src.filePages.get(slot);
  const guards = src.guardPages.get(slot);
  const zeroFilled = src.unwritten.get(slot);
  let present = 0;
  let anon = 0;
  let file = 0;
  for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
    const mask = wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32));
    const bits = s.words[s.base + w] & mask;
    if (bits === 0) continue;
    d.words[d.base + w] = (d.words[d.base + w] | bits) >>> 0;
    present += popcount32(bits);
    const zero = sPlanes ? sPlanes.words[sPlanes.base + w] & bits : 0;
    const lazy = sPlanes ? sPlanes.words[sPlanes.base + sp.words + w] & bits : 0;
    anon += popcount32((bits & ~zero) >>> 0);
    if (!vma.vm_file) cow_fork_pages(dst, src, slot, w, (bits & ~zero) >>> 0);
    if (zero !== 0 || lazy !== 0) {
      const dPlanes = dp.ensurePlanes(dstPte);
      dPlanes.words[dPlanes.base + w] = (dPlanes.words[dPlanes.base + w] | zero) >>> 0;
      const l = dPlanes.base + dp.words + w;
      dPlanes.words[l] = (dPlanes.words[l] | lazy) >>> 0;
    }
    if (files && files[w] & bits) {
      file += popcount32(files[w] & bits);
      copy_bits(dst.filePages, slot, dp.words, w, files[w] & bits);
    }
    if (guards && guards[w] & bits) copy_bits(dst.guardPages, slot, dp.words, w, guards[w] & bits);
    // The child's pages hold what the parent's hold: zeros where GUP faulted them in unwritten.
    if (zeroFilled && zeroFilled[w] & bits) {
      copy_bits(dst.unwritten, slot, dp.words, w, zeroFilled[w] & bits);
    }
  }
  dp.addCount(dstPte, present);
  dst.rss_anon += anon;
  if (file !== 0 && vma.vm_file) {
    if (vma.vm_file.shmem) dst.rss_shmem += file;
    else dst.rss_file += file;
  }
  if (src.folios.size !== 0) share_folio(dst, src, slot, lo, hi);
}

/** ORs `bits` into word `w` of the per-slot bitmap `map` (created on demand). */
function copy_bits(
  map: Map<number, Uint32Array>,
  slot: number,
  words: number,
  w: number,
  bits: number,
): void {
  let b = map.get(slot);
  if (!b) {
    b = new Uint32Array(words);
    map.set(slot, b);
  }
  b[w] = (b[w] | bits) >>> 0;
}

/**
 * The child maps the source's large folios of `slot` over pages [lo, hi) too: each of its records
 * shares the folio (now mapped by one more mm, counted once however many records it has).
 */
function share_folio(dst: MmStruct, src: MmStruct, slot: number, lo: number, hi: number): void {
  for (let f = src.folios.get(slot); f; f = f.next) {
    let any = 0;
    for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
      any |= wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32)) & f.member[w];
    }
    if (any === 0) continue;
    let mine = folio_find_record(dst, slot, f.share, f.shift);
    if (!mine) {
      const other = f.pieces.n > 1 ? folio_records(dst, f.share)[0] : undefined;
      mine = folio_add_record(dst, slot, f, f.shift, other ? other[1].pieces : null);
    }
    for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
      const mask = wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32)) & f.member[w];
      mine.member[w] = (mine.member[w] | mask) >>> 0;
      mine.written[w] = (mine.written[w] | (mask & f.written[w])) >>> 0;
      // copy_present_ptes write-protects both sides for COW.
      f.cow ??= new Uint32Array(f.member.length);
      mine.cow ??= new Uint32Array(f.member.length);
      f.cow[w] = (f.cow[w] | mask) >>> 0;
      mine.cow[w] = (mine.cow[w] | mask) >>> 0;
    }
  }
}
