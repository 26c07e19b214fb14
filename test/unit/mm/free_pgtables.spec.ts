// Layouts: one GiB of the address space, '#' = VMA, '.' = hole, one char per 1 MiB.
import { describe, expect, it } from 'vitest';
import { vmpte } from './ptw.js';

describe('free_pgtables', () => {
  it('keeps the PTE table of a slot shared with the next VMA, frees it with the second (FREE-7)', () => {
    // |#|#|  two 1 MiB VMAs in one 2 MiB slot, different prot so they do not merge
    const v = vmpte([
      'map a 1M at=1G',
      'map b 1M at=0x40100000 prot=r',
      'touch a +0 1M',
      'touch b +0 1M read',
      'report both',
      'munmap a +0 1M',
      'report a-gone',
      'munmap b +0 1M',
      'report b-gone',
    ]);
    expect(v).toEqual({ both: 12, 'a-gone': 12, 'b-gone': 0 });
  });

  it('frees only the middle slot of a munmap inside one VMA, then the rest (FREE-7)', () => {
    // |######| -> |#....#| -> |.....#| -> ||
    const v = vmpte([
      'map a 6M at=1G',
      'touch a +0 6M',
      'report touched',
      'munmap a +1M 4M',
      'report middle',
      'munmap a +0 1M',
      'report first',
      'munmap a +5M 1M',
      'report last',
    ]);
    expect(v).toEqual({ touched: 20, middle: 16, first: 12, last: 0 });
  });

  it('keeps the PMD table while another VMA lives in the same GiB (FREE-5)', () => {
    const v = vmpte([
      'map a 2M at=1G',
      'map b 2M at=0x60000000',
      'touch a +0 2M',
      'touch b +0 2M',
      'report two',
      'munmap a +0 2M',
      'report one',
      'munmap b +0 2M',
      'report none',
    ]);
    expect(v).toEqual({ two: 16, one: 12, none: 0 });
  });

  it('rounds the floor up: a VMA in its own slot is freed although a live VMA ends below it (FREE-4)', () => {
    // |#..#|  VMAs at [0,1M) and [3M,4M) of a GiB; unmap the second
    const v = vmpte([
      'map a 1M at=1G',
      'map b 1M at=0x40300000',
      'touch a +0 1M',
      'touch b +0 1M',
      'report both',
      'munmap b +0 1M',
      'report second-gone',
    ]);
    expect(v).toEqual({ both: 16, 'second-gone': 12 });
  });

  it('frees nothing for a range inside one slot shared with both neighbours (FREE-4)', () => {
    const v = vmpte(['map a 2M at=1G', 'touch a +0 2M', 'munmap a +1M 4K', 'report hole']);
    expect(v).toEqual({ hole: 12 });
  });

  it('frees every table of two VMAs 64 MiB apart in one munmap (FREE-3)', () => {
    const v = vmpte([
      'map a 2M at=1G',
      'map b 2M at=0x44000000',
      'touch a +0 2M',
      'touch b +0 2M',
      'munmap a +0 66M',
      'report gone',
    ]);
    expect(v).toEqual({ gone: 0 });
  });

  it('frees the PUD table only when nothing is left in its 512 GiB slot (FREE-6)', () => {
    const v = vmpte([
      'map a 2M at=1G',
      'map b 2M at=513G',
      'touch a +0 2M',
      'touch b +0 2M',
      'report two-pgd-slots',
      'munmap b +0 2M',
      'report one',
    ]);
    expect(v).toEqual({ 'two-pgd-slots': 24, one: 12 });
  });

  it('returns the counter to 0 at exit (FREE-10, ACC-8)', () => {
    const v = vmpte(['map a 3G at=1G', 'touch a +0 3G stride=1M', 'munmap a +0 3G', 'report exit']);
    expect(v).toEqual({ exit: 0 });
  });
});
