// The policy of kernels up to 6.13 (and of every arch without PT_RECLAIM): a PTE table is freed
// only by free_pgtables on munmap/exit, or with a whole-slot THP zap (FREE-8, THP-3).

import type { FreePolicy } from '../mm/index.js';

/** No freeing outside munmap/exit. */
export const nonePolicy: FreePolicy = {
  name: 'none',
  freeAfterZap: () => false,
  freeAfterReclaim: () => false,
};
