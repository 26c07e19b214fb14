// Simulator against the host kernel on the same workload, in one run (issue #3 section 6): prints
// `ratio` lines (kernel time / simulator time). Skips visibly when the kernel oracle is missing.

import { afterAll, bench, describe } from 'vitest';
import { oracleAvailability, runOnKernel } from '../src/cli/oracle.js';
import { parseWorkload } from '../src/workload/parse.js';
import { runWorkload } from '../src/workload/run.js';

const availability = oracleAvailability();

const WORKLOADS = {
  'sparse 1 TiB: touch every 2 MiB, then DONTNEED all': [
    'map a 1T at=1G noreserve',
    'touch a +0 1T stride=2M',
    'madvise a +0 1T dontneed',
    'report end',
  ],
  'dense 1 GiB touch': ['map a 1G at=1G', 'touch a +0 1G', 'report end'],
} as const;

interface Entry {
  /** Fastest run of each side, in seconds, and how many runs vitest made. */
  sim?: number;
  kernel?: number;
  simRuns: number;
  kernelRuns: number;
  vmpte: { sim?: number; kernel?: number };
}

const seconds = new Map<string, Entry>();

function timed(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
}

for (const [name, lines] of Object.entries(WORKLOADS)) {
  const workload = parseWorkload(lines.join('\n'), `${name}.ptw`);
  const entry: Entry = { simRuns: 0, kernelRuns: 0, vmpte: {} };
  seconds.set(name, entry);
  describe(name, () => {
    // As few iterations as vitest allows: the kernel side alone takes 3-12 s on the 1 TiB workload.
    bench(
      'simulator (6.18)',
      () => {
        const t = timed(() => {
          entry.vmpte.sim = runWorkload(workload, { kernel: '6.18' }).reports[0]?.vmpte_kb;
        });
        entry.sim = Math.min(entry.sim ?? t, t);
        entry.simRuns++;
      },
      { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
    );
    if (availability.ok) {
      bench(
        'host kernel (ptw-oracle)',
        () => {
          const t = timed(() => {
            entry.vmpte.kernel = runOnKernel(workload).reports[0]?.vmpte_kb;
          });
          entry.kernel = Math.min(entry.kernel ?? t, t);
          entry.kernelRuns++;
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
      `ratio ${name}: kernel ${fmt(e.kernel)} / sim ${fmt(e.sim)} = ${ratio} ` +
        `(fastest of ${e.kernelRuns} and ${e.simRuns} runs; VmPTE at end: kernel ` +
        `${e.vmpte.kernel ?? '-'} kB, sim ${e.vmpte.sim ?? '-'} kB)`,
    );
  }
});
