// The counters a report shows, read from an mm (ACC-1: VmPTE = floor(pgtables_bytes / 1024)).

import type { MmStruct } from './mm_types.js';

/** Counters of one mm at one moment. */
export interface MmCounters {
  readonly pgtables_bytes: number;
  /** What /proc/PID/status shows as VmPTE (ACC-1). */
  readonly vmpte_kb: number;
  /** Counted tables; `pte` includes THP deposits (ACC-5). */
  readonly tables: { readonly pte: number; readonly pmd: number; readonly pud: number };
  /** PTE tables present in the tree whose every entry is none. */
  readonly empty_pte_tables: number;
  /** RssAnon in kB. */
  readonly rss_anon_kb: number;
  /** RssFile in kB. */
  readonly rss_file_kb: number;
  /** RssShmem in kB. */
  readonly rss_shmem_kb: number;
}

/** Reads the report counters of `mm`. */
export function mmCounters(mm: MmStruct): MmCounters {
  return {
    pgtables_bytes: mm.pgtables_bytes,
    vmpte_kb: Math.floor(mm.pgtables_bytes / 1024),
    tables: { pte: mm.nr_ptes, pmd: mm.nr_pmds, pud: mm.nr_puds },
    empty_pte_tables: mm.ptes.empty,
    rss_anon_kb: (mm.rss_anon * mm.geometry.PAGE_SIZE) / 1024,
    rss_file_kb: (mm.rss_file * mm.geometry.PAGE_SIZE) / 1024,
    rss_shmem_kb: (mm.rss_shmem * mm.geometry.PAGE_SIZE) / 1024,
  };
}
