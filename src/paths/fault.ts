// The user page-fault entry around do_anonymous_page: the per-VMA lock taken under RCU
// (lock_vma_under_rcu, 6.4+), else mmap_lock for read and the VMA lookup. Mirrors
// arch/x86/mm/fault.c do_user_addr_fault and mm/mmap_lock.c lock_vma_under_rcu (see
// docs/kernel-version.md).

import { do_anonymous_page, type FaultResult } from './memory.js';
import type { Cpu } from './world/cpu.js';
import type { PmdSlot } from './world/mm.js';
import { step, type Gen } from './world/step.js';
import type { World } from './world/world.js';

/** Options of {@link do_user_addr_fault}. */
export interface FaultOptions {
  /** Try the per-VMA lock first (CONFIG_PER_VMA_LOCK, 6.4+). Default true. */
  readonly per_vma_lock?: boolean;
}

/**
 * lock_vma_under_rcu(): finds the VMA under RCU and read-locks it unless a writer (munmap's
 * vma_start_write) holds it or it is detached. Returns false when the caller must fall back to
 * mmap_lock.
 */
export function* lock_vma_under_rcu(w: World, cpu: Cpu, vma = w.mm.vma): Gen<boolean> {
  yield* w.rcu.rcu_read_lock(cpu, 'lock_vma_under_rcu: rcu_read_lock');
  yield step('lock_vma_under_rcu: mas_walk');
  let locked = false;
  if (!vma.detached && (yield* vma.vm_lock.down_read_trylock(cpu, 'vma_start_read'))) {
    yield step('lock_vma_under_rcu: recheck detached');
    if (vma.detached) yield* vma.vm_lock.up_read(cpu, 'vma_end_read');
    else locked = true;
  }
  yield* w.rcu.rcu_read_unlock(cpu, 'lock_vma_under_rcu: rcu_read_unlock');
  return locked;
}

/** do_user_addr_fault(): SIGSEGV when munmap already detached the VMA. */
export function* do_user_addr_fault(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  i: number,
  folio: number,
  o: FaultOptions = {},
): Gen<FaultResult | 'SIGSEGV'> {
  const mm = w.mm;
  const vma = mm.vmaOf(pmd);
  if ((o.per_vma_lock ?? true) && (yield* lock_vma_under_rcu(w, cpu, vma))) {
    const r = yield* do_anonymous_page(w, cpu, pmd, i, folio);
    yield* vma.vm_lock.up_read(cpu, 'vma_end_read');
    return r;
  }
  yield* mm.mmap_lock.down_read(cpu, 'lock_mm_and_find_vma: mmap_read_lock');
  yield step('lock_mm_and_find_vma: find_vma');
  if (vma.detached) {
    yield* mm.mmap_lock.up_read(cpu, 'do_user_addr_fault: mmap_read_unlock');
    return 'SIGSEGV';
  }
  const r = yield* do_anonymous_page(w, cpu, pmd, i, folio);
  yield* mm.mmap_lock.up_read(cpu, 'do_user_addr_fault: mmap_read_unlock');
  return r;
}
