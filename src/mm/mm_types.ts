// The simulated mm: MmStruct, VmAreaStruct, AnonVma, ZapDetails and the FreePolicy hook.
// Mirrors include/linux/mm_types.h (see docs/kernel-version.md).

import type { ArchGeometry } from '../arch/index.js';
import type { LargeFolio } from './folio.js';
import type { DirPool, PtePool } from './pgtable-pool.js';
import type { VmaTree } from './vma.js';

/** vm_flags bits used by the model (include/linux/mm.h values). */
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
/** A stack: a fault just below it extends it down (MAP_GROWSDOWN, the main stack). */
export const VM_GROWSDOWN = 0x100;
export const VM_LOCKED = 0x2000;
/** MADV_DONTFORK: the VMA is not copied into a child at fork. */
export const VM_DONTCOPY = 0x20000;
/** MADV_WIPEONFORK: the child's copy of the VMA starts empty (private anonymous only). */
export const VM_WIPEONFORK = 0x2000000;
/** With VM_LOCKED: lock pages as they fault, do not populate (mlock2 MLOCK_ONFAULT). */
export const VM_LOCKONFAULT = 0x80000;
/** The bits mlock and munlock change (VM_LOCKED_MASK). */
export const VM_LOCKED_MASK = VM_LOCKED | VM_LOCKONFAULT;
export const VM_ACCOUNT = 0x100000;
export const VM_NORESERVE = 0x200000;
export const VM_HUGEPAGE = 0x20000000;
export const VM_NOHUGEPAGE = 0x40000000;
/** Flags set by a protection change (mprotect's VM_ACCESS_FLAGS). */
export const VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;

/**
 * Identity of an anon_vma; VMAs split from one VMA share the same object. `forked`: made by
 * `anon_vma_fork` for a child's VMA, whose anon_vma_chain then also links the parent's anon_vma
 * (not singular): such a VMA lends its anon_vma to no neighbour and merges with an anon_vma-less
 * one in neither direction (`vma_had_uncowed_parents`, `reusable_anon_vma`).
 */
export class AnonVma {
  private static next = 1;
  readonly id = AnonVma.next++;
  constructor(readonly forked = false) {}
}

/** One VMA. Addresses are page numbers; see `vma_pgoff` for the offset of anonymous VMAs. */
export interface VmAreaStruct {
  vm_start: number;
  vm_end: number;
  vm_flags: number;
  anon_vma: AnonVma | null;
  /** The mapped file (shmem for anonymous shared maps); absent for anonymous private ones. */
  vm_file?: SimFile;
  /**
   * Page offset in `vm_file` of `vm_start`; file VMAs store it, anonymous ones only after an
   * mremap moved them (else it is `vm_start`).
   */
  vm_pgoff?: number;
  /**
   * When the VMA's anon_vma_chain entries were last (re)inserted into the anon_vma interval tree
   * (`avc_insert`): the rmap walk visits mappings of one page offset in that order.
   */
  avc_seq?: number;
}

/** A file as mappings see it: its size and which of its pages are in the page cache. */
/**
 * The page-cache state of a disk file beyond which pages are cached: the `struct file_ra_state`
 * window of its last readahead (one `struct file` per `file`, shared by every mapping of it), the
 * PG_readahead marks, and the pages dirtied through a shared mapping.
 */
export interface FileRaState {
  /** Cached pages whose folio has PG_readahead: fault-around skips them. */
  readonly mark: PageSet;
  /** Cached pages written through a shared mapping (dirty until written back; reclaim keeps them). */
  readonly dirty: PageSet;
  /**
   * Pages per folio of the cache as written (16 for 64 KiB writes, else 1). Reclaim and holes,
   * which would split such folios, are refused for it (the run's caller checks).
   */
  readonly chunk: number;
  /** `ra->start`, `ra->size`, `ra->async_size`, `ra->order` of the last readahead. */
  start: number;
  size: number;
  async_size: number;
  order: number;
  /** Set when the page cache went where the model does not follow (a large folio read ahead). */
  unsupported?: string;
}

export interface SimFile {
  readonly name: string;
  /** Size in pages; an access at or beyond it is SIGBUS. */
  readonly pages: number;
  /** tmpfs/memfd/anonymous shared (RssShmem), else a regular file (RssFile). */
  readonly shmem: boolean;
  /** The pages in the page cache. */
  readonly cache: PageSet;
  /**
   * Read-around of a fault on a page not in the cache, in pages (the device's `ra_pages`, from
   * `read_ahead_kb`); 0 for shmem, whose fault allocates just the page.
   */
  readonly readahead: number;
  /** A disk file's readahead and reclaim state (src/mm/readahead.ts); none for shmem. */
  readonly ra?: FileRaState;
  /**
   * Shmem only: the PMD-sized folios of the page cache, by folio index (page offset / 512), made
   * by MADV_COLLAPSE (`collapse_file`); every other cached page is an order-0 folio.
   */
  readonly huge: Set<number>;
  /**
   * Shmem only: the pages dirtied (written through a shared mapping). A clean shmem page, only
   * ever read, leaves the cache when reclaim unmaps it (nothing to write out); a dirty one stays.
   */
  readonly written?: PageSet;
  /**
   * Pages whose folio stays mlocked though no VM_LOCKED VMA maps it: mapped by a VMA that
   * MREMAP_DONTUNMAP unlocked (PG_mlocked is the folio's). Reclaim never sees them.
   */
  readonly mlocked: PageSet;
}

/**
 * A set of page offsets as a sparse bitmap (chunks of 32 Ki pages allocated on first use). A
 * `full` set starts with every offset in it and stores the ones deleted (a cached disk file).
 */
export class PageSet {
  private readonly chunks = new Map<number, Uint32Array>();

  constructor(private readonly full = false) {}

  has(off: number): boolean {
    const c = this.chunks.get(Math.floor(off / 32768));
    const i = off % 32768;
    return (c !== undefined && ((c[i >>> 5] >>> (i & 31)) & 1) !== 0) !== this.full;
  }

  add(off: number): void {
    if (this.full) this.clear(off);
    else this.set(off);
  }

  delete(off: number): void {
    if (this.full) this.set(off);
    else this.clear(off);
  }

  private set(off: number): void {
    const key = Math.floor(off / 32768);
    let c = this.chunks.get(key);
    if (!c) {
      c = new Uint32Array(1024);
      this.chunks.set(key, c);
    }
    const i = off % 32768;
    c[i >>> 5] = (c[i >>> 5] | (1 << (i & 31))) >>> 0;
  }

  private clear(off: number): void {
    const c = this.chunks.get(Math.floor(off / 32768));
    const i = off % 32768;
    if (c) c[i >>> 5] = (c[i >>> 5] & ~(1 << (i & 31))) >>> 0;
  }
}

/** Per-call zap options (include/linux/mm.h `struct zap_details`). */
export interface ZapDetails {
  /** Set only by MADV_DONTNEED[_LOCKED] (RECL-2): try to free emptied PTE tables. */
  readonly reclaim_pt: boolean;
  /** ZAP_FLAG_DROP_MARKER: guard markers go too (munmap, exit); other zaps keep them. */
  readonly drop_markers?: boolean;
}

/**
 * A page-table freeing policy: decides when a PTE table emptied by a zap or by reclaim is freed
 * outside munmap/exit (which always use free_pgtables). Implementations live in src/policy.
 * Both hooks are called only for a table whose every entry is now none.
 */
export interface FreePolicy {
  readonly name: string;
  /**
   * Called by zap_pte_range after zapping [start, end) (pages, inside one PMD slot) emptied the
   * table; true frees it now. For a zap of the whole slot the answer must depend only on
   * `end - start` and `details`: a PMD table of like inline tables is zapped with one call.
   */
  freeAfterZap(mm: MmStruct, start: number, end: number, details: ZapDetails | null): boolean;
  /** Called when reclaim discarded the last lazy-free pages of a table; true frees it now. */
  freeAfterReclaim(mm: MmStruct): boolean;
}

/** `transparent_hugepage/enabled`: THP for every anonymous VMA, only `hugepage` ones, or none. */
export type ThpMode = 'always' | 'madvise' | 'never';

/** The simulated address space (include/linux/mm_types.h `struct mm_struct`). */
export interface MmStruct {
  readonly geometry: ArchGeometry;
  readonly policy: FreePolicy;
  /** Counted page-table bytes (ACC-1): VmPTE = floor(pgtables_bytes / 1024). */
  pgtables_bytes: number;
  /**
   * The highest and lowest `pgtables_bytes` since a caller last set both to it: the values an
   * operation passed through (an mremap move allocates its destination tables before it frees
   * the source's), which a sample read while it was in flight may show.
   */
  pgtables_high: number;
  pgtables_low: number;
  /** Counted PTE tables, deposits of huge PMDs included (ACC-5). */
  nr_ptes: number;
  nr_pmds: number;
  nr_puds: number;
  /** MM_ANONPAGES in pages. */
  rss_anon: number;
  /** MM_FILEPAGES in pages. */
  rss_file: number;
  /** MM_SHMEMPAGES in pages. */
  rss_shmem: number;
  /**
   * Per PMD slot number, a bitmap of the entries mapping a page-cache page (they are present and
   * marked zero-page in the PTE planes, so no anon code counts them). invariant: a subset of them.
   */
  readonly filePages: Map<number, Uint32Array>;
  /**
   * Per PMD slot number, a bitmap of the entries holding a guard marker (MADV_GUARD_INSTALL):
   * present and marked zero-page in the PTE planes, so they keep their table and count no RSS.
   */
  readonly guardPages: Map<number, Uint32Array>;
  /**
   * Per PMD slot number, a bitmap of the small anonymous pages holding only zeros (GUP faulted
   * them in for write; the program never wrote them): unwritten.ts. Meaningful for anon entries.
   */
  readonly unwritten: Map<number, Uint32Array>;
  /**
   * Per PMD slot number, a bitmap of the small anonymous pages whose folio stays mlocked although
   * no VM_LOCKED VMA maps it (MREMAP_DONTUNMAP unlocked their VMA): mlocked.ts. invariant: present
   * anonymous entries only.
   */
  readonly mlocked: Map<number, Uint32Array>;
  /** VMAs in address order. */
  readonly mmap: VmaTree;
  /** Top of the hint-less mmap area, in pages. */
  readonly mmap_base: number;
  /** Lowest address a map may use (bytes; `vm.mmap_min_addr`, 0 for CAP_SYS_RAWIO): EPERM below. */
  readonly mmap_min_addr: bigint;
  /**
   * Heuristic overcommit (`vm.overcommit_memory` 0): an accounted map or mprotect of more pages
   * than this (RAM + swap) fails with ENOMEM. Infinity: no limit (mode 1, or not modelled).
   */
  readonly overcommit_pages: number;
  /**
   * THP mode (`/sys/kernel/mm/transparent_hugepage/enabled`, PMD order inheriting it): which
   * anonymous private VMAs a fault may back with a THP (THP-1). MADV_COLLAPSE ignores it.
   */
  readonly thp_mode: ThpMode;
  /**
   * `khugepaged/max_ptes_none` (0..511, default 511): the deferred-split shrinker splits a THP with
   * more zero-filled subpages than this (`thp_underused`; off at 511). MADV_COLLAPSE ignores it.
   */
  readonly max_ptes_none: number;
  /** Flags every new VMA gets (mlockall MCL_FUTURE sets VM_LOCKED, VM_LOCKONFAULT). */
  def_flags: number;
  /** Directory pools, PGD first, PMD last; folded levels have none. */
  readonly dirs: readonly DirPool[];
  /** Pages mapped by one entry of each directory level. */
  readonly dirSpan: readonly number[];
  /** Nominal bytes counted per table of each directory level (0: PGD, P4D). */
  readonly dirBytes: readonly number[];
  /** Kernel name of each directory level. */
  readonly dirNames: readonly ('pgd' | 'p4d' | 'pud' | 'pmd')[];
  /** The PGD's id in dirs[0]. */
  readonly pgd: number;
  readonly ptes: PtePool;
  /** Anonymous THP folios by PMD slot number (page / PMD_SIZE), PMD- or PTE-mapped. */
  readonly folios: Map<number, LargeFolio>;
  /** Whether hot paths may keep one-page PTE tables inline in their PMD entry (pgtable-pool.ts). */
  readonly inlineTables: boolean;
  /**
   * The live mms of this mm's fork family (itself included): the processes that can share page
   * cache and COW pages with it. Fork adds the child, exit removes the mm.
   */
  readonly family: Set<MmStruct>;
}

/** PMD entry markers for huge PMDs (negative, so positive values stay PTE-table ids). */
export const PMD_HUGE_ANON = -1;
/** A clean lazy-free (MADV_FREE'd) anon THP. */
export const PMD_HUGE_LAZY = -2;
/** The huge zero page, mapped by a read fault in a THP-eligible slot. */
export const PMD_HUGE_ZERO = -3;
/**
 * A PMD mapping a PMD-sized shmem folio of the page cache (`do_set_pmd`): RssShmem +512, no
 * deposited table on x86-64 (ACC-5), so it is not counted in `nr_ptes`.
 */
export const PMD_HUGE_SHMEM = -4;
