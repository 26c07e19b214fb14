// End-to-end: the CLI never crashes and never gives a silent wrong answer (issue #9, section 1),
// and its outputs keep the JSON and text contracts (section 2). Every test runs the built CLI as a
// child process, as a user or a CI script would.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PTLAB_MAIN, REPO_ROOT, ensureBuilt, ptlab } from '../helpers/cli.js';
import { expectSchema } from '../helpers/schema.js';

const TWO = 'test/e2e/fixtures/two-slots.ptw';
const dir = mkdtempSync(join(tmpdir(), 'ptlab-e2e-'));

/** Runs a shell pipeline with `ptlab` standing for the built CLI; returns its status and stderr. */
function shell(script: string): { status: number | null; stdout: string; stderr: string } {
  ensureBuilt();
  const r = spawnSync('bash', ['-c', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', PTLAB: `${process.execPath} ${PTLAB_MAIN}` },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A workload with `n` reports (one line each in every output format). */
function manyReports(n: number): string {
  const file = join(dir, `reports-${n}.ptw`);
  if (!existsSync(file)) {
    writeFileSync(file, `map a 4M at=1G\nrepeat ${n}\n  touch a +0 4K\n  report r\nend\n`);
  }
  return file;
}

const noTrace = (s: string): void => expect(s).not.toMatch(/\n\s+at /);

describe('ptlab: options the parser must not misread', () => {
  it('takes -V as check --variant, never as --version', () => {
    const r = ptlab(['check', 'pt_reclaim_vs_walkers', '-V', 'table_free=semi_rcu']);
    expect(r.stdout).not.toMatch(/^0\.1\.0\s*$/);
    expect(r.stdout).toMatch(/^FAIL .*table_free=semi_rcu/);
    expect(r.status).toBe(1);
  });

  it('refuses -V outside check, and prints the version for --version only', () => {
    const v = ptlab(['-V']);
    expect(v.status).toBe(2);
    expect(v.stderr).toMatch(/unknown option '-V'/);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(ptlab(['--version']).stdout).toBe(`${pkg.version}\n`);
  });

  it.each([
    [['sim', '--compare', '--kernel', '6.13', TWO], /--compare .* --kernel/],
    [['sim', '--compare', '--policy', 'none', TWO], /--compare .* --policy/],
    [['sim', '--chart', '--format', 'json', TWO], /--chart .* not json/],
    [
      ['check', 'pt_reclaim_vs_walkers', '--pct-depth', '3'],
      /--pct-depth applies to --strategy pct/,
    ],
    [
      ['check', 'pt_reclaim_vs_walkers', '--strategy', 'pct', '--max-preemptions', '1'],
      /--max-preemptions applies to --strategy dfs/,
    ],
    [
      ['check', 'pt_reclaim_vs_walkers', '-V', 'table_free=rcu', '-V', 'table_free=semi_rcu'],
      /'table_free' is given twice/,
    ],
    [['sim', '--mmap-base', '0x10000000000000', TWO], /outside the x86_64 user address space/],
    [['sim', '--mmap-base', '0x7f0000000001', TWO], /not page-aligned/],
    [['sim', '--color', 'sometimes', TWO], /--color: unknown value 'sometimes'/],
  ])('refuses conflicting or impossible options %j before any work, exit 2', (args, message) => {
    const r = ptlab(args);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    if (args.includes('json')) expectSchema('error', JSON.parse(r.stdout));
    else expect(r.stdout).toBe('');
    expect(r.status).toBe(2);
  });
});

describe('ptlab: output streams', () => {
  it('ends quietly when the reader of a long output goes away (sim | head -1)', () => {
    const file = manyReports(200_000);
    const r = shell(
      `$PTLAB sim --format ndjson ${file} | head -1; echo "status=\${PIPESTATUS[0]}" >&2`,
    );
    expect(r.stdout.split('\n')[0]).toMatch(/^\{"schema_version":1/);
    expect(r.stderr).toBe('status=0\n');
  });

  it('ends quietly when --help is piped to head -1', () => {
    const r = shell(`$PTLAB sim --help | head -1; echo "status=\${PIPESTATUS[0]}" >&2`);
    expect(r.stdout).toMatch(/^Usage: ptlab sim/);
    expect(r.stderr).toBe('status=0\n');
  });

  it('says in one line that the disk is full (> /dev/full), exit 2', () => {
    if (!existsSync('/dev/full')) return void console.warn('skipped: this host has no /dev/full');
    const r = shell(`$PTLAB sim ${manyReports(20_000)} > /dev/full`);
    expect(r.stderr).toBe('ptlab: cannot write the output: no space left on device (ENOSPC)\n');
    expect(r.status).toBe(2);
  });

  it('renders a 150,000-report table (linear, no stack overflow)', () => {
    const r = ptlab(['sim', manyReports(150_000)]);
    expect(r.status).toBe(0);
    noTrace(r.stderr);
    const rows = r.stdout.split('\n').filter((l) => l.startsWith('│ r '));
    expect(rows).toHaveLength(150_000);
  });
});

describe('ptlab: inputs', () => {
  it('stops reading an endless input at the size limit (/dev/zero), exit 2', () => {
    const r = ptlab(['sim', '/dev/zero'], undefined, { timeoutMs: 60_000 });
    expect(r.stderr).toMatch(/'\/dev\/zero' is larger than the 64 MiB input limit/);
    expect(r.status).toBe(2);
  });

  it('reads the workload from stdin for -', () => {
    const r = ptlab(
      ['sim', '--image', 'none', '--format', 'json', '-'],
      readFileSync(join(REPO_ROOT, TWO), 'utf8'),
    );
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { results: { reports: { vmpte_kb: number }[] }[] };
    expect(doc.results[0].reports.map((x) => x.vmpte_kb)).toEqual([16, 12, 0]);
  });

  it('accepts a UTF-8 byte-order mark', () => {
    const r = ptlab(['sim', '--image', 'none', 'test/e2e/fixtures/bom.ptw']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/│ touched\s+│\s+16 │/);
  });

  it('escapes terminal control sequences in report labels', () => {
    const r = ptlab(['sim', 'test/e2e/fixtures/escape-label.ptw']);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('\x1b');
    expect(r.stdout).not.toContain('\x07');
    expect(r.stdout).toContain('\\x1b[2J\\x1b]0;pwned\\x07');
  });
});

describe('ptlab check: user code errors are user errors', () => {
  it('reports a scenario whose build() throws as a user error, exit 2', () => {
    const r = ptlab(['check', 'test/e2e/fixtures/scenario-build-throws.mjs']);
    expect(r.stderr).toMatch(
      /^ptlab: test\/e2e\/fixtures\/scenario-build-throws\.mjs:7:\d+: scenario 'build_throws': build\(\) threw Error: no such table size/,
    );
    expect(r.stderr).not.toMatch(/bug in ptlab/);
    expect(r.status).toBe(2);
  });

  it('reports a typo in a thread body as a user error with its position, no replay token', () => {
    const r = ptlab(['check', 'test/e2e/fixtures/scenario-typo.mjs']);
    expect(r.stderr).toMatch(
      /^ptlab: test\/e2e\/fixtures\/scenario-typo\.mjs:6:\d+: scenario code error in thread writer: ReferenceError: countr is not defined/,
    );
    expect(r.stdout).not.toMatch(/FAIL|replay/);
    expect(r.status).toBe(2);
  });

  it('refuses an unwritable --trace-out before the run, exit 2', () => {
    const target = join(dir, 'no-such-dir', 'trace.json');
    const r = ptlab([
      'check',
      'pt_reclaim_vs_walkers',
      '-V',
      'table_free=semi_rcu',
      '--trace-out',
      target,
    ]);
    expect(r.stderr).toMatch(/^ptlab: --trace-out: cannot write/);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(2);
  });
});

describe('ptlab: JSON contract', () => {
  it.each([
    [['sim', '--format', 'json', TWO], 'sim'],
    [['sim', '--compare', '--format', 'json', TWO], 'sim'],
    [['limits', '--format', 'json'], 'limits'],
    [['check', '--list', '--format', 'json'], 'check-list'],
    [['check', 'pte_ref_revive', '--format', 'json'], 'check'],
    [['check', 'pte_ref_revive', '--all-variants', '--format', 'json'], 'check'],
  ])('%j conforms to docs/schemas/%s.schema.json, with schema_version', (args, schema) => {
    const r = ptlab(args);
    const doc = JSON.parse(r.stdout) as { schema_version: number };
    expect(doc.schema_version).toBe(1);
    expectSchema(schema, doc);
  });

  it('prints every ndjson line with schema_version, conforming to sim-ndjson', () => {
    const r = ptlab(['sim', '--compare', '--format', 'ndjson', TWO]);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(9);
    for (const l of lines) expectSchema('sim-ndjson', JSON.parse(l));
  });

  it.each([
    [['sim', '--format', 'json', 'no/such.ptw'], 'io'],
    [['sim', '--format', 'json', '--bogus', TWO], 'option'],
    [['sim', '--format', 'json', 'test/e2e/fixtures/bad-name.ptw'], 'unknown-name'],
    [['check', 'no_such_scenario', '--format', 'json'], 'unknown-name'],
    [['limits', '--arch', 'vax', '--format', 'json'], 'unknown-name'],
  ])('prints an error in --format json mode as JSON %j', (args, code) => {
    const r = ptlab(args);
    expect(r.status).toBe(2);
    const doc = JSON.parse(r.stdout) as { error: { code: string } };
    expectSchema('error', doc);
    expect(doc.error.code).toBe(code);
  });

  it('gives the position of a workload error in JSON', () => {
    const r = ptlab(['sim', '--format', 'json', 'test/e2e/fixtures/bad-name.ptw']);
    const doc = JSON.parse(r.stdout) as { error: { where: unknown } };
    expect(doc.error.where).toEqual({ file: 'test/e2e/fixtures/bad-name.ptw', line: 4, col: 7 });
  });
});

describe('ptlab: text contract', () => {
  it('shows the final state in text mode', () => {
    const r = ptlab(['sim', '--image', 'none', TWO]);
    expect(r.stdout).toMatch(/│ \(end\)\s+│\s+0 │/);
  });

  it('fits tables in 100 columns, and in 80 when the terminal is that narrow', () => {
    for (const [cols, max] of [
      [undefined, 100],
      ['80', 80],
    ] as const) {
      for (const args of [['limits'], ['sim', '--compare', TWO]]) {
        const r = ptlab(args, undefined, { env: { COLUMNS: cols } });
        for (const line of r.stdout.split('\n')) expect([...line].length).toBeLessThanOrEqual(max);
      }
    }
  });

  it('colours only when asked: NO_COLOR and pipes get none, --color always forces it', () => {
    const plain = ptlab(['sim', '--compare', '--chart', TWO]);
    expect(plain.stdout).not.toContain('\x1b[');
    const forced = ptlab(['sim', '--compare', '--chart', TWO, '--color', 'always']);
    expect(forced.stdout).toContain('\x1b[');
    const never = ptlab(['--color=never', 'sim', '--compare', '--chart', TWO], undefined, {
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    expect(never.stdout).not.toContain('\x1b[');
  });
});

describe('ptlab: long runs and what they say', () => {
  it('refuses a verify whose kernel run would exceed the memory limit, before running it', () => {
    const file = join(dir, 'one-tib.ptw');
    writeFileSync(file, 'map a 1T at=1G noreserve\ntouch a +0 1T stride=2M\nreport r\n');
    const r = ptlab(['verify', '--max-memory', '1G', file]);
    expect(r.stderr).toMatch(
      /a kernel run would need 4,101 MiB at its peak \(page tables 2,053 MiB \+ anonymous memory 2,048 MiB, as the model predicts\), more than the limit of 1,024 MiB/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.status).toBe(2);
  });

  it('shows progress by address space covered and the line running, on a terminal', () => {
    const hasScript = spawnSync('script', ['--version']).status === 0;
    if (!hasScript) return void console.warn('skipped: needs script(1) from util-linux for a TTY');
    const file = join(dir, 'sparse-64t.ptw');
    writeFileSync(
      file,
      'map a 64T at=1G\ntouch a +0 64T stride=2M\nreport r\nmadvise a +0 32T dontneed\nreport s\n',
    );
    const r = shell(`script -qec "$PTLAB sim --image none ${file}" /dev/null`);
    expect(r.stdout).toMatch(/sim \[[^\]]*\] \d+% \| line 2 \|/);
    expect(r.stdout).toMatch(/sim \[[^\]]*\] \d+% \| line 4 \|/);
    expect(r.stdout).toMatch(/│ s +│ +67,371,524 │/);
  });

  it('says what verify compared: ptlab and model version, host kernel', () => {
    const r = ptlab(['verify', 'test/fidelity/corpus/free-7-munmap-middle.ptw', '--runs', '1']);
    if (r.status === 2 && /cannot run on the kernel here/.test(r.stderr)) {
      return void console.warn(`skipped: ${r.stderr.trim()}`);
    }
    expect(r.stdout).toMatch(
      /^ {2}model: ptlab \d+\.\d+\.\d+ \(kernel 6\.18, policy pt_reclaim, x86_64\)$/m,
    );
    expect(r.stdout).toMatch(/^ {2}host: {2}Linux \S+, THP \w+ \w+, 1 run$/m);
    const j = ptlab([
      'verify',
      'test/fidelity/corpus/free-7-munmap-middle.ptw',
      '--runs',
      '1',
      '-f',
      'json',
    ]);
    expectSchema('verify', JSON.parse(j.stdout));
  });

  it('gives each report inside repeat its iteration, in JSON and text', () => {
    const file = join(dir, 'iter.ptw');
    writeFileSync(
      file,
      'map a 4M at=1G\nreport start\nrepeat 3 shift=4K\n  touch a +0 4K\n  report r\nend\n',
    );
    const j = JSON.parse(ptlab(['sim', '-f', 'json', file]).stdout) as {
      results: { reports: { label: string; iteration: number | null }[] }[];
    };
    expect(j.results[0].reports.map((x) => [x.label, x.iteration])).toEqual([
      ['start', null],
      ['r', 0],
      ['r', 1],
      ['r', 2],
    ]);
    expect(ptlab(['sim', '--image', 'none', file]).stdout).toMatch(/│ r +│ +2 │ +12 │/);
  });

  it('names the address range of a refused operation', () => {
    const file = join(dir, 'enomem.ptw');
    writeFileSync(file, 'map a 4M at=1G\nmadvise a +8M 4K dontneed\n');
    const r = ptlab(['sim', file]);
    expect(r.stderr).toMatch(/:2:\d+: ENOMEM: .*\(the op covers 0x40800000-0x40801000\)/);
    expect(r.status).toBe(2);
  });

  it('keeps internal rule tags (ACC-7, PLACE-1) out of what users read', () => {
    const outputs = [
      ptlab(['demo']).stdout,
      ptlab(['check', '--list']).stdout,
      ...['sim', 'verify', 'check', 'limits', 'demo'].map((c) => ptlab([c, '--help']).stdout),
    ];
    for (const o of outputs) expect(o).not.toMatch(/\b[A-Z]{2,7}-\d+(\.\d+)?\b/);
  });

  it('draws every series of --chart, overlaps marked, with a log scale option', () => {
    const r = ptlab(['sim', '--compare', '--chart', 'examples/003-allocator-churn/workload.ptw']);
    const chart = r.stdout.slice(r.stdout.indexOf('VmPTE kB per report'));
    expect(chart).toMatch(/ \* 6\.13 \(none\)/);
    expect(chart).toMatch(/ o 6\.18 \(pt_reclaim\)/);
    expect(chart).toMatch(/ \+ refcount/);
    const plot = chart.split('\n').filter((l) => l.includes('┤'));
    for (const mark of ['*', 'o', '+', '#']) expect(plot.join('\n')).toContain(mark);
    const log = ptlab([
      'sim',
      '--compare',
      '--chart',
      '--log',
      'examples/003-allocator-churn/workload.ptw',
    ]);
    expect(log.stdout).toContain('VmPTE kB per report (log scale)');
    expect(ptlab(['sim', '--log', TWO]).status).toBe(2);
  });

  it('fits the check failure report (verdict, swimlane) in 100 columns', () => {
    const r = ptlab(['check', 'pt_reclaim_vs_walkers', '-V', 'table_free=semi_rcu']);
    const lines = r.stdout.split('\n').filter((l) => !l.startsWith('replay: '));
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
    expect(r.stdout).toMatch(/^>>\s+\d+ \|.*\| pte_offset_map walker: ptep_get$/m);
  });
});
