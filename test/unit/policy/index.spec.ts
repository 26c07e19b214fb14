import { describe, expect, it } from 'vitest';
import { getArch } from '../../../src/arch/index.js';
import {
  getPolicy,
  KERNEL_VERSIONS,
  POLICY_NAMES,
  resolveKernel,
} from '../../../src/policy/index.js';

describe('resolveKernel', () => {
  it.each(KERNEL_VERSIONS.map((v) => [v]))('gives kernel %s its policy on x86_64 (RECL-1)', (v) => {
    expect(resolveKernel(v, getArch('x86_64')).policy.name).toBe(
      v === '6.13' ? 'none' : 'pt_reclaim',
    );
  });

  it('gives no PT_RECLAIM to arm64 in 6.18 (RECL-1: only x86_64 selects it)', () => {
    expect(resolveKernel('6.18', getArch('arm64-4k')).policy.name).toBe('none');
  });

  it('throws unknown-name listing the versions', () => {
    expect(() => resolveKernel('5.10', getArch('x86_64'))).toThrow(/6\.13.*6\.18/);
  });
});

describe('getPolicy', () => {
  it('finds every registered policy by name and refuses others', () => {
    for (const n of POLICY_NAMES) expect(getPolicy(n).name).toBe(n);
    expect(() => getPolicy('eager')).toThrow(/none, pt_reclaim, refcount/);
  });
});
