// End-to-end: the main job (`ptlab demo`, what `npm start` runs), `verify`, and --help everywhere.
import { describe, expect, it } from 'vitest';
import { oracleAvailability } from '../../src/cli/oracle.js';
import { ptlab } from '../helpers/cli.js';

describe('ptlab demo', () => {
  it('runs the PT_RECLAIM benchmark under three designs and accounts for the cover letter', () => {
    const r = ptlab(['demo']);
    expect(r.status).toBe(0);
    // In the process image of a dynamically linked program: the cover letter's own figures.
    expect(r.stdout).toMatch(/after\s*│\s*102,640\s*│\s*240\s*│\s*240\s*│/);
    expect(r.stdout).toMatch(/40 kB {2}the process at main/);
    expect(r.stdout).toMatch(/200 kB {2}50 PMD tables/);
  });
});

describe('ptlab --help', () => {
  it.each(['sim', 'verify', 'check', 'limits', 'demo'])('documents %s with exit 0', (cmd) => {
    const r = ptlab([cmd, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: ptlab /m);
    if (cmd !== 'demo') expect(r.stdout).toMatch(/Examples:/);
  });

  it('lists every command at the top level', () => {
    const r = ptlab(['--help']);
    expect(r.status).toBe(0);
    for (const cmd of ['sim', 'verify', 'check', 'limits', 'demo']) expect(r.stdout).toContain(cmd);
  });

  it('rejects an unknown command with exit 2', () => {
    const r = ptlab(['simulate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'simulate'/);
  });
});

const host = oracleAvailability();

describe('ptlab verify', () => {
  it.skipIf(!host.ok)(
    `agrees with this kernel on a corpus workload${host.ok ? '' : ` (skipped: ${host.reason})`}`,
    () => {
      const r = ptlab([
        'verify',
        'test/fidelity/corpus/free-7-munmap-middle.ptw',
        '--format',
        'json',
      ]);
      expect(r.status).toBe(0);
      const j = JSON.parse(r.stdout) as { exact: boolean; reports: unknown[] };
      expect(j.exact).toBe(true);
      expect(j.reports.length).toBeGreaterThan(1);
    },
  );

  it('refuses a workload with a map that has no at= address, exit 2', () => {
    const r = ptlab(['verify', 'examples/001-pt-reclaim-benchmark/workload.ptw']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/at=/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
