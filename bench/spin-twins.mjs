// ptlab against Spin 6.5.2 on the Promela twins of two built-in scenarios (issue #6 §4): whole
// processes on both sides, measured in one run: Spin's pipeline (spin -a, cc -O2, ./pan) against
// `ptlab check` (node dist/cli/main.js). Prints Spin's stored states and ptlab's executions, both
// verdicts (they must agree: the script exits 1 if not) and the time ratio ptlab / Spin.
// Needs Debian's `spin` and a C compiler. Run: npm run build && node bench/spin-twins.mjs
// The twins are bench/spin/*.pml (shared state and paths in bench/spin/world.pml).

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const twins = join(root, 'bench/spin');
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

const CASES = [
  {
    model: 'pt_reclaim_nonempty.pml',
    define: 'FIX=1',
    scenario: 'pt_reclaim_nonempty',
    variants: ['fix=fixed'],
  },
  {
    model: 'pt_reclaim_nonempty.pml',
    define: 'FIX=0',
    scenario: 'pt_reclaim_nonempty',
    variants: ['fix=buggy'],
  },
  {
    model: 'pt_reclaim_vs_walkers.pml',
    define: 'SEMI=0',
    scenario: 'pt_reclaim_vs_walkers',
    variants: ['table_free=rcu', 'batch=nomem'],
  },
  {
    model: 'pt_reclaim_vs_walkers.pml',
    define: 'SEMI=1',
    scenario: 'pt_reclaim_vs_walkers',
    variants: ['table_free=semi_rcu', 'batch=nomem'],
  },
];

function timed(cmd, args, cwd) {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - start) / 1000;
  if (r.error) throw r.error;
  return { ...r, seconds };
}

function spin(c) {
  const dir = mkdtempSync(join(tmpdir(), 'ptlab-spin-'));
  try {
    for (const f of readdirSync(twins))
      if (f.endsWith('.pml')) copyFileSync(join(twins, f), join(dir, f));
    const a = timed('spin', ['-a', `-D${c.define}`, c.model], dir);
    if (a.status !== 0) throw new Error(`spin -a failed: ${a.stdout}${a.stderr}`);
    const cc = timed('cc', ['-O2', '-w', '-DSAFETY', '-o', 'pan', 'pan.c'], dir);
    if (cc.status !== 0) throw new Error(`cc failed: ${cc.stderr}`);
    const pan = timed('./pan', ['-m100000'], dir);
    const errors = Number(/errors: (\d+)/.exec(pan.stdout)?.[1] ?? NaN);
    const states = Number(/(\d+) states, stored/.exec(pan.stdout)?.[1] ?? NaN);
    const assertion = /assertion violated (.*)/.exec(pan.stdout)?.[1];
    return {
      verdict: errors === 0 ? 'pass' : 'fail',
      states,
      assertion,
      seconds: a.seconds + cc.seconds + pan.seconds,
      panSeconds: pan.seconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ptlab(c) {
  const args = [
    join(root, 'dist/cli/main.js'),
    'check',
    c.scenario,
    '--format',
    'json',
    '--no-shrink',
    '--no-estimate',
  ];
  for (const v of c.variants) args.push('--variant', v);
  const r = timed(process.execPath, args, root);
  const res = JSON.parse(r.stdout).results[0];
  return {
    verdict: res.verdict,
    executions: res.stats.executions,
    kind: res.violation?.kind,
    seconds: r.seconds,
  };
}

if (spawnSync('spin', ['-V'], { encoding: 'utf8' }).status !== 0) {
  console.error('spin is not installed (apt-get install -y spin)');
  process.exit(2);
}
const rows = [];
let agree = true;
for (const c of CASES) {
  const s = spin(c);
  const p = ptlab(c);
  agree &&= s.verdict === p.verdict;
  rows.push({
    scenario: `${c.scenario}[${c.variants.join(',')}]`,
    'Spin verdict': s.verdict,
    'ptlab verdict': p.verdict + (p.kind ? ` (${p.kind})` : ''),
    'Spin states': s.states,
    'ptlab executions': p.executions,
    'Spin s (spin+cc+pan)': s.seconds.toFixed(2),
    'pan s': s.panSeconds.toFixed(2),
    'ptlab s (process)': p.seconds.toFixed(2),
    'ptlab/Spin': (p.seconds / s.seconds).toFixed(2),
  });
}
console.log('ptlab check vs Spin 6.5.2 (whole processes, one run)');
console.table(rows);
if (!agree) {
  console.error('verdicts disagree');
  process.exit(1);
}
