// Tests of reclaim of a disk file's page cache (mm/filemap-reclaim.ts): MADV_PAGEOUT of clean
// pages, pages mapped twice and dirty pages, and memory-cgroup reclaim sparing mlocked pages.

import { describe, expect, it } from 'vitest';
import { X86_64 } from '../../../src/arch/index.js';
import {
  dirty_file_pages,
  do_madvise,
  disk_file_alloc,
  file_has_dirty,
  mm_alloc,
  mmCounters,
  shrink_file_cache,
  touch_range,
  validate_mm,
  vm_mmap_pgoff,
} from '../../../src/mm/index.js';
import { ptReclaimPolicy } from '../../../src/policy/index.js';

const KiB = 1024n;
const MiB = 1n << 20n;
const GiB = 1n << 30n;
const RW = 3;
const PAGE = 4096n;
const GIB_PAGES = 1 << 18;

function fresh() {
  return mm_alloc(X86_64, ptReclaimPolicy, 2 ** 35);
}

describe('pageout_file_range', () => {
  it('unmaps clean pages mapped once and drops them from the cache; tables stay', () => {
    const mm = fresh();
    const f = disk_file_alloc('f', 1024, 2048);
    vm_mmap_pgoff(mm, GiB, 4n * MiB, RW, { file: f, shared: true });
    vm_mmap_pgoff(mm, 2n * GiB, 64n * KiB, RW, { file: f, shared: true });
    touch_range(mm, GiB, 4n * KiB, PAGE, false);
    touch_range(mm, 2n * GiB, 4n * KiB, PAGE, false);
    touch_range(mm, GiB + 400n * KiB, 4n * KiB, PAGE, false);
    expect(mmCounters(mm)).toMatchObject({ rss_file_kb: 192, vmpte_kb: 20 });
    expect(do_madvise(mm, GiB, 4n * MiB, 'pageout')).toBeNull();
    // Pages 0..15 are mapped at 2 GiB too: left alone. Pages 96..111 go.
    expect(mmCounters(mm)).toMatchObject({ rss_file_kb: 128, vmpte_kb: 20 });
    expect([f.cache.has(0), f.cache.has(100)]).toEqual([true, false]);
    // The refault reads the window back and maps it.
    touch_range(mm, GiB + 420n * KiB, 4n * KiB, PAGE, false);
    expect(mmCounters(mm).rss_file_kb).toBe(192);
    validate_mm(mm);
  });

  it('leaves private COW copies; reports a dirty page it would reclaim', () => {
    const mm = fresh();
    const f = disk_file_alloc('f', 512, 2048);
    vm_mmap_pgoff(mm, GiB, 2n * MiB, RW, { file: f });
    vm_mmap_pgoff(mm, 2n * GiB, 2n * MiB, RW, { file: f, shared: true });
    touch_range(mm, GiB, 64n * KiB, PAGE, false);
    touch_range(mm, GiB + 4n * KiB, 4n * KiB, PAGE, true);
    expect(do_madvise(mm, GiB, 2n * MiB, 'pageout')).toBeNull();
    expect(mmCounters(mm)).toMatchObject({ rss_file_kb: 0, rss_anon_kb: 4 });
    touch_range(mm, 2n * GiB + 400n * KiB, 4n * KiB, PAGE, true);
    expect(file_has_dirty(f)).toBe(true);
    expect(dirty_file_pages(mm, 2 * GIB_PAGES, 2 * GIB_PAGES + 512)).toBe(true);
    expect(dirty_file_pages(mm, GIB_PAGES, GIB_PAGES + 512)).toBe(false);
  });
});

describe('shrink_file_cache', () => {
  it('empties the cache and every mapping except mlocked pages', () => {
    const mm = fresh();
    const f = disk_file_alloc('f', 1024, 2048);
    vm_mmap_pgoff(mm, GiB, 4n * MiB, RW, { file: f, shared: true });
    vm_mmap_pgoff(mm, 2n * GiB, 64n * KiB, 1, { file: f, pgoff: 256, locked: true });
    touch_range(mm, GiB, 64n * KiB, PAGE, false);
    touch_range(mm, 2n * GiB, 64n * KiB, PAGE, false);
    expect(mmCounters(mm).rss_file_kb).toBe(128);
    shrink_file_cache([mm], [f]);
    expect(mmCounters(mm).rss_file_kb).toBe(64);
    expect([f.cache.has(0), f.cache.has(256), f.cache.has(271)]).toEqual([false, true, true]);
    validate_mm(mm);
  });
});
