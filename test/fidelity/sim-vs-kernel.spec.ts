// The fidelity suite (issue #3 section 5): the corpus and 200 generated workloads run on the host
// kernel (3 runs each, which must agree) and in the simulator (kernel 6.18, debug), and must agree
// exactly on VmPTE and RssAnon at every report, after the last op, and on the error.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOnKernelBatch } from '../../src/cli/oracle.js';
import type { KernelRun } from '../../src/cli/oracle.js';
import { compareRuns } from '../../src/cli/verify.js';
import { generateWorkload } from '../../src/workload/generate.js';
import { parseWorkload } from '../../src/workload/parse.js';
import { runWorkload } from '../../src/workload/run.js';
import type { Workload } from '../../src/workload/types.js';
import {
  DISK_SKIP,
  HOST_SIM,
  PRESSURE_SKIP,
  SKIP_REASON,
  kernelCanRun,
  loadCorpus,
  oracle,
} from '../helpers/oracle.js';
import { failureText } from '../helpers/oracle-report.js';
import { FidelityTally } from '../helpers/fidelity-tally.js';

/** Generated workloads: seeds 1..SEEDS. */
const SEEDS = 200;
/** Generated workloads of the harsh mix: seeds 1..HARSH_SEEDS. */
const HARSH_SEEDS = 100;
/** Generated workloads of the fork mix (issue #7 processes): seeds 1..FORK_SEEDS. */
const FORK_SEEDS = 100;
/** Generated workloads of the files mix (issue #7 disk files): seeds 1..FILES_SEEDS. */
const FILES_SEEDS = 60;
const RUNS = 3;
/** Re-runs of a workload whose kernel runs disagreed with each other (see beforeAll). */
const RETRIES = 2;
let retried = 0;

interface Case {
  readonly name: string;
  readonly text: string;
  readonly workload: Workload;
}

const allCorpus: Case[] = loadCorpus();
const allGenerated: Case[] = [
  ...Array.from({ length: SEEDS }, (_, i) => {
    const text = generateWorkload(i + 1);
    return { name: `seed-${i + 1}`, text, workload: parseWorkload(text, `seed-${i + 1}.ptw`) };
  }),
  // The harsh mix (issue #7 section 3): THP with lazy-free, pageout/cold, 1 GiB and 512 GiB
  // boundaries, noreserve, more errors. `npm run fidelity:sweep` runs 1,000 of each mix.
  ...Array.from({ length: HARSH_SEEDS }, (_, i) => {
    const text = generateWorkload(i + 1, { mix: 'harsh' });
    return { name: `harsh-${i + 1}`, text, workload: parseWorkload(text, `harsh-${i + 1}.ptw`) };
  }),
  // The fork mix: fork/exit, ops and reports in children, COW of THPs, the fork advices.
  ...Array.from({ length: FORK_SEEDS }, (_, i) => {
    const text = generateWorkload(i + 1, { mix: 'fork' });
    return { name: `fork-${i + 1}`, text, workload: parseWorkload(text, `fork-${i + 1}.ptw`) };
  }),
  // The files mix: tmpfs, memfd and disk files mapped private and shared, `remove` and refaults.
  ...Array.from({ length: FILES_SEEDS }, (_, i) => {
    const text = generateWorkload(i + 1, { mix: 'files' });
    return { name: `files-${i + 1}`, text, workload: parseWorkload(text, `files-${i + 1}.ptw`) };
  }),
];
// Workloads with `pressure` need a memory cgroup on the kernel side, disk files an ext4
// directory; elsewhere they are skipped visibly below.
const corpus = allCorpus.filter((c) => kernelCanRun(c.workload));
const generated = allGenerated.filter((c) => kernelCanRun(c.workload));
const skipped = [...allCorpus, ...allGenerated].filter((c) => !kernelCanRun(c.workload));
const all = [...corpus, ...generated];

const tally = { run: 0, exact: 0, failed: [] as string[] };
const random = new FidelityTally();
let kernel: KernelRun[] = [];

function check(c: Case, index: number): void {
  const k = kernel[index];
  expect(k, 'the kernel batch did not run').toBeDefined();
  const sim = runWorkload(c.workload, { kernel: '6.18', debug: true, ...HOST_SIM });
  const result = compareRuns(c.workload, sim, k);
  if (!c.name.endsWith('.ptw')) random.add(c.name, result);
  tally.run++;
  if (result.exact) tally.exact++;
  else tally.failed.push(c.name);
  if (!result.exact)
    expect.fail(`${c.name} disagrees with the kernel\n${failureText(c.text, result)}`);
}

describe.skipIf(!oracle.ok)('simulator vs host kernel', () => {
  beforeAll(() => {
    kernel = runOnKernelBatch(
      all.map((c) => c.workload),
      { runs: RUNS },
    );
    // Host noise, not kernel semantics: other test files run oracles and memory-cgroup reclaim at
    // the same time, and a reclaim that unmaps a shared page of the helper's own code or libc
    // makes one run's RssFile a page low. A workload whose runs disagreed with each other is run
    // again (at most RETRIES times) and judged on the first batch whose runs all agree; one that
    // never agrees still fails below. The count is printed so the noise stays visible.
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      const again = kernel.flatMap((k, i) => (k.deterministic ? [] : [i]));
      if (again.length === 0) break;
      retried += again.length;
      const rerun = runOnKernelBatch(
        again.map((i) => all[i].workload),
        { runs: RUNS },
      );
      again.forEach((i, j) => (kernel[i] = rerun[j]!));
    }
    // Its own limit: ~560 workloads x RUNS take about 100 s on warm memory, and the VM's first
    // runs on fresh memory (a fresh CI machine) are several times slower than that.
  }, 600_000);

  afterAll(() => {
    const failed = tally.failed.length ? ` (disagree: ${tally.failed.join(', ')})` : '';
    console.log(`fidelity: ${tally.exact}/${tally.run} workloads exact${failed}`);
    if (retried) console.log(`fidelity: ${retried} kernel re-runs after runs that disagreed`);
    console.log(random.line('fidelity, random workloads'));
  });

  describe('corpus (one file per spec rule)', () => {
    it.each(corpus.map((c, i) => [c.name, c, i] as const))('%s', (_, c, i) => check(c, i));
  });

  describe(`generated workloads (seeds 1..${SEEDS}, harsh 1..${HARSH_SEEDS}, fork 1..${FORK_SEEDS}, files 1..${FILES_SEEDS})`, () => {
    it.each(generated.map((c, i) => [c.name, c, corpus.length + i] as const))('%s', (_, c, i) =>
      check(c, i),
    );
  });
});

describe.skipIf(!oracle.ok || skipped.length === 0)(
  'workloads with `pressure` or disk files',
  () => {
    const why = [
      PRESSURE_SKIP && `pressure ${PRESSURE_SKIP}`,
      DISK_SKIP && `disk files ${DISK_SKIP}`,
    ];
    it.skip(`${skipped.length} workloads: ${why.filter(Boolean).join('; ')}`, () => {});
  },
);

describe.skipIf(oracle.ok)('simulator vs host kernel (unavailable)', () => {
  it.skip(SKIP_REASON, () => {});
});
