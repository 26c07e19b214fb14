// `ptlab inspect` on the real programs of issue #8 (python3, node, redis-server, a churn program
// under four allocators), each held after its work: the frozen scan sees one stable VmPTE, and
// the prediction accounts for all of it (needed + wasted = VmPTE, needed never above it).

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ptlab } from '../helpers/cli.js';
import { expectSchema } from '../helpers/schema.js';
import {
  ALLOCATOR_LIBS,
  churnBinary,
  hasCommand,
  hostUnavailable,
  redisClient,
  startTarget,
  vmpteOf,
} from '../helpers/host.js';
import type { Target } from '../helpers/host.js';

const why = hostUnavailable();
const dir = mkdtempSync(join(tmpdir(), 'ptlab-inspect-test-'));
const targets: Target[] = [];
afterAll(() => {
  targets.forEach((t) => t.kill());
  rmSync(dir, { recursive: true, force: true });
});

interface Json {
  vmpte_kb: number;
  needed_kb: number;
  wasted_kb: number;
  empty_pte_tables: number;
  scan: { frozen: boolean; threads: number; vmpte_before_kb: number; vmpte_after_kb: number };
}

function inspectHeld(name: string, t: Target): Json {
  const r = ptlab(['inspect', String(t.pid), '--format', 'json']);
  expect(r.status, r.stderr).toBe(0);
  const j = JSON.parse(r.stdout) as Json;
  expectSchema('inspect', j);
  expect(j.scan.frozen).toBe(true);
  expect(j.scan.vmpte_after_kb).toBe(j.scan.vmpte_before_kb);
  expect(j.needed_kb).toBeLessThanOrEqual(j.vmpte_kb);
  expect(j.needed_kb + j.wasted_kb).toBe(j.vmpte_kb);
  // The process is still running afterwards, with the VmPTE the scan saw (it is idle).
  expect(vmpteOf(t.pid)).toBe(j.vmpte_kb);
  console.log(
    `inspect ${name}: VmPTE ${j.vmpte_kb} kB, needed ${j.needed_kb} kB, wasted ${j.wasted_kb} kB (${j.empty_pte_tables} empty tables), ${j.scan.threads} threads`,
  );
  return j;
}

async function held(name: string, cmd: string, args: string[], env = process.env): Promise<Json> {
  const t = await startTarget(cmd, args, env);
  targets.push(t);
  await new Promise((r) => setTimeout(r, 300)); // background threads settle (jemalloc, V8)
  return inspectHeld(name, t);
}

const PY = `import sys, time
x = [bytearray(1 << 16) for i in range(3000)]
del x[::2]
y = [bytes(200) for i in range(100000)]
print("ready", flush=True)
time.sleep(120)`;
const NODE = `const a = []; for (let i = 0; i < 300; i++) a.push(Buffer.alloc(1 << 18, 1));
a.length = 0; const m = new Map(); for (let i = 0; i < 200000; i++) m.set(i, { i });
console.log('ready'); setTimeout(() => {}, 120000);`;

describe.skipIf(why !== undefined)(
  `ptlab inspect on real programs${why ? ` (skipped: ${why})` : ''}`,
  () => {
    it('python3', async () => {
      await held('python3', existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3', [
        '-c',
        PY,
      ]);
    });

    it('node', async () => {
      await held('node', process.execPath, ['-e', NODE]);
    });

    it.each([['glibc', ''], ...Object.entries(ALLOCATOR_LIBS)])(
      'the churn program under %s',
      async (alloc, lib) => {
        if (lib !== '' && !existsSync(lib)) {
          console.log(`skipped: no ${lib}`);
          return;
        }
        const env = lib === '' ? process.env : { ...process.env, LD_PRELOAD: lib };
        await held(`churn/${alloc}`, churnBinary(dir), ['20', 'hold'], env);
      },
    );

    it.skipIf(!hasCommand('redis-server') || !hasCommand('redis-cli'))(
      'redis-server after populate, FLUSHALL and MEMORY PURGE',
      async () => {
        const port = String(40000 + (process.pid % 20000));
        const t = await startTarget('sh', [
          '-c',
          `echo ready; exec redis-server --port ${port} --save '' --appendonly no --enable-debug-command yes --loglevel warning`,
        ]);
        targets.push(t);
        const cli = await redisClient(port);
        expect(cli('DEBUG', 'POPULATE', '1000000')).toBe('OK');
        expect(cli('FLUSHALL')).toBe('OK');
        expect(cli('MEMORY', 'PURGE')).toBe('OK');
        await new Promise((r) => setTimeout(r, 300));
        inspectHeld('redis-server', t);
        cli('SHUTDOWN', 'NOSAVE');
      },
      60_000,
    );
  },
);
