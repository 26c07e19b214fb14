// Builds an ArchGeometry from per-level entry counts, deriving slot sizes and nominal table sizes
// the way include/linux/pgtable.h and mm.h do (GEO-1..5).

import type { ArchGeometry } from './types.js';

/** The inputs that define an architecture configuration. */
export interface GeometrySpec {
  readonly name: string;
  readonly description: string;
  readonly PAGE_SIZE: number;
  readonly entryBytes: number;
  readonly PTRS_PER_PTE: number;
  /** Entry counts of the upper levels; 1 = folded. */
  readonly PTRS_PER_PMD: number;
  readonly PTRS_PER_PUD: number;
  readonly PTRS_PER_P4D: number;
  readonly PTRS_PER_PGD: number;
  /** User virtual address bits (TASK_SIZE = 2^bits - PAGE_SIZE on x86-64, 2^bits on others). */
  readonly userVaBits: number;
  /** Whether the top user page is excluded from TASK_SIZE (x86-64 keeps a guard page). */
  readonly taskSizeGuardPage: boolean;
  /** TASK_SIZE in pages when it is not derived from userVaBits (i386's 3G/1G split). */
  readonly taskSizePages?: number;
  readonly baselinePgtablesBytes?: number;
  readonly supportsPtReclaim: boolean;
  readonly simulated: boolean;
}

/** Derives the full geometry from its defining entry counts. */
export function defineGeometry(s: GeometrySpec): ArchGeometry {
  const folded = {
    pmd: s.PTRS_PER_PMD === 1,
    pud: s.PTRS_PER_PUD === 1,
    p4d: s.PTRS_PER_P4D === 1,
  };
  const PMD_SIZE = s.PTRS_PER_PTE;
  const PUD_SIZE = PMD_SIZE * s.PTRS_PER_PMD;
  const P4D_SIZE = PUD_SIZE * s.PTRS_PER_PUD;
  const PGDIR_SIZE = P4D_SIZE * s.PTRS_PER_P4D;
  const userPages = 2 ** s.userVaBits / s.PAGE_SIZE;
  const levels = 2 + (folded.pmd ? 0 : 1) + (folded.pud ? 0 : 1) + (folded.p4d ? 0 : 1);
  return {
    name: s.name,
    description: s.description,
    PAGE_SIZE: s.PAGE_SIZE,
    levels,
    PTRS_PER_PTE: s.PTRS_PER_PTE,
    PTRS_PER_PMD: s.PTRS_PER_PMD,
    PTRS_PER_PUD: s.PTRS_PER_PUD,
    PTRS_PER_P4D: s.PTRS_PER_P4D,
    PTRS_PER_PGD: s.PTRS_PER_PGD,
    folded,
    nominalBytes: {
      pte: s.PTRS_PER_PTE * s.entryBytes,
      pmd: folded.pmd ? 0 : s.PTRS_PER_PMD * s.entryBytes,
      pud: folded.pud ? 0 : s.PTRS_PER_PUD * s.entryBytes,
      p4d: 0,
      pgd: 0,
    },
    entryBytes: s.entryBytes,
    PMD_SIZE,
    PUD_SIZE,
    P4D_SIZE,
    PGDIR_SIZE,
    TASK_SIZE: s.taskSizePages ?? (s.taskSizeGuardPage ? userPages - 1 : userPages),
    userVaBits: s.userVaBits,
    FIRST_USER_ADDRESS: 0,
    USER_PGTABLES_CEILING: 0,
    baselinePgtablesBytes: s.baselinePgtablesBytes ?? 0,
    supportsPtReclaim: s.supportsPtReclaim,
    simulated: s.simulated,
  };
}
