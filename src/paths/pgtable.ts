// PMD and PTE entry accessors and the pte_offset_map family. Mirrors mm/pgtable-generic.c
// (__pte_offset_map, pte_offset_map_lock, pte_offset_map_rw_nolock) and the entry helpers of
// include/linux/pgtable.h (see docs/kernel-version.md).

import { violate } from '../check/program.js';
import type { Cpu } from './world/cpu.js';
import type { PmdSlot } from './world/mm.js';
import type { PteTable } from './world/page-alloc.js';
import { memo, step, type Gen } from './world/step.js';
import { guarded } from './world/config.js';
import type { World } from './world/world.js';

/** A mapped PTE table and the PMD value it was reached through (pte_offset_map's result). */
export interface Mapped {
  readonly table: PteTable;
  readonly pmdval: number;
}

/** The step labels of one caller's pte_offset_map family, built once per caller label. */
const mapLabels = memo((label) => ({
  rcu_read_lock: `${label}: rcu_read_lock`,
  pmdp_get_lockless: `${label}: pmdp_get_lockless`,
  rcu_read_unlock: `${label}: rcu_read_unlock`,
  pte_unmap_unlock: `${label}: pte_unmap_unlock`,
}));

/** pmdp_get_lockless(): one read of the PMD entry. */
export function* pmdp_get_lockless(_w: World, _cpu: Cpu, pmd: PmdSlot, label: string): Gen<number> {
  yield step(label);
  return pmd.val;
}

/** pmd_populate(): links `table` into `pmd`. */
export function* pmd_populate(
  _w: World,
  _cpu: Cpu,
  pmd: PmdSlot,
  table: PteTable,
  label: string,
): Gen {
  yield step(label);
  pmd.val = table.id;
  table.life = 'linked';
}

/**
 * pmd_clear(): unlinks whatever table `pmd` pointed to and returns the old value. The table's
 * life changes in the same step (linked to unlinked), which later writers of its entries read.
 */
export function* pmd_clear(w: World, _cpu: Cpu, pmd: PmdSlot, label: string): Gen<number> {
  yield step(label);
  const old = pmd.val;
  pmd.val = 0;
  if (old > 0) w.alloc.table(old).life = 'unlinked';
  return old;
}

/** ptep_get(): reads entry `i` of a mapped table. */
export function* ptep_get(
  w: World,
  cpu: Cpu,
  table: PteTable,
  i: number,
  label: string,
): Gen<number> {
  yield step(label);
  w.alloc.checkTable(cpu, table, label);
  return table.pte(i);
}

/** set_pte_at(): writes entry `i`; a present entry written into an unlinked table is lost (P2). */
export function* set_pte_at(
  w: World,
  cpu: Cpu,
  table: PteTable,
  i: number,
  val: number,
  label: string,
): Gen {
  yield step(label);
  w.alloc.checkTable(cpu, table, label);
  if (val !== 0 && table.life !== 'linked') {
    violate(
      'lost-mapping',
      `${cpu.name}: ${label}: mapping written into ${table.name}, which is ${table.life}`,
      {
        [table.name]: `${table.life}: no PMD points to it, the new mapping is unreachable`,
      },
    );
  }
  table.set_pte(i, val);
}

/** ptep_get_and_clear(): atomically reads and clears entry `i` (zap of a present PTE). */
export function* ptep_get_and_clear(
  w: World,
  cpu: Cpu,
  table: PteTable,
  i: number,
  label: string,
): Gen<number> {
  yield step(label);
  w.alloc.checkTable(cpu, table, label);
  const old = table.pte(i);
  table.set_pte(i, 0);
  return old;
}

/**
 * __pte_offset_map(): enters an RCU read-side section, reads the PMD once and maps the table it
 * points to; returns null (and leaves the section) when the PMD is none or a THP. The table stays
 * allocated until pte_unmap(), though it may be unlinked meanwhile (WALK-2).
 */
export function* __pte_offset_map(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  label = '__pte_offset_map',
): Gen<Mapped | null> {
  const rcu = guarded(w.config, 'pte_offset_map_rcu');
  const labels = mapLabels(label);
  if (rcu) yield* w.rcu.rcu_read_lock(cpu, labels.rcu_read_lock);
  const pmdval = yield* pmdp_get_lockless(w, cpu, pmd, labels.pmdp_get_lockless);
  // A THP leaf (negative in this model) has no table to map: the kernel's "nomap", like none.
  if (pmdval <= 0) {
    if (rcu) yield* w.rcu.rcu_read_unlock(cpu, labels.rcu_read_unlock);
    return null;
  }
  return { table: w.alloc.table(pmdval), pmdval };
}

/** pte_offset_map(): __pte_offset_map for lockless read-only walkers. */
export function pte_offset_map(w: World, cpu: Cpu, pmd: PmdSlot): Gen<Mapped | null> {
  return __pte_offset_map(w, cpu, pmd, 'pte_offset_map');
}

/** pte_offset_map_rw_nolock(): maps without taking the PTE lock, returning the PMD value read. */
export function pte_offset_map_rw_nolock(w: World, cpu: Cpu, pmd: PmdSlot): Gen<Mapped | null> {
  return __pte_offset_map(w, cpu, pmd, 'pte_offset_map_rw_nolock');
}

/** pte_unmap(): leaves the read-side section entered by the map. */
export function* pte_unmap(w: World, cpu: Cpu, label = 'pte_unmap'): Gen {
  if (guarded(w.config, 'pte_offset_map_rcu'))
    yield* w.rcu.rcu_read_unlock(cpu, mapLabels(label).rcu_read_unlock);
}

/**
 * pte_offset_map_lock(): maps, takes the PTE lock of the table read, then rechecks that the PMD
 * still points to it; retries from the start if not (WALK-3). Returns null when the PMD is none.
 */
export function* pte_offset_map_lock(w: World, cpu: Cpu, pmd: PmdSlot): Gen<Mapped | null> {
  for (;;) {
    const m = yield* __pte_offset_map(w, cpu, pmd, 'pte_offset_map_lock');
    if (!m) return null;
    const ptl = m.table.page.ptl;
    yield* ptl.spin_lock(cpu, 'pte_offset_map_lock: spin_lock(ptl)');
    if (!guarded(w.config, 'pte_offset_map_lock_recheck')) return m;
    const again = yield* pmdp_get_lockless(w, cpu, pmd, 'pte_offset_map_lock: pmd_same recheck');
    if (again === m.pmdval) return m;
    yield* ptl.spin_unlock(cpu, 'pte_offset_map_lock: spin_unlock(ptl), retry');
    yield* pte_unmap(w, cpu, 'pte_offset_map_lock');
  }
}

/** pte_unmap_unlock(): drops the PTE lock, then leaves the read-side section. */
export function* pte_unmap_unlock(w: World, cpu: Cpu, m: Mapped, label: string): Gen {
  yield* m.table.page.ptl.spin_unlock(cpu, mapLabels(label).pte_unmap_unlock);
  yield* pte_unmap(w, cpu, label);
}
