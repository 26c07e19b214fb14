// arm64 geometries (GEO-5): arch/arm64/include/asm/pgtable-hwdef.h, every table one page of
// 8-byte entries; only the PGD may be smaller (see docs/kernel-version.md).

import { defineGeometry } from './geometry.js';
import type { ArchGeometry } from './types.js';

/** arm64, 4 KiB granule, 48-bit VA: 4 levels of 512 entries. */
export const ARM64_4K: ArchGeometry = defineGeometry({
  name: 'arm64-4k',
  description: 'arm64, 4 KiB granule, 48-bit VA, 4 levels',
  PAGE_SIZE: 4096,
  entryBytes: 8,
  PTRS_PER_PTE: 512,
  PTRS_PER_PMD: 512,
  PTRS_PER_PUD: 512,
  PTRS_PER_P4D: 1,
  PTRS_PER_PGD: 512,
  userVaBits: 48,
  taskSizeGuardPage: false,
  supportsPtReclaim: false,
  simulated: false,
});

/** arm64, 16 KiB granule, 48-bit VA: 4 levels, 2048 entries, a 2-entry PGD. */
export const ARM64_16K: ArchGeometry = defineGeometry({
  name: 'arm64-16k',
  description: 'arm64, 16 KiB granule, 48-bit VA, 4 levels (2-entry PGD)',
  PAGE_SIZE: 16384,
  entryBytes: 8,
  PTRS_PER_PTE: 2048,
  PTRS_PER_PMD: 2048,
  PTRS_PER_PUD: 2048,
  PTRS_PER_P4D: 1,
  PTRS_PER_PGD: 2,
  userVaBits: 48,
  taskSizeGuardPage: false,
  supportsPtReclaim: false,
  simulated: false,
});

/** arm64, 64 KiB granule, 48-bit VA: 3 levels, 8192 entries, a 64-entry PGD. */
export const ARM64_64K: ArchGeometry = defineGeometry({
  name: 'arm64-64k',
  description: 'arm64, 64 KiB granule, 48-bit VA, 3 levels (64-entry PGD)',
  PAGE_SIZE: 65536,
  entryBytes: 8,
  PTRS_PER_PTE: 8192,
  PTRS_PER_PMD: 8192,
  PTRS_PER_PUD: 1,
  PTRS_PER_P4D: 1,
  PTRS_PER_PGD: 64,
  userVaBits: 48,
  taskSizeGuardPage: false,
  supportsPtReclaim: false,
  simulated: false,
});
