// Pages whose folio stays mlocked although no VM_LOCKED VMA maps it any more. MREMAP_DONTUNMAP
// clears VM_LOCKED on its whole source VMA (`dontunmap_complete`) without munlocking the pages left
// there: they stay on the unevictable list, so MADV_FREE does not make them lazy-free
// (`folio_mark_lazyfree` skips unevictable folios), reclaim never sees them, and mlock plus munlock
// of them again leaves them mlocked (their mlock count only returns to one). A THP mapped by PMD
// there stays an mlocked folio: a split maps none of its subpages to the zero page and leaves each
// an mlocked small page (issue #7; docs/sim-model.md, mremap).

import type { MmStruct, VmAreaStruct } from './mm_types.js';
import { PMD_HUGE_ANON, PMD_HUGE_LAZY, VM_LOCKED_MASK } from './mm_types.js';
import { walk_pmd_entries } from './zap.js';

/** ORs `bits` (word `w` of PMD slot `slot`) into the mm's mlocked small pages. */
export function mlocked_mark(mm: MmStruct, slot: number, w: number, bits: number): void {
  if (bits === 0) return;
  let b = mm.mlocked.get(slot);
  if (!b) {
    b = new Uint32Array(mm.ptes.words);
    mm.mlocked.set(slot, b);
  }
  b[w] = (b[w] | bits) >>> 0;
}

/**
 * Before MREMAP_DONTUNMAP clears the lock bits of `vma`: every anonymous page it maps (the moved
 * range is empty by then) was mlocked and stays so; a PMD-mapped THP's folio stays mlocked. Large
 * folios mapped by PTEs are left out: a PMD split inside a VM_LOCKED VMA munlocks the folio, and
 * mlock locks a PTE-mapped one only when it lies whole in the range.
 */
export function dontunmap_keep_mlocked(mm: MmStruct, vma: VmAreaStruct): void {
  if (!(vma.vm_flags & VM_LOCKED_MASK) || vma.vm_file) return;
  const g = mm.geometry;
  const pmdPool = mm.dirs[mm.dirs.length - 1];
  walk_pmd_entries(mm, vma.vm_start, vma.vm_end, (pmd, idx, addr, next) => {
    const pte = pmdPool.get(pmd, idx);
    const slot = Math.floor(addr / g.PMD_SIZE);
    if (pte === PMD_HUGE_ANON || pte === PMD_HUGE_LAZY) {
      const f = mm.folios.get(slot);
      if (f) f.share.mlocked = true;
      return;
    }
    if (pte <= 0) return;
    const { words, base } = mm.ptes.presentWords(pte);
    const planes = mm.ptes.planeWords(pte);
    const lo = addr - slot * g.PMD_SIZE;
    const hi = next - slot * g.PMD_SIZE;
    for (let w = lo >>> 5; w < (hi + 31) >>> 5; w++) {
      const from = Math.max(lo - w * 32, 0);
      const to = Math.min(hi - w * 32, 32);
      const mask = to - from === 32 ? 0xffffffff : ((1 << (to - from)) - 1) << from;
      let anon = words[base + w] & ~(planes ? planes.words[planes.base + w] : 0) & mask;
      for (let f = mm.folios.get(slot); f; f = f.next) anon &= ~f.member[w];
      mlocked_mark(mm, slot, w, anon >>> 0);
    }
  });
}

/**
 * Pages of PMD slot `slot` that stay mlocked outside VM_LOCKED VMAs (small pages and pages of
 * mlocked large folios), which MADV_FREE leaves as they are; null when none.
 */
export function mlocked_pages(mm: MmStruct, slot: number): Uint32Array | null {
  const small = mm.mlocked.get(slot);
  let out: Uint32Array | null = small ? small.slice() : null;
  for (let f = mm.folios.get(slot); f; f = f.next) {
    if (!f.share.mlocked) continue;
    out ??= new Uint32Array(mm.ptes.words);
    for (let w = 0; w < out.length; w++) out[w] = (out[w] | f.member[w]) >>> 0;
  }
  return out;
}
