// Processes in workloads (issue #7): `fork`, `exit`, `@NAME`, the fork advices, and what the
// simulator's fork copies (the kernel side is test/fidelity, corpus fork-*.ptw).

import { describe, expect, it } from 'vitest';
import { parseWorkload } from '../../../src/workload/parse.js';
import { runWorkload } from '../../../src/workload/run.js';
import { lowerWorkload } from '../../../src/workload/lower.js';
import { reportJson, simTable } from '../../../src/report/sim-report.js';

const sim = (text: string) => runWorkload(parseWorkload(text, 'w.ptw'), { debug: true });
const parseError = (text: string): string => {
  try {
    parseWorkload(text, 'w.ptw');
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('fork in the format', () => {
  it('addresses ops and reports with @NAME', () => {
    const w = parseWorkload('map a 2M at=1G\nfork c\n@c touch a +0 4K\n@c report r', 'w.ptw');
    expect(w.ops.map((op) => [op.kind, op.proc])).toEqual([
      ['map', undefined],
      ['fork', undefined],
      ['touch', 'c'],
      ['report', 'c'],
    ]);
  });

  it.each([
    ['@c touch a +0 4K', /unknown process '@c'/],
    ['fork c\nfork c', /duplicate process name 'c'/],
    ['fork c\nexit c\n@c report r', /it has exited/],
    ['exit main', /main cannot exit/],
    ['exit c', /unknown process 'c'/],
    ['fork c\n@c exit c', /'exit' takes no @process/],
    ['fork c\n@c pressure', /'pressure' takes no @process/],
    ['fork c\nfile f 4K\n@c map b 4K file=f', /no descriptor of file 'f'/],
    ['repeat 2\nfork c\nend', /fork inside repeat/],
    ['@ touch a +0 4K', /bad process name/],
    ['@c', /missing operation/],
  ])('rejects %j', (text, message) => {
    expect(parseError(`map a 2M at=1G\n${text}`)).toMatch(message);
  });

  it('lowers processes to indices for the oracle', () => {
    const l = lowerWorkload(
      parseWorkload('map a 2M at=1G\nfork c\n@c fork g\n@g report r\nexit g', 'w.ptw'),
    );
    expect(l.lines.slice(1)).toEqual(['fork 1', '@1 fork 2', '@2 report r', 'exit 2']);
  });
});

describe('fork in the simulator', () => {
  it('copies the tables of written VMAs only, and counts the pages in the child', () => {
    const r = sim(
      'map a 2M at=1G\nmap z 2M at=0x40400000\ntouch a +0 1M\ntouch z +0 2M read\n' +
        'fork c\nreport p\n@c report c\n@c touch a +0 1M\n@c report w',
    );
    expect(r.reports.map((x) => [x.process, x.vmpte_kb, x.rss_anon_kb])).toEqual([
      ['main', 16, 1024],
      ['c', 12, 1024],
      ['c', 12, 1024],
    ]);
  });

  it('shares a THP with its deposit; a write splits the writer only', () => {
    const r = sim(
      'map t 2M at=1G\nmadvise t +0 2M hugepage\ntouch t +0 4K\nfork c\n@c touch t +0 4K\n' +
        '@c report c\nreport p\nexit c\nreport alone',
    );
    expect(r.reports.map((x) => [x.vmpte_kb, x.rss_anon_kb])).toEqual([
      [12, 2048],
      [12, 2048],
      [12, 2048],
    ]);
  });

  it('wipeonfork empties, dontfork drops the VMA in the child', () => {
    const r = sim(
      'map w 2M at=1G\ntouch w +0 1M\nmadvise w +0 1M wipeonfork\nmadvise w +1M 1M dontfork\n' +
        'fork c\n@c report c\n@c touch w +1M 4K',
    );
    expect(r.reports[0]).toMatchObject({ process: 'c', vmpte_kb: 0, rss_anon_kb: 0 });
    expect(r.error?.errno).toBe('SIGSEGV');
  });

  it('a child VMA does not merge again with its sibling piece (own anon_vma)', () => {
    const r = sim(
      'map a 2M at=1G\ntouch a +0 2M\nmprotect a +1M 1M r\nfork c\nmprotect a +1M 1M rw\n' +
        '@c mprotect a +1M 1M rw\nmadvise a +0 2M dontneed\n@c madvise a +0 2M dontneed\n' +
        'report p\n@c report c',
    );
    expect(r.reports.map((x) => x.vmpte_kb)).toEqual([8, 12]);
  });

  it('names the process of each report in JSON and text', () => {
    const r = sim('map a 2M at=1G\nfork c\nreport p\n@c report q');
    expect(r.reports.map((x) => reportJson(x).process)).toEqual(['main', 'c']);
    expect(simTable(r).rows.map((row) => row[0])).toEqual(['p', '@c q', '(end)']);
  });

  it('exit frees the child entirely and leaves the parent alone', () => {
    const r = sim('map a 4M at=1G\ntouch a +0 4M\nfork c\nexit c\nreport p');
    expect(r.reports[0]).toMatchObject({ process: 'main', vmpte_kb: 16, rss_anon_kb: 4096 });
  });
});
