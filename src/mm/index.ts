// Public API of the simulated mm.

export type {
  FreePolicy,
  MmStruct,
  SimFile,
  ThpMode,
  VmAreaStruct,
  ZapDetails,
} from './mm_types.js';
export { disk_file_alloc, file_alloc, filemap_map_one, FAULT_AROUND_PAGES } from './filemap.js';
export { dirty_file_pages, file_has_dirty, shrink_file_cache } from './filemap-reclaim.js';
export {
  AnonVma,
  VM_ACCOUNT,
  VM_DONTCOPY,
  VM_EXEC,
  VM_WIPEONFORK,
  VM_HUGEPAGE,
  VM_LOCKED,
  VM_LOCKONFAULT,
  VM_SHARED,
  VM_NOHUGEPAGE,
  VM_NORESERVE,
  VM_READ,
  VM_WRITE,
} from './mm_types.js';
export { mm_alloc, MMAP_MIN_ADDR_DEFAULT, type MmAllocOptions } from './pgtable.js';
export { handle_mm_fault_range } from './memory.js';
export { touch_range } from './access.js';
export {
  do_mmap,
  do_munmap,
  exit_mmap,
  vm_mmap_pgoff,
  get_unmapped_area,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
} from './mmap.js';
export type { MmapResult } from './mmap.js';
export type { MmapFlags } from './mmap.js';
export {
  do_mlock,
  do_mlockall,
  do_munlock,
  MCL_CURRENT,
  MCL_FUTURE,
  MCL_ONFAULT,
} from './mlock.js';
export { __mm_populate, madvise_populate } from './gup.js';
export { do_mprotect } from './mprotect.js';
export { do_mremap, type MremapFlags } from './mremap.js';
export { do_brk, mm_brk, mm_set_brk, type BrkState } from './brk.js';
export { expand_downwards, STACK_GUARD_GAP_PAGES, RLIMIT_STACK_PAGES } from './stack.js';
export { dup_mm } from './fork.js';
export { do_madvise, type Advice } from './madvise.js';
export { shmem_thp_unsupported } from './khugepaged-file.js';
export { shrink_lazyfree } from './vmscan.js';
export { reclaim_pt_is_enabled, try_to_free_pte } from './pt_reclaim.js';
export { recount, validate_mm, type Recount } from './debug.js';
export { mmCounters, type MmCounters } from './stats.js';
