// End-to-end: `ptlab sim` as a user runs it, exit statuses and output formats.
import { describe, expect, it } from 'vitest';
import { ptlab } from '../helpers/cli.js';
import { expectSchema } from '../helpers/schema.js';

describe('ptlab sim', () => {
  it('prints one table row per report with VmPTE and table counts', () => {
    const r = ptlab(['sim', '--image', 'none', 'test/e2e/fixtures/two-slots.ptw']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/kernel 6\.18, policy pt_reclaim, arch x86_64/);
    expect(r.stdout).toMatch(/touched\s*│\s*16\s*│\s*2\s*│\s*1\s*│\s*1\s*│/);
    expect(r.stdout).toMatch(/reclaimed\s*│\s*12\s*│\s*1\s*│/);
    expect(r.stdout).toMatch(/unmapped\s*│\s*0\s*│\s*0\s*│\s*0\s*│\s*0\s*│/);
  });

  it('shows RssFile and RssShmem in text when mapped, and always in JSON (#7)', () => {
    const file = 'test/fidelity/corpus/file-2-private-cow.ptw';
    const text = ptlab(['sim', '--image', 'none', file]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/RssAnon kB\s*│\s*RssFile kB\s*│\s*RssShmem kB/);
    expect(text.stdout).toMatch(/read\s*│\s*12\s*│.*│\s*0\s*│\s*0\s*│\s*4\s*│/);
    const plain = ptlab(['sim', '--image', 'none', 'test/e2e/fixtures/two-slots.ptw']);
    expect(plain.stdout).not.toMatch(/RssFile/);
    const json = ptlab(['sim', '--image', 'none', '--format', 'json', file]);
    const doc = JSON.parse(json.stdout) as { results: { reports: Record<string, unknown>[] }[] };
    expectSchema('sim', doc);
    expect(doc.results[0].reports[0]).toMatchObject({ rss_file_kb: 0, rss_shmem_kb: 4 });
  });

  it('models the THP modes and max_ptes_none as options (#7)', () => {
    const w = 'map a 2M at=1G\ntouch a +0 4K\nreport one\npressure\nreport pressed\n';
    const rss = (...flags: string[]): number[] => {
      const r = ptlab(['sim', '--image', 'none', '--format', 'json', ...flags, '-'], w);
      expect(r.status).toBe(0);
      const doc = JSON.parse(r.stdout) as { results: { reports: { rss_anon_kb: number }[] }[] };
      return doc.results[0].reports.map((x) => x.rss_anon_kb);
    };
    expect(rss()).toEqual([4, 4]);
    expect(rss('--thp', 'never')).toEqual([4, 4]);
    expect(rss('--thp', 'always')).toEqual([2048, 2048]);
    expect(rss('--thp', 'always', '--max-ptes-none', '0')).toEqual([2048, 4]);
    const bad = ptlab(['sim', '--thp', 'sometimes', '-'], w);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown --thp mode 'sometimes'/);
    expect(ptlab(['sim', '--max-ptes-none', '512', '-'], w).status).toBe(2);
  });

  it('keeps the reclaimed table on 6.13, which has no PT_RECLAIM', () => {
    const r = ptlab([
      'sim',
      '--image',
      'none',
      '--kernel',
      '6.13',
      '--format',
      'ndjson',
      'test/e2e/fixtures/two-slots.ptw',
    ]);
    expect(r.status).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.label, l.vmpte_kb])).toEqual([
      ['touched', 16],
      ['reclaimed', 16],
      ['unmapped', 0],
    ]);
    expect(lines[0]).toHaveProperty('pgtables_bytes', 16 * 1024);
    expect(lines[0]).toHaveProperty('rss_anon_kb', 4096);
  });

  it('puts the policies side by side with --compare --format json', () => {
    const r = ptlab([
      'sim',
      '--image',
      'none',
      '--compare',
      '--format',
      'json',
      'test/e2e/fixtures/two-slots.ptw',
    ]);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      results: { policy: string; reports: { vmpte_kb: number }[] }[];
    };
    expectSchema('sim', doc);
    const all = doc.results;
    expect(all.map((x) => x.policy)).toEqual(['none', 'pt_reclaim', 'refcount']);
    expect(all.map((x) => x.reports[1]?.vmpte_kb)).toEqual([16, 12, 12]);
  });

  it('stops at an unknown mapping name with file:line:col, before any report, exit 2, JSON on stdout', () => {
    const r = ptlab(['sim', '--format', 'ndjson', 'test/e2e/fixtures/bad-name.ptw']);
    expect(r.status).toBe(2);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const l of lines) expectSchema('sim-ndjson', l);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ error: { code: 'unknown-name', where: { line: 4, col: 7 } } });
    expect(r.stderr).toMatch(/^ptlab: test\/e2e\/fixtures\/bad-name\.ptw:4:7: .*'b'/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    [['sim', 'no/such/file.ptw'], /cannot read 'no\/such\/file\.ptw': no such file/],
    [['sim', '--kernel', '5.4', 'test/e2e/fixtures/two-slots.ptw'], /5\.4/],
    [['sim', '--format', 'xml', 'test/e2e/fixtures/two-slots.ptw'], /unknown format 'xml'/],
    [['sim', '--policy', 'magic', 'test/e2e/fixtures/two-slots.ptw'], /magic/],
    [['sim', '--bogus'], /unknown option/],
  ])('refuses bad input %j with exit 2 and no stack trace', (args, message) => {
    const r = ptlab(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
