import { describe, expect, it } from 'vitest';
import { parseWorkload } from '../../../src/workload/parse.js';
import { runWorkload } from '../../../src/workload/run.js';

function run(text: string, options = {}) {
  return runWorkload(parseWorkload(text, 'w.ptw'), options);
}

describe('runWorkload', () => {
  it('reports VmPTE, table counts and RSS at each report (ALLOC-3, ACC-1)', () => {
    const r = run('map a 2M at=1G\ntouch a +0 2M\nreport t');
    expect(r.reports).toEqual([
      {
        label: 't',
        process: 'main',
        line: 3,
        pgtables_bytes: 12288,
        vmpte_kb: 12,
        tables: { pte: 1, pmd: 1, pud: 1 },
        empty_pte_tables: 0,
        rss_anon_kb: 2048,
        rss_file_kb: 0,
        rss_shmem_kb: 0,
      },
    ]);
    expect(r.final.label).toBe('(end)');
    expect([r.kernel, r.policy, r.arch]).toEqual(['6.18', 'pt_reclaim', 'x86_64']);
  });

  it('counts an emptied PTE table as empty under 6.13 (ALLOC-3: a read fault allocates it)', () => {
    const r = run('map a 2M at=1G\ntouch a +0 2M read\nmadvise a +0 2M dontneed\nreport r', {
      kernel: '6.13',
    });
    expect(r.reports[0]?.empty_pte_tables).toBe(1);
    expect(r.reports[0]?.rss_anon_kb).toBe(0);
  });

  it('stops at the first refused op with its errno, position and the reports before', () => {
    const r = run('map a 2M at=1G\nreport before\nmap b 4K at=0x40001000\nreport after');
    expect(r.reports.map((x) => x.label)).toEqual(['before']);
    expect(r.error?.code).toBe('errno');
    expect(r.error?.errno).toBe('EEXIST');
    expect(r.error?.where).toMatchObject({ line: 3, col: 10 });
  });

  it('faults the pages before a SIGSEGV (a touch half-applies, as a real process)', () => {
    const r = run('map a 8K at=1G\ntouch a +0 12K');
    expect(r.error?.errno).toBe('SIGSEGV');
    expect(r.final.rss_anon_kb).toBe(8);
  });

  it('refuses a write to a read-only mapping and any access to prot=none', () => {
    expect(run('map a 4K at=1G prot=r\ntouch a +0 4K').error?.errno).toBe('SIGSEGV');
    expect(run('map a 4K at=1G prot=none\ntouch a +0 4K read').error?.errno).toBe('SIGSEGV');
  });

  it('takes offsets from the original start even after the head is unmapped', () => {
    const r = run('map a 4M at=1G\nmunmap a +0 2M\ntouch a +2M 4K\nreport r');
    expect(r.error).toBeUndefined();
    expect(r.reports[0]?.rss_anon_kb).toBe(4);
  });

  it('returns, never throws, an unknown kernel, policy or arch', () => {
    expect(run('report r', { kernel: '5.4' }).error?.code).toBe('unknown-name');
    expect(run('report r', { policy: 'eager' }).error?.code).toBe('unknown-name');
    expect(run('report r', { arch: 'vax' }).error?.code).toBe('unknown-name');
    expect(run('report r', { arch: 'arm64-4k' }).error?.code).toBe('option');
  });

  it('lets --policy override the kernel', () => {
    const r = run('map a 2M at=1G\ntouch a +0 1M\nmadvise a +0 1M dontneed\nreport r', {
      kernel: '6.13',
      policy: 'refcount',
    });
    expect(r.policy).toBe('refcount');
    expect(r.reports[0]?.vmpte_kb).toBe(8);
  });

  it('runs 5-level paging, where P4D tables exist but are not counted (ACC-2)', () => {
    const r = run('map a 2M at=0x10000000000000\ntouch a +0 4K\nreport r', {
      arch: 'x86_64-la57',
    });
    expect(r.error).toBeUndefined();
    expect(r.reports[0]?.vmpte_kb).toBe(12);
  });

  it('places hint-less maps below the mmap base given in options', () => {
    const r = run('map a 2M\ntouch a +0 2M\nreport r', { mmapBase: 0x40200000n });
    expect(r.reports[0]?.vmpte_kb).toBe(12);
  });

  it('reclaims clean disk-file pages; refuses reclaim of a dirty one (unsupported)', () => {
    const clean = 'file f 1M disk\nmap a 1M at=1G shared file=f\ntouch a +0 4K read\n';
    const p = run(`${clean}report r\npressure\nreport p\ntouch a +0 4K read\nreport again`);
    expect(p.error).toBeUndefined();
    expect(p.reports.map((x) => x.rss_file_kb)).toEqual([64, 0, 64]);
    const q = run(`${clean}madvise a +0 1M pageout\nreport p`);
    expect(q.error).toBeUndefined();
    expect(q.reports.map((x) => x.rss_file_kb)).toEqual([0]);
    const dirty = 'file f 1M disk\nmap a 1M at=1G shared file=f\ntouch a +0 4K\n';
    const r = run(`${dirty}report r\npressure`);
    expect(r.reports.map((x) => x.rss_file_kb)).toEqual([4]);
    expect(r.error?.code).toBe('unsupported');
    expect(r.error?.where).toEqual({ file: 'w.ptw', line: 5, col: 1 });
    const s = run(`${dirty}madvise a +0 1M pageout`);
    expect(s.error?.code).toBe('unsupported');
    expect(s.error?.message).toContain('dirty disk-file page');
  });
});
