// Simulator throughput on the issue #3 section 6 workloads (no kernel side; see
// sim-vs-kernel.bench.ts for the ratios). The 16 TiB case runs once: it takes seconds.

import { bench, describe } from 'vitest';
import { parseWorkload } from '../src/workload/parse.js';
import { runWorkload } from '../src/workload/run.js';

const workloads: Record<string, string> = {
  'sparse 1 TiB: touch every 2 MiB, DONTNEED all (6.18)':
    'map a 1T at=1G\ntouch a +0 1T stride=2M\nmadvise a +0 1T dontneed\nreport end',
  'dense 1 GiB touch': 'map a 1G at=1G\ntouch a +0 1G\nreport end',
  'PT_RECLAIM benchmark: 25,600 x (touch 2 MiB, DONTNEED 2 MiB)':
    'map a 50G at=1G\nrepeat 25600 shift=2M\ntouch a +0 2M\nmadvise a +0 2M dontneed\nend\nreport end',
};

describe('runWorkload', () => {
  for (const [name, text] of Object.entries(workloads)) {
    const w = parseWorkload(text, 'bench.ptw');
    bench(name, () => {
      runWorkload(w);
    });
  }
  const huge = parseWorkload('map a 16T at=1G\ntouch a +0 16T stride=2M\nreport end', 'bench.ptw');
  bench(
    'one page every 2 MiB over 16 TiB (8 Mi PTE tables)',
    () => {
      runWorkload(huge);
    },
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});
