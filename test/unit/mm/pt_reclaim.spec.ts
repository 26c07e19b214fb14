import { describe, expect, it } from 'vitest';
import { vmpte } from './ptw.js';

describe('reclaim_pt_is_enabled (RECL-3 consequences, kernel 6.18)', () => {
  it('frees the PTE table on a full-slot DONTNEED, keeping PMD and PUD (RECL-4)', () => {
    const v = vmpte(['map a 2M at=1G', 'touch a +0 2M', 'madvise a +0 2M dontneed', 'report r']);
    expect(v).toEqual({ r: 8 });
  });

  it('keeps the table for two half-slot calls, frees it on a later full-slot call', () => {
    const v = vmpte([
      'map a 2M at=1G',
      'touch a +0 2M',
      'madvise a +0 1M dontneed',
      'madvise a +1M 1M dontneed',
      'report halves',
      'madvise a +0 2M dontneed',
      'report full',
    ]);
    expect(v).toEqual({ halves: 12, full: 8 });
  });

  it('frees nothing for an unaligned 2 MiB range straddling two slots', () => {
    const v = vmpte(['map a 4M at=1G', 'touch a +0 4M', 'madvise a +1M 2M dontneed', 'report r']);
    expect(v).toEqual({ r: 16 });
  });

  it('never reclaims a slot split between two VMAs, even in one call', () => {
    const v = vmpte([
      'map a 4M at=1G',
      'touch a +0 4M',
      'mprotect a +1M 1M r',
      'madvise a +0 4M dontneed',
      'report r',
    ]);
    // slot 1 [2M,4M) is whole in one VMA and goes; slot 0 spans three VMAs and stays.
    expect(v).toEqual({ r: 12 });
  });

  it('does nothing under kernel 6.13 (RECL-1)', () => {
    const v = vmpte(['map a 2M at=1G', 'touch a +0 2M', 'madvise a +0 2M dontneed', 'report r'], {
      kernel: '6.13',
    });
    expect(v).toEqual({ r: 12 });
  });

  it('leaves MADV_FREE, PAGEOUT and COLD tables alone (MADV-2, MADV-3)', () => {
    const v = vmpte([
      'map a 2M at=1G',
      'touch a +0 2M',
      'madvise a +0 2M free',
      'madvise a +0 2M cold',
      'madvise a +0 2M pageout',
      'report r',
    ]);
    expect(v).toEqual({ r: 12 });
  });

  it('still advises the mapped parts when the range has a hole, returning ENOMEM (MADV-1)', () => {
    expect(() =>
      vmpte(['map a 2M at=1G', 'touch a +0 2M', 'madvise a +0 4M dontneed', 'report r']),
    ).toThrow(/ENOMEM/);
  });
});
