// Moving page tables for mremap: whole PMD tables (move_normal_pud), whole PTE tables
// (move_normal_pmd) and huge PMDs (move_huge_pmd) when source and destination are mutually aligned
// and the destination entry is none, else entry by entry (move_ptes). Mirrors move_page_tables in
// mm/mremap.c (see docs/kernel-version.md).

import { cow_move_page, cow_move_slots } from './cow-share.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';
import { INLINE_NONE } from './pgtable-pool.js';
import { dir_index, mm_inc_nr_dir, pmd_alloc, pmd_install } from './pgtable.js';
import { __split_huge_pmd } from './huge_memory.js';
import { folio_add_record, folio_drop_record, folio_find_record } from './folio.js';

/** `struct pagetable_move_control`: one move of [old_addr, old_end) to new_addr (pages). */
export interface PagetableMoveControl {
  readonly old: VmAreaStruct;
  readonly new: VmAreaStruct;
  old_addr: number;
  new_addr: number;
  readonly old_end: number;
  readonly len_in: number;
}

/** The table of directory level `k` covering `addr`, or 0 when a level above it is none. */
function dir_table(mm: MmStruct, k: number, addr: number): number {
  let table = mm.pgd;
  for (let j = 0; j < k && table !== 0; j++) table = mm.dirs[j].get(table, dir_index(mm, j, addr));
  return table;
}

/** The table of directory level `k` covering `addr`, allocating missing tables above it. */
function dir_table_alloc(mm: MmStruct, k: number, addr: number): number {
  let table = mm.pgd;
  for (let j = 0; j < k; j++) {
    const idx = dir_index(mm, j, addr);
    let child = mm.dirs[j].get(table, idx);
    if (child === 0) {
      child = mm.dirs[j + 1].alloc();
      mm.dirs[j].set(table, idx, child);
      mm_inc_nr_dir(mm, j + 1);
    }
    table = child;
  }
  return table;
}

/** `get_extent`: up to the next boundary of `size` of either side, at most to the end. */
function get_extent(pmc: PagetableMoveControl, size: number): number {
  const o = size - (pmc.old_addr % size);
  const n = size - (pmc.new_addr % size);
  return Math.min(o, n, pmc.old_end - pmc.old_addr);
}

/**
 * `can_align_down`: aligning `addr` down to a PMD boundary is safe when it is the VMA's start and
 * no VMA lies between the boundary and it.
 */
function can_align_down(mm: MmStruct, vma: VmAreaStruct, addr: number): boolean {
  if (vma.vm_start !== addr) return false;
  const masked = addr - (addr % mm.geometry.PMD_SIZE);
  return masked === addr || mm.mmap.find_vma_intersection(masked, vma.vm_start) === undefined;
}

/**
 * `try_realign_addr(pmc, PMD_MASK)`: when both sides sit at the same offset in their PMD slot,
 * start at their VMAs, have nothing below them in the slot, and the move reaches the next slot,
 * both start at the slot boundary, so the first PTE table moves whole.
 */
function try_realign_addr(mm: MmStruct, pmc: PagetableMoveControl): void {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const oldAlign = pmc.old_addr % PMD_SIZE;
  if (pmc.len_in < PMD_SIZE - oldAlign || oldAlign === 0) return;
  if (oldAlign !== pmc.new_addr % PMD_SIZE) return;
  if (!can_align_down(mm, pmc.old, pmc.old_addr) || !can_align_down(mm, pmc.new, pmc.new_addr))
    return;
  pmc.old_addr -= oldAlign;
  pmc.new_addr -= oldAlign;
}

/**
 * Moves the per-slot side tables (file pages, guard markers, zero-filled pages, THP folios) of `n`
 * slots.
 */
function move_slot_state(mm: MmStruct, oldSlot: number, n: number, newSlot: number): void {
  const maps: Map<number, unknown>[] = [
    mm.filePages,
    mm.guardPages,
    mm.unwritten,
    mm.mlocked,
    mm.folios,
  ];
  for (const map of maps) {
    if (map.size === 0) continue;
    const moved: [number, unknown][] = [];
    for (const [slot, v] of map) if (slot >= oldSlot && slot < oldSlot + n) moved.push([slot, v]);
    for (const [slot] of moved) map.delete(slot);
    for (const [slot, v] of moved) map.set(slot - oldSlot + newSlot, v);
  }
  cow_move_slots(mm, oldSlot, n, newSlot);
}

function bitOf(words: Uint32Array, base: number, i: number): boolean {
  return ((words[base + (i >>> 5)] >>> (i & 31)) & 1) !== 0;
}

function setBit(words: Uint32Array, base: number, i: number, on: boolean): void {
  const w = base + (i >>> 5);
  const bit = (1 << (i & 31)) >>> 0;
  words[w] = on ? (words[w] | bit) >>> 0 : (words[w] & ~bit) >>> 0;
}

/** A slot's side bitmap (file pages or guard markers), created on first use. */
function slotBits(mm: MmStruct, map: Map<number, Uint32Array>, slot: number): Uint32Array {
  let bits = map.get(slot);
  if (!bits) {
    bits = new Uint32Array(mm.ptes.words);
    map.set(slot, bits);
  }
  return bits;
}

/**
 * `move_ptes`: moves the non-none entries of `extent` pages from PTE table `opte` (at `oldAddr`)
 * to PTE table `npte` (at `newAddr`), with their zero-page, lazy-free, file and guard state. A
 * page of a large folio stays in it only when the move keeps its offset in the slot.
 */
function move_ptes(
  mm: MmStruct,
  opte: number,
  oldAddr: number,
  npte: number,
  newAddr: number,
  extent: number,
): void {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const ptes = mm.ptes;
  const src = ptes.presentWords(opte);
  const dst = ptes.presentWords(npte);
  const oldSlot = Math.floor(oldAddr / PMD_SIZE);
  const newSlot = Math.floor(newAddr / PMD_SIZE);
  const o0 = oldAddr % PMD_SIZE;
  const n0 = newAddr % PMD_SIZE;
  const srcPlanes = ptes.planeWords(opte);
  const oldFile = mm.filePages.get(oldSlot);
  const oldGuard = mm.guardPages.get(oldSlot);
  const oldZero = mm.unwritten.get(oldSlot);
  const oldLocked = mm.mlocked.get(oldSlot);
  const hasFolio = mm.folios.has(oldSlot);
  let moved = 0;
  for (let i = 0; i < extent; i++) {
    const si = o0 + i;
    if ((si & 31) === 0 && src.words[src.base + (si >>> 5)] === 0 && i + 32 <= extent) {
      i += 31;
      continue;
    }
    if (!bitOf(src.words, src.base, si)) continue;
    const di = n0 + i;
    setBit(src.words, src.base, si, false);
    setBit(dst.words, dst.base, di, true);
    moved++;
    if (srcPlanes) {
      const zero = bitOf(srcPlanes.words, srcPlanes.base, si);
      const lazy = bitOf(srcPlanes.words, srcPlanes.base + ptes.words, si);
      if (zero || lazy) {
        const dp = ptes.ensurePlanes(npte);
        setBit(dp.words, dp.base, di, zero);
        setBit(dp.words, dp.base + ptes.words, di, lazy);
        setBit(srcPlanes.words, srcPlanes.base, si, false);
        setBit(srcPlanes.words, srcPlanes.base + ptes.words, si, false);
      }
    }
    if (oldFile && bitOf(oldFile, 0, si)) {
      setBit(oldFile, 0, si, false);
      setBit(slotBits(mm, mm.filePages, newSlot), 0, di, true);
    }
    if (oldGuard && bitOf(oldGuard, 0, si)) {
      setBit(oldGuard, 0, si, false);
      setBit(slotBits(mm, mm.guardPages, newSlot), 0, di, true);
    }
    if (oldZero && bitOf(oldZero, 0, si)) {
      setBit(oldZero, 0, si, false);
      setBit(slotBits(mm, mm.unwritten, newSlot), 0, di, true);
    }
    if (oldLocked && bitOf(oldLocked, 0, si)) {
      setBit(oldLocked, 0, si, false);
      setBit(slotBits(mm, mm.mlocked, newSlot), 0, di, true);
    }
    if (hasFolio) move_folio_page(mm, oldSlot, si, newSlot, di);
    cow_move_page(mm, oldSlot, si, newSlot, di);
  }
  ptes.addCount(opte, -moved);
  ptes.addCount(npte, moved);
}

/**
 * Page `si` of slot `oldSlot` moves to page `di` of slot `newSlot`: if it maps a large folio, it
 * still does, from a record of that folio in the new slot with the shift the move gives (the
 * folio stays one, wherever its pages go: a later split or reclaim treats it whole).
 */
function move_folio_page(
  mm: MmStruct,
  oldSlot: number,
  si: number,
  newSlot: number,
  di: number,
): void {
  for (let f = mm.folios.get(oldSlot); f; f = f.next) {
    if (!bitOf(f.member, 0, si)) continue;
    const written = bitOf(f.written, 0, si);
    const shift = f.shift + di - si;
    const to =
      folio_find_record(mm, newSlot, f.share, shift) ??
      folio_add_record(mm, newSlot, f, shift, f.pieces);
    setBit(to.member, 0, di, true);
    setBit(to.written, 0, di, written);
    if (f.cow && bitOf(f.cow, 0, si)) {
      to.cow ??= new Uint32Array(f.member.length);
      setBit(to.cow, 0, di, true);
      setBit(f.cow, 0, si, false);
    }
    setBit(f.member, 0, si, false);
    setBit(f.written, 0, si, false);
    if (f.member.every((m) => m === 0)) folio_drop_record(mm, oldSlot, f);
    return;
  }
}

/**
 * `move_page_tables`: moves the entries of [pmc.old_addr, pmc.old_end) to pmc.new_addr. Each step
 * allocates the destination's upper tables first (`alloc_new_pud`, `alloc_new_pmd`), as the
 * kernel does even when the source entry then turns out to be none at the next level.
 */
export function move_page_tables(mm: MmStruct, pmc: PagetableMoveControl): void {
  const g = mm.geometry;
  const PMD_SIZE = g.PMD_SIZE;
  const kPmd = mm.dirs.length - 1;
  const kPud = kPmd - 1;
  const PUD_SIZE = mm.dirSpan[kPud];
  const pudPool = mm.dirs[kPud];
  const pmdPool = mm.dirs[kPmd];
  if (pmc.len_in === 0) return;
  try_realign_addr(mm, pmc);
  for (let extent = 0; pmc.old_addr < pmc.old_end; pmc.old_addr += extent, pmc.new_addr += extent) {
    extent = get_extent(pmc, PUD_SIZE);
    const oldPudTable = dir_table(mm, kPud, pmc.old_addr);
    const oldPudIdx = dir_index(mm, kPud, pmc.old_addr);
    if (oldPudTable === 0 || pudPool.get(oldPudTable, oldPudIdx) === 0) continue;
    const newPudTable = dir_table_alloc(mm, kPud, pmc.new_addr);
    const newPudIdx = dir_index(mm, kPud, pmc.new_addr);
    if (extent === PUD_SIZE && pudPool.get(newPudTable, newPudIdx) === 0) {
      // move_normal_pud: the whole PMD table changes hands.
      pudPool.set(newPudTable, newPudIdx, pudPool.get(oldPudTable, oldPudIdx));
      pudPool.set(oldPudTable, oldPudIdx, 0);
      move_slot_state(mm, pmc.old_addr / PMD_SIZE, PUD_SIZE / PMD_SIZE, pmc.new_addr / PMD_SIZE);
      continue;
    }
    extent = get_extent(pmc, PMD_SIZE);
    const oldPmd = pudPool.get(oldPudTable, oldPudIdx);
    const oldIdx = dir_index(mm, kPmd, pmc.old_addr);
    const entry = pmdPool.raw(oldPmd, oldIdx);
    if (entry === 0) continue;
    const newPmd = pmd_alloc(mm, pmc.new_addr);
    const newIdx = dir_index(mm, kPmd, pmc.new_addr);
    const huge = entry < 0 && entry > INLINE_NONE;
    if (extent === PMD_SIZE && pmdPool.raw(newPmd, newIdx) === 0) {
      // move_huge_pmd (the deposit goes along) or move_normal_pmd (the PTE table goes).
      pmdPool.set(newPmd, newIdx, entry);
      pmdPool.set(oldPmd, oldIdx, 0);
      move_slot_state(mm, pmc.old_addr / PMD_SIZE, 1, pmc.new_addr / PMD_SIZE);
      continue;
    }
    if (huge) __split_huge_pmd(mm, oldPmd, oldIdx);
    const opte = pmdPool.get(oldPmd, oldIdx);
    let npte = pmdPool.get(newPmd, newIdx);
    if (npte === 0) npte = pmd_install(mm, newPmd, newIdx);
    move_ptes(mm, opte, pmc.old_addr, npte, pmc.new_addr, extent);
  }
}
