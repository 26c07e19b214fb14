// The 2022 RFC "Free user PTE page table pages" (percpu_ref design, seed 000; spec HIST-2): a PTE
// table holds one reference per non-none entry and is freed when the last one goes, whatever
// cleared it: MADV_DONTNEED, munmap's zap, or reclaim discarding lazy-free pages.

import type { FreePolicy } from '../mm/index.js';

/** Free a PTE table as soon as its last non-none entry is cleared. */
export const refcountPolicy: FreePolicy = {
  name: 'refcount',
  freeAfterZap: () => true,
  freeAfterReclaim: () => true,
};
