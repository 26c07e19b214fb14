/*
 * Promela twin of `ptlab check pt_reclaim_nonempty` (src/paths/scenarios/pt_reclaim_nonempty.ts):
 * MADV_DONTNEED with PT_RECLAIM zaps a two-entry table and drops the PTE lock after the first
 * entry (need_resched) while a write fault maps entry 0 again; FIX=1 (default) is the fixed
 * kernel (only the rescanning slow path frees once the lock was dropped), FIX=0 the 6.14-rc1 bug
 * (the fast path unlinks the refilled table: an assertion fails).
 * Run: spin -a -DFIX=1 pt_reclaim_nonempty.pml && cc -O2 -o pan pan.c && ./pan
 */
#ifndef FIX
#define FIX 1
#endif
#define NCPU 3                                  /* madvise, fault, rcu_gp */
#define FOR_OTHERS(M) (M(0) && M(1))
#include "world.pml"

init {
  atomic {
    life[1] = LINKED; page[1] = LIVE; PTE(1, 0) = 1; PTE(1, 1) = 2;
    run madvise(0, 1, FIX, MODE_BATCH);
    run fault(1, 0, 3);
    run rcu_gp();
    run final_check()
  }
}
