// The user page-fault entry around do_anonymous_page: mmap_lock for read and the VMA lookup.
// Mirrors arch/x86/mm/fault.c do_user_addr_fault with lock_mm_and_find_vma (see
// docs/kernel-version.md).

import { do_anonymous_page, type FaultResult } from './memory.js';
import type { Cpu } from './world/cpu.js';
import type { PmdSlot } from './world/mm.js';
import { step, type Gen } from './world/step.js';
import type { World } from './world/world.js';

/** do_user_addr_fault(): SIGSEGV when munmap already detached the VMA. */
export function* do_user_addr_fault(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  i: number,
  folio: number,
): Gen<FaultResult | 'SIGSEGV'> {
  const mm = w.mm;
  yield* mm.mmap_lock.down_read(cpu, 'lock_mm_and_find_vma: mmap_read_lock');
  yield step('vma', 'read', 'lock_mm_and_find_vma: find_vma');
  if (mm.vma.detached) {
    yield* mm.mmap_lock.up_read(cpu, 'do_user_addr_fault: mmap_read_unlock');
    return 'SIGSEGV';
  }
  const r = yield* do_anonymous_page(w, cpu, pmd, i, folio);
  yield* mm.mmap_lock.up_read(cpu, 'do_user_addr_fault: mmap_read_unlock');
  return r;
}
