// Registry of page-table freeing policies and of the kernel versions that imply one.

import type { ArchGeometry } from '../arch/index.js';
import type { FreePolicy } from '../mm/index.js';
import { UsageError } from '../util/errors.js';
import { nonePolicy } from './none.js';
import { ptReclaimPolicy } from './pt_reclaim.js';
import { refcountPolicy } from './refcount.js';

export { nonePolicy, ptReclaimPolicy, refcountPolicy };

const POLICIES: readonly FreePolicy[] = [nonePolicy, ptReclaimPolicy, refcountPolicy];

/** Every policy name. */
export const POLICY_NAMES: readonly string[] = POLICIES.map((p) => p.name);

/** Kernel versions the model knows, oldest first. */
export const KERNEL_VERSIONS: readonly string[] = ['6.13', '6.14', '6.15', '6.16', '6.17', '6.18'];

/** The default kernel version (the version of the machines ptlab is checked on). */
export const DEFAULT_KERNEL = '6.18';

/** The policy named `name`; throws UsageError('unknown-name') listing the valid names. */
export function getPolicy(name: string): FreePolicy {
  const p = POLICIES.find((x) => x.name === name);
  if (!p) {
    throw new UsageError(
      'unknown-name',
      `unknown policy '${name}' (expected one of: ${POLICY_NAMES.join(', ')})`,
    );
  }
  return p;
}

/** Version-dependent behaviour of one kernel. */
export interface KernelBehaviour {
  readonly version: string;
  /** The freeing policy the kernel implements on this arch (RECL-1). */
  readonly policy: FreePolicy;
}

/**
 * What kernel `version` does on `arch`: PT_RECLAIM from 6.14 on x86-64 only. Placement (PLACE-2:
 * PMD-multiple, hint-less) is the same in every version listed. Throws UsageError on unknown.
 */
export function resolveKernel(version: string, arch: ArchGeometry): KernelBehaviour {
  if (!KERNEL_VERSIONS.includes(version)) {
    throw new UsageError(
      'unknown-name',
      `unknown kernel version '${version}' (expected one of: ${KERNEL_VERSIONS.join(', ')})`,
    );
  }
  const reclaim = version !== '6.13' && arch.supportsPtReclaim;
  return { version, policy: reclaim ? ptReclaimPolicy : nonePolicy };
}
