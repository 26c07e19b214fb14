// Live target processes for the host tests (inspect, top, record): started, awaited until ready,
// and always killed. Tests that need Linux, /proc or a C compiler skip and say why.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeHelper } from '../../src/host/native.js';
import { REPO_ROOT } from './cli.js';

/** Why host tests cannot run here, or undefined when they can. */
export function hostUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  try {
    if (!/^VmPTE:/m.test(readFileSync('/proc/self/status', 'utf8'))) return 'no VmPTE in /proc';
  } catch {
    return 'no /proc/self/status';
  }
  const h = nativeHelper('ptlab-scan');
  return h.ok ? undefined : h.reason;
}

/** Whether `cmd` runs here (a Debian package the CI installs). */
export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The allocators the churn tests preload, by name (Debian's paths; the CI installs them). */
export const ALLOCATOR_LIBS: Readonly<Record<string, string>> = {
  jemalloc: '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
  tcmalloc: '/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4',
  mimalloc: '/usr/lib/x86_64-linux-gnu/libmimalloc.so.2',
};

const churnBuilt = new Map<string, string>();

/** Compiles test/fixtures/host/churn.c into `dir` (once per directory) and returns the binary. */
export function churnBinary(dir: string): string {
  let out = churnBuilt.get(dir);
  if (out === undefined) {
    out = join(dir, 'churn');
    execFileSync('cc', [
      '-O2',
      '-pthread',
      '-o',
      out,
      join(REPO_ROOT, 'test/fixtures/host/churn.c'),
    ]);
    churnBuilt.set(dir, out);
  }
  return out;
}

/**
 * A redis-cli client of the redis-server on `port` (its trimmed stdout), once the server answers
 * PING (or after 10 s of trying).
 */
export async function redisClient(port: string): Promise<(...args: string[]) => string> {
  const cli = (...args: string[]): string =>
    spawnSync('redis-cli', ['-p', port, ...args], { encoding: 'utf8' }).stdout.trim();
  for (let i = 0; i < 100 && cli('ping') !== 'PONG'; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return cli;
}

/** A started process that printed `ready` (or its first line) on stdout. */
export interface Target {
  readonly pid: number;
  readonly child: ChildProcess;
  readonly firstLine: string;
  kill(): void;
}

/** Starts `cmd args` and waits for its first stdout line (at most `timeoutMs`). */
export async function startTarget(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 20_000,
): Promise<Target> {
  // stdin stays open (a pipe): targets that wait for it to close keep running until killed.
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'], env });
  const firstLine = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} did not get ready`)), timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited early (${code})`));
    });
  });
  child.stdout?.removeAllListeners('data');
  child.stdout?.resume();
  return {
    pid: child.pid ?? -1,
    child,
    firstLine,
    kill() {
      try {
        process.kill(child.pid ?? -1, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

/** The state letter of process `pid` (`S`, `R`, `T`, `Z`...), or undefined when gone. */
export function procState(pid: number): string | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.charAt(s.lastIndexOf(')') + 2);
  } catch {
    return undefined;
  }
}

/** VmPTE of `pid` in kB. */
export function vmpteOf(pid: number): number {
  const m = /^VmPTE:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN);
}
