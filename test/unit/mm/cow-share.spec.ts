// Tests of the per-page COW sharing of small anonymous pages after fork (src/mm/cow-share.ts):
// fork names each page's folio in both processes, a write, an mremap move, an exit and reclaim
// keep the holders right.

import { describe, expect, it } from 'vitest';
import { X86_64 } from '../../../src/arch/index.js';
import {
  do_madvise,
  do_mremap,
  dup_mm,
  exit_mmap,
  mm_alloc,
  shrink_lazyfree,
  touch_range,
  validate_mm,
  vm_mmap_pgoff,
} from '../../../src/mm/index.js';
import { cow_id_pages, cow_sharers } from '../../../src/mm/cow-share.js';
import { ptReclaimPolicy } from '../../../src/policy/index.js';

const KiB = 1024n;
const GiB = 1n << 30n;
const page = (addr: bigint): number => Number(addr / 4096n);

/** A parent with 16 written pages at 1 GiB and a forked child. */
function forked() {
  const parent = mm_alloc(X86_64, ptReclaimPolicy, 2 ** 35);
  expect(vm_mmap_pgoff(parent, GiB, 64n * KiB, 3)).toEqual({ addr: page(GiB) });
  expect(touch_range(parent, GiB, 64n * KiB, 4096n, true)).toBeNull();
  expect(cow_id_pages(parent)).toBe(0);
  const child = dup_mm(parent);
  return { parent, child };
}

describe('cow-share', () => {
  // parent |PPPPPPPPPPPPPPPP|  child |CCCCCCCCCCCCCCCC|  (one folio per page, 2 holders each)
  it('names every page fork copies with one id in both processes', () => {
    const { parent, child } = forked();
    expect(cow_id_pages(parent)).toBe(16);
    expect(cow_id_pages(child)).toBe(16);
    expect(cow_sharers(parent, page(GiB))).toBe(2);
    expect(cow_sharers(child, page(GiB) + 15)).toBe(2);
  });

  it('ends the sharing of a page its writer copies, in both processes', () => {
    const { parent, child } = forked();
    expect(touch_range(child, GiB, 4096n, 4096n, true)).toBeNull();
    expect(cow_sharers(child, page(GiB))).toBe(0);
    expect(cow_sharers(parent, page(GiB))).toBe(1);
    expect(cow_sharers(parent, page(GiB) + 1)).toBe(2);
  });

  it('does not count pages unmapped, or the mm of an exited process', () => {
    const { parent, child } = forked();
    expect(do_madvise(child, GiB, 8192n, 'dontneed')).toBeNull();
    expect(cow_sharers(parent, page(GiB))).toBe(1);
    exit_mmap(child);
    expect(cow_sharers(parent, page(GiB) + 5)).toBe(1);
  });

  // child after the move: 1G |........CCCCCCCC|   2G |CCCCCCCC|  (still sharing with the parent)
  it('moves the names with the pages an mremap moves', () => {
    const { parent, child } = forked();
    const moved = do_mremap(
      child,
      GiB,
      32n * KiB,
      32n * KiB,
      { maymove: true, fixed: true },
      2n * GiB,
    );
    expect(moved).toEqual({ addr: page(2n * GiB) });
    validate_mm(child);
    expect(cow_sharers(child, page(2n * GiB) + 3)).toBe(2);
    expect(cow_sharers(parent, page(GiB) + 3)).toBe(2);
    expect(cow_sharers(child, page(GiB) + 3)).toBe(0);
  });

  it('discards a lazy-free shared page from the mappings before the first dirty one only', () => {
    // The parent's VMA comes first in rmap order: its clean page goes, the child keeps its.
    const a = forked();
    expect(do_madvise(a.parent, GiB, 64n * KiB, 'free')).toBeNull();
    shrink_lazyfree([a.parent, a.child]);
    expect([a.parent.rss_anon, a.child.rss_anon]).toEqual([0, 16]);
    // The child's clean mapping comes after the parent's dirty one: both keep the page, which
    // is PG_dirty from then on, so a second MADV_FREE in the child leaves it alone.
    const b = forked();
    expect(do_madvise(b.child, GiB, 64n * KiB, 'free')).toBeNull();
    shrink_lazyfree([b.parent, b.child]);
    expect([b.parent.rss_anon, b.child.rss_anon]).toEqual([16, 16]);
    expect(do_madvise(b.child, GiB, 64n * KiB, 'free')).toBeNull();
    expect(do_madvise(b.parent, GiB, 64n * KiB, 'free')).toBeNull();
    shrink_lazyfree([b.parent, b.child]);
    expect([b.parent.rss_anon, b.child.rss_anon]).toEqual([16, 16]);
    validate_mm(b.parent);
    validate_mm(b.child);
  });
});
