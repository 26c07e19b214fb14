// End-to-end: `ptlab check` as a user runs it: verdicts, exit statuses, replay from the printed line.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ptlab } from '../helpers/cli.js';
import { expectSchema } from '../helpers/schema.js';

describe('ptlab check', () => {
  it('lists the built-in scenarios with their variants', () => {
    const r = ptlab(['check', '--list']);
    expect(r.status).toBe(0);
    for (const name of [
      'pt_reclaim_vs_walkers',
      'munmap_vs_gup_fast',
      'ppc_pte_free_defer',
      'pte_ref_revive',
    ]) {
      expect(r.stdout).toContain(name);
    }
    expect(r.stdout).toMatch(/--variant table_free=rcu\|semi_rcu/);
  });

  it('removes a guard with --mutate, replays the mutant from its printed line, and lists the guards', () => {
    const r = ptlab(['check', 'gup_fast_vs_collapse', '--mutate', 'gup_fast_recheck']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL .*lost-mapping/m);
    const line = /^replay: ptlab (.*)$/m.exec(r.stdout)?.[1] ?? '';
    expect(line).toContain('--mutate gup_fast_recheck');
    const again = ptlab(line.split(' ').slice(0));
    expect(again.status).toBe(1);
    expect(again.stdout).toMatch(/lost-mapping found after 1 execution/);
    const intact = ptlab(['check', 'gup_fast_vs_collapse']);
    expect(intact.status).toBe(0);
    const bad = ptlab(['check', 'gup_fast_vs_collapse', '--mutate', 'nope']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/no guard 'nope': guards are .*gup_fast_recheck/);
    expect(ptlab(['check', '--help']).stdout).toMatch(/^ {2}retract_pte_lock {2,}/m);
  });

  it('judges a mutant over every variant against the unmutated expectations (caught: exit 0)', () => {
    const args = ['check', 'mremap_move_ptes', '--all-variants', '--mutate', 'mremap_rmap_locks'];
    const r = ptlab(args);
    expect(r.stdout).toMatch(/^variant +expected \(unmutated\) +found/m);
    expect(r.stdout).toMatch(/^other=rmap_before +pass +fail lost-mapping +caught$/m);
    expect(r.stdout).toMatch(/^other=rmap_after +pass +pass +-$/m);
    expect(r.stdout).toMatch(/caught by 1 of 4 variants/);
    expect(r.stdout).not.toMatch(/NOT AS EXPECTED/);
    expect(r.status).toBe(0);
    const doc = JSON.parse(ptlab([...args, '--format', 'json']).stdout) as {
      mutations: string[];
      all_as_expected: null;
      mutation_caught: boolean;
    };
    expectSchema('check', doc);
    expect([doc.mutations, doc.all_as_expected, doc.mutation_caught]).toEqual([
      ['mremap_rmap_locks'],
      null,
      true,
    ]);
    // A guard the scenario does not exercise: no variant notices, which is the finding (exit 1).
    const missed = ptlab([
      'check',
      'pte_alloc_race',
      '--all-variants',
      '--mutate',
      'mremap_rmap_locks',
    ]);
    expect(missed.stdout).toMatch(/no variant notices the removal of mremap_rmap_locks/);
    expect(missed.status).toBe(1);
  });

  it('passes PT_RECLAIM with RCU table freeing exhaustively (exit 0)', () => {
    const r = ptlab(['check', 'pt_reclaim_vs_walkers', '--variant', 'table_free=rcu']);
    expect(r.stdout).toMatch(/^PASS/m);
    expect(r.stdout).toMatch(/exhaustive/);
    expect(r.status).toBe(0);
  });

  it('finds the semi-RCU use-after-free, prints a replay line that reproduces it (exit 1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptlab-e2e-'));
    const trace = join(dir, 'uaf.json');
    const r = ptlab([
      'check',
      'pt_reclaim_vs_walkers',
      '--variant',
      'table_free=semi_rcu',
      '--trace-out',
      trace,
    ]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL/m);
    expect(r.stdout).toMatch(/use-after-free/);
    const replay = /^replay: ptlab (.*)$/m.exec(r.stdout);
    expect(replay).not.toBeNull();
    const args = replay![1].split(' ');
    const again = ptlab(args);
    expect(again.status).toBe(1);
    expect(again.stdout).toMatch(/use-after-free/);
    const events = JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: unknown[] };
    expect(events.traceEvents.length).toBeGreaterThan(0);
  });

  it('estimates the run before it starts: on stderr with --estimate, in JSON, off with --no-estimate', () => {
    const args = ['check', 'zap_race', '--variant', 'faulters=2', '--variant', 'walkers=2'];
    const r = ptlab([...args, '--estimate', '--format', 'json']);
    expect(r.stderr).toMatch(
      /^zap_race\[entries=2,faulters=2,walkers=2,fix=fixed\]: estimate: ~[\d,]+ executions, ~[\d.]+ s \(40 random probes/,
    );
    const doc = JSON.parse(r.stdout) as {
      results: { estimate: { executions: number; probes: number } }[];
    };
    expectSchema('check', doc);
    expect(doc.results[0].estimate.probes).toBe(40);
    expect(doc.results[0].estimate.executions).toBeGreaterThan(0);
    const off = ptlab([...args, '--no-estimate', '--format', 'json']);
    expect(off.stderr).toBe('');
    expect(
      (JSON.parse(off.stdout) as { results: { estimate: null }[] }).results[0].estimate,
    ).toBeNull();
  });

  it('prints JSON results for scripts', () => {
    const r = ptlab(['check', 'pte_ref_revive', '--all-variants', '--format', 'json']);
    const doc = JSON.parse(r.stdout) as {
      results: { verdict: string; variants: Record<string, string> }[];
    };
    expectSchema('check', doc);
    expect(doc.results.map((x) => [x.variants.refcount, x.verdict])).toEqual([
      ['tryget', 'pass'],
      ['naive', 'fail'],
    ]);
    // The naive variant fails as its scenario expects: every variant is as expected.
    expect((doc as unknown as { all_as_expected: boolean }).all_as_expected).toBe(true);
    expect(r.status).toBe(0);
  });

  it('exits 1 with --all-variants when a variant is not as expected (bounded where pass is expected)', () => {
    const r = ptlab(['check', 'pte_ref_revive', '--all-variants', '--max-iterations', '3']);
    expect(r.stdout).toMatch(
      /refcount=tryget\s+pass\s+bounded \(maxIterations\)\s+NOT AS EXPECTED/,
    );
    expect(r.stdout).toMatch(/variants NOT as expected/);
    expect(r.status).toBe(1);
  });

  it('prints a shrunk failure that fits 100 columns and replays from its own token', () => {
    const args = ['check', 'pt_reclaim_vs_walkers', '--variant', 'table_free=semi_rcu'];
    const r = ptlab(args);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/shrunk: \d+ -> \d+ steps, [3-5] -> 2 threads/);
    const lane = r.stdout.split('\n').filter((l) => /^(>>)? *(\d+|step|next) \|/.test(l));
    expect(lane.length).toBeGreaterThan(5);
    for (const l of lane) expect(l.length).toBeLessThanOrEqual(100);
    expect(lane.find((l) => l.startsWith('>>'))).toContain('pte_offset_map walker: ptep_get');
    const token = /--replay (s1\.\S+)/.exec(r.stdout)?.[1] ?? '';
    const again = ptlab([...args, '--replay', token]);
    expect(again.status).toBe(1);
    expect(again.stdout).toContain('use-after-free');
    expect(ptlab([...args, '--no-shrink']).stdout).not.toContain('shrunk:');
  });

  it.each([
    [['check', 'no_such_scenario'], /unknown scenario 'no_such_scenario'/],
    [['check', 'pt_reclaim_vs_walkers', '--variant', 'table_free=magic'], /no value 'magic'/],
    [['check', 'pt_reclaim_vs_walkers', '--variant', 'nonsense'], /name=value/],
    [['check', 'pt_reclaim_vs_walkers', '--replay', '!!!'], /token/i],
    [['check', 'pt_reclaim_vs_walkers', '--strategy', 'bfs'], /unknown strategy 'bfs'/],
    [['check', './no/such/module.js'], /cannot load scenario module/],
  ])('refuses bad input %j with exit 2 and no stack trace', (args, message) => {
    const r = ptlab(args);
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('ptlab limits', () => {
  it("recomputes seed 000's table: 3 MiB (32-bit), 256 GiB real and 512 GiB for 48 bits", () => {
    const r = ptlab(['limits']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/user PTE page table pages\s*│\s*3 MiB\s*│\s*256 GiB\s*│\s*512 GiB/);
    expect(r.stdout).toMatch(/user PMD page table pages\s*│\s*0\s*│\s*512 MiB\s*│\s*1 GiB/);
  });

  it('gives JSON for one architecture', () => {
    const r = ptlab(['limits', '--arch', 'arm64-64k', '--format', 'json']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { columns: { pte_bytes: number }[] };
    // 48-bit VA with 64 KiB pages: 2^48 / 512 MiB per PTE table = 2^19 tables of 64 KiB.
    expectSchema('limits', j);
    expect(j.columns[0].pte_bytes).toBe(2 ** 19 * 65536);
  });

  it('refuses an unknown architecture with exit 2', () => {
    const r = ptlab(['limits', '--arch', 'vax']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown architecture 'vax'/);
  });
});
