// Tests of mremap (mm/mremap.c) in the model: which tables move whole, which entries move one by
// one, the VMAs left behind, and the errors in the kernel's order.

import { describe, expect, it } from 'vitest';
import { X86_64 } from '../../../src/arch/index.js';
import {
  do_mremap,
  mm_alloc,
  mmCounters,
  touch_range,
  validate_mm,
  vm_mmap_pgoff,
  VM_LOCKED,
} from '../../../src/mm/index.js';
import { ptReclaimPolicy } from '../../../src/policy/index.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;
const RW = 3;
const MOVE = { maymove: true, fixed: true };

function fresh() {
  return mm_alloc(X86_64, ptReclaimPolicy, 2 ** 35);
}

/** VMAs as `start-end` in MiB, L for VM_LOCKED. */
function layout(mm: ReturnType<typeof fresh>): string {
  return mm.mmap.vmas
    .map(
      (v) =>
        `${(v.vm_start * 4096) / 2 ** 20}-${(v.vm_end * 4096) / 2 ** 20}${v.vm_flags & VM_LOCKED ? 'L' : ''}`,
    )
    .join(' ');
}

function mapped(mm: ReturnType<typeof fresh>, at: bigint, len: bigint): void {
  expect(vm_mmap_pgoff(mm, at, len, RW)).toEqual({ addr: Number(at / 4096n) });
  expect(touch_range(mm, at, len, 4096n, true)).toBeNull();
}

describe('move_page_tables', () => {
  it('moves whole PTE tables when both sides are PMD-aligned', () => {
    //   1G [aa|aa]        ->   3G [aa|aa]   (2 PTE tables change hands, +1 PMD table at 3G)
    const mm = fresh();
    mapped(mm, GiB, 4n * MiB);
    const before = mmCounters(mm).tables.pte;
    expect(do_mremap(mm, GiB, 4n * MiB, 4n * MiB, MOVE, 3n * GiB)).toEqual({
      addr: Number((3n * GiB) / 4096n),
    });
    validate_mm(mm);
    expect(mmCounters(mm).tables.pte).toBe(before);
    expect(mmCounters(mm).rss_anon_kb).toBe(4096);
    expect(layout(mm)).toBe('3072-3076');
  });

  it('moves entries one by one into new tables when the offsets in the slot differ', () => {
    //   1G [aa]  ->  3G+4K [a|a]   (two new PTE tables; the source one goes with the munmap)
    const mm = fresh();
    mapped(mm, GiB, 2n * MiB);
    do_mremap(mm, GiB, 2n * MiB, 2n * MiB, MOVE, 3n * GiB + 4096n);
    validate_mm(mm);
    expect(mmCounters(mm).tables.pte).toBe(2);
    expect(mmCounters(mm).rss_anon_kb).toBe(2048);
  });

  it('moves a whole PMD table when a whole PUD slot moves', () => {
    const mm = fresh();
    expect(vm_mmap_pgoff(mm, GiB, GiB, RW, { noreserve: true })).toEqual({ addr: 262144 });
    touch_range(mm, GiB, GiB, 2n * MiB, true);
    const pmds = mmCounters(mm).tables.pmd;
    do_mremap(mm, GiB, GiB, GiB, MOVE, 16n * GiB);
    validate_mm(mm);
    expect(mmCounters(mm).tables.pmd).toBe(pmds);
    expect(mmCounters(mm).tables.pte).toBe(512);
  });
});

describe('do_mremap', () => {
  it('grows in place into free space and fails with ENOMEM without MREMAP_MAYMOVE when blocked', () => {
    const mm = fresh();
    mapped(mm, GiB, 2n * MiB);
    expect('addr' in do_mremap(mm, GiB, 2n * MiB, 4n * MiB, {}, 0n)).toBe(true);
    expect(layout(mm)).toBe('1024-1028');
    vm_mmap_pgoff(mm, GiB + 4n * MiB, 4096n, RW);
    expect(do_mremap(mm, GiB, 4n * MiB, 8n * MiB, {}, 0n)).toEqual({ errno: 'ENOMEM' });
  });

  it('leaves the source VMA in place, unlocked, with MREMAP_DONTUNMAP', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB, 4n * MiB, RW, { locked: true });
    do_mremap(mm, GiB, MiB, MiB, { ...MOVE, dontunmap: true }, 3n * GiB);
    validate_mm(mm);
    expect(layout(mm)).toBe('1024-1028 3072-3073L');
    expect(mmCounters(mm).rss_anon_kb).toBe(4096);
  });

  it('keeps the old vm_pgoff of a faulted anonymous VMA, so it merges only where it came from', () => {
    const mm = fresh();
    mapped(mm, GiB, 2n * MiB);
    do_mremap(mm, GiB + MiB, MiB, MiB, MOVE, 3n * GiB);
    vm_mmap_pgoff(mm, 3n * GiB + MiB, MiB, RW);
    expect(layout(mm)).toBe('1024-1025 3072-3073 3073-3074');
    do_mremap(mm, 3n * GiB, MiB, MiB, MOVE, GiB + MiB);
    expect(layout(mm)).toBe('1024-1026 3073-3074');
  });

  it('checks the arguments before any VMA, as the kernel does', () => {
    const mm = fresh();
    expect(do_mremap(mm, GiB, MiB, MiB, { fixed: true }, 3n * GiB)).toEqual({ errno: 'EINVAL' });
    expect(do_mremap(mm, GiB, MiB, 2n * MiB, { maymove: true, dontunmap: true }, 3n * GiB)).toEqual(
      { errno: 'EINVAL' },
    );
    expect(do_mremap(mm, GiB, 4n * MiB, 4n * MiB, MOVE, GiB + MiB)).toEqual({ errno: 'EINVAL' });
    expect(do_mremap(mm, GiB, MiB, MiB, MOVE, 3n * GiB)).toEqual({ errno: 'EFAULT' });
    expect(do_mremap(mm, GiB, MiB, 0n, {}, 0n)).toEqual({ errno: 'EINVAL' });
  });
});
