// Tests of brk (mm/mmap.c brk, do_brk_flags) and stack growth (expand_downwards) in the model.

import { describe, expect, it } from 'vitest';
import { X86_64 } from '../../../src/arch/index.js';
import {
  do_brk,
  mm_alloc,
  mm_set_brk,
  mmCounters,
  touch_range,
  validate_mm,
  vm_mmap_pgoff,
} from '../../../src/mm/index.js';
import { ptReclaimPolicy } from '../../../src/policy/index.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;

function fresh() {
  return mm_alloc(X86_64, ptReclaimPolicy, 2 ** 35);
}

/** VMAs as `start-end` in KiB from 1 GiB. */
function layout(mm: ReturnType<typeof fresh>): string {
  return mm.mmap.vmas.map((v) => `${v.vm_start * 4 - 2 ** 20}-${v.vm_end * 4 - 2 ** 20}`).join(' ');
}

describe('do_brk', () => {
  it('grows one heap VMA to the page after the break and shrinks it with an munmap', () => {
    const mm = fresh();
    mm_set_brk(mm, GiB, GiB);
    expect(do_brk(mm, GiB + 5000n)).toBe(GiB + 5000n);
    expect(do_brk(mm, GiB + 3n * MiB)).toBe(GiB + 3n * MiB);
    expect(layout(mm)).toBe('0-3072');
    touch_range(mm, GiB, 3n * MiB, 2n * MiB, true);
    expect(mmCounters(mm).tables.pte).toBe(2);
    expect(do_brk(mm, GiB + 4096n)).toBe(GiB + 4096n);
    validate_mm(mm);
    expect(layout(mm)).toBe('0-4');
    expect(mmCounters(mm).tables.pte).toBe(1);
  });

  it('refuses a break below start_brk or one that leaves no free page before the next mapping', () => {
    const mm = fresh();
    mm_set_brk(mm, GiB, GiB);
    expect(do_brk(mm, GiB - 4096n)).toBe(GiB);
    vm_mmap_pgoff(mm, GiB + 8192n, 4096n, 3);
    expect(do_brk(mm, GiB + 8192n)).toBe(GiB);
    expect(do_brk(mm, GiB + 4096n)).toBe(GiB + 4096n);
  });

  it('is undefined for an mm without a heap', () => {
    expect(do_brk(fresh(), GiB)).toBeUndefined();
  });
});

describe('expand_downwards', () => {
  it('grows a growsdown VMA to a fault below it, up to RLIMIT_STACK', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, 2n * GiB, 128n * 1024n, 3, { growsdown: true });
    expect(touch_range(mm, 2n * GiB - 3n * MiB, 4096n, 4096n, true)).toBeNull();
    expect(mm.mmap.vmas[0].vm_start * 4096).toBe(Number(2n * GiB - 3n * MiB));
    validate_mm(mm);
    expect(touch_range(mm, 2n * GiB - 8n * MiB, 4096n, 4096n, true)).toBe('SIGSEGV');
  });

  it('keeps stack_guard_gap from an accessible VMA below, not from a PROT_NONE one', () => {
    const mm = fresh();
    vm_mmap_pgoff(mm, GiB + 8n * MiB, 128n * 1024n, 3, { growsdown: true });
    vm_mmap_pgoff(mm, GiB + 6n * MiB, 4096n, 0);
    expect(touch_range(mm, GiB + 6n * MiB + 8192n, 4096n, 4096n, false)).toBeNull();
    const mm2 = fresh();
    vm_mmap_pgoff(mm2, GiB + 8n * MiB, 128n * 1024n, 3, { growsdown: true });
    vm_mmap_pgoff(mm2, GiB + 6n * MiB, 4096n, 1);
    expect(touch_range(mm2, GiB + 6n * MiB + 8192n, 4096n, 4096n, false)).toBe('SIGSEGV');
  });
});
