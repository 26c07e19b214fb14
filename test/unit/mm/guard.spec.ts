// Tests of guard regions in the model (mm/guard.ts): markers keep tables, count no RSS, stop
// accesses and populates, survive MADV_DONTNEED and go with munmap.

import { describe, expect, it } from 'vitest';
import { X86_64 } from '../../../src/arch/index.js';
import {
  do_madvise,
  do_mlock,
  do_munmap,
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

function fresh() {
  return mm_alloc(X86_64, ptReclaimPolicy, 2 ** 35);
}

describe('madvise_guard_install', () => {
  it('allocates the table, keeps it through DONTNEED, and lets it go after guard_remove', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 2n * MiB, 3);
    expect(do_madvise(mm, GiB, 4n * KiB, 'guard_install')).toBeNull();
    expect(mmCounters(mm)).toMatchObject({ vmpte_kb: 12, rss_anon_kb: 0 });
    touch_range(mm, GiB + 8n * KiB, 4n * KiB, 4096n, true);
    expect(do_madvise(mm, GiB, 2n * MiB, 'dontneed')).toBeNull();
    expect(mmCounters(mm)).toMatchObject({ vmpte_kb: 12, rss_anon_kb: 0 });
    validate_mm(mm);
    expect(do_madvise(mm, GiB, 4n * KiB, 'guard_remove')).toBeNull();
    expect(do_madvise(mm, GiB, 2n * MiB, 'dontneed')).toBeNull();
    expect(mmCounters(mm).vmpte_kb).toBe(8);
    validate_mm(mm);
  });

  it('stops a touch with SIGSEGV after the pages before the marker', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 2n * MiB, 3);
    do_madvise(mm, GiB + 16n * KiB, 4n * KiB, 'guard_install');
    expect(touch_range(mm, GiB, 64n * KiB, 4096n, true)).toBe('SIGSEGV');
    expect(mmCounters(mm).rss_anon_kb).toBe(16);
    expect(touch_range(mm, GiB, 2n * MiB, 16n * KiB, false)).toBe('SIGSEGV');
  });

  it('is EINVAL on a locked VMA; a populate over a marker fails (mlock: ENOMEM)', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 2n * MiB, 3, { locked: true });
    expect(do_madvise(mm, GiB, 4n * KiB, 'guard_install')).toBe('EINVAL');
    vm_mmap_pgoff(mm, 2n * GiB, 2n * MiB, 3);
    do_madvise(mm, 2n * GiB + MiB, 4n * KiB, 'guard_install');
    expect(do_mlock(mm, 2n * GiB, 2n * MiB, { onfault: false })).toBe('ENOMEM');
    expect(do_madvise(mm, 2n * GiB, 2n * MiB, 'populate_read')).toBe('EFAULT');
  });

  it('markers go with munmap, and their table with them', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 2n * MiB, 3);
    do_madvise(mm, GiB, 2n * MiB, 'guard_install');
    expect(mmCounters(mm).vmpte_kb).toBe(12);
    expect(do_munmap(mm, GiB, 2n * MiB)).toBeNull();
    expect(mmCounters(mm).vmpte_kb).toBe(0);
    expect(mm.guardPages.size).toBe(0);
    validate_mm(mm);
  });
});
