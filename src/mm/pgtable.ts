// Creating an mm and linking page tables into it: pgd_alloc, __pud_alloc, __pmd_alloc,
// pmd_install and the mm_inc/dec_nr_* accounting helpers. Mirrors mm/memory.c and
// include/linux/mm.h (see docs/kernel-version.md).

import type { ArchGeometry } from '../arch/index.js';
import { assert, InvariantError } from '../util/assert.js';
import type { FreePolicy, MmStruct, ThpMode } from './mm_types.js';
import { DirPool, PtePool, wordMask } from './pgtable-pool.js';
import { VmaTree } from './vma.js';

/** Kernel level name of each directory level of `g`, PGD first, PMD last. */
export function dirLevelNames(g: ArchGeometry): ('pgd' | 'p4d' | 'pud' | 'pmd')[] {
  const names: ('pgd' | 'p4d' | 'pud' | 'pmd')[] = ['pgd'];
  if (!g.folded.p4d) names.push('p4d');
  if (!g.folded.pud) names.push('pud');
  if (!g.folded.pmd) names.push('pmd');
  return names;
}

/** Options of {@link mm_alloc}. */
export interface MmAllocOptions {
  /**
   * Keep every PTE table in the pool, never inline in its PMD entry (default false). The reports
   * are the same either way; tests compare the two.
   */
  readonly plainTables?: boolean;
  /** Host limit in bytes; default 65536 (the usual `vm.mmap_min_addr`). See MmStruct. */
  readonly mmap_min_addr?: bigint;
  /** Host limit in pages; default Infinity (no heuristic overcommit check). See MmStruct. */
  readonly overcommit_pages?: number;
  /** THP mode (`transparent_hugepage/enabled`); default 'madvise'. See MmStruct. */
  readonly thp_mode?: ThpMode;
  /** `khugepaged/max_ptes_none`; default 511. See MmStruct. */
  readonly max_ptes_none?: number;
  /** The fork family to join (fork passes the parent's); default a new one. */
  readonly family?: Set<MmStruct>;
}

/** Creates an empty mm (`mm_init` + `pgd_alloc`): only the uncounted PGD exists (ACC-6). */
export function mm_alloc(
  g: ArchGeometry,
  policy: FreePolicy,
  mmap_base: number,
  options: MmAllocOptions = {},
): MmStruct {
  assert(g.simulated && !g.folded.pmd && !g.folded.pud, 'geometry not simulated', g.name);
  const names = dirLevelNames(g);
  const entries = {
    pgd: g.PTRS_PER_PGD,
    p4d: g.PTRS_PER_P4D,
    pud: g.PTRS_PER_PUD,
    pmd: g.PTRS_PER_PMD,
  };
  const span = { pgd: g.PGDIR_SIZE, p4d: g.P4D_SIZE, pud: g.PUD_SIZE, pmd: g.PMD_SIZE };
  const ptes = new PtePool(g.PTRS_PER_PTE);
  const dirs = names.map((n) => new DirPool(entries[n], n === 'pmd' ? ptes : null));
  const pgd = dirs[0].alloc();
  const mm: MmStruct = {
    geometry: g,
    policy,
    pgtables_bytes: g.baselinePgtablesBytes,
    pgtables_high: g.baselinePgtablesBytes,
    pgtables_low: g.baselinePgtablesBytes,
    nr_ptes: 0,
    nr_pmds: 0,
    nr_puds: 0,
    rss_anon: 0,
    rss_file: 0,
    rss_shmem: 0,
    filePages: new Map(),
    guardPages: new Map(),
    unwritten: new Map(),
    mlocked: new Map(),
    mmap: new VmaTree(),
    mmap_base,
    mmap_min_addr: options.mmap_min_addr ?? MMAP_MIN_ADDR_DEFAULT,
    overcommit_pages: options.overcommit_pages ?? Infinity,
    thp_mode: options.thp_mode ?? 'madvise',
    max_ptes_none: options.max_ptes_none ?? 511,
    def_flags: 0,
    dirs,
    dirSpan: names.map((n) => span[n]),
    dirBytes: names.map((n) => g.nominalBytes[n]),
    dirNames: names,
    pgd,
    ptes,
    folios: new Map(),
    inlineTables: !(options.plainTables ?? false),
    family: options.family ?? new Set(),
  };
  mm.family.add(mm);
  return mm;
}

/** The usual `vm.mmap_min_addr` (64 KiB; this host has 4096, see `--mmap-min-addr`). */
export const MMAP_MIN_ADDR_DEFAULT = 65536n;

/** Accounts a PTE table linked into the tree or deposited under a huge PMD (ACC-2, ACC-5). */
export function mm_inc_nr_ptes(mm: MmStruct): void {
  mm.nr_ptes++;
  mm.pgtables_bytes += mm.geometry.nominalBytes.pte;
  if (mm.pgtables_bytes > mm.pgtables_high) mm.pgtables_high = mm.pgtables_bytes;
}

/** Un-accounts a PTE table (ACC-3). */
export function mm_dec_nr_ptes(mm: MmStruct): void {
  mm.nr_ptes--;
  mm.pgtables_bytes -= mm.geometry.nominalBytes.pte;
  if (mm.pgtables_bytes < mm.pgtables_low) mm.pgtables_low = mm.pgtables_bytes;
  if (mm.nr_ptes < 0) throw new InvariantError('nr_ptes went negative');
}

/** Un-accounts `n` PTE tables at once (a batch of ACC-3). */
export function mm_sub_nr_ptes(mm: MmStruct, n: number): void {
  mm.nr_ptes -= n;
  mm.pgtables_bytes -= n * mm.geometry.nominalBytes.pte;
  if (mm.pgtables_bytes < mm.pgtables_low) mm.pgtables_low = mm.pgtables_bytes;
  if (mm.nr_ptes < 0) throw new InvariantError('nr_ptes went negative');
}

/** Accounts `n` PTE tables at once (a batch of ACC-2). */
export function mm_add_nr_ptes(mm: MmStruct, n: number): void {
  mm.nr_ptes += n;
  mm.pgtables_bytes += n * mm.geometry.nominalBytes.pte;
  if (mm.pgtables_bytes > mm.pgtables_high) mm.pgtables_high = mm.pgtables_bytes;
}

/** Accounts a directory table linked at level `k` (PGD and P4D are never counted). */
export function mm_inc_nr_dir(mm: MmStruct, k: number): void {
  const name = mm.dirNames[k];
  if (name === 'pmd') mm.nr_pmds++;
  else if (name === 'pud') mm.nr_puds++;
  mm.pgtables_bytes += mm.dirBytes[k];
  if (mm.pgtables_bytes > mm.pgtables_high) mm.pgtables_high = mm.pgtables_bytes;
}

/** Un-accounts a directory table unlinked at level `k`. */
export function mm_dec_nr_dir(mm: MmStruct, k: number): void {
  const name = mm.dirNames[k];
  if (name === 'pmd') mm.nr_pmds--;
  else if (name === 'pud') mm.nr_puds--;
  mm.pgtables_bytes -= mm.dirBytes[k];
  if (mm.pgtables_bytes < mm.pgtables_low) mm.pgtables_low = mm.pgtables_bytes;
  if (mm.nr_pmds < 0 || mm.nr_puds < 0) throw new InvariantError('directory count went negative');
}

/** Index of the entry for `addr` in a table of directory level `k`. */
export function dir_index(mm: MmStruct, k: number, addr: number): number {
  const pool = mm.dirs[k];
  return Math.floor(addr / mm.dirSpan[k]) % pool.entries;
}

/**
 * The PMD table covering `addr`, allocating and accounting missing upper tables on the way
 * (`p4d_alloc`, `pud_alloc`, `pmd_alloc`, ALLOC-1). Returns the PMD table id.
 */
export function pmd_alloc(mm: MmStruct, addr: number): number {
  let table = mm.pgd;
  const last = mm.dirs.length - 1;
  for (let k = 0; k < last; k++) {
    const pool = mm.dirs[k];
    const idx = dir_index(mm, k, addr);
    let child = pool.get(table, idx);
    if (child === 0) {
      child = mm.dirs[k + 1].alloc();
      pool.set(table, idx, child);
      mm_inc_nr_dir(mm, k + 1);
    }
    table = child;
  }
  return table;
}

/** The PMD table covering `addr`, or 0 when an upper level is none. */
export function pmd_lookup(mm: MmStruct, addr: number): number {
  let table = mm.pgd;
  const last = mm.dirs.length - 1;
  for (let k = 0; k < last && table !== 0; k++) {
    table = mm.dirs[k].get(table, dir_index(mm, k, addr));
  }
  return table;
}

/**
 * The PTE table holding page `p`, allocating the upper tables and the PTE table on the way
 * (`pte_alloc`). A huge PMD entry is the caller's to rule out first.
 */
export function pte_alloc(mm: MmStruct, p: number): number {
  const g = mm.geometry;
  const pmd = pmd_alloc(mm, p);
  const idx = Math.floor(p / g.PMD_SIZE) % g.PTRS_PER_PMD;
  const entry = mm.dirs[mm.dirs.length - 1].get(pmd, idx);
  return entry > 0 ? entry : pmd_install(mm, pmd, idx);
}

/**
 * The bitmap of page `p`'s PMD slot in `slots` (one of the mm's per-slot side bitmaps, e.g.
 * `filePages`, `guardPages`), made empty first when `create` is set and the slot has none.
 */
export function slot_bits(
  mm: MmStruct,
  slots: Map<number, Uint32Array>,
  p: number,
  create: boolean,
): Uint32Array | undefined {
  const slot = Math.floor(p / mm.geometry.PMD_SIZE);
  let bits = slots.get(slot);
  if (!bits && create) {
    bits = new Uint32Array(mm.ptes.words);
    slots.set(slot, bits);
  }
  return bits;
}

/** Clears the bits of pages [start, end) in the per-slot bitmaps `slots`; empty slots go. */
export function slot_bits_forget(
  mm: MmStruct,
  slots: Map<number, Uint32Array>,
  start: number,
  end: number,
): void {
  const PMD_SIZE = mm.geometry.PMD_SIZE;
  for (let slot = Math.floor(start / PMD_SIZE); slot * PMD_SIZE < end; slot++) {
    const bits = slots.get(slot);
    if (!bits) continue;
    const lo = Math.max(start - slot * PMD_SIZE, 0);
    const hi = Math.min(end - slot * PMD_SIZE, PMD_SIZE);
    let left = 0;
    for (let w = 0; w < bits.length; w++) {
      const from = Math.max(lo - w * 32, 0);
      const to = Math.min(hi - w * 32, 32);
      if (from < to) bits[w] = (bits[w] & ~wordMask(from, to)) >>> 0;
      left |= bits[w];
    }
    if (left === 0) slots.delete(slot);
  }
}

/**
 * Makes the none entry of page `p` in PTE table `pte` a present entry of a kind told apart by the
 * plane bit and by `side` (the mm's per-slot bitmap of that kind: page-cache pages, guard
 * markers): present bit, entry count, plane bit and the side bit all set.
 */
export function pte_set_marked(mm: MmStruct, pte: number, p: number, side: Uint32Array): void {
  const i = p % mm.geometry.PMD_SIZE;
  const w = i >>> 5;
  const bit = 1 << (i & 31);
  const { words, base } = mm.ptes.presentWords(pte);
  words[base + w] = (words[base + w] | bit) >>> 0;
  mm.ptes.addCount(pte, 1);
  const planes = mm.ptes.ensurePlanes(pte);
  planes.words[planes.base + w] = (planes.words[planes.base + w] | bit) >>> 0;
  side[w] = (side[w] | bit) >>> 0;
}

/** Links a fresh PTE table into PMD entry `idx` of `pmd` (`pmd_install`, +PTE). */
export function pmd_install(mm: MmStruct, pmd: number, idx: number): number {
  const pte = mm.ptes.alloc();
  mm.dirs[mm.dirs.length - 1].set(pmd, idx, pte);
  mm_inc_nr_ptes(mm);
  return pte;
}
