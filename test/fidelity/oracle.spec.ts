// Tests of the kernel oracle itself (native/ptw-oracle.c via src/cli/oracle.ts): it is
// deterministic, it reports errors like the kernel, and it refuses what it cannot measure.

import { describe, expect, it } from 'vitest';
import {
  oracleAvailability,
  pressureAvailability,
  runOnKernel,
  runOnKernelBatch,
} from '../../src/cli/oracle.js';
import { parseWorkload } from '../../src/workload/parse.js';
import { UsageError } from '../../src/util/errors.js';

const availability = oracleAvailability();
const reason = availability.ok ? '' : availability.reason;
const w = (text: string) => parseWorkload(text, 'oracle.ptw');

describe.skipIf(!availability.ok)('ptw-oracle', () => {
  it('measures a first touch as PUD+PMD+PTE (ALLOC-3) and RSS per page, identically over 5 runs', () => {
    const run = runOnKernel(
      w('map a 4M at=1G\nreport mapped\ntouch a +0 4K\nreport one\ntouch a +2M 8K\nreport two'),
      { runs: 5 },
    );
    expect(run.deterministic).toBe(true);
    expect(run.reports.map((r) => [r.label, r.line, r.vmpte_kb, r.rss_anon_kb])).toEqual([
      ['mapped', 2, 0, 0],
      ['one', 4, 12, 4],
      ['two', 6, 16, 12],
    ]);
    expect(run.final).toEqual({ vmpte_kb: 16, rss_anon_kb: 12, rss_file_kb: 0, rss_shmem_kb: 0 });
    expect(run.error).toBeUndefined();
  });

  it('reports the failing line and errno, and stops there', () => {
    const [eexist, segv, enomem] = runOnKernelBatch([
      w('map a 4M at=1G\nmap b 4K at=0x40100000\nreport never'),
      w('map a 4M at=1G prot=r\ntouch a +0 4K read\nreport ok\ntouch a +0 4K'),
      w('map a 2M at=1G\nmap b 2M at=0x40400000\nmprotect a +0 6M r'),
    ]);
    expect(eexist.error).toEqual({ line: 2, col: 1, errno: 'EEXIST' });
    expect(eexist.reports).toEqual([]);
    expect(segv.error).toMatchObject({ line: 4, errno: 'SIGSEGV' });
    expect(segv.reports.map((r) => r.label)).toEqual(['ok']);
    expect(enomem.error).toMatchObject({ line: 3, errno: 'ENOMEM' });
  });

  it.skipIf(!pressureAvailability().ok)(
    'discards clean lazy-free pages on pressure (memory cgroup reclaim), keeping the tables',
    () => {
      const run = runOnKernel(
        w('map a 4M at=1G\ntouch a +0 4M\nmadvise a +0 2M free\ntouch a +0 4K\npressure\nreport p'),
        { runs: 3 },
      );
      expect(run.deterministic).toBe(true);
      // The rewritten page is dirty again, so it survives; the 511 other lazy-free pages go.
      expect(run.reports[0]).toMatchObject({ vmpte_kb: 16, rss_anon_kb: 2048 + 4 });
    },
  );

  it.skipIf(!pressureAvailability().ok)(
    'runs pressure as real reclaim: the deferred-split shrinker splits a partly unmapped THP',
    () => {
      const run = runOnKernel(
        w(
          'map a 2M at=1G\nmadvise a +0 2M hugepage\ntouch a +0 4K\nmunmap a +1M 8K\n' +
            'report u\npressure\nreport p',
        ),
        { runs: 3 },
      );
      expect(run.deterministic).toBe(true);
      expect(run.reports.map((r) => r.rss_anon_kb)).toEqual([2040, 4]);
    },
  );

  it('refuses ops that share a 512 GiB slot with its own mappings', () => {
    expect(() => runOnKernel(w('map a 4K at=0x7ff000000000'))).toThrow(UsageError);
    expect(() => runOnKernel(w('map a 4K at=1G\nmunmap a +0 0x7fff00000000'))).toThrow(
      /shares a 512 GiB slot with the oracle's own mapping/,
    );
  });

  it('refuses maps without at= before running anything', () => {
    expect(() => runOnKernel(w('map a 2M'))).toThrow(/needs an address for map 'a'/);
  });
});

describe.skipIf(availability.ok)('ptw-oracle (unavailable)', () => {
  it.skip(`needs a C compiler and Linux /proc: ${reason}`, () => {});
});
