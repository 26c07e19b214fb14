// The kernel oracle: builds native/ptw-oracle.c with the system compiler (once, cached by source
// hash) and runs resolved workloads on the host kernel, reading VmPTE and RssAnon per report.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statfsSync, statSync } from 'node:fs';
import { nativeHelper, type NativeHelper } from '../host/native.js';
import type { ThpMode } from '../mm/index.js';
import { UsageError } from '../util/errors.js';
import type { Workload } from '../workload/types.js';
import { MAIN_PROCESS } from '../workload/types.js';
import { lowerBatch, ORACLE_MOVE_TOP } from '../workload/lower.js';
import type { SimOptions } from '../workload/run.js';
import type { LoweredWorkload, OracleJob } from '../workload/lower.js';

/** One report as the kernel showed it: kB deltas against the oracle's baseline. */
export interface KernelReport {
  readonly label: string;
  /** The process that reported (`main`, or a fork child's name); absent means main. */
  readonly process?: string;
  readonly line: number;
  readonly vmpte_kb: number;
  readonly rss_anon_kb: number;
  /** RssFile and RssShmem deltas (always set by the oracle; optional for hand-built runs). */
  readonly rss_file_kb?: number;
  readonly rss_shmem_kb?: number;
}

/** The outcome of a workload on the host kernel. */
export interface KernelRun {
  readonly reports: readonly KernelReport[];
  /** The op that failed (the run stops there), with the errno name or SIGSEGV. */
  readonly error?: { readonly line: number; readonly col: number; readonly errno: string };
  /** Counters after the last op run (the failing one included: madvise may fail after zapping). */
  readonly final?: {
    readonly vmpte_kb: number;
    readonly rss_anon_kb: number;
    readonly rss_file_kb?: number;
    readonly rss_shmem_kb?: number;
  };
  /** True when every run printed exactly the same reports and error. */
  readonly deterministic: boolean;
  /** THP modes of the host: `enabled` and `hugepages-2048kB/enabled`. */
  readonly thp: string;
}

/** Options of {@link runOnKernel}. */
export interface KernelRunOptions {
  /** How many times to run the workload, each in a fresh process (default 1). */
  readonly runs?: number;
}

let built: NativeHelper | undefined;

/** The oracle, once the host is known to show VmPTE and RssAnon. */
function build(): NativeHelper {
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` };
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return { ok: false, reason: 'no /proc/self/status' };
  }
  if (!/^VmPTE:/m.test(status) || !/^RssAnon:/m.test(status)) {
    return { ok: false, reason: '/proc/self/status has no VmPTE or RssAnon line' };
  }
  return nativeHelper('ptw-oracle');
}

function helper(): NativeHelper {
  built ??= build();
  return built;
}

function thpModes(): string {
  try {
    const pick = (f: string): string => /\[(\w+)\]/.exec(readFileSync(f, 'utf8'))?.[1] ?? 'unknown';
    const base = '/sys/kernel/mm/transparent_hugepage';
    return `${pick(`${base}/enabled`)} ${pick(`${base}/hugepages-2048kB/enabled`)}`;
  } catch {
    return 'unknown unknown';
  }
}

/** The host's THP settings as the simulator models them, or why it cannot. */
export type HostThp =
  | { readonly ok: true; readonly mode: ThpMode; readonly maxPtesNone: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Reads the THP sysfs settings (issue #7): the 2 MiB size's mode (`inherit` takes `enabled`) and
 * `khugepaged/max_ptes_none` become simulator options. Refused: another anonymous THP size
 * (mTHP) enabled, or shmem THP, which the model does not cover. `defrag` only decides how hard a
 * THP fault compacts or reclaims; with free 2 MiB blocks the outcome is the same, so it is not read.
 */
export function hostThp(): HostThp {
  const base = '/sys/kernel/mm/transparent_hugepage';
  const pick = (f: string): string | undefined => {
    try {
      return /\[([\w+]+)\]/.exec(readFileSync(`${base}/${f}`, 'utf8'))?.[1];
    } catch {
      return undefined;
    }
  };
  const [enabled, pmd] = thpModes().split(' ');
  const mode = pmd === 'inherit' ? enabled : pmd;
  if (mode !== 'always' && mode !== 'madvise' && mode !== 'never') {
    return { ok: false, reason: `THP mode '${enabled}' (2 MiB: '${pmd}') is not readable here` };
  }
  let sizes: string[] = [];
  try {
    sizes = readdirSync(base).filter((d) => /^hugepages-\d+kB$/.test(d));
  } catch {
    sizes = [];
  }
  const mthp = sizes.filter(
    (d) => d !== 'hugepages-2048kB' && (pick(`${d}/enabled`) ?? 'never') !== 'never',
  );
  if (mthp.length > 0) {
    return {
      ok: false,
      reason: `mTHP sizes enabled (${mthp.join(', ')}); the model has 2 MiB THP only`,
    };
  }
  const shmem = pick('shmem_enabled') ?? 'never';
  if (shmem !== 'never' && shmem !== 'deny') {
    return { ok: false, reason: `shmem_enabled is '${shmem}'; the model has no shmem THP` };
  }
  let maxPtesNone = 511;
  try {
    maxPtesNone = Number(readFileSync(`${base}/khugepaged/max_ptes_none`, 'utf8').trim());
  } catch {
    maxPtesNone = 511;
  }
  return { ok: true, mode, maxPtesNone };
}

/**
 * Whether the kernel oracle can run here: Linux with VmPTE in /proc, a C compiler, THP settings
 * the simulator models (any mode, see hostThp), and no swap (see docs/fidelity.md).
 */
export function oracleAvailability(): { ok: true } | { ok: false; reason: string } {
  const h = helper();
  if (!h.ok) return h;
  const thp = hostThp();
  if (!thp.ok) return thp;
  if (swapActive()) {
    return {
      ok: false,
      reason:
        'swap is active: `pressure` and MADV_PAGEOUT would swap anonymous pages out (swapoff -a)',
    };
  }
  return { ok: true };
}

/**
 * Whether the oracle can run `pressure`: it reclaims inside a memory cgroup of its own, which
 * needs root and the memory controller (cgroup v1 `memory.force_empty` or v2 `memory.reclaim`).
 * Workloads with `pressure` are refused (a `host` error) where this is not ok.
 */
export function pressureAvailability(): { ok: true } | { ok: false; reason: string } {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { ok: false, reason: 'not root: `pressure` runs in a memory cgroup of its own' };
  }
  if (existsSync('/sys/fs/cgroup/memory/memory.force_empty')) return { ok: true };
  for (const root of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    try {
      if (/\bmemory\b/.test(readFileSync(`${root}/cgroup.subtree_control`, 'utf8'))) {
        return { ok: true };
      }
    } catch {
      // not a cgroup v2 mount
    }
  }
  return { ok: false, reason: 'no memory cgroup controller (v1 or v2) for `pressure`' };
}

/** The host's limits as simulator options: what `verify` passes so both sides agree. */
export interface HostLimits {
  /** Effective `vm.mmap_min_addr` for the oracle: 0 when it runs as root (CAP_SYS_RAWIO). */
  readonly mmapMinAddr: bigint;
  /** MemTotal + SwapTotal under heuristic overcommit (mode 0); absent in modes 1 and 2. */
  readonly overcommitLimit?: bigint;
  /** The THP mode and `max_ptes_none` (when the host's THP settings are modelled). */
  readonly thp?: ThpMode;
  readonly maxPtesNone?: number;
  /** `read_ahead_kb` of the device the oracle's disk files live on (when it can be read). */
  readonly readAheadKb?: number;
  /** `vm.overcommit_memory`, `vm.mmap_min_addr` and whether root, for messages. */
  readonly describe: string;
}

/**
 * Reads `vm.mmap_min_addr`, `vm.overcommit_memory` and /proc/meminfo (issue #7 e, g). Strict
 * overcommit (mode 2) is not modelled: no limit is passed, and a map it refuses will differ.
 */
export function hostLimits(): HostLimits {
  const read = (f: string): string | undefined => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return undefined;
    }
  };
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const minAddr = BigInt(read('/proc/sys/vm/mmap_min_addr')?.trim() ?? '65536');
  const mode = read('/proc/sys/vm/overcommit_memory')?.trim() ?? '0';
  const meminfo = read('/proc/meminfo') ?? '';
  const kb = (field: string): bigint =>
    BigInt(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1] ?? '0');
  const ram = kb('MemTotal') + kb('SwapTotal');
  const limit = mode === '0' && ram > 0n ? { overcommitLimit: ram * 1024n } : {};
  const thp = hostThp();
  const ra = diskReadAheadKb();
  return {
    mmapMinAddr: root ? 0n : minAddr,
    ...limit,
    ...(ra !== undefined ? { readAheadKb: ra } : {}),
    ...(thp.ok ? { thp: thp.mode, maxPtesNone: thp.maxPtesNone } : {}),
    describe: `vm.mmap_min_addr ${minAddr}${root ? ' (root: exempt)' : ''}, vm.overcommit_memory ${mode}${limit.overcommitLimit ? ` (RAM + swap ${limit.overcommitLimit} bytes)` : ''}`,
  };
}

/** The directory the oracle creates disk files in (`file … disk`): $PTLAB_DISK_DIR or /var/tmp. */
function diskDir(): string {
  return process.env.PTLAB_DISK_DIR || '/var/tmp';
}

const EXT4_SUPER_MAGIC = 0xef53;

/**
 * Whether the oracle can create disk files (`file … disk`): the directory ($PTLAB_DISK_DIR or
 * /var/tmp) must be on ext4, whose page cache and large-folio behaviour the model follows.
 */
export function diskAvailability(): { ok: true } | { ok: false; reason: string } {
  try {
    if (statfsSync(diskDir()).type === EXT4_SUPER_MAGIC) return { ok: true };
    return {
      ok: false,
      reason: `${diskDir()} is not on ext4 (set PTLAB_DISK_DIR to an ext4 directory)`,
    };
  } catch {
    return {
      ok: false,
      reason: `cannot stat ${diskDir()} (set PTLAB_DISK_DIR to an ext4 directory)`,
    };
  }
}

/**
 * `read_ahead_kb` of the block device holding the disk-file directory, from
 * /sys/class/bdi/MAJOR:MINOR (a fault on a disk file's page not in the cache reads that much).
 */
function diskReadAheadKb(): number | undefined {
  try {
    const dev = statSync(diskDir()).dev;
    const major = Math.floor(dev / 256) % 4096;
    const minor = (dev % 256) + (Math.floor(dev / 4096) & 0xfff00);
    const kb = Number(readFileSync(`/sys/class/bdi/${major}:${minor}/read_ahead_kb`, 'utf8'));
    return Number.isInteger(kb) && kb >= 0 ? kb : undefined;
  } catch {
    return undefined;
  }
}

/** True when /proc/swaps lists a swap area (the oracle's `pressure` assumes there is none). */
function swapActive(): boolean {
  try {
    return readFileSync('/proc/swaps', 'utf8').trim().split('\n').length > 1;
  } catch {
    return false;
  }
}

/** Runs the helper on a batch and returns its raw stdout. */
function execute(text: string): string {
  const h = helper();
  if (!h.ok) throw new UsageError('host', `the kernel oracle is not available: ${h.reason}`);
  try {
    return execFileSync(h.binary, [], {
      input: text,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (e) {
    const signal = (e as { signal?: string }).signal;
    if (signal === 'SIGKILL') throw killedByHost('the kernel oracle');
    throw e;
  }
}

/**
 * The error for an oracle process the host killed: SIGKILL without us sending it is, on Linux,
 * the OOM killer (or a cgroup limit). That is the host's limit, not a bug in ptlab.
 */
function killedByHost(who: string): UsageError {
  return new UsageError(
    'host',
    `${who} was killed by SIGKILL, most likely by the OOM killer: the workload needs more memory ` +
      'than this host can give (see dmesg); try a smaller workload',
  );
}

interface RawRun {
  readonly lines: string[];
}

function interpret(
  job: OracleJob,
  lowered: LoweredWorkload,
  runs: RawRun[],
  thp: string,
): KernelRun {
  const first = runs[0];
  const deterministic = runs.every((r) => r.lines.join('\n') === first.lines.join('\n'));
  const reports: KernelReport[] = [];
  let error: KernelRun['error'];
  let final: KernelRun['final'];
  for (const line of first.lines) {
    const f = line.split(' ');
    if (f[0] === 'report') {
      const op = job.workload.ops[lowered.sourceOp[Number(f[1])]];
      const label = op.kind === 'report' ? op.label : '?';
      reports.push({
        label,
        process: op.proc ?? MAIN_PROCESS,
        line: op.pos.line,
        vmpte_kb: Number(f[2]),
        rss_anon_kb: Number(f[3]),
        rss_file_kb: Number(f[4] ?? 0),
        rss_shmem_kb: Number(f[5] ?? 0),
      });
    } else if (f[0] === 'error') {
      const op = job.workload.ops[lowered.sourceOp[Number(f[1])]];
      error = { line: op.pos.line, col: op.pos.col, errno: f[2] };
    } else if (f[0] === 'final') {
      final = {
        vmpte_kb: Number(f[1]),
        rss_anon_kb: Number(f[2]),
        rss_file_kb: Number(f[3] ?? 0),
        rss_shmem_kb: Number(f[4] ?? 0),
      };
    } else if (f[0] === 'refuse') {
      const op = job.workload.ops[lowered.sourceOp[Number(f[1])]];
      throw new UsageError(
        'host',
        `the kernel oracle refuses this op: ${f.slice(2).join(' ')}`,
        op.pos,
      );
    }
  }
  return {
    reports,
    ...(error ? { error } : {}),
    ...(final ? { final } : {}),
    deterministic,
    thp,
  };
}

/**
 * The simulator options that make it see this host: `vm.mmap_min_addr` (0 as root), the
 * overcommit limit, the THP mode, `max_ptes_none`, the disk's `read_ahead_kb`, and the mmap base
 * below which the oracle lets the kernel place mremap moves (lower.ts).
 */
export function hostSimOptions(): SimOptions {
  const { mmapMinAddr, overcommitLimit, thp, maxPtesNone, readAheadKb } = hostLimits();
  return {
    mmapMinAddr,
    mmapBase: ORACLE_MOVE_TOP,
    ...(readAheadKb !== undefined ? { readAheadKb } : {}),
    ...(overcommitLimit !== undefined ? { overcommitLimit } : {}),
    ...(thp !== undefined ? { thp } : {}),
    ...(maxPtesNone !== undefined ? { maxPtesNone } : {}),
  };
}

/**
 * Runs several workloads on the host kernel in one helper process (each run forked afresh).
 * Throws a UsageError (code `host`) when the oracle is unavailable or a workload cannot run on it.
 */
export function runOnKernelBatch(
  workloads: readonly Workload[],
  options: KernelRunOptions = {},
): KernelRun[] {
  const runs = options.runs ?? 1;
  const jobs: OracleJob[] = workloads.map((workload, i) => ({ id: `w${i}`, workload, runs }));
  // The model's run that finds kernel-placed moves' targets sees this host, as `verify` does.
  const { text, lowered } = lowerBatch(jobs, hostSimOptions());
  const output = execute(text).split('\n');
  const thp = output[0].startsWith('thp ') ? output[0].slice(4) : 'unknown';
  const byJob = jobs.map(() => [] as RawRun[]);
  let current: RawRun | undefined;
  for (const line of output.slice(1)) {
    const f = line.split(' ');
    if (f[0] === 'run') {
      current = { lines: [] };
      byJob[Number(f[1].slice(1))].push(current);
    } else if (f[0] === 'end') {
      if (f[3] === 'crash:9') throw killedByHost(`a kernel run (${f[1]} run ${f[2]})`);
      if (f[3] !== 'ok') throw new Error(`ptw-oracle crashed (${line}) on:\n${text}`);
    } else if (line !== '' && current !== undefined) {
      // Absolute values depend on the oracle's own baseline; runs are compared on deltas, and
      // a report keeps: report INDEX DVMPTE DRSS DFILE DSHMEM.
      current.lines.push(f[0] === 'report' ? [...f.slice(0, 4), ...f.slice(6)].join(' ') : line);
    }
  }
  return jobs.map((job, i) => interpret(job, lowered[i], byJob[i], thp));
}

/**
 * Runs one workload on the host kernel; every map needs `at=`.
 *
 * @example runOnKernel(parseWorkload('map a 2M at=1G\ntouch a +0 2M\nreport t', 'x.ptw'))
 */
export function runOnKernel(workload: Workload, options: KernelRunOptions = {}): KernelRun {
  return runOnKernelBatch([workload], options)[0];
}
