// The corpus against the host kernel alone: each file's `# expect` annotations (the spec's [V6.18]
// probe values) must hold on every run. A failure here is a spec correction, not a model bug.

import { describe, expect, it } from 'vitest';
import { runOnKernelBatch } from '../../src/cli/oracle.js';
import type { KernelRun } from '../../src/cli/oracle.js';
import {
  DISK_SKIP,
  PRESSURE_SKIP,
  SKIP_REASON,
  kernelCanRun,
  loadCorpus,
  oracle,
} from '../helpers/oracle.js';

const all = loadCorpus();
const corpus = all.filter((c) => kernelCanRun(c.workload));
const skipped = all.filter((c) => !kernelCanRun(c.workload));

describe.skipIf(!oracle.ok)('corpus on the host kernel', () => {
  let runs: KernelRun[] = [];
  const runOf = (name: string): KernelRun => runs[corpus.findIndex((c) => c.name === name)];

  it('runs every corpus file 3 times with identical results (the oracle is deterministic)', () => {
    runs = runOnKernelBatch(
      corpus.map((c) => c.workload),
      { runs: 3 },
    );
    const unstable = corpus.filter((_, i) => !runs[i].deterministic).map((c) => c.name);
    expect(unstable).toEqual([]);
  });

  it.each(corpus.map((c) => [c.name, c] as const))(
    '%s shows the values its comments expect',
    (name, c) => {
      const run = runOf(name);
      expect(run, 'the batch run failed').toBeDefined();
      expect(
        c.expect.reports.size + (c.expect.error ? 1 : 0),
        'corpus file without expectations',
      ).toBeGreaterThan(0);
      for (const r of run.reports) {
        const want = c.expect.reports.get(r.line);
        if (want === undefined) continue;
        const got = {
          line: r.line,
          vmpte_kb: r.vmpte_kb,
          rss_anon_kb: r.rss_anon_kb,
          ...(want.rss_file_kb === undefined ? {} : { rss_file_kb: r.rss_file_kb }),
          ...(want.rss_shmem_kb === undefined ? {} : { rss_shmem_kb: r.rss_shmem_kb }),
        };
        expect(got).toEqual({ line: r.line, ...want });
      }
      const seen = new Set(run.reports.map((r) => r.line));
      expect(
        [...c.expect.reports.keys()].filter((l) => !seen.has(l)),
        'expected reports not reached',
      ).toEqual([]);
      expect(run.error ? { line: run.error.line, errno: run.error.errno } : undefined).toEqual(
        c.expect.error,
      );
      const want = c.expect.final;
      if (want) {
        expect({
          vmpte_kb: run.final?.vmpte_kb,
          rss_anon_kb: run.final?.rss_anon_kb,
          ...(want.rss_file_kb === undefined ? {} : { rss_file_kb: run.final?.rss_file_kb }),
          ...(want.rss_shmem_kb === undefined ? {} : { rss_shmem_kb: run.final?.rss_shmem_kb }),
        }).toEqual(want);
      }
    },
  );
});

describe.skipIf(!oracle.ok || skipped.length === 0)('corpus with `pressure` or disk files', () => {
  it.skip(`${skipped.map((c) => c.name).join(', ')}: ${[PRESSURE_SKIP, DISK_SKIP].filter(Boolean).join('; ')}`, () => {});
});

describe.skipIf(oracle.ok)('corpus on the host kernel (unavailable)', () => {
  it.skip(SKIP_REASON, () => {});
});
