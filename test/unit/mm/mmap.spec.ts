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

describe('mmap_min_addr and overcommit (issue #7 e, g)', () => {
  it('takes vm.mmap_min_addr from the mm: 4096 allows 4 KiB, not 0; 0 (root) allows 0', () => {
    const host = mm_alloc(X86_64, nonePolicy, base, { mmap_min_addr: 4096n });
    expect(addrOf(do_mmap(host, 4096n, 4096n, 3))).toBe(4096);
    expect(do_mmap(host, 0n, 4096n, 3)).toEqual({ errno: 'EPERM' });
    const root = mm_alloc(X86_64, nonePolicy, base, { mmap_min_addr: 0n });
    expect(addrOf(do_mmap(root, 0n, 4096n, 3))).toBe(0);
  });

  it('refuses an accounted map above the heuristic limit, not a noreserve or read-only one', () => {
    const mm = mm_alloc(X86_64, nonePolicy, base, { overcommit_pages: 1024 });
    expect(do_mmap(mm, BigInt(GiB), 1025n * 4096n, 3)).toEqual({ errno: 'ENOMEM' });
    expect(addrOf(do_mmap(mm, BigInt(GiB), 1024n * 4096n, 3))).toBe(GiB);
    expect(addrOf(do_mmap(mm, BigInt(2 * GiB), 4096n * 4096n, 3, { noreserve: true }))).toBe(
      2 * GiB,
    );
    expect(addrOf(do_mmap(mm, BigInt(3 * GiB), 4096n * 4096n, 1))).toBe(3 * GiB);
  });

  it('keeps a noreserve map apart from an accounted neighbour (VM_NORESERVE, VM_ACCOUNT)', () => {
    const mm = fresh();
    do_mmap(mm, BigInt(GiB), 4096n, 3);
    do_mmap(mm, BigInt(GiB + 4096), 4096n, 3, { noreserve: true });
    do_mmap(mm, BigInt(GiB + 8192), 4096n, 3, { noreserve: true });
    expect(mm.mmap.vmas.map((v) => (v.vm_end - v.vm_start) * 4096)).toEqual([4096, 8192]);
  });
});
