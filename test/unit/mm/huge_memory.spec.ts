import { describe, expect, it } from 'vitest';
import { rss, sim, vmpte } from './ptw.js';

describe('do_huge_pmd_anonymous_page', () => {
  it('counts the deposited PTE table of a THP (ACC-5) and frees it on a full-slot zap under 6.13 (THP-3)', () => {
    const v = vmpte(
      [
        'map a 2M at=1G',
        'madvise a +0 2M hugepage',
        'touch a +0 4K',
        'report thp',
        'madvise a +0 2M dontneed',
        'report zapped',
      ],
      { kernel: '6.13' },
    );
    expect(v).toEqual({ thp: 12, zapped: 8 });
  });

  it('maps the whole 2 MiB on the first write', () => {
    expect(
      rss(['map a 2M at=1G', 'madvise a +0 2M hugepage', 'touch a +0 4K', 'report r']),
    ).toEqual({ r: 2048 });
  });

  it('maps the huge zero page on a read, with a deposit and no RSS (ACC-5)', () => {
    const r = sim(['map a 4M at=1G', 'madvise a +0 4M hugepage', 'touch a +0 4M read', 'report r'])
      .reports[0];
    expect([r?.vmpte_kb, r?.rss_anon_kb]).toEqual([16, 0]);
  });

  it('keeps the table when half a THP is zapped: split, then less than a slot (RECL-8, THP-2)', () => {
    const v = vmpte([
      'map a 2M at=1G',
      'madvise a +0 2M hugepage',
      'touch a +0 2M',
      'madvise a +0 1M dontneed',
      'madvise a +1M 1M dontneed',
      'report r',
    ]);
    expect(v).toEqual({ r: 12 });
  });

  it('uses no THP for a slot the VMA covers only partly (THP-1)', () => {
    const r = sim(['map a 3M at=1G', 'madvise a +0 3M hugepage', 'touch a +2M 4K', 'report r'])
      .reports[0];
    expect(r?.rss_anon_kb).toBe(4);
  });

  it('maps never-written subpages to the zero page when MADV_FREE splits the folio', () => {
    const r = rss([
      'map a 2M at=1G',
      'madvise a +0 2M hugepage',
      'touch a +0 2M stride=64K',
      'madvise a +1M 1M free',
      'report r',
    ]);
    expect(r).toEqual({ r: 128 });
  });
});
