// The architecture registry: geometry by name, and the address helpers.

import { UsageError } from '../util/errors.js';
import { ARM64_16K, ARM64_4K, ARM64_64K } from './arm64.js';
import type { ArchGeometry } from './types.js';
import { I386, I386_PAE, X86_64, X86_64_LA57 } from './x86_64.js';

export type { ArchGeometry, Level } from './types.js';
export * from './pgtable.js';
export { worstCasePgtables, type WorstCase } from './limits.js';
export { X86_64, X86_64_LA57, I386, I386_PAE, ARM64_4K, ARM64_16K, ARM64_64K };

const ARCHES: readonly ArchGeometry[] = [
  X86_64,
  X86_64_LA57,
  I386,
  I386_PAE,
  ARM64_4K,
  ARM64_16K,
  ARM64_64K,
];

/** Every architecture name, default first. */
export const ARCH_NAMES: readonly string[] = ARCHES.map((a) => a.name);

/** The default architecture (the machines ptlab is checked on). */
export const DEFAULT_ARCH = 'x86_64';

/** The geometry named `name`; throws UsageError('unknown-name') listing the valid names. */
export function getArch(name: string): ArchGeometry {
  const g = ARCHES.find((a) => a.name === name);
  if (!g) {
    throw new UsageError(
      'unknown-name',
      `unknown architecture '${name}' (expected one of: ${ARCH_NAMES.join(', ')})`,
    );
  }
  return g;
}
