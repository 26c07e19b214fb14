// x86 geometries (GEO-2..4): arch/x86/include/asm/pgtable_64_types.h, pgtable-2level_types.h and
// pgtable-3level_types.h (see docs/kernel-version.md).

import { defineGeometry } from './geometry.js';
import type { ArchGeometry } from './types.js';

/** The 3G/1G split's TASK_SIZE on i386 (PAGE_OFFSET 0xC0000000), in pages. */
const I386_TASK_SIZE = 0xc0000000 / 4096;

/** x86-64 with 4-level paging: 47-bit user space, P4D folded at run time. */
export const X86_64: ArchGeometry = defineGeometry({
  name: 'x86_64',
  description: 'x86-64, 4-level paging, 4 KiB pages, 47-bit user space (128 TiB)',
  PAGE_SIZE: 4096,
  entryBytes: 8,
  PTRS_PER_PTE: 512,
  PTRS_PER_PMD: 512,
  PTRS_PER_PUD: 512,
  PTRS_PER_P4D: 1,
  PTRS_PER_PGD: 512,
  userVaBits: 47,
  taskSizeGuardPage: true,
  supportsPtReclaim: true,
  simulated: true,
});

/** x86-64 with LA57 5-level paging: 56-bit user space; P4D tables exist but are never counted. */
export const X86_64_LA57: ArchGeometry = defineGeometry({
  name: 'x86_64-la57',
  description: 'x86-64, 5-level paging (LA57), 4 KiB pages, 56-bit user space (64 PiB)',
  PAGE_SIZE: 4096,
  entryBytes: 8,
  PTRS_PER_PTE: 512,
  PTRS_PER_PMD: 512,
  PTRS_PER_PUD: 512,
  PTRS_PER_P4D: 512,
  PTRS_PER_PGD: 512,
  userVaBits: 56,
  taskSizeGuardPage: true,
  supportsPtReclaim: true,
  simulated: true,
});

/** i386 without PAE: 2-level, 4-byte entries, PMD and PUD folded (GEO-3). */
export const I386: ArchGeometry = defineGeometry({
  name: 'i386',
  description: 'i386, 2-level paging, 4 KiB pages, 3 GiB user space (3G/1G split)',
  PAGE_SIZE: 4096,
  entryBytes: 4,
  PTRS_PER_PTE: 1024,
  PTRS_PER_PMD: 1,
  PTRS_PER_PUD: 1,
  PTRS_PER_P4D: 1,
  PTRS_PER_PGD: 1024,
  userVaBits: 32,
  taskSizePages: I386_TASK_SIZE,
  taskSizeGuardPage: false,
  supportsPtReclaim: false,
  simulated: false,
});

/** i386 with PAE: 3-level, PGD of 4 entries, PMDs preallocated and counted (GEO-4, ACC-6). */
export const I386_PAE: ArchGeometry = defineGeometry({
  name: 'i386-pae',
  description: 'i386 PAE, 3-level paging, 4 KiB pages, 3 GiB user space, 4 preallocated PMDs',
  PAGE_SIZE: 4096,
  entryBytes: 8,
  PTRS_PER_PTE: 512,
  PTRS_PER_PMD: 512,
  PTRS_PER_PUD: 1,
  PTRS_PER_P4D: 1,
  PTRS_PER_PGD: 4,
  userVaBits: 32,
  taskSizePages: I386_TASK_SIZE,
  taskSizeGuardPage: false,
  baselinePgtablesBytes: 4 * 4096,
  supportsPtReclaim: false,
  simulated: false,
});
