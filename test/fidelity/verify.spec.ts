// Tests of the verify comparison (src/cli/verify.ts) on synthetic simulator and kernel outcomes.

import { describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/util/errors.js';
import type { KernelRun } from '../../src/cli/oracle.js';
import { parseWorkload } from '../../src/workload/parse.js';

// The comparison needs no simulator; keep this test independent of it.
vi.mock('../../src/workload/run.js', () => ({ runWorkload: () => ({ reports: [] }) }));
const { compareRuns, formatVerify } = await import('../../src/cli/verify.js');

const workload = parseWorkload(
  'map a 2M at=1G\ntouch a +0 2M\nreport t\nmadvise a +0 2M dontneed\nreport d',
  'v.ptw',
);
const kernelRun = (over: Partial<KernelRun> = {}): KernelRun => ({
  reports: [
    { label: 't', line: 3, vmpte_kb: 12, rss_anon_kb: 2048 },
    { label: 'd', line: 5, vmpte_kb: 8, rss_anon_kb: 0 },
  ],
  final: { vmpte_kb: 8, rss_anon_kb: 0 },
  deterministic: true,
  thp: 'madvise inherit',
  ...over,
});
const sim = {
  reports: [
    { label: 't', line: 3, vmpte_kb: 12, rss_anon_kb: 2048 },
    { label: 'd', line: 5, vmpte_kb: 8, rss_anon_kb: 0 },
  ],
  final: { vmpte_kb: 8, rss_anon_kb: 0 },
};

describe('compareRuns', () => {
  it('is exact when every report, the final counters and the (absent) error agree', () => {
    const r = compareRuns(workload, sim, kernelRun());
    expect(r.exact).toBe(true);
    expect(r.reports.map((x) => x.equal)).toEqual([true, true, true]);
    expect(formatVerify(r)).toContain('verify v.ptw: exact (3 reports)');
  });

  it('marks the first differing report, in VmPTE or in RssAnon', () => {
    const k = kernelRun({
      reports: [
        { label: 't', line: 3, vmpte_kb: 12, rss_anon_kb: 2044 },
        { label: 'd', line: 5, vmpte_kb: 12, rss_anon_kb: 0 },
      ],
    });
    const r = compareRuns(workload, sim, k);
    expect(r.exact).toBe(false);
    expect(r.reports.map((x) => x.equal)).toEqual([false, false, true]);
    const text = formatVerify(r);
    expect(text).toContain(`DIFFERS first at report 't' (line 3)`);
    expect(text).toMatch(/^ {2}!\s+d\s+5\s+8\s+12\s+0\s+0$/m);
  });

  it('requires the same failing line and errno, and a report missing on one side differs', () => {
    const k: KernelRun = {
      reports: [{ label: 't', line: 3, vmpte_kb: 12, rss_anon_kb: 2048 }],
      error: { line: 4, col: 1, errno: 'ENOMEM' },
      deterministic: true,
      thp: 'madvise inherit',
    };
    const withError = {
      ...sim,
      error: new UsageError('errno', 'x', { file: 'v.ptw', line: 4, col: 1 }, 'ENOMEM'),
    };
    const r = compareRuns(workload, withError, k);
    expect(r.error).toEqual({
      sim: { line: 4, errno: 'ENOMEM' },
      kernel: { line: 4, errno: 'ENOMEM' },
      equal: true,
    });
    expect(r.reports[1]).toMatchObject({ label: 'd', equal: false });
    expect(r.reports[1].kernel).toBeUndefined();
    const other = compareRuns(
      workload,
      { ...withError, reports: sim.reports.slice(0, 1) },
      kernelRun({ ...k, error: { line: 4, col: 1, errno: 'EINVAL' } }),
    );
    expect(other.error.equal).toBe(false);
    expect(other.exact).toBe(false);
    expect(formatVerify(other)).toContain('DIFFERS in the error');
  });

  it('is not exact when the kernel runs disagreed with each other', () => {
    const r = compareRuns(workload, sim, kernelRun({ deterministic: false }));
    expect(r.exact).toBe(false);
    expect(formatVerify(r)).toContain('not deterministic');
  });
});
