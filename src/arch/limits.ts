// Worst-case page-table memory of one process (seed 000's table): every slot of every level
// populated over the user address space, computed from the geometry.

import type { ArchGeometry } from './types.js';

/** Worst-case counted page-table bytes for a user address space of `userPages` pages. */
export interface WorstCase {
  readonly userPages: number;
  readonly pteTables: number;
  readonly pmdTables: number;
  readonly pudTables: number;
  /** What VmPTE would show: counted (nominal) bytes of PTE, PMD and PUD tables plus the baseline. */
  readonly pgtablesBytes: number;
}

/** Worst case for `userPages` pages of user space (default: TASK_SIZE) on `g`. */
export function worstCasePgtables(g: ArchGeometry, userPages: number = g.TASK_SIZE): WorstCase {
  const pteTables = Math.ceil(userPages / g.PMD_SIZE);
  const pmdTables = g.folded.pmd ? 0 : Math.ceil(userPages / g.PUD_SIZE);
  const pudTables = g.folded.pud ? 0 : Math.ceil(userPages / g.P4D_SIZE);
  return {
    userPages,
    pteTables,
    pmdTables,
    pudTables,
    pgtablesBytes:
      pteTables * g.nominalBytes.pte +
      pmdTables * g.nominalBytes.pmd +
      pudTables * g.nominalBytes.pud +
      g.baselinePgtablesBytes,
  };
}
