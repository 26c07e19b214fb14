// Named bundles of simulator options (style O4, hono presets): the kernels and designs ptlab
// compares, so the CLI, the web UI and examples pick them by one name.

import { UsageError } from './util/errors.js';
import type { SimOptions } from './workload/run.js';

/** A named set of simulator options with a one-line description. */
export interface SimPreset {
  readonly name: string;
  readonly description: string;
  readonly options: SimOptions;
}

/** The built-in presets, oldest design first. */
export const SIM_PRESETS: readonly SimPreset[] = [
  {
    name: 'linux-6.13',
    description: 'Linux 6.13 x86-64: tables freed only by munmap/exit (no PT_RECLAIM)',
    options: { kernel: '6.13' },
  },
  {
    name: 'linux-6.18',
    description: 'Linux 6.18 x86-64 with CONFIG_PT_RECLAIM=y (the default)',
    options: { kernel: '6.18' },
  },
  {
    name: 'refcount-rfc-2022',
    description: 'the 2022 percpu_ref RFC: a PTE table goes with its last non-none entry',
    options: { kernel: '6.18', policy: 'refcount' },
  },
  {
    name: 'linux-6.18-la57',
    description: 'Linux 6.18 with 5-level paging (56-bit user space)',
    options: { kernel: '6.18', arch: 'x86_64-la57' },
  },
];

/** The preset named `name`; throws UsageError('unknown-name') listing the valid names. */
export function getSimPreset(name: string): SimPreset {
  const p = SIM_PRESETS.find((x) => x.name === name);
  if (!p) {
    const names = SIM_PRESETS.map((x) => x.name).join(', ');
    throw new UsageError('unknown-name', `unknown preset '${name}' (expected one of: ${names})`);
  }
  return p;
}
