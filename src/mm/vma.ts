// The VMA tree (a sorted array standing in for the maple tree) with split and merge as
// mm/vma.c does them. Mirrors mm/vma.c (see docs/kernel-version.md).

import { assert } from '../util/assert.js';
import type { AnonVma, VmAreaStruct } from './mm_types.js';
import { VM_GROWSDOWN } from './mm_types.js';

/** `stack_guard_gap`: 256 pages (1 MiB), the kernel's default (`stack_guard_gap=` boot option). */
export const STACK_GUARD_GAP_PAGES = 256;

/** `vm_start_gap`: where a mapping below `vma` must end (the guard gap below a stack). */
export function vm_start_gap(vma: VmAreaStruct): number {
  return vma.vm_flags & VM_GROWSDOWN
    ? Math.max(vma.vm_start - STACK_GUARD_GAP_PAGES, 0)
    : vma.vm_start;
}

/** VMAs sorted by address. invariant: non-empty, non-overlapping, strictly increasing. */
export class VmaTree {
  readonly vmas: VmAreaStruct[] = [];

  /** Index of the first VMA with vm_end > addr (vmas.length if none). */
  indexAfter(addr: number): number {
    let lo = 0;
    let hi = this.vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.vmas[mid].vm_end > addr) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The first VMA with vm_end > addr (`find_vma`). */
  find_vma(addr: number): VmAreaStruct | undefined {
    return this.vmas[this.indexAfter(addr)];
  }

  /** The first VMA intersecting [start, end) (`find_vma_intersection`). */
  find_vma_intersection(start: number, end: number): VmAreaStruct | undefined {
    const v = this.find_vma(start);
    return v && v.vm_start < end ? v : undefined;
  }

  /** VMAs intersecting [start, end), in order (a copy, safe to mutate the tree meanwhile). */
  range(start: number, end: number): VmAreaStruct[] {
    const out: VmAreaStruct[] = [];
    for (let i = this.indexAfter(start); i < this.vmas.length; i++) {
      const v = this.vmas[i];
      if (v.vm_start >= end) break;
      out.push(v);
    }
    return out;
  }

  /** The VMA before `vma` (`vma_prev`). */
  prev(vma: VmAreaStruct): VmAreaStruct | undefined {
    const i = this.vmas.indexOf(vma);
    return i > 0 ? this.vmas[i - 1] : undefined;
  }

  /** The VMA after `vma` (`vma_next`). */
  next(vma: VmAreaStruct): VmAreaStruct | undefined {
    const i = this.vmas.indexOf(vma);
    return i >= 0 ? this.vmas[i + 1] : undefined;
  }

  /** Inserts a VMA that overlaps none. */
  insert(vma: VmAreaStruct): void {
    const i = this.indexAfter(vma.vm_start);
    const after = this.vmas[i];
    assert(!after || after.vm_start >= vma.vm_end, 'inserting an overlapping VMA', { vma, after });
    this.vmas.splice(i, 0, vma);
  }

  /** Removes a VMA from the tree. */
  remove(vma: VmAreaStruct): void {
    const i = this.vmas.indexOf(vma);
    assert(i >= 0, 'removing a VMA not in the tree', { vma });
    this.vmas.splice(i, 1);
  }
}

/**
 * `is_mergeable_anon_vma`: the same anon_vma, or one side has none and the other's VMA was not
 * cloned from a parent at fork (`vma_had_uncowed_parents`, see AnonVma.forked).
 */
export function is_mergeable_anon_vma(a: AnonVma | null, b: AnonVma | null): boolean {
  if (a === null) return b === null || !b.forked;
  if (b === null) return !a.forked;
  return a === b;
}

let avcSeq = 0;

/**
 * `anon_vma_interval_tree_insert` of the VMA's anon_vma_chain entries, as done when a VMA gets an
 * anon_vma, is created by a split, a copy or fork, or changes bounds (`vma_complete` reinserts
 * it): among VMAs mapping a page at the same `vm_pgoff` start, the rmap walk visits them in this
 * order (equal keys go right in the interval tree).
 */
export function avc_insert(vma: VmAreaStruct): void {
  vma.avc_seq = ++avcSeq;
}

/**
 * `split_vma`: cuts `vma` at `addr` (strictly inside), returning the new upper piece. Both pieces
 * share the anon_vma (anon_vma_clone). The caller splits huge PMDs straddling `addr`.
 */
export function split_vma(tree: VmaTree, vma: VmAreaStruct, addr: number): VmAreaStruct {
  assert(vma.vm_start < addr && addr < vma.vm_end, 'split outside the VMA', { vma, addr });
  const upper: VmAreaStruct = {
    vm_start: addr,
    vm_end: vma.vm_end,
    vm_flags: vma.vm_flags,
    anon_vma: vma.anon_vma,
  };
  if (vma.vm_file) upper.vm_file = vma.vm_file;
  if (vma.vm_file || vma.vm_pgoff !== undefined)
    upper.vm_pgoff = vma_pgoff(vma) + (addr - vma.vm_start);
  vma.vm_end = addr;
  tree.insert(upper);
  // __split_vma: the new piece's chain is cloned, then vma_complete reinserts the old piece.
  avc_insert(upper);
  avc_insert(vma);
  return upper;
}

/**
 * `vm_pgoff` of a VMA: stored for file VMAs and for anonymous VMAs an mremap moved (they keep the
 * offset of their old address); any other anonymous VMA has `vm_start` there.
 */
export function vma_pgoff(v: VmAreaStruct): number {
  return v.vm_pgoff ?? (v.vm_file ? 0 : v.vm_start);
}

/** `is_mergeable_vma`'s offset rule: the same file (or none), and `b` continues `a` in it. */
export function same_file_range(a: VmAreaStruct, b: VmAreaStruct): boolean {
  if (a.vm_file !== b.vm_file) return false;
  return vma_pgoff(a) + (a.vm_end - a.vm_start) === vma_pgoff(b);
}

/**
 * Merges `vma` with its neighbours where mm/vma.c would (`vma_merge_existing_range` /
 * `vma_merge_new_range`): same flags, adjacent, compatible anon_vmas; left first, then right,
 * and right only if all three anon_vmas agree (can_vma_merge_right). Returns the merged VMA.
 */
export function vma_merge(
  tree: VmaTree,
  vma: VmAreaStruct,
  opts: { readonly left: boolean; readonly right: boolean },
): VmAreaStruct {
  let target = vma;
  const prev = tree.prev(vma);
  if (
    opts.left &&
    prev &&
    prev.vm_end === vma.vm_start &&
    prev.vm_flags === vma.vm_flags &&
    is_mergeable_anon_vma(prev.anon_vma, vma.anon_vma) &&
    same_file_range(prev, vma)
  ) {
    prev.vm_end = vma.vm_end;
    prev.anon_vma = prev.anon_vma ?? vma.anon_vma;
    avc_insert(prev);
    tree.remove(vma);
    target = prev;
  }
  const next = tree.next(target);
  if (
    opts.right &&
    next &&
    next.vm_start === target.vm_end &&
    next.vm_flags === target.vm_flags &&
    is_mergeable_anon_vma(target.anon_vma, next.anon_vma) &&
    same_file_range(target, next)
  ) {
    target.vm_end = next.vm_end;
    target.anon_vma = target.anon_vma ?? next.anon_vma;
    avc_insert(target);
    tree.remove(next);
  }
  return target;
}
