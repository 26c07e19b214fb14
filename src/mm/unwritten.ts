// Which small anonymous pages still hold only zeros: pages GUP faulted in for write (MAP_POPULATE,
// MADV_POPULATE_WRITE, mlock) that the program never wrote. Their content decides what a later
// MADV_COLLAPSE copies into a THP, and so which subpages a split or `thp_underused` finds
// zero-filled (issue #7; large folios keep their own `written` bitmap in folio.ts).

import { popcount32, wordMask } from './pgtable-pool.js';
import type { MmStruct } from './mm_types.js';

/**
 * Before a GUP write fault of entries [lo, hi) of PTE table `pte` (slot of page `addr`): every
 * entry that is not an anonymous page yet (none or the zero page) becomes a fresh zero-filled one.
 */
export function mark_unwritten_fault(
  mm: MmStruct,
  pte: number,
  addr: number,
  lo: number,
  hi: number,
): void {
  const ptes = mm.ptes;
  const { words, base } = ptes.presentWords(pte);
  const planes = ptes.planeWords(pte);
  const slot = Math.floor(addr / mm.geometry.PMD_SIZE);
  let bits = mm.unwritten.get(slot);
  for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
    const mask = wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32));
    const anon = words[base + w] & ~(planes ? planes.words[planes.base + w] : 0);
    const fresh = (mask & ~anon) >>> 0;
    if (fresh === 0) continue;
    if (!bits) {
      bits = new Uint32Array(ptes.words);
      mm.unwritten.set(slot, bits);
    }
    bits[w] = (bits[w] | fresh) >>> 0;
  }
}

/** The program wrote pages [start, end) (page numbers): they no longer hold only zeros. */
export function clear_unwritten(mm: MmStruct, start: number, end: number): void {
  if (mm.unwritten.size === 0) return;
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  for (let slot = Math.floor(start / PMD_SIZE); slot * PMD_SIZE < end; slot++) {
    const bits = mm.unwritten.get(slot);
    if (!bits) continue;
    const lo = Math.max(start - slot * PMD_SIZE, 0);
    const hi = Math.min(end - slot * PMD_SIZE, PMD_SIZE);
    let left = 0;
    for (let w = 0; w < bits.length; w++) {
      if (w * 32 < hi && (w + 1) * 32 > lo) {
        bits[w] = (bits[w] & ~wordMask(Math.max(lo - w * 32, 0), Math.min(hi - w * 32, 32))) >>> 0;
      }
      left |= bits[w];
    }
    if (left === 0) mm.unwritten.delete(slot);
  }
}

/** Bitmap of the zero-filled small pages of PMD slot `slot` (possibly stale outside anon pages). */
export function unwritten_bits(mm: MmStruct, slot: number): Uint32Array | undefined {
  return mm.unwritten.get(slot);
}

/** Sets word `w` of slot `slot`'s zero-filled bitmap to `bits` (a split keeps such subpages). */
export function set_unwritten_word(mm: MmStruct, slot: number, w: number, bits: number): void {
  let map = mm.unwritten.get(slot);
  if (!map) {
    if (bits === 0) return;
    map = new Uint32Array(mm.ptes.words);
    mm.unwritten.set(slot, map);
  }
  map[w] = bits >>> 0;
  if (bits === 0 && map.every((x) => popcount32(x) === 0)) mm.unwritten.delete(slot);
}
