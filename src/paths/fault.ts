// The user page-fault entry around do_anonymous_page: the per-VMA lock taken under RCU
// (lock_vma_under_rcu, 6.4+), else mmap_lock for read and the VMA lookup. Mirrors
// arch/x86/mm/fault.c do_user_addr_fault and mm/mmap_lock.c lock_vma_under_rcu (see
// docs/kernel-version.md).

import { do_anonymous_page, type FaultResult } from './memory.js';
import type { Cpu } from './world/cpu.js';
import type { PmdSlot, VmAreaStruct } from './world/mm.js';
import type { Shared } from './world/shared.js';
import { step, type Gen } from './world/step.js';
import type { World } from './world/world.js';

/** Options of {@link do_user_addr_fault}. */
export interface FaultOptions {
  /** Try the per-VMA lock first (CONFIG_PER_VMA_LOCK, 6.4+). Default true. */
  readonly per_vma_lock?: boolean;
  /** The VMA faulted in. Default: the VMA covering `pmd`. */
  readonly vma?: VmAreaStruct;
  /**
   * The VMA's anon_vma pointer, which a write fault installs before mapping (anon_vma_prepare);
   * omitted: anon_vma is not modelled.
   */
  readonly anon_vma?: Shared<boolean>;
  /**
   * Where the first anon_vma may be installed: `mmap_lock` (vmf_anon_prepare: under the per-VMA
   * lock a VMA without one retries under mmap_lock, "mm: Delay the check for a NULL anon_vma",
   * 2024) or `per_vma` (under the VMA lock alone, the race fb49c455323f's message describes).
   * Default `mmap_lock`.
   */
  readonly anon_prepare?: 'mmap_lock' | 'per_vma';
}

/** vmf_anon_prepare(): false when the per-VMA-locked fault must retry under mmap_lock. */
function* vmf_anon_prepare(
  cpu: Cpu,
  o: FaultOptions,
  vma: VmAreaStruct,
  per_vma: boolean,
): Gen<boolean> {
  const anon = o.anon_vma;
  if (anon === undefined) return true;
  yield step('vmf_anon_prepare: vma->anon_vma');
  if (anon.get()) return true;
  if (per_vma && (o.anon_prepare ?? 'mmap_lock') === 'mmap_lock') {
    yield* vma.vm_lock.up_read(cpu, 'vmf_anon_prepare: vma_end_read (VM_FAULT_RETRY)');
    return false;
  }
  anon.set(true);
  return true;
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
  const vma = o.vma ?? mm.vmaOf(pmd);
  if ((o.per_vma_lock ?? true) && (yield* lock_vma_under_rcu(w, cpu, vma))) {
    if (yield* vmf_anon_prepare(cpu, o, vma, true)) {
      const r = yield* do_anonymous_page(w, cpu, pmd, i, folio);
      yield* vma.vm_lock.up_read(cpu, 'vma_end_read');
      return r;
    }
  }
  yield* mm.mmap_lock.down_read(cpu, 'lock_mm_and_find_vma: mmap_read_lock');
  yield step('lock_mm_and_find_vma: find_vma');
  if (vma.detached) {
    yield* mm.mmap_lock.up_read(cpu, 'do_user_addr_fault: mmap_read_unlock');
    return 'SIGSEGV';
  }
  yield* vmf_anon_prepare(cpu, o, vma, false);
  const r = yield* do_anonymous_page(w, cpu, pmd, i, folio);
  yield* mm.mmap_lock.up_read(cpu, 'do_user_addr_fault: mmap_read_unlock');
  return r;
}
