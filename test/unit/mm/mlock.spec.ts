// Tests of mlock, munlock, mlockall (mm/mlock.c) and the populate paths (mm/gup.c) in the model.

import { describe, expect, it } from 'vitest';
import { X86_64 } from '../../../src/arch/index.js';
import {
  do_madvise,
  do_mlock,
  do_mlockall,
  do_mprotect,
  do_munlock,
  mm_alloc,
  mmCounters,
  validate_mm,
  vm_mmap_pgoff,
  VM_LOCKED,
  VM_LOCKONFAULT,
  MCL_CURRENT,
  MCL_FUTURE,
  MCL_ONFAULT,
} from '../../../src/mm/index.js';
import { ptReclaimPolicy } from '../../../src/policy/index.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;
const RW = 3;

function fresh() {
  return mm_alloc(X86_64, ptReclaimPolicy, 2 ** 35);
}

/** VMAs as `start-end:flags` in MiB from 1 GiB, with L for VM_LOCKED and F for VM_LOCKONFAULT. */
function layout(mm: ReturnType<typeof fresh>): string {
  return mm.mmap.vmas
    .map((v) => {
      const s = (v.vm_start * 4096 - 2 ** 30) / 2 ** 20;
      const e = (v.vm_end * 4096 - 2 ** 30) / 2 ** 20;
      const f = `${v.vm_flags & VM_LOCKED ? 'L' : ''}${v.vm_flags & VM_LOCKONFAULT ? 'F' : ''}`;
      return `${s}-${e}${f ? `:${f}` : ''}`;
    })
    .join(' ');
}

describe('do_mlock', () => {
  it('splits the VMA, locks the middle and populates it for write', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 4n * MiB, RW);
    // |0 ......... 4| -> |0 1|1 LLL 3|3 4|
    expect(do_mlock(mm, GiB + MiB, 2n * MiB, { onfault: false })).toBeNull();
    expect(layout(mm)).toBe('0-1 1-3:L 3-4');
    expect(mmCounters(mm).rss_anon_kb).toBe(2048);
    validate_mm(mm);
  });

  it('rounds an unaligned start down and locks on fault only with onfault', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 2n * MiB, RW);
    expect(do_mlock(mm, GiB + 100n, 4096n, { onfault: true })).toBeNull();
    expect(mm.mmap.vmas[0].vm_end - mm.mmap.vmas[0].vm_start).toBe(2);
    expect(mmCounters(mm).rss_anon_kb).toBe(0);
  });

  it('fails with ENOMEM at a hole after locking what precedes it, and merges back on munlock', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 2n * MiB, RW);
    vm_mmap_pgoff(mm, GiB + 3n * MiB, 1n * MiB, RW);
    expect(do_mlock(mm, GiB, 4n * MiB, { onfault: true })).toBe('ENOMEM');
    expect(layout(mm)).toBe('0-2:LF 3-4');
    expect(do_munlock(mm, GiB, 2n * MiB)).toBeNull();
    expect(layout(mm)).toBe('0-2 3-4');
  });

  it('reports a PROT_NONE populate failure as ENOMEM, with the VMA locked', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 2n * MiB, 0);
    expect(do_mlock(mm, GiB, 4096n, { onfault: false })).toBe('ENOMEM');
    expect(layout(mm)).toBe('0-0.00390625:L 0.00390625-2');
  });
});

describe('do_mlockall', () => {
  it('locks current VMAs, makes future maps locked and populated, and munlockall undoes both', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 2n * MiB, RW);
    expect(do_mlockall(mm, MCL_CURRENT | MCL_FUTURE)).toBeNull();
    expect(mmCounters(mm).rss_anon_kb).toBe(2048);
    vm_mmap_pgoff(mm, GiB + 4n * MiB, 2n * MiB, RW);
    expect(layout(mm)).toBe('0-2:L 4-6:L');
    expect(mmCounters(mm).rss_anon_kb).toBe(4096);
    expect(do_mlockall(mm, 0)).toBeNull();
    vm_mmap_pgoff(mm, GiB + 8n * MiB, 2n * MiB, RW);
    expect(layout(mm)).toBe('0-2 4-6 8-10');
    expect(mmCounters(mm).rss_anon_kb).toBe(4096);
  });

  it('refuses MCL_ONFAULT alone and unknown bits with EINVAL', () => {
    expect(do_mlockall(fresh(), MCL_ONFAULT)).toBe('EINVAL');
    expect(do_mlockall(fresh(), 8)).toBe('EINVAL');
  });
});

describe('populate', () => {
  it('MAP_POPULATE of a read-only map faults the zero page: tables, no RSS', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 2n * MiB, 1, { populate: true });
    expect(mmCounters(mm)).toMatchObject({ vmpte_kb: 12, rss_anon_kb: 0 });
  });

  it('MAP_FIXED replaces the mapping under it and frees the table of a slot it covers', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 4n * MiB, RW, { populate: true });
    expect(mmCounters(mm).vmpte_kb).toBe(16);
    expect(vm_mmap_pgoff(mm, GiB, 2n * MiB, RW, { fixed: true })).toEqual({ addr: 2 ** 18 });
    expect(mmCounters(mm)).toMatchObject({ vmpte_kb: 12, rss_anon_kb: 2048 });
    validate_mm(mm);
  });

  it('MADV_POPULATE_WRITE stops with EINVAL at a VMA without write, ENOMEM at a hole', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 1n * MiB, RW);
    vm_mmap_pgoff(mm, GiB + MiB, 1n * MiB, 1);
    expect(do_madvise(mm, GiB, 2n * MiB, 'populate_write')).toBe('EINVAL');
    expect(mmCounters(mm).rss_anon_kb).toBe(1024);
    expect(do_madvise(mm, GiB, 3n * MiB, 'populate_read')).toBe('ENOMEM');
  });

  it('mprotect of a locked read-only mapping to writable faults it for write', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 2n * MiB, 1, { locked: true });
    expect(mmCounters(mm).rss_anon_kb).toBe(0);
    expect(do_mprotect(mm, GiB, 2n * MiB, RW)).toBeNull();
    expect(mmCounters(mm).rss_anon_kb).toBe(2048);
    validate_mm(mm);
  });
});
