// Splitting anonymous THP folios and what depends on the whole folio: `split_folio` maps every
// never-written, hence zero-filled, subpage to the shared zero page, so RssAnon drops (6.12+,
// `remap_page(..., RMP_USE_SHARED_ZEROPAGE)`; docs/sim-model.md, spec corrections), in every
// place the folio is mapped; `folio_mark_dirty`; whether a folio is mlocked. Mirrors the
// split_folio path of mm/huge_memory.c (see docs/kernel-version.md).

import { popcount32, wordMask } from './pgtable-pool.js';
import type { MmStruct } from './mm_types.js';
import { VM_LOCKED } from './mm_types.js';
import { pmd_lookup } from './pgtable.js';
import { set_unwritten_word } from './unwritten.js';
import { mlocked_mark } from './mlocked.js';
import { cow_split_record } from './cow-share.js';
import { folio_drop_record, records_of, folio_records, type LargeFolio } from './folio.js';

/** The PTE table mapping PMD slot `slot`, or 0 when none (or a huge PMD maps it). */
export function slot_pte(mm: MmStruct, slot: number): number {
  const pmd = pmd_lookup(mm, slot * mm.geometry.PMD_SIZE);
  const entry =
    pmd === 0 ? 0 : mm.dirs[mm.dirs.length - 1].get(pmd, slot % mm.geometry.PTRS_PER_PMD);
  return entry > 0 ? entry : 0;
}

/** ORs the slot-indexed bitmap `bits` of a record with `shift` into the subpage bitmap `out`. */
export function or_subpages(out: Uint32Array, bits: Uint32Array, shift: number): void {
  const n = out.length * 32;
  for (let w = 0; w < bits.length; w++) {
    let b = bits[w];
    if (b === 0) continue;
    if (shift === 0) {
      out[w] = (out[w] | b) >>> 0;
      continue;
    }
    while (b !== 0) {
      const i = 31 - Math.clz32(b & -b);
      b = (b & (b - 1)) >>> 0;
      const j = w * 32 + i - shift;
      if (j >= 0 && j < n) out[j >>> 5] = (out[j >>> 5] | (1 << (j & 31))) >>> 0;
    }
  }
}

/**
 * `split_folio` of the folio of every record in the slot of `addr` (PTE table `pte`) that has a
 * page in [lo, hi) (the whole slot when absent) and is not the whole folio fully mapped there
 * (with `whole` false, which also spares folios another mm maps; else it is split even then).
 * Each folio is split everywhere this mm maps it.
 */
export function split_folio(
  mm: MmStruct,
  addr: number,
  pte: number,
  opts: { lo?: number; hi?: number; whole?: boolean; mlocked?: boolean } = {},
): void {
  const slot = Math.floor(addr / mm.geometry.PMD_SIZE);
  const lo = opts.lo ?? 0;
  const hi = opts.hi ?? mm.ptes.entries;
  const victims: LargeFolio[] = [];
  for (let f = mm.folios.get(slot); f; f = f.next) {
    if (!record_has(f, lo, hi)) continue;
    if (opts.whole === false) {
      // The madvise walks leave a folio another process maps alone, and keep a whole one.
      if (f.share.mms > 1 || (lo === 0 && hi === mm.ptes.entries && is_whole(f))) continue;
    }
    victims.push(f);
  }
  for (const f of victims) {
    const mlocked =
      opts.mlocked ?? ((f.share.mms > 1 || !!f.share.mlocked) && folio_mlocked(mm, f));
    for (const [s, rec] of records_of(mm, slot, f)) {
      split_folio_record(mm, s, rec, s === slot ? pte : slot_pte(mm, s), mlocked);
    }
  }
}

function record_has(f: LargeFolio, lo: number, hi: number): boolean {
  for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
    if (f.member[w] & wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32))) return true;
  }
  return false;
}

/** Whether record `f` is its whole folio, at its own offset, every page mapped. */
export function is_whole(f: LargeFolio): boolean {
  return f.shift === 0 && f.pieces.n === 1 && f.member.every((m) => m === 0xffffffff);
}

/**
 * Splits record `f` of slot `slot` (PTE table `pte`): its never-written pages become zero-page
 * entries (RSS drops, lazy-free state goes with the page); the rest become small pages.
 * `mlocked` (the folio is mlocked, see folio_mlocked) keeps every subpage, `keep` the pages given.
 */
export function split_folio_record(
  mm: MmStruct,
  slot: number,
  f: LargeFolio,
  pte: number,
  mlocked: boolean,
  keep: Uint32Array | null = null,
): void {
  folio_drop_record(mm, slot, f);
  if (pte === 0) return;
  const ptes = mm.ptes;
  const { words, base } = ptes.presentWords(pte);
  let planes = ptes.planeWords(pte);
  // A folio a process maps whole inside a VM_LOCKED VMA is mlocked: no subpage of it goes to the
  // zero page anywhere (try_to_map_unused_to_zeropage refuses an mlocked folio). One that stays
  // mlocked outside any (mlocked.ts) leaves mlocked small pages (the split copies PG_mlocked).
  if (mlocked) {
    if (f.share.mlocked) {
      const planes = ptes.planeWords(pte);
      for (let w = 0; w < ptes.words; w++) {
        const anon = words[base + w] & ~(planes ? planes.words[planes.base + w] : 0);
        mlocked_mark(mm, slot, w, (anon & f.member[w]) >>> 0);
      }
    }
    cow_split_record(mm, slot, f, pte);
    return;
  }
  const locked = lockedPages(mm, slot);
  for (let w = 0; w < ptes.words; w++) {
    const present = words[base + w];
    const zero = planes ? planes.words[planes.base + w] : 0;
    // Pages of a VM_LOCKED VMA keep their subpage (try_to_map_unused_to_zeropage refuses).
    const unused =
      present &
      ~zero &
      f.member[w] &
      ~f.written[w] &
      ~(locked ? locked[w] : 0) &
      ~(keep ? keep[w] : 0);
    if (unused === 0) continue;
    planes ??= ptes.ensurePlanes(pte);
    planes.words[planes.base + w] = (planes.words[planes.base + w] | unused) >>> 0;
    const l = planes.base + ptes.words + w;
    planes.words[l] = (planes.words[l] & ~unused) >>> 0;
    mm.rss_anon -= popcount32(unused);
  }
  // Subpages now small pages: the never-written ones left (in VM_LOCKED VMAs) still hold zeros.
  const zero = mm.unwritten.get(slot);
  for (let w = 0; w < ptes.words; w++) {
    const anon = words[base + w] & ~(planes ? planes.words[planes.base + w] : 0);
    const kept = anon & f.member[w] & ~f.written[w];
    const old = zero ? zero[w] : 0;
    if (kept !== 0 || (old & f.member[w]) !== 0) {
      set_unwritten_word(mm, slot, w, (old & ~f.member[w]) | kept);
    }
  }
  cow_split_record(mm, slot, f, pte);
}

/** Clears the lazy-free bit of every page `mm` maps of folio record `f`'s folio (in `slot`). */
export function folio_clear_lazy(mm: MmStruct, slot: number, f: LargeFolio): void {
  for (const [s, rec] of records_of(mm, slot, f)) {
    const pte = slot_pte(mm, s);
    const planes = pte === 0 ? null : mm.ptes.planeWords(pte);
    if (!planes) continue;
    for (let w = 0; w < mm.ptes.words; w++) {
      const l = planes.base + mm.ptes.words + w;
      planes.words[l] = (planes.words[l] & ~rec.member[w]) >>> 0;
    }
  }
}

/**
 * `folio_mark_dirty` of every large folio with a page in [start, end) (pages), as GUP's
 * FOLL_TOUCH does for a write: the flag is per folio, so every page of it stops being clean
 * lazy-free, not only the pages the range covers.
 */
export function folio_mark_dirty_range(mm: MmStruct, start: number, end: number): void {
  if (mm.folios.size === 0) return;
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  for (let slot = Math.floor(start / PMD_SIZE); slot * PMD_SIZE < end; slot++) {
    for (let f = mm.folios.get(slot); f; f = f.next) folio_clear_lazy(mm, slot, f);
  }
}

/**
 * Whether the folio of record `f` is mlocked: some mm of `mm`'s family maps every page of it
 * inside VM_LOCKED VMAs (`mlock_vma_folio`; unmapping a page of it there munlocks it), or it
 * stayed mlocked when MREMAP_DONTUNMAP unlocked its VMA (mlocked.ts).
 */
export function folio_mlocked(mm: MmStruct, f: LargeFolio): boolean {
  if (f.share.mlocked) return true;
  const words = f.member.length;
  for (const other of mm.family) {
    const recs = folio_records(other, f.share);
    if (recs.length === 0) continue;
    const inLocked = new Uint32Array(words);
    for (const [slot, rec] of recs) {
      const locked = lockedPages(other, slot);
      if (!locked) continue;
      const both = new Uint32Array(words);
      for (let w = 0; w < words; w++) both[w] = rec.member[w] & locked[w];
      or_subpages(inLocked, both, rec.shift);
    }
    if (inLocked.every((w) => w === 0xffffffff)) return true;
  }
  return false;
}

/** Bitmap of the pages of PMD slot `slot` that lie in VM_LOCKED VMAs, or null if none do. */
function lockedPages(mm: MmStruct, slot: number): Uint32Array | null {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const start = slot * PMD_SIZE;
  let out: Uint32Array | null = null;
  for (const vma of mm.mmap.range(start, start + PMD_SIZE)) {
    if (!(vma.vm_flags & VM_LOCKED)) continue;
    out ??= new Uint32Array(mm.ptes.words);
    const lo = Math.max(vma.vm_start, start) - start;
    const hi = Math.min(vma.vm_end, start + PMD_SIZE) - start;
    for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
      out[w] = (out[w] | wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32))) >>> 0;
    }
  }
  return out;
}
