// Tests of shared and file mappings in the model (mm/filemap.ts): page cache, fault-around, COW,
// the RssFile/RssShmem counters, MADV_REMOVE, SIGBUS, and disk files (cached whole, read-around).

import { describe, expect, it } from 'vitest';
import { X86_64 } from '../../../src/arch/index.js';
import {
  do_madvise,
  do_munmap,
  disk_file_alloc,
  file_alloc,
  mm_alloc,
  mmCounters,
  touch_range,
  validate_mm,
  vm_mmap_pgoff,
} from '../../../src/mm/index.js';
import { ptReclaimPolicy } from '../../../src/policy/index.js';

const KiB = 1024n;
const MiB = 1n << 20n;
const GiB = 1n << 30n;
const RW = 3;

function fresh() {
  return mm_alloc(X86_64, ptReclaimPolicy, 2 ** 35);
}

describe('do_file_fault', () => {
  it('maps the cached pages of the 16-page window on a read fault, one page on a write', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 2n * MiB, RW, { shared: true });
    expect(touch_range(mm, GiB, 8n * KiB, 4096n, false)).toBeNull();
    expect(touch_range(mm, GiB + 64n * KiB, 4n * KiB, 4096n, true)).toBeNull();
    expect(mmCounters(mm)).toMatchObject({ rss_shmem_kb: 12, rss_anon_kb: 0, vmpte_kb: 12 });
    expect(do_madvise(mm, GiB, 2n * MiB, 'dontneed')).toBeNull();
    expect(mmCounters(mm)).toMatchObject({ rss_shmem_kb: 0, vmpte_kb: 8 });
    // Pages 0 and 1 are still cached: a read of page 5 maps them and itself (window 0..15).
    touch_range(mm, GiB + 20n * KiB, 4n * KiB, 4096n, false);
    expect(mmCounters(mm).rss_shmem_kb).toBe(12);
    validate_mm(mm);
  });

  it('copies a mapped page-cache page on a private write and counts it as anon', () => {
    const mm = fresh();
    const f = file_alloc('f', 512, true);
    vm_mmap_pgoff(mm, GiB, 2n * MiB, RW, { file: f });
    touch_range(mm, GiB, 4n * KiB, 4096n, false);
    expect(mmCounters(mm)).toMatchObject({ rss_shmem_kb: 4, rss_anon_kb: 0 });
    touch_range(mm, GiB, 4n * KiB, 4096n, true);
    expect(mmCounters(mm)).toMatchObject({ rss_shmem_kb: 0, rss_anon_kb: 4 });
    validate_mm(mm);
  });

  it('is SIGBUS at or beyond the end of the file, with the upper tables already there', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 8n * KiB, RW, { file: file_alloc('f', 1, true) });
    expect(touch_range(mm, GiB + 4n * KiB, 4n * KiB, 4096n, false)).toBe('SIGBUS');
    expect(mmCounters(mm).tables).toEqual({ pte: 0, pmd: 1, pud: 1 });
  });
});

describe('madvise_remove', () => {
  it('drops the hole from the cache and from every mapping of it, keeping private copies', () => {
    const mm = fresh();
    const f = file_alloc('f', 512, true);
    vm_mmap_pgoff(mm, GiB, 2n * MiB, RW, { file: f, shared: true });
    vm_mmap_pgoff(mm, 2n * GiB, 2n * MiB, RW, { file: f });
    touch_range(mm, GiB, 2n * MiB, 4096n, true);
    touch_range(mm, 2n * GiB, 64n * KiB, 4096n, false);
    touch_range(mm, 2n * GiB + MiB, 4n * KiB, 4096n, true);
    expect(mmCounters(mm)).toMatchObject({ rss_shmem_kb: 2048 + 64, rss_anon_kb: 4 });
    expect(do_madvise(mm, GiB, 2n * MiB, 'remove')).toBeNull();
    expect(mmCounters(mm)).toMatchObject({ rss_shmem_kb: 0, rss_anon_kb: 4, vmpte_kb: 20 });
    expect(do_madvise(mm, 2n * GiB, 2n * MiB, 'remove')).toBe('EACCES');
    validate_mm(mm);
  });

  it('is EINVAL on anonymous private memory, where MADV_FREE works; FREE is EINVAL on files', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 2n * MiB, RW);
    vm_mmap_pgoff(mm, 2n * GiB, 2n * MiB, RW, { shared: true });
    expect(do_madvise(mm, GiB, 2n * MiB, 'remove')).toBe('EINVAL');
    expect(do_madvise(mm, 2n * GiB, 2n * MiB, 'free')).toBe('EINVAL');
  });
});

describe('file VMAs', () => {
  it('merge only when the file offsets continue, and munmap drops their RSS', () => {
    const mm = fresh();
    const f = file_alloc('f', 1024, true);
    vm_mmap_pgoff(mm, GiB, 1n * MiB, RW, { file: f, shared: true });
    vm_mmap_pgoff(mm, GiB + MiB, 1n * MiB, RW, { file: f, shared: true, pgoff: 256 });
    vm_mmap_pgoff(mm, GiB + 2n * MiB, 1n * MiB, RW, { file: f, shared: true, pgoff: 0 });
    expect(mm.mmap.vmas.map((v) => [v.vm_end - v.vm_start, v.vm_pgoff])).toEqual([
      [512, 0],
      [256, 0],
    ]);
    touch_range(mm, GiB, 3n * MiB, 4096n, true);
    expect(mmCounters(mm).rss_shmem_kb).toBe(3072);
    expect(do_munmap(mm, GiB, 3n * MiB)).toBeNull();
    expect(mmCounters(mm)).toMatchObject({ rss_shmem_kb: 0, vmpte_kb: 0 });
    validate_mm(mm);
  });
});

describe('disk files (cached whole when created)', () => {
  it('count in RssFile; the first read fault maps the whole window, a shared write one page', () => {
    const mm = fresh();
    const f = disk_file_alloc('f', 2048, 32);
    vm_mmap_pgoff(mm, GiB, 4n * MiB, RW, { file: f, shared: true });
    touch_range(mm, GiB, 4n * KiB, 4096n, false);
    expect(mmCounters(mm)).toMatchObject({ rss_file_kb: 64, rss_shmem_kb: 0, vmpte_kb: 12 });
    touch_range(mm, GiB + 3n * MiB, 4n * KiB, 4096n, true);
    expect(mmCounters(mm)).toMatchObject({ rss_file_kb: 68, vmpte_kb: 16 });
    validate_mm(mm);
  });

  it('read around a refaulted hole: ra_pages from ra_pages / 2 before the page, clipped', () => {
    const mm = fresh();
    const f = disk_file_alloc('f', 512, 32);
    vm_mmap_pgoff(mm, GiB, 2n * MiB, RW, { file: f, shared: true });
    expect(do_madvise(mm, GiB, 2n * MiB, 'remove')).toBeNull();
    expect([f.cache.has(0), f.cache.has(511)]).toEqual([false, false]);
    // A shared write at page 40 reads pages 24..55 and maps only its own page.
    touch_range(mm, GiB + 40n * 4n * KiB, 4n * KiB, 4096n, true);
    expect(mmCounters(mm).rss_file_kb).toBe(4);
    expect([23, 24, 55, 56].map((o) => f.cache.has(o))).toEqual([false, true, true, false]);
    // The first page of its async part (24 + 32 - 8 = 48) got PG_readahead.
    expect(f.ra?.mark.has(48)).toBe(true);
    // A read at page 60 (not cached): the read-around brings 44..75, then the window 48..63
    // without the marked page 48.
    touch_range(mm, GiB + 60n * 4n * KiB, 4n * KiB, 4096n, false);
    expect(mmCounters(mm).rss_file_kb).toBe(4 + 60);
    validate_mm(mm);
  });

  it('reads forward from the faulting page in an executable VMA (6.16+), clipped to the VMA', () => {
    const mm = fresh();
    const f = disk_file_alloc('f', 512, 32);
    vm_mmap_pgoff(mm, GiB, 1n * MiB, RW | 4, { file: f, shared: true });
    expect(do_madvise(mm, GiB + 64n * KiB, 64n * KiB, 'remove')).toBeNull();
    // A read at page 26 of the punched window 16..31 reads 26..57 only: the retry maps 26..31.
    touch_range(mm, GiB + 26n * 4n * KiB, 4n * KiB, 4096n, false);
    expect([25, 26, 31].map((o) => f.cache.has(o))).toEqual([false, true, true]);
    expect(mmCounters(mm).rss_file_kb).toBe(24);
    // Near the VMA's end (page 255 of 256) nothing beyond the VMA is read.
    expect(do_madvise(mm, GiB + 1020n * KiB, 4n * KiB, 'remove')).toBeNull();
    expect(do_madvise(mm, GiB + 1016n * KiB, 4n * KiB, 'remove')).toBeNull();
    touch_range(mm, GiB + 1020n * KiB, 4n * KiB, 4096n, true);
    expect([254, 255, 256].map((o) => f.cache.has(o))).toEqual([false, true, true]);
    validate_mm(mm);
  });

  it('maps a 64 KiB folio whole on a shared write, or on fault-around, where it fits', () => {
    const mm = fresh();
    const f = disk_file_alloc('f', 512, 32, 16);
    // The VMA starts 4 pages into a PMD slot: folio 0 (pages 0..15) sits at slot pages 4..19.
    vm_mmap_pgoff(mm, GiB + 16n * KiB, 1n * MiB, RW, { file: f, shared: true });
    touch_range(mm, GiB + 16n * KiB + 40n * KiB, 4n * KiB, 4096n, true);
    expect(mmCounters(mm).rss_file_kb).toBe(64);
    expect(f.ra?.dirty.has(0)).toBe(true);
    // A read of page 30: its window (slot pages 32..47) meets folios 16..31 and 32..47, mapped whole.
    touch_range(mm, GiB + 16n * KiB + 120n * KiB, 4n * KiB, 4096n, false);
    expect(mmCounters(mm).rss_file_kb).toBe(64 + 128);
    // A write to an unmapped page whose folio has mapped pages maps its page only.
    expect(do_madvise(mm, GiB + 16n * KiB + 64n * KiB, 4n * KiB, 'dontneed')).toBeNull();
    touch_range(mm, GiB + 16n * KiB + 64n * KiB, 4n * KiB, 4096n, true);
    expect(mmCounters(mm).rss_file_kb).toBe(64 + 128);
    validate_mm(mm);
  });

  it('with no read-ahead a refault reads only its page', () => {
    const mm = fresh();
    const f = disk_file_alloc('f', 512, 0);
    vm_mmap_pgoff(mm, GiB, 2n * MiB, RW, { file: f, shared: true });
    expect(do_madvise(mm, GiB, 2n * MiB, 'remove')).toBeNull();
    touch_range(mm, GiB, 4n * KiB, 4096n, false);
    expect(mmCounters(mm).rss_file_kb).toBe(4);
  });
});
