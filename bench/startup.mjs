// Start-up of the `ptlab` CLI against bare Node, measured in one run (best and median of N warm
// runs each, whole process). NODE_EXTRA_CA_CERTS is removed from the children's environment: it
// costs ~30 ms per Node start and would hide the difference. Run: npm run bench:startup
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const runs = Number(process.env.RUNS ?? 15);
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

function time(args) {
  const ms = [];
  for (let i = 0; i < runs + 2; i++) {
    const t0 = process.hrtime.bigint();
    execFileSync(process.execPath, args, { env, stdio: 'ignore' });
    if (i >= 2) ms.push(Number(process.hrtime.bigint() - t0) / 1e6); // 2 warm-up runs
  }
  ms.sort((a, b) => a - b);
  return { best: ms[0], median: ms[Math.floor(ms.length / 2)] };
}

const bare = time(['-e', '0']);
const cases = [
  ['bare node -e 0', ['-e', '0']],
  ['ptlab --version', [main, '--version']],
  ['ptlab --help', [main, '--help']],
  ['ptlab sim --help', [main, 'sim', '--help']],
  ['ptlab check --help', [main, 'check', '--help']],
];
console.log(`start-up, ${runs} warm runs each (ms; ratio = median / bare node median)`);
for (const [name, args] of cases) {
  const t = name.startsWith('bare') ? bare : time(args);
  console.log(
    `${name.padEnd(20)} best ${t.best.toFixed(1).padStart(6)}  median ${t.median.toFixed(1).padStart(6)}  ${(t.median / bare.median).toFixed(2)}x`,
  );
}
