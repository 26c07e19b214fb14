// Tests of MADV_COLLAPSE (mm/khugepaged.ts), the THP modes of the fault path (huge_memory.ts) and
// `thp_underused` under `max_ptes_none` (vmscan.ts), on the model alone.

import { describe, expect, it } from 'vitest';
import { X86_64 } from '../../../src/arch/index.js';
import {
  do_madvise,
  mm_alloc,
  mmCounters,
  shrink_lazyfree,
  touch_range,
  validate_mm,
  vm_mmap_pgoff,
} from '../../../src/mm/index.js';
import type { MmAllocOptions } from '../../../src/mm/index.js';
import { ptReclaimPolicy } from '../../../src/policy/index.js';

const KiB = 1024n;
const MiB = 1n << 20n;
const GiB = 1n << 30n;
const PAGE = 4n * KiB;

function fresh(options: MmAllocOptions = {}) {
  return mm_alloc(X86_64, ptReclaimPolicy, 2 ** 35, options);
}

describe('madvise_collapse', () => {
  it('collapses a PTE table into a THP, keeping the table as its deposit', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 2n * MiB, 3);
    touch_range(mm, GiB, 64n * KiB, PAGE, true);
    const before = mmCounters(mm);
    expect(do_madvise(mm, GiB, 2n * MiB, 'collapse')).toBeNull();
    validate_mm(mm);
    const after = mmCounters(mm);
    expect(after.vmpte_kb).toBe(before.vmpte_kb);
    expect(after.rss_anon_kb).toBe(2048);
  });

  it('ignores max_ptes_none and the THP mode', () => {
    const mm = fresh({ thp_mode: 'never', max_ptes_none: 0 });
    vm_mmap_pgoff(mm, GiB, 2n * MiB, 3);
    touch_range(mm, GiB, PAGE, PAGE, true);
    expect(do_madvise(mm, GiB, 2n * MiB, 'collapse')).toBeNull();
    expect(mmCounters(mm).rss_anon_kb).toBe(2048);
  });

  it('is EINVAL for a VMA without anon_vma, one too small for a slot, and crossing bounds', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 2n * MiB, 3);
    expect(do_madvise(mm, GiB, 2n * MiB, 'collapse')).toBe('EINVAL');
    touch_range(mm, GiB, PAGE, PAGE, true);
    expect(do_madvise(mm, GiB + MiB, 4n * KiB, 'collapse')).toBe('EINVAL');
    expect(do_madvise(mm, GiB, MiB, 'collapse')).toBeNull();
    vm_mmap_pgoff(mm, 2n * GiB, MiB, 3);
    touch_range(mm, 2n * GiB, PAGE, PAGE, true);
    expect(do_madvise(mm, 2n * GiB, MiB, 'collapse')).toBe('EINVAL');
    expect(mmCounters(mm).rss_anon_kb).toBe(8);
  });

  it('stops at an empty PMD entry after collapsing the slots before it', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 4n * MiB, 3);
    touch_range(mm, GiB, PAGE, PAGE, true);
    expect(do_madvise(mm, GiB, 4n * MiB, 'collapse')).toBe('EINVAL');
    expect(mmCounters(mm).rss_anon_kb).toBe(2048);
  });

  it('copies zeros for pages populated and never written: a later split drops them', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 2n * MiB, 3, { populate: true });
    touch_range(mm, GiB, PAGE, PAGE, true);
    expect(do_madvise(mm, GiB, 2n * MiB, 'collapse')).toBeNull();
    expect(do_madvise(mm, GiB + MiB, PAGE, 'free')).toBeNull();
    validate_mm(mm);
    expect(mmCounters(mm).rss_anon_kb).toBe(4);
  });
});

describe('vma_thp_enabled', () => {
  it.each([
    ['always', 2048],
    ['madvise', 4],
    ['never', 4],
  ] as const)('under %s a first write into an unadvised 2 MiB slot maps %i kB', (mode, kb) => {
    const mm = fresh({ thp_mode: mode });
    vm_mmap_pgoff(mm, GiB, 2n * MiB, 3);
    touch_range(mm, GiB, PAGE, PAGE, true);
    expect(mmCounters(mm).rss_anon_kb).toBe(kb);
  });

  it('gives no THP under never even where advised hugepage', () => {
    const mm = fresh({ thp_mode: 'never' });
    vm_mmap_pgoff(mm, GiB, 2n * MiB, 3);
    do_madvise(mm, GiB, 2n * MiB, 'hugepage');
    touch_range(mm, GiB, PAGE, PAGE, true);
    expect(mmCounters(mm).rss_anon_kb).toBe(4);
  });
});

describe('thp_underused', () => {
  it.each([
    [511, 2048],
    [0, 4],
  ])('with max_ptes_none %i pressure leaves a one-page-written THP at %i kB', (mpn, kb) => {
    const mm = fresh({ thp_mode: 'always', max_ptes_none: mpn });
    vm_mmap_pgoff(mm, GiB, 2n * MiB, 3);
    touch_range(mm, GiB, PAGE, PAGE, true);
    shrink_lazyfree(mm);
    validate_mm(mm);
    expect(mmCounters(mm).rss_anon_kb).toBe(kb);
    expect(mmCounters(mm).vmpte_kb).toBe(12);
  });
});
