// validate_mm: the model's CONFIG_DEBUG_VM. Recounts everything from the tables and checks the
// invariants (FREE-9, counters, pool consistency); throws InvariantError on the first breach.

import { assert } from '../util/assert.js';
import {
  INLINE_ANON,
  INLINE_EMPTY,
  INLINE_NONE,
  inlineIndex,
  inlineKind,
  popcount32,
} from './pgtable-pool.js';
import type { MmStruct } from './mm_types.js';
import { PMD_HUGE_SHMEM, PMD_HUGE_ZERO } from './mm_types.js';
import { pmd_lookup } from './pgtable.js';
import type { LargeFolio } from './folio.js';

/** Counters recounted from the page tables. */
export interface Recount {
  readonly nr_ptes: number;
  readonly nr_pmds: number;
  readonly nr_puds: number;
  readonly rss_anon: number;
  readonly pgtables_bytes: number;
  readonly empty_pte_tables: number;
}

/** Recounts tables and RSS by walking every table (slow). */
export function recount(mm: MmStruct): Recount {
  const g = mm.geometry;
  let nr_ptes = 0;
  let rss = 0;
  let empties = 0;
  let inlines = 0;
  const perLevel = mm.dirs.map(() => 0);
  const ptes = mm.ptes;
  const walk = (k: number, table: number, base: number): void => {
    perLevel[k] = perLevel[k] + 1;
    const pool = mm.dirs[k];
    const span = mm.dirSpan[k];
    let nonNone = 0;
    for (let i = 0; i < pool.entries; i++) {
      const e = pool.raw(table, i);
      if (e === 0) continue;
      nonNone++;
      assert(i >= pool.first(table) && i < pool.end(table), 'entry outside the walk bounds', {
        k,
        table,
        i,
      });
      const addr = base + i * span;
      // FREE-9: every present table lies in a slot that intersects a live VMA.
      assert(mm.mmap.find_vma_intersection(addr, addr + span), 'table outside every VMA (FREE-9)', {
        level: mm.dirNames[k],
        addr,
      });
      if (k < mm.dirs.length - 1) {
        walk(k + 1, e, addr);
        continue;
      }
      if (e === PMD_HUGE_SHMEM) {
        const vma = mm.mmap.find_vma(addr);
        assert(
          vma?.vm_file?.shmem === true && vma.vm_start <= addr && addr + g.PMD_SIZE <= vma.vm_end,
          'shmem PMD not inside one shmem VMA',
          { addr },
        );
        continue;
      }
      nr_ptes++;
      if (e <= INLINE_NONE) {
        const kind = inlineKind(e);
        inlines++;
        if (kind === INLINE_EMPTY) {
          empties++;
          continue;
        }
        const page = addr + inlineIndex(e);
        const vma = mm.mmap.find_vma(page);
        assert(vma && vma.vm_start <= page, 'inline PTE outside every VMA', { page });
        assert(!mm.folios.has(Math.floor(addr / g.PMD_SIZE)), 'inline table in a folio slot');
        if (kind === INLINE_ANON) rss++;
        continue;
      }
      if (e < 0) {
        const vma = mm.mmap.find_vma(addr);
        assert(
          vma && vma.vm_start <= addr && addr + g.PMD_SIZE <= vma.vm_end,
          'huge PMD not inside one VMA',
          { addr },
        );
        if (e !== PMD_HUGE_ZERO) rss += g.PTRS_PER_PTE;
        continue;
      }
      const { words, base: wb } = ptes.presentWords(e);
      const planes = ptes.planeWords(e);
      let count = 0;
      for (let w = 0; w < ptes.words; w++) {
        const p = words[wb + w];
        count += popcount32(p);
        let anon = p;
        if (planes) {
          const zero = planes.words[planes.base + w];
          const lazy = planes.words[planes.base + ptes.words + w];
          assert((zero & ~p) === 0 && (lazy & ~p) === 0 && (zero & lazy) === 0, 'bad PTE planes', {
            e,
            w,
          });
          anon = p & ~zero;
        }
        rss += popcount32(anon);
        // Entries exist only inside VMAs (every removal zaps).
        for (let b = 0; b < 32 && p !== 0; b++) {
          if (((p >>> b) & 1) === 0) continue;
          const page = addr + w * 32 + b;
          const vma = mm.mmap.find_vma(page);
          assert(vma && vma.vm_start <= page, 'PTE outside every VMA', { page });
        }
      }
      assert(count === ptes.count(e), 'PTE count differs from its bitmap', {
        e,
        count,
        stored: ptes.count(e),
      });
      if (count === 0) empties++;
    }
    assert(nonNone === pool.count(table), 'directory count differs from a recount', { k, table });
  };
  walk(0, mm.pgd, 0);
  assert(inlines === mm.ptes.inline, 'inline table count differs from a recount', {
    inlines,
    stored: mm.ptes.inline,
  });
  let nr_pmds = 0;
  let nr_puds = 0;
  let bytes = g.baselinePgtablesBytes + nr_ptes * g.nominalBytes.pte;
  mm.dirNames.forEach((name, k) => {
    if (name === 'pmd') nr_pmds = perLevel[k];
    if (name === 'pud') nr_puds = perLevel[k];
    if (k > 0) bytes += perLevel[k] * mm.dirBytes[k];
  });
  return {
    nr_ptes,
    nr_pmds,
    nr_puds,
    rss_anon: rss,
    pgtables_bytes: bytes,
    empty_pte_tables: empties,
  };
}

/** Checks every invariant of `mm`; throws InvariantError with context on the first breach. */
export function validate_mm(mm: MmStruct): void {
  const vmas = mm.mmap.vmas;
  for (let i = 0; i < vmas.length; i++) {
    const v = vmas[i];
    assert(v && v.vm_start < v.vm_end, 'empty VMA', v);
    const n = vmas[i + 1];
    assert(!n || v.vm_end <= n.vm_start, 'VMAs overlap or are unsorted', { v, n });
  }
  const r = recount(mm);
  const stored = {
    nr_ptes: mm.nr_ptes,
    nr_pmds: mm.nr_pmds,
    nr_puds: mm.nr_puds,
    rss_anon: mm.rss_anon,
    pgtables_bytes: mm.pgtables_bytes,
    empty_pte_tables: mm.ptes.empty,
  };
  for (const key of Object.keys(stored) as (keyof Recount)[]) {
    assert(stored[key] === r[key], `counter ${key} differs from a recount`, { stored, recount: r });
  }
  validate_file_pages(mm);
  validate_guard_pages(mm);
  validate_folios(mm);
  validate_mlocked(mm);
  const hugeDeposits = r.nr_ptes - mm.ptes.live;
  assert(hugeDeposits >= 0, 'more live PTE tables than counted', { r, live: mm.ptes.live });
  mm.dirs.forEach((pool, k) => {
    if (k === 0) return;
    const name = mm.dirNames[k];
    if (name === 'pmd') assert(pool.live === r.nr_pmds, 'PMD pool leaks', { live: pool.live, r });
    if (name === 'pud') assert(pool.live === r.nr_puds, 'PUD pool leaks', { live: pool.live, r });
  });
}

/** Guard markers: present, non-anon entries of a PTE table, inside a VMA, never file pages. */
function validate_guard_pages(mm: MmStruct): void {
  const g = mm.geometry;
  for (const [slot, bits] of mm.guardPages) {
    const addr = slot * g.PMD_SIZE;
    const pmd = pmd_lookup(mm, addr);
    const pte = pmd === 0 ? 0 : mm.dirs[mm.dirs.length - 1].get(pmd, slot % g.PTRS_PER_PMD);
    const file = mm.filePages.get(slot);
    for (let w = 0; w < bits.length; w++) {
      if (bits[w] === 0) continue;
      assert(pte > 0, 'guard marker without a PTE table', { slot, w });
      const { words, base } = mm.ptes.presentWords(pte);
      const planes = mm.ptes.planeWords(pte);
      const zero = planes ? planes.words[planes.base + w] : 0;
      assert((bits[w] & ~(words[base + w] & zero)) === 0, 'guard marker not a non-anon entry', {
        slot,
        w,
      });
      assert(!file || (file[w] & bits[w]) === 0, 'guard marker on a file page', { slot, w });
    }
  }
}

/**
 * Entries mapping page-cache pages: present and marked zero-page in a PTE table, inside a file
 * VMA, and adding up to RssFile and RssShmem.
 */
function validate_file_pages(mm: MmStruct): void {
  const g = mm.geometry;
  let file = 0;
  let shmem = 0;
  for (const [slot, bits] of mm.filePages) {
    const addr = slot * g.PMD_SIZE;
    const pmd = pmd_lookup(mm, addr);
    const pte = pmd === 0 ? 0 : mm.dirs[mm.dirs.length - 1].get(pmd, slot % g.PTRS_PER_PMD);
    for (let w = 0; w < bits.length; w++) {
      for (let x = bits[w]; x !== 0; x &= x - 1) {
        const i = w * 32 + (31 - Math.clz32(x & -x));
        const page = addr + i;
        const vma = mm.mmap.find_vma(page);
        assert(vma && vma.vm_start <= page && vma.vm_file, 'file entry outside a file VMA', {
          page,
        });
        assert(pte > 0, 'file entry without a PTE table', { page });
        const { words, base } = mm.ptes.presentWords(pte);
        const planes = mm.ptes.planeWords(pte);
        const bit = 1 << (i & 31);
        assert(
          (words[base + w] & bit) !== 0 &&
            planes !== null &&
            (planes.words[planes.base + w] & bit) !== 0,
          'file entry not present as a non-anon entry',
          { page },
        );
        if (vma.vm_file.shmem) shmem++;
        else file++;
      }
    }
  }
  shmem += shmem_pmd_pages(mm);
  assert(file === mm.rss_file && shmem === mm.rss_shmem, 'file RSS differs from a recount', {
    file,
    shmem,
    rss_file: mm.rss_file,
    rss_shmem: mm.rss_shmem,
  });
}

/**
 * Large-folio records: each maps pages present in its slot's table (a huge PMD only for a whole
 * folio at its own offset), records of one slot are disjoint, and an mm's records of a folio
 * are as many as their shared `pieces` count says.
 */
function validate_folios(mm: MmStruct): void {
  const pieces = new Map<object, { n: number; seen: number }>();
  for (const [slot, head] of mm.folios) {
    const addr = slot * mm.geometry.PMD_SIZE;
    const pmd = pmd_lookup(mm, addr);
    const entry =
      pmd === 0 ? 0 : mm.dirs[mm.dirs.length - 1].get(pmd, slot % mm.geometry.PTRS_PER_PMD);
    assert(entry !== 0 && entry !== PMD_HUGE_ZERO, 'THP folio without a mapping', { slot });
    const seen = new Uint32Array(mm.ptes.words);
    for (let folio: LargeFolio | undefined = head; folio; folio = folio.next) {
      const p = pieces.get(folio.pieces) ?? { n: folio.pieces.n, seen: 0 };
      p.seen++;
      pieces.set(folio.pieces, p);
      assert(
        folio.member.some((m) => m !== 0),
        'empty THP folio record',
        { slot },
      );
      if (entry < 0) {
        assert(folio.shift === 0 && head.next === undefined, 'huge PMD of a moved folio', { slot });
        continue;
      }
      const { words, base } = mm.ptes.presentWords(entry);
      const planes = mm.ptes.planeWords(entry);
      folio.member.forEach((m, w) => {
        const zero = planes ? planes.words[planes.base + w] : 0;
        assert((m & ~(words[base + w] & ~zero)) === 0, 'THP folio page not mapped', { slot, w });
        assert((m & seen[w]) === 0, 'a page in two THP folio records', { slot, w });
        seen[w] |= m;
      });
    }
  }
  for (const p of pieces.values()) {
    assert(p.n === p.seen, 'THP folio piece count differs from its records', p);
  }
}

/** Mlocked small pages (mlocked.ts) are present anonymous entries. */
function validate_mlocked(mm: MmStruct): void {
  for (const [slot, bits] of mm.mlocked) {
    if (bits.every((b) => b === 0)) continue;
    const pmd = pmd_lookup(mm, slot * mm.geometry.PMD_SIZE);
    const pte =
      pmd === 0 ? 0 : mm.dirs[mm.dirs.length - 1].get(pmd, slot % mm.geometry.PTRS_PER_PMD);
    assert(pte > 0, 'mlocked pages without a PTE table', { slot });
    const { words, base } = mm.ptes.presentWords(pte);
    const planes = mm.ptes.planeWords(pte);
    bits.forEach((b, w) => {
      const anon = words[base + w] & ~(planes ? planes.words[planes.base + w] : 0);
      assert((b & ~anon) === 0, 'mlocked page not a present anonymous page', { slot, w });
    });
  }
}

/** Pages mapped by PMD-mapped shmem folios (each counts 512 in RssShmem). */
function shmem_pmd_pages(mm: MmStruct): number {
  const g = mm.geometry;
  const pool = mm.dirs[mm.dirs.length - 1];
  let n = 0;
  for (const v of mm.mmap.vmas) {
    if (!v.vm_file?.shmem) continue;
    for (
      let a = Math.ceil(v.vm_start / g.PMD_SIZE) * g.PMD_SIZE;
      a + g.PMD_SIZE <= v.vm_end;
      a += g.PMD_SIZE
    ) {
      const pmd = pmd_lookup(mm, a);
      if (
        pmd !== 0 &&
        pool.raw(pmd, Math.floor(a / g.PMD_SIZE) % g.PTRS_PER_PMD) === PMD_HUGE_SHMEM
      ) {
        n += g.PTRS_PER_PTE;
      }
    }
  }
  return n;
}
