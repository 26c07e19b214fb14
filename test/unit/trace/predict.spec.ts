// predictTables on synthetic scans: the issue #8 rule (a PMD slot has a PTE table iff a page in it
// is present, swapped or a guard marker, or it holds an anonymous PMD-mapped THP).

import { describe, expect, it } from 'vitest';
import { predictTables } from '../../../src/trace/predict.js';
import { isScanFailure, parseScanOutput } from '../../../src/trace/snapshot.js';
import type { ProcessSnapshot } from '../../../src/trace/snapshot.js';

const G = 0x40000000;
const M2 = 0x200000;

function mapping(start: number, end: number, extra = '', path = ''): string {
  return [
    `${start.toString(16)}-${end.toString(16)} rw-p 00000000 00:00 0 ${path}`,
    `Rss:                   4 kB`,
    `KernelPageSize:        4 kB`,
    extra,
    `VmFlags: rd wr mr mw me ac ${path === 'hugetlb' ? 'ht' : ''}`,
  ]
    .filter((l) => l !== '')
    .join('\n');
}

function scan(maps: string[], runs: [number, number, string][], vmpte = 0): ProcessSnapshot {
  const text = [
    'ptlab-scan 1',
    'pid 42',
    'method pagemap_scan',
    'state S',
    'frozen 1',
    'threads 1',
    'stop_wait_us 10',
    'freeze_us 100',
    `vmpte_before_kb ${vmpte}`,
    `vmpte_after_kb ${vmpte}`,
    'smaps_begin',
    ...maps,
    'smaps_end',
    ...runs.map(([s, e, f]) => `r ${s.toString(16)} ${e.toString(16)} ${f}`),
    `end ${runs.length}`,
  ].join('\n');
  const r = parseScanOutput(text);
  if (isScanFailure(r)) throw new Error(r.message);
  return r;
}

describe('predictTables', () => {
  it('needs one PTE table per 2 MiB slot with a present page, and PMD/PUD above', () => {
    const s = scan(
      [mapping(G, 2 * G)],
      [
        [G, G + 0x1000, 'P'],
        [G + 5 * M2 + 0x3000, G + 6 * M2 + 0x1000, 'P'], // crosses into a second slot
      ],
    );
    const p = predictTables(s);
    expect([p.pte, p.pmd, p.pud]).toEqual([3, 1, 1]);
    expect(p.neededKb).toBe(20);
    expect(p.mappings[0]?.neededPte).toBe(3);
    expect(p.mappings[0]?.emptyCandidates).toBe(512 - 3);
  });

  it('counts swapped pages and guard markers like present ones', () => {
    const s = scan(
      [mapping(G, G + 8 * M2)],
      [
        [G, G + 0x1000, 'S'],
        [G + 2 * M2, G + 2 * M2 + 0x1000, 'G'],
      ],
    );
    expect(predictTables(s).pte).toBe(2);
  });

  it('keeps the deposited table of an anonymous PMD-mapped THP but none for file THP', () => {
    const s = scan(
      [mapping(G, G + 2 * M2), mapping(2 * G, 2 * G + M2, '', '/lib/big.so')],
      [
        [G, G + M2, 'PH'],
        [2 * G, 2 * G + M2, 'PHF'],
      ],
    );
    const p = predictTables(s);
    expect(p.pte).toBe(1);
    expect(p.pmd).toBe(2); // both 1 GiB slots need a PMD table for their huge entries
  });

  it('gives hugetlb mappings no PTE table and a 1 GiB hugetlb page no PMD table', () => {
    const huge2m = mapping(G, G + M2, '', 'hugetlb').replace(
      'KernelPageSize:        4',
      'KernelPageSize:        2048',
    );
    const huge1g = mapping(4 * G, 5 * G, '', 'hugetlb').replace(
      'KernelPageSize:        4',
      'KernelPageSize:        1048576',
    );
    const s = scan(
      [huge2m, huge1g],
      [
        [G, G + M2, 'PHF'],
        [4 * G, 5 * G, 'PHF'],
      ],
    );
    const p = predictTables(s);
    expect([p.pte, p.pmd, p.pud]).toEqual([0, 1, 1]);
  });

  it('counts a slot shared by two mappings once for the process and once for each mapping', () => {
    const s = scan(
      [mapping(G, G + 0x10000), mapping(G + 0x10000, G + 0x20000)],
      [[G, G + 0x20000, 'P']],
    );
    const p = predictTables(s);
    expect(p.pte).toBe(1);
    expect(p.mappings.map((m) => m.neededPte)).toEqual([1, 1]);
  });
});

describe('parseScanOutput', () => {
  it('returns the helper failure as data', () => {
    const r = parseScanOutput('error ESRCH no process 7\n');
    expect(isScanFailure(r) && r.code).toBe('ESRCH');
  });

  it('refuses another format version', () => {
    expect(() => parseScanOutput('ptlab-scan 99\nend 0\n')).toThrow(/format/);
  });
});
