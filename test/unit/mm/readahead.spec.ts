// Tests of a disk file's readahead on faults (mm/readahead.ts): the read-around, forward and
// MADV_HUGEPAGE windows, PG_readahead marks and what a fault on a marked page reads.

import { describe, expect, it } from 'vitest';
import { X86_64 } from '../../../src/arch/index.js';
import {
  do_madvise,
  disk_file_alloc,
  mm_alloc,
  mmCounters,
  touch_range,
  validate_mm,
  vm_mmap_pgoff,
} from '../../../src/mm/index.js';
import type { SimFile } from '../../../src/mm/index.js';
import { ptReclaimPolicy } from '../../../src/policy/index.js';

const KiB = 1024n;
const MiB = 1n << 20n;
const GiB = 1n << 30n;
const RW = 3;
const PAGE = 4096n;

function fresh() {
  return mm_alloc(X86_64, ptReclaimPolicy, 2 ** 35);
}

/** The cached pages of `file` among `offs`. */
function cached(file: SimFile, offs: number[]): boolean[] {
  return offs.map((o) => file.cache.has(o));
}

describe('sync_mmap_readahead', () => {
  it('marks the first page of the async part it reads (read-around clipped to the file)', () => {
    const mm = fresh();
    const f = disk_file_alloc('f', 1024, 2048);
    vm_mmap_pgoff(mm, GiB, 4n * MiB, RW, { file: f, shared: true });
    expect(do_madvise(mm, GiB, 64n * KiB, 'remove')).toBeNull();
    expect(do_madvise(mm, GiB + 2n * MiB, 64n * KiB, 'remove')).toBeNull();
    // Page 5: pages 0..15 are read (order path), then from 16 the clipped fallback (1008 pages,
    // 512 async) marks page 16 + 496 = 512, read in now.
    touch_range(mm, GiB + 5n * PAGE, PAGE, PAGE, false);
    expect(cached(f, [0, 15, 512, 527])).toEqual([true, true, true, true]);
    expect(f.ra?.mark.has(512)).toBe(true);
    expect(mmCounters(mm).rss_file_kb).toBe(64);
    // Fault-around skips the marked page: a read of page 520 maps 513..527.
    touch_range(mm, GiB + 520n * PAGE, PAGE, PAGE, false);
    expect(mmCounters(mm).rss_file_kb).toBe(64 + 60);
    // The fault on the marked page maps it and clears the mark (nothing is missing after it).
    touch_range(mm, GiB + 512n * PAGE, PAGE, PAGE, false);
    expect(mmCounters(mm).rss_file_kb).toBe(128);
    expect(f.ra?.mark.has(512)).toBe(false);
    expect(f.ra?.unsupported).toBeUndefined();
    validate_mm(mm);
  });

  it('reads whole PMD-sized windows under MADV_HUGEPAGE: order 9 is not modelled', () => {
    const mm = fresh();
    const f = disk_file_alloc('f', 1024, 2048);
    vm_mmap_pgoff(mm, GiB, 4n * MiB, RW, { file: f, shared: true });
    expect(do_madvise(mm, GiB, 4n * MiB, 'hugepage')).toBeNull();
    // Page 600 is missing, 512..1023 partly cached: the order-9 folio at 512 cannot be added and
    // the order-0 fallback reads the missing pages of 512..1023 (mark 512 pages in: none).
    expect(do_madvise(mm, GiB + 600n * PAGE, 8n * PAGE, 'remove')).toBeNull();
    touch_range(mm, GiB + 600n * PAGE, PAGE, PAGE, false);
    expect(cached(f, [600, 607])).toEqual([true, true]);
    expect(f.ra?.unsupported).toBeUndefined();
    // With all of 0..511 missing, readahead would add one PMD-sized folio.
    expect(do_madvise(mm, GiB, 2n * MiB, 'remove')).toBeNull();
    touch_range(mm, GiB + 4n * PAGE, PAGE, PAGE, true);
    expect(f.ra?.unsupported).toMatch(/order 9/);
  });
});

describe('async_mmap_readahead', () => {
  it('reads the next window when a fault hits the mark and pages are missing after it', () => {
    const mm = fresh();
    const f = disk_file_alloc('f', 4096, 2048);
    vm_mmap_pgoff(mm, GiB, 16n * MiB, RW, { file: f, shared: true });
    expect(do_madvise(mm, GiB, 16n * MiB, 'remove')).toBeNull();
    // Read-around from 0 (all missing): 0..2047 read, page 1536 marked.
    touch_range(mm, GiB, PAGE, PAGE, false);
    expect(f.ra?.mark.has(1536)).toBe(true);
    expect(f.cache.has(2048)).toBe(false);
    // The fault on 1536 is the expected one: the window after it (2048..) is read in order-2
    // folios, which the model does not follow.
    touch_range(mm, GiB + 1536n * PAGE, PAGE, PAGE, false);
    expect(f.ra?.unsupported).toMatch(/order 2/);
  });
});
