/*
 * Promela twin of `ptlab check pt_reclaim_vs_walkers` (src/paths/scenarios/pt_reclaim_vs_walkers.ts),
 * batch=nomem: MADV_DONTNEED with PT_RECLAIM frees the PTE table of one PMD slot (entry 0 mapped)
 * while a write fault maps entry 1, GUP-fast reads entry 0 with IRQs off, and a walker reads entry
 * 0 through pte_offset_map under rcu_read_lock. SEMI=0 (default) is table_free=rcu (call_rcu on the
 * ptdesc: passes); SEMI=1 is table_free=semi_rcu (an IPI, then an immediate free: the walker's
 * read-side section is not waited for, a use-after-free assertion fails).
 * Run: spin -a -DSEMI=0 pt_reclaim_vs_walkers.pml && cc -O2 -o pan pan.c && ./pan
 */
#ifndef SEMI
#define SEMI 0
#endif
#define NCPU 5                                  /* fault, gup_fast, madvise, walker, rcu_gp */
#define FOR_OTHERS(M) (M(0) && M(1) && M(2) && M(3))
#include "world.pml"

/* gup_fast (src/paths/gup.ts) for entry i, IRQs off throughout */
proctype gup_fast(byte c; byte i) {
  byte v, x, y, z;
  atomic { irqoff[c] = 1 };                     /* local_irq_save */
  atomic { v = pmd };                           /* gup_fast_pmd_range: pmdp_get_lockless */
  if
  :: v != 0 ->
     atomic { UAF(v); x = PTE(v, i) };          /* ptep_get_lockless (rcu_read_lock nested) */
     if
     :: x != 0 ->
        atomic { y = pmd };                     /* recheck pmd */
        if
        :: y == v -> atomic { UAF(v); z = PTE(v, i) }   /* recheck pte */
        :: else -> skip
        fi
     :: else -> skip
     fi
  :: else -> skip
  fi;
  atomic { irqoff[c] = 0; irqseq[c]++; if :: nest[c] == 0 -> qseq[c]++ :: else -> skip fi };
  done[c] = 1
}

/* pteOffsetMapReader (src/paths/pte-walker.ts): entry i through pte_offset_map under RCU */
proctype walker(byte c; byte i) {
  byte v, x;
  atomic { nest[c]++ };                         /* pte_offset_map: rcu_read_lock */
  atomic { v = pmd };
  if
  :: v == 0 -> atomic { RCU_UNLOCK(c) }
  :: else ->
     atomic { UAF(v); x = PTE(v, i) };          /* ptep_get */
     atomic { RCU_UNLOCK(c) }                   /* pte_unmap */
  fi;
  done[c] = 1
}

init {
  atomic {
    life[1] = LINKED; page[1] = LIVE; PTE(1, 0) = 1;
    run fault(0, 1, 2);
    run gup_fast(1, 0);
    run madvise(2, 0, 1, (SEMI -> MODE_SEMI : MODE_ONE_RCU));
    run walker(3, 0);
    run rcu_gp();
    run final_check()
  }
}
