// Freeing page tables after unmap_vmas: free_pgtables groups the removed VMAs, free_pgd_range
// trims to the floor/ceiling, and each level frees its table only when no live VMA can share
// its slot (FREE-1..9). Mirrors the free_pgtables part of mm/memory.c
// (see docs/kernel-version.md).

import { addr_end, round_down } from '../arch/index.js';
import { assert } from '../util/assert.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';
import { mm_dec_nr_dir, mm_dec_nr_ptes } from './pgtable.js';
import { INLINE_EMPTY, INLINE_NONE, inlineKind } from './pgtable-pool.js';

/** `x - 1` as unsigned long arithmetic would give it: 0 means "top of the address space". */
function minus1(x: number): number {
  return x === 0 ? Number.MAX_SAFE_INTEGER : x - 1;
}

/**
 * `free_pgtables(tlb, vmas, floor, ceiling)`: `vmas` are the removed VMAs in address order.
 * A VMA is grouped with the next removed one when that starts within PMD_SIZE of its end; each
 * group frees [group start, group end) with the ceiling at the next group's start, and every group
 * gets the same floor (FREE-3).
 */
export function free_pgtables(
  mm: MmStruct,
  vmas: readonly VmAreaStruct[],
  floor: number,
  ceiling: number,
): void {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  let i = 0;
  while (i < vmas.length) {
    const addr = vmas[i].vm_start;
    let vma = vmas[i];
    let next = vmas[i + 1];
    while (next && next.vm_start <= vma.vm_end + PMD_SIZE) {
      vma = next;
      i++;
      next = vmas[i + 1];
    }
    free_pgd_range(mm, addr, vma.vm_end, floor, next ? next.vm_start : ceiling);
    i++;
  }
}

/**
 * `free_pgd_range`: trims [addr, end) to the PMD slots no neighbour can share (FREE-4), then
 * frees PTE tables in them and upper tables whose whole slot is free (FREE-5/6). Zero means
 * "bottom" for floor and "top" for ceiling, hence the `- 1` comparisons.
 */
export function free_pgd_range(
  mm: MmStruct,
  addr: number,
  end: number,
  floor: number,
  ceiling: number,
): void {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  addr = round_down(addr, PMD_SIZE);
  if (addr < floor) {
    addr += PMD_SIZE;
    if (addr === 0) return;
  }
  if (ceiling !== 0) {
    ceiling = round_down(ceiling, PMD_SIZE);
    if (ceiling === 0) return;
  }
  // The slot holding `end` is shared with whatever lies at the ceiling: stop one slot earlier.
  if (minus1(end) > minus1(ceiling)) end -= PMD_SIZE;
  if (addr > minus1(end)) return;
  freeLevel(mm, 0, mm.pgd, addr, end, floor, ceiling);
}

/**
 * Frees, within table `table` of directory level `k`, every child over [addr, end) (recursing
 * down to `free_pte_range` at the PMD level). The caller then decides about `table` itself.
 */
function freeLevel(
  mm: MmStruct,
  k: number,
  table: number,
  addr: number,
  end: number,
  floor: number,
  ceiling: number,
): void {
  const pool = mm.dirs[k];
  const span = mm.dirSpan[k];
  const last = k === mm.dirs.length - 1;
  const tableStart = addr - (addr % (span * pool.entries));
  // Entries outside [first, end) of the table are none: nothing to free there.
  const from = tableStart + pool.first(table) * span;
  const to = tableStart + pool.end(table) * span;
  do {
    const next = addr_end(addr, end, span);
    if (addr + span <= from) {
      addr = Math.min(from, end);
      continue;
    }
    if (addr >= to) break;
    const idx = Math.floor(addr / span) % pool.entries;
    const child = pool.raw(table, idx);
    if (child > 0 || child <= INLINE_NONE) {
      if (last) free_pte_range(mm, table, idx);
      else free_dir_range(mm, k + 1, table, idx, addr, next, floor, ceiling);
    } else {
      assert(child === 0, 'free_pgtables met a huge PMD that unmap_vmas left', { addr });
    }
    addr = next;
  } while (addr !== end);
}

/**
 * `free_pmd_range` / `free_pud_range` / `free_p4d_range` for the table under entry `idx` of
 * `parent`: free its children, then the table itself unless its slot reaches below `floor` or
 * above `ceiling`, where a live VMA may still use it (FREE-5/6). The table is not inspected.
 */
function free_dir_range(
  mm: MmStruct,
  k: number,
  parent: number,
  idx: number,
  addr: number,
  end: number,
  floor: number,
  ceiling: number,
): void {
  const parentPool = mm.dirs[k - 1];
  const table = parentPool.get(parent, idx);
  const covers = mm.dirSpan[k - 1];
  freeLevel(mm, k, table, addr, end, floor, ceiling);
  const start = round_down(addr, covers);
  if (start < floor) return;
  if (ceiling !== 0) {
    ceiling = round_down(ceiling, covers);
    if (ceiling === 0) return;
  }
  if (minus1(end) > minus1(ceiling)) return;
  parentPool.set(parent, idx, 0);
  // FREE-9 makes the table empty here; the kernel frees it without looking.
  mm.dirs[k].free(table);
  mm_dec_nr_dir(mm, k);
}

/** `free_pte_range`: unlinks the PTE table under PMD entry `idx` and frees it (ACC-3). */
function free_pte_range(mm: MmStruct, pmd: number, idx: number): void {
  const pmdPool = mm.dirs[mm.dirs.length - 1];
  const pte = pmdPool.raw(pmd, idx);
  pmdPool.set(pmd, idx, 0);
  if (pte <= INLINE_NONE) {
    // unmap_vmas emptied it (FREE-9), so it is an empty inline table.
    assert(inlineKind(pte) === INLINE_EMPTY, 'free_pgtables met an inline table with a page');
    mm.ptes.dropInline(INLINE_EMPTY);
  } else {
    mm.ptes.free(pte);
  }
  mm_dec_nr_ptes(mm);
}
