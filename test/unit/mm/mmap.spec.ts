import { describe, expect, it } from 'vitest';
import { X86_64 } from '../../../src/arch/index.js';
import { do_mmap, do_munmap, mm_alloc } from '../../../src/mm/index.js';
import { nonePolicy } from '../../../src/policy/index.js';

const GiB = 2 ** 30;
const base = (1 * 2 ** 40) / 4096; // mmap_base at 1 TiB, in pages

function fresh() {
  return mm_alloc(X86_64, nonePolicy, base);
}

function addrOf(r: ReturnType<typeof do_mmap>): number {
  if ('errno' in r) throw new Error(r.errno);
  return r.addr * 4096;
}

describe('get_unmapped_area', () => {
  it('places a hint-less map right below mmap_base (PLACE-1)', () => {
    expect(addrOf(do_mmap(fresh(), undefined, 4096n * 3n, 3))).toBe(2 ** 40 - 3 * 4096);
  });

  it('aligns PMD-multiple lengths to 2 MiB and stacks them downwards (PLACE-2)', () => {
    const mm = fresh();
    do_mmap(mm, undefined, 4096n, 3); // [base - 4K, base)
    const a = addrOf(do_mmap(mm, undefined, 2n * 1024n * 1024n, 3));
    expect(a % (2 * 1024 * 1024)).toBe(0);
    expect(a).toBe(2 ** 40 - 4 * 1024 * 1024);
  });

  it('places a 3 MiB map right below the previous one, unaligned (PLACE-2)', () => {
    const mm = fresh();
    const a = addrOf(do_mmap(mm, undefined, 2n * 1024n * 1024n, 3));
    const b = addrOf(do_mmap(mm, undefined, 3n * 1024n * 1024n, 3));
    expect(b).toBe(a - 3 * 1024 * 1024);
    expect(b % (2 * 1024 * 1024)).not.toBe(0);
  });
});

describe('do_mmap', () => {
  it.each([
    [0n, GiB, 'EINVAL', 'zero length'],
    [4096n, GiB + 1, 'EINVAL', 'unaligned address'],
    [4096n, 2 ** 47, 'ENOMEM', 'beyond TASK_SIZE'],
    [4096n, 4096, 'EPERM', 'below mmap_min_addr'],
  ])('refuses length %s at %s with %s (%s)', (len, at, errno) => {
    expect(do_mmap(fresh(), BigInt(at), len, 3)).toEqual({ errno });
  });

  it('fails with EEXIST on an overlapping MAP_FIXED_NOREPLACE', () => {
    const mm = fresh();
    addrOf(do_mmap(mm, BigInt(GiB), 8192n, 3));
    expect(do_mmap(mm, BigInt(GiB + 4096), 4096n, 3)).toEqual({ errno: 'EEXIST' });
  });

  it('merges adjacent anonymous maps with equal flags into one VMA (PLACE-3)', () => {
    const mm = fresh();
    do_mmap(mm, BigInt(GiB), 4096n, 3);
    do_mmap(mm, BigInt(GiB + 4096), 4096n, 3);
    do_mmap(mm, BigInt(GiB + 8192), 4096n, 1);
    expect(mm.mmap.vmas.map((v) => v.vm_end - v.vm_start)).toEqual([2, 1]);
  });
});

describe('do_munmap', () => {
  it('fails with EINVAL for zero length, unaligned start or a range beyond TASK_SIZE', () => {
    const mm = fresh();
    expect(do_munmap(mm, BigInt(GiB), 0n)).toBe('EINVAL');
    expect(do_munmap(mm, BigInt(GiB + 1), 4096n)).toBe('EINVAL');
    expect(do_munmap(mm, BigInt(2 ** 47), 4096n)).toBe('EINVAL');
  });

  it('succeeds over a hole and rounds the length up to a page', () => {
    const mm = fresh();
    do_mmap(mm, BigInt(GiB), 8192n, 3);
    expect(do_munmap(mm, BigInt(2 * GiB), 1n)).toBeNull();
    expect(do_munmap(mm, BigInt(GiB), 1n)).toBeNull();
    expect(mm.mmap.vmas.map((v) => [v.vm_start * 4096 - GiB, v.vm_end * 4096 - GiB])).toEqual([
      [4096, 8192],
    ]);
  });
});
