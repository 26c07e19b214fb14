// `ptlab top`: every process ranked by VmPTE as /proc shows it, with wasted kB for the scanned ones.

import { afterAll, describe, expect, it } from 'vitest';
import { ptlab } from '../helpers/cli.js';
import { expectSchema } from '../helpers/schema.js';
import { hostUnavailable, startTarget, vmpteOf } from '../helpers/host.js';
import type { Target } from '../helpers/host.js';

const why = hostUnavailable();

interface Row {
  pid: number;
  vmpte_kb: number;
  needed_kb: number | null;
  wasted_kb: number | null;
  note: string | null;
}
interface Report {
  processes: number;
  total_vmpte_kb: number;
  rows: Row[];
}

const targets: Target[] = [];
afterAll(() => targets.forEach((t) => t.kill()));

describe.skipIf(why !== undefined)(`ptlab top${why ? ` (skipped: ${why})` : ''}`, () => {
  it('ranks every process by VmPTE and finds a started one with its kernel value', async () => {
    const t = await startTarget('sh', ['-c', 'echo ready; exec sleep 120']);
    targets.push(t);
    await new Promise((r) => setTimeout(r, 200));
    const r = ptlab(['top', '--once', '--count', '100000', '--scan', '0', '--format', 'json']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as Report;
    expectSchema('top', j);
    expect(j.rows.length).toBe(j.processes);
    for (let i = 1; i < j.rows.length; i++) {
      expect(j.rows[i - 1].vmpte_kb).toBeGreaterThanOrEqual(j.rows[i].vmpte_kb);
    }
    const mine = j.rows.find((p) => p.pid === t.pid);
    expect(mine?.vmpte_kb).toBe(vmpteOf(t.pid));
    expect(mine?.wasted_kb).toBeNull();
  });

  it('scans the top N: needed plus wasted make VmPTE, or a reason is given', () => {
    const r = ptlab(['top', '--once', '--count', '3', '--scan', '3', '--format', 'json']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as Report;
    expect(j.rows.length).toBe(3);
    for (const p of j.rows) {
      if (p.needed_kb === null) expect(p.note).not.toBeNull();
      else expect(p.wasted_kb).toBe(Math.max(0, p.vmpte_kb - p.needed_kb));
    }
  });

  it('refreshes: --iterations 2 in ndjson prints two reports', () => {
    const r = ptlab([
      'top',
      '-n',
      '2',
      '-s',
      '0',
      '-d',
      '0.1',
      '--iterations',
      '2',
      '-f',
      'ndjson',
    ]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(2);
    for (const l of lines) expectSchema('top', JSON.parse(l));
  });

  it('rejects a bad interval with exit 2', () => {
    expect(ptlab(['top', '--once', '--interval', 'x']).status).toBe(2);
  });
});
