// Simulator against the host kernel on the same workload, in one run (issue #3 section 6): prints
// `ratio` lines (kernel time / simulator time). Skips visibly when the kernel oracle is missing.

import { afterAll, bench, describe } from 'vitest';
import { oracleAvailability, runOnKernel } from '../src/cli/oracle.js';
import { parseWorkload } from '../src/workload/parse.js';
import { runWorkload } from '../src/workload/run.js';

const availability = oracleAvailability();

const WORKLOADS = {
  'sparse 1 TiB: touch every 2 MiB, then DONTNEED all': [
    'map a 1T at=1G',
    'touch a +0 1T stride=2M',
    'madvise a +0 1T dontneed',
    'report end',
  ],
  'dense 1 GiB touch': ['map a 1G at=1G', 'touch a +0 1G', 'report end'],
} as const;

const seconds = new Map<string, { sim?: number; kernel?: number; vmpte?: string }>();

function timed(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
}

for (const [name, lines] of Object.entries(WORKLOADS)) {
  const workload = parseWorkload(lines.join('\n'), `${name}.ptw`);
  const entry: { sim?: number; kernel?: number; vmpte?: string } = {};
  seconds.set(name, entry);
  describe(name, () => {
    // One iteration per side: the kernel side alone takes about 12 s on the 1 TiB workload.
    bench(
      'simulator (6.18)',
      () => {
        let vmpte = -1;
        entry.sim = timed(() => {
          vmpte = runWorkload(workload, { kernel: '6.18' }).reports[0]?.vmpte_kb ?? -1;
        });
        entry.vmpte = `${entry.vmpte ?? ''} sim ${vmpte} kB`;
      },
      { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
    );
    if (availability.ok) {
      bench(
        'host kernel (ptw-oracle)',
        () => {
          let vmpte = -1;
          entry.kernel = timed(() => {
            vmpte = runOnKernel(workload).reports[0]?.vmpte_kb ?? -1;
          });
          entry.vmpte = `${entry.vmpte ?? ''} kernel ${vmpte} kB`;
        },
        { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
      );
    } else {
      bench.skip(
        `host kernel: needs a C compiler and Linux /proc: ${availability.reason}`,
        () => {},
      );
    }
  });
}

afterAll(() => {
  for (const [name, e] of seconds) {
    const ratio =
      e.sim !== undefined && e.kernel !== undefined ? `${(e.kernel / e.sim).toFixed(1)}x` : 'n/a';
    const fmt = (s: number | undefined): string => (s === undefined ? '-' : `${s.toFixed(3)} s`);
    console.log(
      `ratio ${name}: kernel ${fmt(e.kernel)} / sim ${fmt(e.sim)} = ${ratio} (VmPTE at end:${e.vmpte ?? ''})`,
    );
  }
});
