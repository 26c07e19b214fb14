// Tests of large folios that mremap scatters (src/mm/folio.ts, folio-split.ts): records per slot
// with a shift stay one folio for the deferred split and the batched lazy-free discard.

import { describe, expect, it } from 'vitest';
import { X86_64 } from '../../../src/arch/index.js';
import {
  do_mremap,
  mm_alloc,
  touch_range,
  validate_mm,
  vm_mmap_pgoff,
  VM_HUGEPAGE,
} from '../../../src/mm/index.js';
import { folio_records } from '../../../src/mm/folio.js';
import { ptReclaimPolicy } from '../../../src/policy/index.js';
import { rss } from './ptw.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;

describe('a THP moved to another offset in its slot', () => {
  // a: [1G, 1G+2M) one THP; moved to 2G+1M it spans two slots:
  //   slot 2G     |........|AAAAAAAA|   pages 256..511 map subpages 0..255   (shift 256)
  //   slot 2G+2M  |AAAAAAAA|........|   pages 0..255 map subpages 256..511   (shift -256)
  it('keeps one folio in two records, one per slot, with opposite shifts', () => {
    const mm = mm_alloc(X86_64, ptReclaimPolicy, 2 ** 35);
    expect(vm_mmap_pgoff(mm, GiB, 2n * MiB, 3)).toEqual({ addr: Number(GiB / 4096n) });
    mm.mmap.vmas[0].vm_flags |= VM_HUGEPAGE;
    expect(touch_range(mm, GiB, 2n * MiB, MiB, true)).toBeNull();
    const [[, thp]] = [...mm.folios];
    const moved = do_mremap(
      mm,
      GiB,
      2n * MiB,
      2n * MiB,
      { maymove: true, fixed: true },
      2n * GiB + MiB,
    );
    expect(moved).toEqual({ addr: Number((2n * GiB + MiB) / 4096n) });
    validate_mm(mm);
    const recs = folio_records(mm, thp.share).map(([slot, f]) => [slot - 1024, f.shift]);
    expect(recs.sort()).toEqual([
      [0, 256],
      [1, -256],
    ]);
    expect(thp.share.mms).toBe(1);
  });

  it('is not split while fully mapped and is split everywhere once a page goes', () => {
    const base = [
      'map a 2M at=1G',
      'madvise a +0 2M hugepage',
      'touch a +0 2M stride=1M',
      'mremap a +0 2M 2M maymove fixed at=0x80100000 as=b',
    ];
    expect(rss([...base, 'pressure', 'report whole'])).toEqual({ whole: 2048 });
    // Subpage 0 unmapped, 256 written: the rest map the zero page after the split.
    expect(rss([...base, 'munmap b +0 4K', 'pressure', 'report split'])).toEqual({ split: 4 });
  });

  it('discards a lazy-free moved folio batch by batch up to the first rewritten page', () => {
    const base = [
      'map a 2M at=1G',
      'madvise a +0 2M hugepage',
      'touch a +0 2M stride=64K',
      'madvise a +0 2M free',
      'mremap a +0 2M 2M maymove fixed at=0x80100000 as=b',
    ];
    // Rewritten in the first batch (subpages 0..255): nothing goes.
    expect(rss([...base, 'touch b +40K 4K', 'pressure', 'report r'])).toEqual({ r: 2048 });
    // Rewritten in the second: the first batch goes, the rest is kept and then split
    // (16 written subpages and the rewritten one stay).
    expect(rss([...base, 'touch b +1200K 4K', 'pressure', 'report r'])).toEqual({ r: 68 });
    // Not rewritten: all of it goes.
    expect(rss([...base, 'pressure', 'report r'])).toEqual({ r: 0 });
  });
});
