// Writes the V8 code cache of the CLI bundle (see src/cli/code-cache.ts): compiles the bundle,
// runs typical commands in this process so V8 compiles the functions they call, and saves the
// compiled code. Run by scripts/build-cli.mjs with stdout discarded:
//   node scripts/train-code-cache.mjs dist/cli/ptlab-HASH.cjs dist/cli/ptlab-HASH.cache
import { loadBundle, writeCodeCache } from '../dist/cli/code-cache.js';

const [bundle, cache] = process.argv.slice(2);
const COMMANDS = [
  ['--help'],
  ['check', '--help'],
  ['check', '--list'],
  ['check', 'zap_race', '--variant', 'fix=buggy'],
  ['check', 'pt_reclaim_vs_walkers', '--variant', 'table_free=semi_rcu', '--format', 'json'],
  ['check', 'pte_alloc_race'],
  ['sim', '--help'],
  ['sim', 'examples/001-pt-reclaim-benchmark/workload.ptw'],
  ['sim', '--compare', '--chart', 'examples/003-allocator-churn/workload.ptw'],
  ['limits', '--arch', 'x86_64'],
];
const { exports, script } = loadBundle(bundle);
for (const args of COMMANDS) await exports.run(args);
writeCodeCache(script, cache);
process.exitCode = 0;
