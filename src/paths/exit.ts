// The final teardown of an mm: exit_mmap zaps every VMA under mmap_read_lock, hides the mm from
// the OOM reaper (MMF_OOM_SKIP), then, under mmap_write_lock (since 64591e8605d6, 6.0),
// free_pgtables unlinks each VMA from the rmap (anon_vma, i_mmap) and frees its tables. Mirrors
// mm/mmap.c (exit_mmap) and mm/memory.c (free_pgtables, free_pgd_range), and mm/oom_kill.c
// (__oom_reap_task_mm) for the reaper (see docs/kernel-version.md).

import { free_pte_range, zap_pte_range } from './memory.js';
import { tlb_finish_mmu, tlb_gather_mmu } from './mmu_gather.js';
import type { AnonVma } from './rmap.js';
import { guarded } from './world/config.js';
import type { Cpu } from './world/cpu.js';
import type { RwSemaphore } from './world/rwsem.js';
import type { Shared } from './world/shared.js';
import { step, type Gen } from './world/step.js';
import type { World } from './world/world.js';

/** The reverse maps the exiting VMA is on, and the mm state exit_mmap publishes. */
export interface ExitRmaps {
  /** mm->mm_users; exit_mmap runs once mmput dropped it to zero. */
  readonly mm_users: Shared<number>;
  /** MMF_OOM_SKIP in mm->flags. */
  readonly oom_skip: Shared<boolean>;
  /** The anonymous VMA's anon_vma (unlink_anon_vmas), when the VMA is anonymous. */
  readonly anon_vma?: AnonVma;
  /** The file's i_mmap rwsem and whether the VMA is in its tree (unlink_file_vma). */
  readonly i_mmap?: { readonly rwsem: RwSemaphore; readonly linked: Shared<boolean> };
}

/**
 * mmput() dropping the last user, then exit_mmap(): unmap_vmas under mmap_read_lock,
 * MMF_OOM_SKIP, mmap_write_lock, free_pgtables (rmap unlink, then free_pgd_range), tlb_finish_mmu.
 * Differs from kernel: remove_vma and the maple tree are not modelled (no walker here iterates
 * VMAs); the gather is one, not fullmm-specific.
 */
export function* exit_mmap(w: World, cpu: Cpu, r: ExitRmaps): Gen {
  const mm = w.mm;
  yield step('mmput: atomic_dec_and_test(mm_users)');
  r.mm_users.set(r.mm_users.get() - 1);
  yield* mm.mmap_lock.down_read(cpu, 'exit_mmap: mmap_read_lock');
  const tlb = tlb_gather_mmu();
  for (const pmd of mm.pmds) yield* zap_pte_range(w, cpu, tlb, pmd, null);
  yield* mm.mmap_lock.up_read(cpu, 'exit_mmap: mmap_read_unlock');
  yield step('exit_mmap: set_bit(MMF_OOM_SKIP)');
  r.oom_skip.set(true);
  const locked = guarded(w.config, 'exit_mmap_write_lock');
  if (locked) yield* mm.mmap_lock.down_write(cpu, 'exit_mmap: mmap_write_lock');
  yield* free_pgtables(w, cpu, tlb, r);
  yield* tlb_finish_mmu(w, cpu, tlb);
  if (locked) yield* mm.mmap_lock.up_write(cpu, 'exit_mmap: mmap_write_unlock');
}

/** free_pgtables(): unlinks the VMA from its rmap trees, then frees its tables (no PT locks). */
function* free_pgtables(
  w: World,
  cpu: Cpu,
  tlb: ReturnType<typeof tlb_gather_mmu>,
  r: ExitRmaps,
): Gen {
  const unlinkFirst = guarded(w.config, 'free_pgtables_unlink_first');
  if (!unlinkFirst) for (const pmd of w.mm.pmds) yield* free_pte_range(w, cpu, tlb, pmd);
  if (r.anon_vma) {
    const a = r.anon_vma;
    yield* a.rwsem.down_write(cpu, 'unlink_anon_vmas: anon_vma_lock_write');
    yield step('unlink_anon_vmas: anon_vma_interval_tree_remove');
    a.linked.set(false);
    yield* a.rwsem.up_write(cpu, 'unlink_anon_vmas: anon_vma_unlock_write');
  }
  if (r.i_mmap) {
    const f = r.i_mmap;
    yield* f.rwsem.down_write(cpu, 'unlink_file_vma_batch_final: i_mmap_lock_write');
    yield step('__remove_shared_vm_struct: vma_interval_tree_remove');
    f.linked.set(false);
    yield* f.rwsem.up_write(cpu, 'unlink_file_vma_batch_final: i_mmap_unlock_write');
  }
  if (unlinkFirst) for (const pmd of w.mm.pmds) yield* free_pte_range(w, cpu, tlb, pmd);
}

/**
 * The OOM reaper (or process_mrelease) on the victim's mm: under mmap_read_lock, unless
 * MMF_OOM_SKIP says exit_mmap got there first, zaps every slot (__oom_reap_task_mm ->
 * unmap_page_range). It holds the mm by mm_count, not mm_users, so it can overlap exit_mmap.
 * Differs from kernel: mmap_read_trylock is modelled as a blocking down_read (a failed trylock
 * makes the reaper retry later, which reaches the same interleavings).
 */
export function* oom_reap_task_mm(w: World, cpu: Cpu, oom_skip: Shared<boolean>): Gen {
  const mm = w.mm;
  yield* mm.mmap_lock.down_read(cpu, 'oom_reap_task_mm: mmap_read_trylock');
  yield step('oom_reap_task_mm: test_bit(MMF_OOM_SKIP)');
  if (!oom_skip.get()) {
    const tlb = tlb_gather_mmu();
    for (const pmd of mm.pmds) yield* zap_pte_range(w, cpu, tlb, pmd, null);
    yield* tlb_finish_mmu(w, cpu, tlb);
  }
  yield* mm.mmap_lock.up_read(cpu, 'oom_reap_task_mm: mmap_read_unlock');
}
