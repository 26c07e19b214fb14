// munmap of the VMA covering the modelled PMD slots: detach under mmap_lock for write, downgrade,
// zap, free_pgtables, tlb_finish_mmu. Mirrors mm/vma.c (do_vmi_align_munmap,
// vms_complete_munmap_vmas, unmap_region) and mm/memory.c free_pgtables (see
// docs/kernel-version.md).

import { free_pte_range, zap_pte_range } from './memory.js';
import { tlb_finish_mmu, tlb_gather_mmu } from './mmu_gather.js';
import type { Cpu } from './world/cpu.js';
import { step, type Gen } from './world/step.js';
import { guarded } from './world/config.js';
import type { World } from './world/world.js';

/** do_vmi_munmap() of the one VMA: afterwards no slot holds a table. */
export function* do_vmi_munmap(w: World, cpu: Cpu): Gen {
  const mm = w.mm;
  yield* mm.mmap_lock.down_write(cpu, 'do_vmi_munmap: mmap_write_lock');
  // vma_start_write waits for per-VMA readers; the VMA stays write-locked until the mmap_lock
  // write section ends (vma_end_write_all in mmap_write_downgrade).
  const locked = guarded(w.config, 'vma_start_write');
  if (locked) yield* mm.vma.vm_lock.down_write(cpu, 'vms_gather_munmap_vmas: vma_start_write');
  yield step('vms_gather_munmap_vmas: vma_mark_detached');
  mm.vma.detached = true;
  if (locked) yield* mm.vma.vm_lock.up_write(cpu, 'mmap_write_downgrade: vma_end_write_all');
  yield* mm.mmap_lock.downgrade_write(cpu, 'do_vmi_align_munmap: mmap_write_downgrade');
  const tlb = tlb_gather_mmu();
  for (const pmd of mm.pmds) yield* zap_pte_range(w, cpu, tlb, pmd, null);
  for (const pmd of mm.pmds) yield* free_pte_range(w, cpu, tlb, pmd);
  yield* tlb_finish_mmu(w, cpu, tlb);
  yield* mm.mmap_lock.up_read(cpu, 'do_vmi_munmap: mmap_read_unlock');
}
