// Issue #9 section 3 in one run: ptlab as a whole process (`node dist/cli/main.js sim`) against
// the host kernel (the ptw-oracle, first run and fastest run) and against the C floor
// (bench/c-floor.c: the same bookkeeping in a tight C loop, built with the system cc on first
// use), plus the 127 TiB scale run with its peak RSS. Prints `ratio` lines; asserts nothing.
// PTLAB_BENCH_RUNS sets the runs per side (default 5; the PT_RECLAIM benchmark's kernel side takes
// ~20 s a run, so PTLAB_BENCH_KERNEL_RECLAIM=0 skips it).

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { oracleAvailability, runOnKernel } from '../src/cli/oracle.js';
import { parseWorkload } from '../src/workload/parse.js';
import { runWorkload } from '../src/workload/run.js';

const RUNS = Number(process.env.PTLAB_BENCH_RUNS ?? 5);
const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'ptlab-floor-'));
const lines: string[] = [];
/** Cases measured already: vitest may call a bench function more than once. */
const done = new Set<string>();
// Node start-up is part of "whole process"; the CA bundle variable alone costs ~30 ms a start.
const env = { ...process.env, NODE_EXTRA_CA_CERTS: '' };

/** Builds bench/c-floor.c once (cached by source hash); undefined with a reason printed if not. */
function cFloor(): string | undefined {
  const source = join(ROOT, 'bench', 'c-floor.c');
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const cache = join(ROOT, 'node_modules', '.cache', 'ptlab');
  const binary = join(cache, `c-floor-${hash}`);
  if (existsSync(binary)) return binary;
  try {
    mkdirSync(cache, { recursive: true });
    const partial = `${binary}.${process.pid}.tmp`;
    execFileSync(process.env.CC ?? 'cc', ['-O2', '-o', partial, source], { stdio: 'pipe' });
    renameSync(partial, binary);
    return binary;
  } catch (e) {
    lines.push(`C floor skipped: no C compiler could build bench/c-floor.c (${String(e)})`);
    return undefined;
  }
}

function seconds(fn: () => void): number {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
}

/** `ptlab sim FILE` as a child process: wall seconds; throws if it failed. */
function ptlabProcess(file: string): number {
  return seconds(() => {
    const r = spawnSync(process.execPath, [CLI, 'sim', '--format', 'json', file], { env });
    if (r.status !== 0) throw new Error(`ptlab sim ${file} failed: ${String(r.stderr)}`);
  });
}

/** The model in a fresh process: seconds, peak RSS (MiB) and the reports' VmPTE. */
function ptlabScale(file: string): { s: number; rssMiB: number; vmpte: string } {
  const script = `
    import { readFileSync } from 'node:fs';
    import { parseWorkload } from ${JSON.stringify(join(ROOT, 'dist/workload/parse.js'))};
    import { runWorkload } from ${JSON.stringify(join(ROOT, 'dist/workload/run.js'))};
    const t = performance.now();
    const r = runWorkload(parseWorkload(readFileSync(${JSON.stringify(file)}, 'utf8'), 'w.ptw'));
    const s = (performance.now() - t) / 1000;
    const rssMiB = process.resourceUsage().maxRSS / 1024;
    console.log(JSON.stringify({ s, rssMiB, vmpte: r.reports.map((x) => x.vmpte_kb).join(' ') }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env });
  if (r.status !== 0) throw new Error(`scale run failed: ${String(r.stderr)}`);
  return JSON.parse(String(r.stdout)) as { s: number; rssMiB: number; vmpte: string };
}

const fmt = (s: number): string => (s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);
const best = (xs: number[]): number => Math.min(...xs);

interface Case {
  readonly name: string;
  readonly text: string;
  readonly kernel: boolean;
  /** Arguments of c-floor (size GiB, stride pages), when it models the same work. */
  readonly floor?: readonly [string, string];
}

const CASES: Case[] = [
  {
    name: 'sparse 1 TiB (touch every 2 MiB, DONTNEED all)',
    text: 'map a 1T at=1G\ntouch a +0 1T stride=2M\nmadvise a +0 1T dontneed\nreport end\n',
    kernel: true,
    floor: ['1024', '512'],
  },
  {
    name: 'PT_RECLAIM benchmark (25,600 x touch 2 MiB + DONTNEED)',
    text: 'map a 50G at=1G\nrepeat 25600 shift=2M\ntouch a +0 2M\nmadvise a +0 2M dontneed\nend\nreport end\n',
    kernel: process.env.PTLAB_BENCH_KERNEL_RECLAIM !== '0',
  },
];

const availability = oracleAvailability();
const built = existsSync(CLI);

describe('ptlab against the kernel and the C floor (whole processes)', () => {
  for (const c of CASES) {
    bench(
      c.name,
      () => {
        if (done.has(c.name)) return;
        done.add(c.name);
        const file = join(dir, `${c.name.split(' ')[0]}.ptw`);
        writeFileSync(file, c.text);
        const workload = parseWorkload(c.text, file);
        const sim: number[] = [];
        const inProcess: number[] = [];
        const kernel: number[] = [];
        const floor: number[] = [];
        const floorLoop: number[] = [];
        const startup: number[] = [];
        const empty = join(dir, 'empty.ptw');
        writeFileSync(empty, 'map a 4K at=1G\nreport end\n');
        const binary = c.floor ? cFloor() : undefined;
        for (let i = 0; i < RUNS; i++) {
          if (c.kernel && availability.ok) kernel.push(seconds(() => runOnKernel(workload)));
          if (built) sim.push(ptlabProcess(file));
          if (built) startup.push(ptlabProcess(empty));
          inProcess.push(seconds(() => runWorkload(workload)));
          if (binary && c.floor) {
            let text = '';
            floor.push(
              seconds(() => (text = execFileSync(binary, [...c.floor!], { encoding: 'utf8' }))),
            );
            floorLoop.push(Number(/seconds ([\d.]+)/.exec(text)?.[1]));
          }
        }
        const parts = [`ratio ${c.name}:`];
        if (sim.length) {
          parts.push(`ptlab process ${fmt(best(sim))} (of which start-up ~${fmt(best(startup))},`);
        }
        parts.push(`model in-process ${fmt(best(inProcess))})`);
        if (kernel.length) {
          parts.push(
            `kernel warm ${fmt(best(kernel.slice(1).length ? kernel.slice(1) : kernel))}, first run ${fmt(kernel[0])}`,
          );
          if (sim.length) {
            const warm = best(kernel.slice(1).length ? kernel.slice(1) : kernel);
            parts.push(
              `= ${(warm / best(sim)).toFixed(1)}x warm, ${(kernel[0] / best(sim)).toFixed(1)}x first`,
            );
          }
        } else if (c.kernel) {
          parts.push(`kernel: skipped (${availability.ok ? 'disabled' : availability.reason})`);
        }
        if (floor.length && sim.length) {
          parts.push(
            `; C floor process ${fmt(best(floor))} (loop ${fmt(best(floorLoop))}): ptlab / floor = ${(best(sim) / best(floor)).toFixed(2)} as processes, ${(best(inProcess) / best(floorLoop)).toFixed(2)} model / loop`,
          );
        }
        if (!built) parts.push('(whole-process runs skipped: run `npm run build` first)');
        lines.push(`${parts.join(' ')} [best of ${RUNS}]`);
      },
      { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
    );
  }

  bench(
    'scale: 127 TiB sparse touch, DONTNEED of half, second pass',
    () => {
      if (done.has('scale')) return;
      done.add('scale');
      if (!built) {
        lines.push('scale: skipped (run `npm run build` first)');
        return;
      }
      const file = join(dir, 'scale.ptw');
      writeFileSync(
        file,
        [
          'map a 127T at=1G',
          'touch a +0 127T stride=2M',
          'report touched',
          'madvise a +0 63T dontneed',
          'report half',
          'touch a +0 127T stride=2M',
          'report again',
        ].join('\n'),
      );
      const runs = Array.from({ length: Math.min(RUNS, 3) }, () => ptlabScale(file));
      const fastest = runs.reduce((a, b) => (b.s < a.s ? b : a));
      lines.push(
        `scale 127 TiB (66.6 Mi PTE tables): ${fmt(fastest.s)}, peak RSS ${fastest.rssMiB.toFixed(0)} MiB, VmPTE kB ${fastest.vmpte} [best of ${runs.length}]`,
      );
    },
    { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
  );
});

afterAll(() => {
  for (const l of lines) console.log(l);
});
