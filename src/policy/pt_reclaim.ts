// CONFIG_PT_RECLAIM (6.14+, x86-64): MADV_DONTNEED[_LOCKED] frees a PTE table it emptied when the
// call covered the whole PMD slot within one VMA (RECL-1..8). The mechanism is in
// src/mm/pt_reclaim.ts; this policy switches it on.

import { try_to_free_pte } from '../mm/index.js';
import type { FreePolicy } from '../mm/index.js';

/** PT_RECLAIM as merged in 6.14. */
export const ptReclaimPolicy: FreePolicy = {
  name: 'pt_reclaim',
  freeAfterZap: (mm, start, end, details) => try_to_free_pte(mm, start, end, details),
  freeAfterReclaim: () => false,
};
