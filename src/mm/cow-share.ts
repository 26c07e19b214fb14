// Which small anonymous pages are still COW-shared between the processes of a fork family, and
// the folio flags MADV_FREE and reclaim read on them (issue #7). Mirrors the order-0 parts of
// copy_present_pte and do_wp_page (mm/memory.c), madvise_free_pte_range (mm/madvise.c) and the
// lazy-free branch of try_to_unmap_one under rmap_walk_anon (mm/rmap.c, mm/vmscan.c) (see
// docs/kernel-version.md).
//
// Every small anonymous page fork copies gets a folio id (an Int32 per page, per PMD slot, per mm;
// 0: no id), the same in the parent and the child: the id names the order-0 folio both map. The
// ids are kept where pages go (fork, mremap, a folio split names its subpages), dropped where a
// process gets a page of its own (a write fault: COW copy, or the reuse of a folio nobody else maps
// any more), and otherwise allowed to go stale: a page that is not present, the zero page, a file
// page, a guard marker or a page of a large folio never counts as a holder, and every way a new
// small anonymous page appears at a stale place (a write fault, a move, a split) overwrites it.
// So the holders of an id are counted when they are needed (by a scan over the family), not kept.

import { wordMask } from './pgtable-pool.js';
import type { MmStruct } from './mm_types.js';
import { VM_LOCKED } from './mm_types.js';
import { vma_pgoff } from './vma.js';
import { slot_pte } from './folio-split.js';
import type { LargeFolio } from './folio.js';

/** PG_dirty: MADV_FREE leaves the folio alone while another process maps it. */
const PG_DIRTY = 1;
/**
 * The folio is lazy-free (not swap-backed) but a holder's PTE is dirty again: reclaim's unmap
 * meets the dirty PTE, puts it back, and the folio becomes swap-backed and PG_dirty.
 */
const LAZY_REDIRTIED = 2;

/** Per fork family: the flags of each folio id (index 0 unused). */
interface FolioIds {
  flags: Uint8Array;
  next: number;
}

const families = new WeakMap<Set<MmStruct>, FolioIds>();
/** Per mm: PMD slot number → the folio id of each of its 512 pages (0: none, or stale). */
const slotIds = new WeakMap<MmStruct, Map<number, Int32Array>>();
/** Per subpage-0 id of a split large folio (its `share` object): every mm names its pages alike. */
const splitBase = new WeakMap<object, number>();
/**
 * Per mm: PMD slot → the pages whose PTE a MADV_FREE cleaned while their folio could not become
 * lazy-free (another process kept it mlocked): they become lazy-free when another process's
 * MADV_FREE makes the folio lazy-free. Stale outside live small anonymous pages, like the ids.
 */
const cleanMarks = new WeakMap<MmStruct, Map<number, Uint32Array>>();
/** During a reclaim: per mm and slot, the lazy-free pages a shared folio's walk keeps. */
const reclaimKeep = new WeakMap<MmStruct, Map<number, Uint32Array>>();

function familyIds(mm: MmStruct): FolioIds {
  let t = families.get(mm.family);
  if (!t) {
    t = { flags: new Uint8Array(1024), next: 1 };
    families.set(mm.family, t);
  }
  return t;
}

function newIds(mm: MmStruct, n: number, flags: number): number {
  const t = familyIds(mm);
  while (t.next + n > t.flags.length) {
    const grown = new Uint8Array(t.flags.length * 2);
    grown.set(t.flags);
    t.flags = grown;
  }
  const first = t.next;
  t.next += n;
  if (flags !== 0) t.flags.fill(flags, first, first + n);
  return first;
}

function idsOf(mm: MmStruct): Map<number, Int32Array> {
  let m = slotIds.get(mm);
  if (!m) {
    m = new Map();
    slotIds.set(mm, m);
  }
  return m;
}

function slotArray(mm: MmStruct, slot: number): Int32Array {
  const m = idsOf(mm);
  let a = m.get(slot);
  if (!a) {
    a = new Int32Array(mm.ptes.entries);
    m.set(slot, a);
  }
  return a;
}

/** `mm`'s clean marks of `slot` (created empty with `create`). */
function marksOf(mm: MmStruct, slot: number, create: boolean): Uint32Array | undefined {
  let m = cleanMarks.get(mm);
  if (!m) {
    if (!create) return undefined;
    m = new Map();
    cleanMarks.set(mm, m);
  }
  let b = m.get(slot);
  if (!b && create) {
    b = new Uint32Array(mm.ptes.words);
    m.set(slot, b);
  }
  return b;
}

/** Whether any page of `mm` has a folio id (the cheap test before any work). */
function hasIds(mm: MmStruct): boolean {
  const m = slotIds.get(mm);
  return m !== undefined && m.size !== 0;
}

/** Bitmap of the pages of `slot` that map a large folio (their ids are stale). */
function folioPages(mm: MmStruct, slot: number): Uint32Array | null {
  let out: Uint32Array | null = null;
  for (let f: LargeFolio | undefined = mm.folios.get(slot); f; f = f.next) {
    out ??= new Uint32Array(mm.ptes.words);
    for (let w = 0; w < out.length; w++) out[w] = (out[w] | f.member[w]) >>> 0;
  }
  return out;
}

/** Bitmap of the small anonymous pages of PTE table `pte` (slot `slot`): the pages an id names. */
function smallAnon(mm: MmStruct, slot: number, pte: number): Uint32Array {
  const ptes = mm.ptes;
  const out = new Uint32Array(ptes.words);
  if (pte === 0) return out;
  const { words, base } = ptes.presentWords(pte);
  const planes = ptes.planeWords(pte);
  const large = mm.folios.size === 0 ? null : folioPages(mm, slot);
  for (let w = 0; w < out.length; w++) {
    out[w] =
      (words[base + w] &
        ~(planes ? planes.words[planes.base + w] : 0) &
        ~(large ? large[w] : 0)) >>>
      0;
  }
  return out;
}

function lazyBits(mm: MmStruct, pte: number): Uint32Array | null {
  if (pte === 0) return null;
  const planes = mm.ptes.planeWords(pte);
  if (!planes) return null;
  return planes.words.subarray(planes.base + mm.ptes.words, planes.base + 2 * mm.ptes.words);
}

const bit = (words: ArrayLike<number>, i: number): boolean =>
  ((words[i >>> 5] >>> (i & 31)) & 1) !== 0;

/** One place a folio id is mapped: a live small anonymous page of one mm. */
export interface Holder {
  readonly mm: MmStruct;
  readonly slot: number;
  readonly i: number;
  /** Mapped in a VM_LOCKED VMA, or kept mlocked (mlocked.ts). */
  readonly locked: boolean;
}

/** Bitmap of the pages of `slot` that `mm` keeps mlocked: in VM_LOCKED VMAs, or mlocked.ts's. */
function lockedPages(mm: MmStruct, slot: number): Uint32Array {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const out = mm.mlocked.get(slot)?.slice() ?? new Uint32Array(mm.ptes.words);
  const start = slot * PMD_SIZE;
  for (const vma of mm.mmap.range(start, start + PMD_SIZE)) {
    if (!(vma.vm_flags & VM_LOCKED)) continue;
    const lo = Math.max(vma.vm_start, start) - start;
    const hi = Math.min(vma.vm_end, start + PMD_SIZE) - start;
    for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
      out[w] = (out[w] | wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32))) >>> 0;
    }
  }
  return out;
}

/**
 * Calls `visit` for every live holder of an id in `mms`: a small anonymous page with an id, with
 * whether it is mlocked (lockedPages).
 */
function forEachHolder(
  mms: Iterable<MmStruct>,
  visit: (id: number, mm: MmStruct, slot: number, i: number, locked: boolean) => void,
): void {
  for (const mm of mms) {
    const m = slotIds.get(mm);
    if (!m) continue;
    for (const [slot, ids] of m) {
      const anon = smallAnon(mm, slot, slot_pte(mm, slot));
      let locked: Uint32Array | null = null;
      for (let w = 0; w < anon.length; w++) {
        let b = anon[w];
        while (b !== 0) {
          const i = w * 32 + (31 - Math.clz32(b & -b));
          b = (b & (b - 1)) >>> 0;
          const id = ids[i];
          if (id === 0) continue;
          locked ??= lockedPages(mm, slot);
          visit(id, mm, slot, i, bit(locked, i));
        }
      }
    }
  }
}

/** Every live holder of every id in `mms`, by id (ids with one holder included). */
function holders(mms: Iterable<MmStruct>): Map<number, Holder[]> {
  const out = new Map<number, Holder[]>();
  forEachHolder(mms, (id, mm, slot, i, locked) => {
    let list = out.get(id);
    if (!list) {
      list = [];
      out.set(id, list);
    }
    list.push({ mm, slot, i, locked });
  });
  return out;
}

/** How many live pages of the family map each id (a zero-filled array where none do). */
function holderCounts(mm: MmStruct): Int32Array {
  const counts = new Int32Array(familyIds(mm).next);
  forEachHolder(mm.family, (id) => counts[id]++);
  return counts;
}

/**
 * Per id: 0 no live holder, else 1 + (2 when more than one page maps it) + (4 when one of them is
 * mlocked: in a VM_LOCKED VMA, or kept mlocked).
 */
function holderState(mm: MmStruct): Uint8Array {
  const out = new Uint8Array(familyIds(mm).next);
  forEachHolder(mm.family, (id, _mm, _slot, _i, locked) => {
    out[id] = (out[id] === 0 ? 1 : out[id] | 2) | (locked ? 4 : 0);
  });
  return out;
}

/** Holder counts and states computed once for the length of one operation (they stay valid). */
export interface CowCache {
  counts?: Int32Array;
  state?: Uint8Array;
  holders?: Map<number, Holder[]>;
}

/**
 * `copy_present_pte` of the small anonymous pages `bits` (word `w` of slot `slot`, in an anonymous
 * VMA fork copies): child and parent now map one folio each, named by the same id (a new one
 * where the parent's page had none). A page that stays mlocked outside any VM_LOCKED VMA
 * (mlocked.ts) is the same mlocked folio in the child: unevictable there too until a write copies
 * it (issue #7).
 */
export function cow_fork_pages(
  dst: MmStruct,
  src: MmStruct,
  slot: number,
  w: number,
  bits: number,
): void {
  const large = src.folios.size === 0 ? null : folioPages(src, slot);
  let b = (bits & ~(large ? large[w] : 0)) >>> 0;
  if (b === 0) return;
  const locked = src.mlocked.get(slot);
  if (locked && locked[w] & b) {
    let d = dst.mlocked.get(slot);
    if (!d) {
      d = new Uint32Array(dst.ptes.words);
      dst.mlocked.set(slot, d);
    }
    d[w] = (d[w] | (locked[w] & b)) >>> 0;
  }
  const marks = marksOf(src, slot, false);
  if (marks && marks[w] & b) {
    const d = marksOf(dst, slot, true) as Uint32Array;
    d[w] = (d[w] | (marks[w] & b)) >>> 0;
  }
  const from = slotArray(src, slot);
  const to = slotArray(dst, slot);
  while (b !== 0) {
    const i = w * 32 + (31 - Math.clz32(b & -b));
    b = (b & (b - 1)) >>> 0;
    if (from[i] === 0) from[i] = newIds(src, 1, 0);
    to[i] = from[i];
  }
}

/**
 * Before write faults of pages [start, end) of `mm` (an anonymous VMA): where the page's folio
 * has an id another live page maps, `do_wp_page` copies it (the writer's page is a new folio,
 * not mlocked); where nobody else maps it any more the folio is reused in place
 * (`wp_page_reuse`: no copy, RssAnon unchanged), keeping its flags. A write to a clean lazy-free
 * page the process alone maps dirties its PTE without a fault: the folio stays lazy-free, which
 * reclaim will find (LAZY_REDIRTIED), or gets PG_dirty at once for a GUP write (`follow_page_pte`
 * marks the folio dirty when the PTE is clean).
 */
export function cow_write_fault(
  mm: MmStruct,
  start: number,
  end: number,
  gup: boolean,
  cache: CowCache = {},
): void {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const words = mm.ptes.words;
  for (let slot = Math.floor(start / PMD_SIZE); slot * PMD_SIZE < end; slot++) {
    const lo = Math.max(start - slot * PMD_SIZE, 0);
    const hi = Math.min(end - slot * PMD_SIZE, PMD_SIZE);
    const pages = new Uint32Array(words);
    for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
      pages[w] = wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32));
    }
    cow_write_slot(mm, slot, pages, gup, cache);
  }
}

/** `cow_write_fault` of the pages `pages` (a bitmap) of PMD slot `slot`. */
function cow_write_slot(
  mm: MmStruct,
  slot: number,
  pages: Uint32Array,
  gup: boolean,
  cache: CowCache,
): void {
  const marks = marksOf(mm, slot, false);
  if (marks) for (let w = 0; w < marks.length; w++) marks[w] = (marks[w] & ~pages[w]) >>> 0;
  const a = slotIds.get(mm)?.get(slot);
  const pte = a || mm.ptes.live !== 0 ? slot_pte(mm, slot) : 0;
  const lazy = lazyBits(mm, pte);
  if (!a && !lazy) return;
  const anon = smallAnon(mm, slot, pte);
  for (let w = 0; w < pages.length; w++) {
    const mask = pages[w];
    if (mask === 0) continue;
    const live = anon[w] & mask;
    if (a) {
      // New pages (none, zero page) get no id; stale ones go.
      let gone = (mask & ~live) >>> 0;
      while (gone !== 0) {
        const i = w * 32 + (31 - Math.clz32(gone & -gone));
        gone = (gone & (gone - 1)) >>> 0;
        a[i] = 0;
      }
    }
    let b = live >>> 0;
    while (b !== 0) {
      const i = w * 32 + (31 - Math.clz32(b & -b));
      b = (b & (b - 1)) >>> 0;
      const id = a ? a[i] : 0;
      const isLazy = lazy !== null && bit(lazy, i);
      if (id !== 0) {
        cache.counts ??= holderCounts(mm);
        const counts = cache.counts;
        if (counts[id] > 1) {
          // A COW copy: the writer's page is a folio of its own now.
          counts[id]--;
          (a as Int32Array)[i] = 0;
          const locked = mm.mlocked.get(slot);
          if (locked) locked[i >>> 5] = (locked[i >>> 5] & ~(1 << (i & 31))) >>> 0;
          continue;
        }
      }
      if (!isLazy) continue;
      const flag = gup ? PG_DIRTY : LAZY_REDIRTIED;
      const t = familyIds(mm);
      if (id === 0) slotArray(mm, slot)[i] = newIds(mm, 1, flag);
      else t.flags[id] = (t.flags[id] & ~LAZY_REDIRTIED) | flag;
    }
  }
}

/**
 * `cow_write_fault` of the pages `first`, `first + step`, … (`count` of them), slot by slot,
 * counting the holders once (a copy takes its page out of the count).
 */
export function cow_write_strided(mm: MmStruct, first: number, step: number, count: number): void {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const cache: CowCache = {};
  let slot = -1;
  let pages: Uint32Array | null = null;
  for (let k = 0; k < count; k++) {
    const p = first + k * step;
    const s = Math.floor(p / PMD_SIZE);
    if (s !== slot) {
      if (pages) cow_write_slot(mm, slot, pages, false, cache);
      slot = s;
      pages = new Uint32Array(mm.ptes.words);
    }
    const i = p - s * PMD_SIZE;
    (pages as Uint32Array)[i >>> 5] |= 1 << (i & 31);
  }
  if (pages) cow_write_slot(mm, slot, pages, false, cache);
}

/** Whether write faults of `mm` need `cow_write_fault` (ids, or a lazy-free page, may exist). */
export function cow_tracking(mm: MmStruct): boolean {
  return hasIds(mm) || mm.family.size > 1;
}

/**
 * `madvise_free_pte_range` on the small anonymous pages `bits` of word `w` of slot `slot`: returns
 * the ones that do not become lazy-free: PG_dirty folios another process maps ("we mustn't clear
 * the folio's dirty flag": left alone), and folios another process keeps mlocked (the PTE is
 * cleaned but `folio_mark_lazyfree` skips an unevictable folio, so it stays swap-backed). On a
 * folio `mm` alone maps it clears PG_dirty and the redirtied state.
 */
export function cow_free_skip(
  mm: MmStruct,
  slot: number,
  w: number,
  bits: number,
  cache: CowCache,
): number {
  const a = slotIds.get(mm)?.get(slot);
  if (!a || bits === 0) return 0;
  const t = familyIds(mm);
  let skip = 0;
  let b = (bits & smallAnon(mm, slot, slot_pte(mm, slot))[w]) >>> 0;
  while (b !== 0) {
    const j = 31 - Math.clz32(b & -b);
    b = (b & (b - 1)) >>> 0;
    const id = a[w * 32 + j];
    if (id === 0) continue;
    cache.state ??= holderState(mm);
    const state = cache.state;
    if (state[id] & 2 && t.flags[id] & PG_DIRTY) {
      skip |= 1 << j;
    } else if (state[id] & 4) {
      skip |= 1 << j;
      const marks = marksOf(mm, slot, true) as Uint32Array;
      marks[w] = (marks[w] | (1 << j)) >>> 0;
    } else if (state[id] & 2) {
      cache.holders ??= holders(mm.family);
      for (const h of cache.holders.get(id) ?? []) lazy_if_marked(h);
    } else {
      t.flags[id] = 0;
    }
  }
  return skip >>> 0;
}

/** The folio of holder `h` became lazy-free: a PTE an earlier MADV_FREE cleaned is lazy-free now. */
function lazy_if_marked(h: Holder): void {
  const marks = marksOf(h.mm, h.slot, false);
  if (!marks || !bit(marks, h.i)) return;
  marks[h.i >>> 5] = (marks[h.i >>> 5] & ~(1 << (h.i & 31))) >>> 0;
  const pte = slot_pte(h.mm, h.slot);
  if (pte === 0) return;
  const planes = h.mm.ptes.ensurePlanes(pte);
  const l = planes.base + h.mm.ptes.words + (h.i >>> 5);
  planes.words[l] = (planes.words[l] | (1 << (h.i & 31))) >>> 0;
}

/** The rmap walk's order of a holder: its VMA's `vm_pgoff`, then the anon_vma chain's insertion. */
function rmapKey(h: Holder): [number, number, boolean] {
  const addr = h.slot * h.mm.geometry.PMD_SIZE + h.i;
  const vma = h.mm.mmap.find_vma(addr);
  if (!vma || vma.vm_start > addr) return [Infinity, 0, false];
  return [vma_pgoff(vma), vma.avc_seq ?? 0, h.locked];
}

function keepPage(mm: MmStruct, slot: number, i: number): void {
  let m = reclaimKeep.get(mm);
  if (!m) {
    m = new Map();
    reclaimKeep.set(mm, m);
  }
  let b = m.get(slot);
  if (!b) {
    b = new Uint32Array(mm.ptes.words);
    m.set(slot, b);
  }
  b[i >>> 5] = (b[i >>> 5] | (1 << (i & 31))) >>> 0;
}

function clearLazy(h: Holder): void {
  const lazy = lazyBits(h.mm, slot_pte(h.mm, h.slot));
  if (lazy) lazy[h.i >>> 5] = (lazy[h.i >>> 5] & ~(1 << (h.i & 31))) >>> 0;
}

/**
 * Reclaim (`pressure`, the memory cgroup of `mms`) of the lazy-free small folios with ids, before
 * the per-process passes discard clean lazy-free pages: `try_to_unmap` walks a folio's mappings
 * in rmap order (VMAs by `vm_pgoff`, then anon_vma chain insertion, across processes) and discards
 * it from every clean mapping until it meets a dirty PTE; that one and every later mapping keep
 * it, and the folio is swap-backed and PG_dirty from then on (their lazy-free bits go). A folio
 * a VM_LOCKED VMA maps (or that stays mlocked) is unevictable: every mapping keeps it. Until
 * `cow_reclaim_end`, `cow_reclaim_keep` answers which lazy-free pages the walks kept.
 */
export function cow_reclaim_begin(mms: readonly MmStruct[]): void {
  for (const mm of mms) reclaimKeep.delete(mm);
  if (!mms.some(hasIds)) return;
  const t = familyIds(mms[0]);
  for (const [id, list] of holders(mms)) {
    const anyLazy = list.some((h) => {
      const lazy = lazyBits(h.mm, slot_pte(h.mm, h.slot));
      return lazy !== null && bit(lazy, h.i);
    });
    if (!anyLazy && !(t.flags[id] & LAZY_REDIRTIED)) continue;
    const keyed = list.map((h) => ({ h, key: rmapKey(h) }));
    if (keyed.some((k) => k.key[2])) {
      for (const { h } of keyed) keepPage(h.mm, h.slot, h.i);
      continue;
    }
    keyed.sort((x, y) => x.key[0] - y.key[0] || x.key[1] - y.key[1]);
    let stop = -1;
    for (let k = 0; k < keyed.length; k++) {
      const { h } = keyed[k];
      const lazy = lazyBits(h.mm, slot_pte(h.mm, h.slot));
      if (!(lazy !== null && bit(lazy, h.i))) {
        stop = k;
        break;
      }
    }
    if (stop < 0) {
      t.flags[id] = 0;
      continue;
    }
    t.flags[id] = PG_DIRTY;
    for (let k = stop; k < keyed.length; k++) clearLazy(keyed[k].h);
  }
}

/** Ends a reclaim begun by `cow_reclaim_begin`. */
export function cow_reclaim_end(mms: readonly MmStruct[]): void {
  for (const mm of mms) reclaimKeep.delete(mm);
}

/** Lazy-free pages of `slot` the current reclaim keeps (see cow_reclaim_begin), or null. */
export function cow_reclaim_keep(mm: MmStruct, slot: number): Uint32Array | null {
  return reclaimKeep.get(mm)?.get(slot) ?? null;
}

/**
 * MADV_PAGEOUT over pages [lo, hi) of slot `slot`: `madvise_cold_or_pageout_pte_range` leaves a
 * small folio another process maps alone ("do not interfere with other mappings"); returns those
 * pages (to keep). A folio `mm` alone maps whose PTE was dirtied again after MADV_FREE is put back
 * by the unmap and becomes PG_dirty.
 */
export function cow_pageout_keep(
  mm: MmStruct,
  slot: number,
  lo: number,
  hi: number,
  cache: CowCache,
): Uint32Array | null {
  const a = slotIds.get(mm)?.get(slot);
  if (!a) return null;
  const t = familyIds(mm);
  const anon = smallAnon(mm, slot, slot_pte(mm, slot));
  let keep: Uint32Array | null = null;
  for (let i = lo; i < hi; i++) {
    const id = a[i];
    if (id === 0 || !bit(anon, i)) continue;
    cache.counts ??= holderCounts(mm);
    if (cache.counts[id] > 1) {
      keep ??= new Uint32Array(mm.ptes.words);
      keep[i >>> 5] = (keep[i >>> 5] | (1 << (i & 31))) >>> 0;
    } else if (t.flags[id] & LAZY_REDIRTIED) {
      t.flags[id] = PG_DIRTY;
    }
  }
  return keep;
}

/**
 * After `split_folio_record` of record `f` (slot `slot`): its pages that stay small anonymous
 * pages are order-0 folios now, the same in every mm mapping the folio (ids by subpage). The
 * split copies PG_dirty, which the PMD split set when the PMD was dirty: every page not
 * lazy-free (a clean lazy-free THP's PMD is clean).
 */
export function cow_split_record(mm: MmStruct, slot: number, f: LargeFolio, pte: number): void {
  if (pte === 0) return;
  const n = mm.ptes.entries;
  let base = splitBase.get(f.share);
  if (base === undefined) {
    base = newIds(mm, n, 0);
    splitBase.set(f.share, base);
  }
  const t = familyIds(mm);
  const anon = smallAnon(mm, slot, pte);
  const lazy = lazyBits(mm, pte);
  const a = slotArray(mm, slot);
  const marks = marksOf(mm, slot, false);
  if (marks) for (let w = 0; w < marks.length; w++) marks[w] = (marks[w] & ~f.member[w]) >>> 0;
  for (let w = 0; w < anon.length; w++) {
    let b = (anon[w] & f.member[w]) >>> 0;
    while (b !== 0) {
      const i = w * 32 + (31 - Math.clz32(b & -b));
      b = (b & (b - 1)) >>> 0;
      const j = i - f.shift;
      if (j < 0 || j >= n) continue;
      a[i] = base + j;
      if (!(lazy !== null && bit(lazy, i))) t.flags[base + j] |= PG_DIRTY;
    }
  }
}

/** mremap's `move_ptes` of page `si` of slot `oldSlot` to page `di` of slot `newSlot`. */
export function cow_move_page(
  mm: MmStruct,
  oldSlot: number,
  si: number,
  newSlot: number,
  di: number,
): void {
  const oldMarks = marksOf(mm, oldSlot, false);
  const marked = oldMarks !== undefined && bit(oldMarks, si);
  if (marked) oldMarks[si >>> 5] = (oldMarks[si >>> 5] & ~(1 << (si & 31))) >>> 0;
  const newMarks = marksOf(mm, newSlot, marked);
  if (newMarks) {
    const bitMask = 1 << (di & 31);
    newMarks[di >>> 5] =
      (marked ? newMarks[di >>> 5] | bitMask : newMarks[di >>> 5] & ~bitMask) >>> 0;
  }
  const m = slotIds.get(mm);
  if (!m) return;
  const from = m.get(oldSlot);
  const id = from ? from[si] : 0;
  if (from) from[si] = 0;
  if (id !== 0) slotArray(mm, newSlot)[di] = id;
  else {
    const to = m.get(newSlot);
    if (to) to[di] = 0;
  }
}

/** mremap's whole-table moves: the ids of `n` slots from `oldSlot` go to `newSlot`. */
export function cow_move_slots(mm: MmStruct, oldSlot: number, n: number, newSlot: number): void {
  const marks = cleanMarks.get(mm);
  if (marks && marks.size !== 0) move_slot_arrays(marks, oldSlot, n, newSlot);
  const m = slotIds.get(mm);
  if (m && m.size !== 0) move_slot_arrays(m, oldSlot, n, newSlot);
}

/** Moves the per-slot arrays of `n` slots from `oldSlot` to `newSlot` (none stays none). */
function move_slot_arrays<T>(m: Map<number, T>, oldSlot: number, n: number, newSlot: number): void {
  const moved: [number, T | undefined][] = [];
  for (let k = 0; k < n; k++) {
    moved.push([newSlot + k, m.get(oldSlot + k)]);
    m.delete(oldSlot + k);
  }
  for (const [slot, ids] of moved) {
    if (ids) m.set(slot, ids);
    else m.delete(slot);
  }
}

/** Number of pages of `mm` with a folio id, live or stale (tests and the debug dump). */
export function cow_id_pages(mm: MmStruct): number {
  let n = 0;
  for (const ids of slotIds.get(mm)?.values() ?? []) {
    for (let i = 0; i < ids.length; i++) if (ids[i] !== 0) n++;
  }
  return n;
}

/** How many live pages of the family map the folio `mm` maps at page `addr` (0: no id). */
export function cow_sharers(mm: MmStruct, addr: number): number {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  const slot = Math.floor(addr / PMD_SIZE);
  const id = slotIds.get(mm)?.get(slot)?.[addr - slot * PMD_SIZE] ?? 0;
  if (id === 0) return 0;
  return holderCounts(mm)[id] ?? 0;
}
