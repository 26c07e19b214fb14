// Layouts: '#' rw, 'r' read-only, '.' hole; one char per page.
import { describe, expect, it } from 'vitest';
import { X86_64 } from '../../../src/arch/index.js';
import type { MmStruct } from '../../../src/mm/index.js';
import { do_madvise, do_mmap, do_mprotect, mm_alloc, touch_range } from '../../../src/mm/index.js';
import { nonePolicy } from '../../../src/policy/index.js';

const G = 2n ** 30n;
const P = 4096n;

function layout(mm: MmStruct): string {
  return mm.mmap.vmas
    .map((v) => `[${v.vm_start - 262144},${v.vm_end - 262144})${v.anon_vma ? 'A' : ''}`)
    .join(' ');
}

function fresh(): MmStruct {
  return mm_alloc(X86_64, nonePolicy, 2 ** 30);
}

describe('vma_merge', () => {
  it('splits on mprotect of the middle and merges back when the flags return', () => {
    const mm = fresh();
    do_mmap(mm, G, 4n * P, 3); // |####|
    expect(do_mprotect(mm, G + P, P, 1)).toBeNull(); // |#r##|
    expect(layout(mm)).toBe('[0,1) [1,2) [2,4)');
    expect(do_mprotect(mm, G + P, P, 3)).toBeNull(); // |####|
    expect(layout(mm)).toBe('[0,4)');
  });

  it('does not merge VMAs whose anon_vmas differ', () => {
    const mm = fresh();
    do_mmap(mm, G, P, 3); // |#|
    do_mmap(mm, G + P, P, 1); // |#r|
    touch_range(mm, G, P, P, true); // the first VMA gets an anon_vma
    do_mprotect(mm, G + P, P, 3); // the second gains VM_WRITE and VM_ACCOUNT, no anon_vma: merges
    expect(layout(mm)).toBe('[0,2)A');
  });

  it('reuses a neighbour anon_vma on the first fault, so VMAs merge once flags agree', () => {
    const mm = fresh();
    do_mmap(mm, G, P, 3);
    do_mmap(mm, G + P, P, 7); // rwx: does not merge
    touch_range(mm, G, P, P, true);
    touch_range(mm, G + P, P, P, true); // find_mergeable_anon_vma: differs only in VM_EXEC
    expect(mm.mmap.vmas[0].anon_vma).toBe(mm.mmap.vmas[1].anon_vma);
    do_mprotect(mm, G + P, P, 3);
    expect(layout(mm)).toBe('[0,2)A');
  });

  it('keeps apart two faulted VMAs with different anon_vmas after flags agree', () => {
    const mm = fresh();
    do_mmap(mm, G, 2n * P, 3);
    do_madvise(mm, G + P, P, 'hugepage'); // VM_HUGEPAGE is not an access bit: no reuse
    touch_range(mm, G, 2n * P, P, true);
    expect(mm.mmap.vmas[0].anon_vma).not.toBe(mm.mmap.vmas[1].anon_vma);
    do_madvise(mm, G, P, 'hugepage');
    expect(layout(mm)).toBe('[0,1)A [1,2)A');
  });

  it('splits on madvise hugepage and merges back on nohugepage of the same range', () => {
    const mm = fresh();
    do_mmap(mm, G, 4n * P, 3);
    do_madvise(mm, G + P, 2n * P, 'hugepage');
    expect(layout(mm)).toBe('[0,1) [1,3) [3,4)');
    do_madvise(mm, G + P, 2n * P, 'nohugepage');
    // VM_NOHUGEPAGE differs from the neighbours' flags: still three VMAs.
    expect(layout(mm)).toBe('[0,1) [1,3) [3,4)');
  });

  it('applies mprotect up to the first hole and returns ENOMEM', () => {
    const mm = fresh();
    do_mmap(mm, G, P, 3);
    do_mmap(mm, G + 2n * P, P, 3); // |#.#|
    expect(do_mprotect(mm, G, 3n * P, 1)).toBe('ENOMEM');
    expect(mm.mmap.vmas.map((v) => v.vm_flags & 3)).toEqual([1, 3]);
  });
});
