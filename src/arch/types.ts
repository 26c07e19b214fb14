// Page-table geometry of one architecture, as data. Sizes of address ranges are in pages (virtual
// page numbers, vpn), so 57-bit (5-level) addresses stay exact in a JS number (style B.4).

/** Names of the page-table levels, leaf first. */
export type Level = 'pte' | 'pmd' | 'pud' | 'p4d' | 'pgd';

/** The geometry of one architecture configuration (GEO-1..5). */
export interface ArchGeometry {
  /** Registry name, e.g. `x86_64`. */
  readonly name: string;
  /** One line for humans. */
  readonly description: string;
  /** Bytes per page. */
  readonly PAGE_SIZE: number;
  /** Run-time paging levels (2..5). */
  readonly levels: number;
  readonly PTRS_PER_PTE: number;
  /** 1 when the level is folded. */
  readonly PTRS_PER_PMD: number;
  readonly PTRS_PER_PUD: number;
  readonly PTRS_PER_P4D: number;
  readonly PTRS_PER_PGD: number;
  /** Levels folded away (at build or run time); folded levels are never accounted (ACC-2). */
  readonly folded: { readonly pmd: boolean; readonly pud: boolean; readonly p4d: boolean };
  /** Bytes added to `pgtables_bytes` per table of each level (GEO-1 nominal size); 0 = never counted. */
  readonly nominalBytes: Readonly<Record<Level, number>>;
  /** Bytes per entry of each level. */
  readonly entryBytes: number;
  /** Pages mapped by one PMD entry (one PTE table). */
  readonly PMD_SIZE: number;
  /** Pages mapped by one PUD entry (one PMD table). */
  readonly PUD_SIZE: number;
  /** Pages mapped by one P4D entry (one PUD table). */
  readonly P4D_SIZE: number;
  /** Pages mapped by one PGD entry. */
  readonly PGDIR_SIZE: number;
  /** Top of the user address space in pages (the kernel's TASK_SIZE / PAGE_SIZE). */
  readonly TASK_SIZE: number;
  /** Bits of user virtual address. */
  readonly userVaBits: number;
  /** Lowest address free_pgtables may free below, in pages (FREE-2). */
  readonly FIRST_USER_ADDRESS: number;
  /** Highest address free_pgtables may free up to, in pages; 0 means the top (FREE-2). */
  readonly USER_PGTABLES_CEILING: number;
  /** `pgtables_bytes` of a fresh mm before any mapping (ACC-6: PAE preallocated PMDs). */
  readonly baselinePgtablesBytes: number;
  /** Whether `CONFIG_PT_RECLAIM` exists for this arch in 6.14..6.18 (RECL-1). */
  readonly supportsPtReclaim: boolean;
  /** Whether the simulator (src/mm) can run this geometry. */
  readonly simulated: boolean;
}
