/*
 * The shared state and helpers of ptlab's kernel world (src/paths/world), for the Promela twins of
 * built-in scenarios (issue #6 §4). One ptlab step is one atomic block here: its guard (a lock, a
 * grace period) is the block's first statement, and the code ptlab runs after the step's yield
 * runs inside the block. Include after defining NCPU (CPUs, the rcu_gp thread last) and
 * FOR_OTHERS(M) (M(0) && ... && M(NCPU - 2)). madvise's `mode` selects how it frees the unlinked
 * table: MODE_BATCH (mmu_table_batch, call_rcu at tlb_finish_mmu), MODE_ONE_RCU (the no-memory
 * fallback with PT_RECLAIM: call_rcu on the ptdesc) or MODE_SEMI (the fallback before it: an IPI to
 * IRQs-off CPUs, then an immediate free).
 */
#define NTAB 3          /* PTE tables 1..2: the initial one and one a fault may allocate */
#define UNALLOC 0
#define ALLOCATED 1
#define LINKED 2
#define UNLINKED 3
#define QUEUED 4
#define LIVE 1
#define FREED 2
#define GP (NCPU - 1)

byte pmd = 1;               /* the PMD slot: a table id, 0 = none */
byte pml = 0;               /* PMD lock owner + 1 */
byte nr_ptes = 1;
byte ntab = 1;              /* tables allocated so far */
byte ptl[NTAB];             /* PTE lock owner + 1, per table */
byte pte[NTAB * 2];         /* two entries per table (folio numbers, 0 = none) */
byte life[NTAB];
byte page[NTAB];            /* the table's page: UNALLOC, LIVE or FREED */
byte nest[NCPU];            /* rcu_read_lock nesting */
bit irqoff[NCPU];
byte qseq[NCPU];            /* quiescent states passed */
byte irqseq[NCPU];          /* local_irq_enable count (IPIs taken) */
bit done[NCPU];
byte cbq[2];                /* queued RCU callbacks: the table each frees */
byte cbn = 0;

#define PTE(t, i) pte[(t) * 2 + (i)]
/* Over the snapshot of the other CPUs (rd, sq): FOR_OTHERS(M) is M(0) && ... for each non-GP CPU */
#define QS1(k) (!rd[k] || qseq[k] != sq[k])
#define IPI1(k) (!rd[k] || irqseq[k] != sq[k])
#define NRD1(k) (!rd[k])
#define DONE1(k) (done[k])
#define QS_ALL FOR_OTHERS(QS1)
#define IPI_ALL FOR_OTHERS(IPI1)
#define ANY_RD (!FOR_OTHERS(NRD1))
#define OTHERS_DONE FOR_OTHERS(DONE1)
#define UAF(t) assert(page[t] == LIVE)   /* use-after-free: the table's page was freed */
#define INREAD(c) (nest[c] > 0 || irqoff[c])

/* rcu_read_unlock of the outermost section, outside IRQs-off: a quiescent state */
#define RCU_UNLOCK(c) \
  assert(nest[c] > 0); \
  if :: nest[c] == 1 && !irqoff[c] -> qseq[c]++ :: else -> skip fi; \
  nest[c]--

/* rcu_gp_kthread: grace periods while callbacks are queued; each callback frees its table */
proctype rcu_gp() {
  byte n, k, b0, b1, b;
  bit rd[NCPU];
  byte sq[NCPU];
  do
  :: atomic { (cbn > 0 || OTHERS_DONE) -> n = cbn; b0 = cbq[0]; b1 = cbq[1]; cbn = 0 };
     if
     :: n == 0 -> break
     :: else -> skip
     fi;
     d_step {   /* rcu_gp_init: snapshot CPUs in read-side sections */
       k = 0;
       do
       :: k < GP -> rd[k] = INREAD(k); sq[k] = qseq[k]; k++
       :: else -> break
       od;
       k = 0
     };
     if   /* rcu_gp_fqs: wait for pre-existing readers */
     :: ANY_RD -> atomic { QS_ALL -> skip }
     :: else -> skip
     fi;
     do
     :: k < n ->
        if :: k == 0 -> b = b0 :: else -> b = b1 fi;
        atomic { skip };   /* rcu_do_batch: invoke callback */
        atomic { assert(page[b] == LIVE); page[b] = FREED };   /* __tlb_remove_table: pagetable_free */
        k++
     :: else -> break
     od
  od;
  done[GP] = 1
}

/* The world's final check once every thread finished (src/paths/world/world.ts finalCheck). */
proctype final_check() {
  byte t = 1;
  (OTHERS_DONE && done[GP]) ->
  assert(pmd == 0 || life[pmd] == LINKED);
  do
  :: t < NTAB ->
     /* lost mapping: an unlinked table still maps a folio */
     assert(life[t] == LINKED || life[t] == ALLOCATED || (PTE(t, 0) == 0 && PTE(t, 1) == 0));
     /* leak: a live table page linked nowhere */
     assert(page[t] != LIVE || pmd == t);
     t++
  :: else -> break
  od;
  assert(nr_ptes == (pmd != 0 -> 1 : 0))
}

#define MODE_BATCH 0
#define MODE_ONE_RCU 1
#define MODE_SEMI 2

/* pte_offset_map_lock (src/paths/pgtable.ts): map under RCU, lock, recheck the PMD, retry */
inline map_lock(c, t, v, nomap) {
  nomap = 0;
map_again:
  atomic { nest[c]++ };                         /* rcu_read_lock */
  atomic { t = pmd };                           /* pmdp_get_lockless */
  if
  :: t == 0 -> atomic { RCU_UNLOCK(c) }; nomap = 1
  :: else ->
     atomic { ptl[t] == 0 -> ptl[t] = c + 1 };  /* spin_lock(ptl) */
     atomic { v = pmd };                        /* pmd_same recheck */
     if
     :: v != t ->
        atomic { ptl[t] = 0 };                  /* spin_unlock(ptl), retry */
        atomic { RCU_UNLOCK(c) };
        goto map_again
     :: else -> skip
     fi
  fi
}

/* do_anonymous_page (src/paths/memory.ts): a write fault maps folio f at entry i */
proctype fault(byte c; byte i; byte f) {
  byte t, v, nt, x;
  bit installed, nomap;
retry:
  atomic { v = pmd };                           /* pte_alloc: pmd_none */
  if
  :: v == 0 ->
     atomic { ntab++; nt = ntab; life[nt] = ALLOCATED; page[nt] = LIVE };   /* pte_alloc_one */
     atomic { pml == 0 -> pml = c + 1 };        /* pmd_install: pmd_lock */
     atomic { v = pmd; installed = (v == 0); if :: installed -> nr_ptes++ :: else -> skip fi };
     if
     :: installed -> atomic { pmd = nt; life[nt] = LINKED }   /* pmd_populate */
     :: else -> skip
     fi;
     atomic { pml = 0 };
     if
     :: !installed -> atomic { assert(page[nt] == LIVE); page[nt] = FREED }   /* pte_free */
     :: else -> skip
     fi
  :: else -> skip
  fi;
  map_lock(c, t, v, nomap);
  if
  :: nomap -> goto retry
  :: else -> skip
  fi;
  atomic { UAF(t); x = PTE(t, i) };             /* vmf_pte_changed */
  if
  :: x != 0 -> atomic { ptl[t] = 0 }; atomic { RCU_UNLOCK(c) }
  :: else ->
     atomic { UAF(t); assert(life[t] == LINKED); PTE(t, i) = f };   /* set_pte_at; lost mapping */
     atomic { ptl[t] = 0 };                     /* pte_unmap_unlock */
     atomic { RCU_UNLOCK(c) }
  fi;
  done[c] = 1
}

/* free_pte's pte_free_tlb + mm_dec_nr_ptes, run inside the caller's current step */
#define QUEUE_TABLE(t) life[t] = QUEUED; assert(nr_ptes > 0); nr_ptes--

/* MADV_DONTNEED with PT_RECLAIM (madvise_dontneed_single_vma, zap_pte_range, src/paths) */
proctype madvise(byte c; bit resched; bit fix; byte mode) {
  byte t, v, i, start, batch, k;
  bit direct = 1, nomap, ok, clean;
  bit rd[NCPU];
  byte sq[NCPU];
again:
  map_lock(c, t, v, nomap);
  if
  :: nomap -> goto finish
  :: else -> skip
  fi;
  i = start;
  do
  :: i < 2 ->
     atomic { UAF(t); PTE(t, i) = 0 };          /* ptep_get_and_clear_full */
     if
     :: resched && i + 1 < 2 -> break          /* need_resched after one entry */
     :: else -> i++
     fi
  :: else -> break
  od;
  if
  :: i < 2 ->                                   /* cond_resched: drop the PTE lock */
     if :: fix -> direct = 0 :: else -> skip fi;
     atomic { ptl[t] = 0 };
     atomic { RCU_UNLOCK(c) };
     start = i + 1;
     goto again
  :: else -> skip
  fi;
  v = 0;
  if
  :: direct ->                                  /* try_get_and_clear_pmd */
     atomic { if :: pml == 0 -> pml = c + 1; ok = 1 :: else -> ok = 0 fi };
     if
     :: ok ->
        atomic { v = pmd; assert(PTE(v, 0) == 0 && PTE(v, 1) == 0); pmd = 0; life[v] = UNLINKED };
        atomic { pml = 0 }
     :: else -> skip
     fi;
     direct = (v != 0)
  :: else -> skip
  fi;
  atomic { ptl[t] = 0 };                        /* pte_unmap_unlock */
  if
  :: direct ->
     if
     :: mode == MODE_BATCH -> atomic { RCU_UNLOCK(c); QUEUE_TABLE(v); batch = v }
     :: mode == MODE_ONE_RCU ->
        atomic { RCU_UNLOCK(c) };
        atomic { life[v] = QUEUED; cbq[cbn] = v; cbn++; assert(nr_ptes > 0); nr_ptes-- }
     :: mode == MODE_SEMI -> atomic { RCU_UNLOCK(c) }; k = v; goto semi_free
     fi
  :: else ->
     atomic { RCU_UNLOCK(c) };
     atomic { pml == 0 -> pml = c + 1 };        /* try_to_free_pte: pmd_lock */
     atomic { nest[c]++ };
     atomic { v = pmd };
     if
     :: v == 0 -> atomic { RCU_UNLOCK(c) }; atomic { pml = 0 }; goto finish
     :: else -> skip
     fi;
     atomic { ptl[v] == 0 -> ptl[v] = c + 1 };
     clean = 1;
     i = 0;
     do
     :: i < 2 && clean -> atomic { UAF(v); clean = (PTE(v, i) == 0) }; i++
     :: else -> break
     od;
     if
     :: !clean ->
        atomic { ptl[v] = 0 };
        atomic { RCU_UNLOCK(c) };
        atomic { pml = 0 };
        goto finish
     :: else -> skip
     fi;
     atomic { RCU_UNLOCK(c); assert(PTE(v, 0) == 0 && PTE(v, 1) == 0) };
     atomic { pmd = 0; life[v] = UNLINKED };    /* pmd_clear */
     atomic { ptl[v] = 0 };
     if
     :: mode == MODE_BATCH -> atomic { pml = 0; QUEUE_TABLE(v); batch = v }
     :: mode == MODE_ONE_RCU ->
        atomic { pml = 0 };
        atomic { life[v] = QUEUED; cbq[cbn] = v; cbn++; assert(nr_ptes > 0); nr_ptes-- }
     :: mode == MODE_SEMI -> atomic { pml = 0 }; k = v; goto semi_free
     fi
  fi;
  goto finish;
semi_free:   /* tlb_remove_table_sync_one: IPI, wait for IRQs-off CPUs, then pagetable_free */
  skip;
  d_step { life[k] = QUEUED; i = 0; do :: i < GP -> sq[i] = irqseq[i]; rd[i] = (i != c && irqoff[i]); i++ :: else -> break od };
  if
  :: ANY_RD -> atomic { IPI_ALL -> skip }
  :: else -> skip
  fi;
  atomic { assert(page[k] == LIVE); page[k] = FREED; assert(nr_ptes > 0); nr_ptes-- };
finish:
  if
  :: batch != 0 -> atomic { cbq[cbn] = batch; cbn++ }   /* tlb_table_flush: call_rcu(batch) */
  :: else -> skip
  fi;
  done[c] = 1
}
