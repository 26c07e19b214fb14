// zap_race against GenMC (issue #6 §4): runs `ptlab check zap_race` as whole processes for the
// knobs GenMC was measured with, and prints executions, wall time and the ratio to GenMC's figures
// recorded on this machine in ../shared/bench/genmc-pt-reclaim.c (GenMC is not in Debian, so its
// figures are read from that file, not re-measured). Run: npm run build && node bench/zap-race.mjs
// Set ZAP_RACE_LONG=1 to include faulters=3 (GenMC gave no verdict after 11 minutes).

import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const GENMC = {
  '2/1/1': { executions: 81, seconds: 0.09 },
  '2/2/1': { executions: 4126, seconds: 0.46 },
  '2/2/2': { executions: 232532, seconds: 7.5, worst: 19.8 },
  '3/2/2': { executions: 232532, seconds: 23.1 },
  '2/3/2': { executions: null, seconds: 660, note: 'no verdict after 11 min' },
  'buggy 2/2/2': { executions: 453, seconds: 0.11 },
};

const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

function run(knobs, extra = []) {
  const [e, f, w] = knobs.split('/');
  const args = [
    'dist/cli/main.js',
    'check',
    'zap_race',
    '--variant',
    `entries=${e}`,
    '--variant',
    `faulters=${f}`,
    '--variant',
    `walkers=${w}`,
    '--format',
    'json',
    '--no-shrink',
    '--no-estimate', // GenMC was timed with --disable-estimation
    '--max-iterations',
    '100000000',
    ...extra,
  ];
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - start) / 1000;
  const doc = JSON.parse(r.stdout);
  const res = doc.results[0];
  return {
    verdict: res.verdict,
    executions: res.stats.executions,
    redundant: res.stats.redundant,
    pruned: res.stats.pruned,
    steps: res.stats.steps,
    seconds,
  };
}

const rows = [];
const cases = [
  ['2/1/1', []],
  ['2/2/1', []],
  ['2/2/2', []],
  ['3/2/2', []],
  ['buggy 2/2/2', ['--variant', 'fix=buggy']],
  ...(process.env.ZAP_RACE_LONG ? [['2/3/2', []]] : []),
];
for (const [name, extra] of cases) {
  const knobs = name.replace('buggy ', '');
  const m = run(knobs, extra);
  const g = GENMC[name];
  rows.push({
    'NENT/NF/NW': name,
    verdict: m.verdict,
    executions: m.executions,
    'sleep-blocked %': ((100 * m.redundant) / (m.executions + m.redundant)).toFixed(1),
    pruned: m.pruned,
    steps: m.steps,
    'ptlab s (process)': m.seconds.toFixed(2),
    'GenMC executions': g.executions ?? g.note,
    'GenMC s': g.worst ? `${g.seconds}-${g.worst}` : g.seconds,
    'ptlab/GenMC': (m.seconds / g.seconds).toFixed(2),
  });
}
console.log(
  `zap_race vs GenMC v0.10.3 (GenMC figures from genmc-pt-reclaim.c; ratio against its fastest time)`,
);
console.table(rows);
