// `ptlab verify` as data: the same workload in the simulator and on the host kernel, compared
// report by report (VmPTE, RssAnon, RssFile, RssShmem) and on the error that stopped the run.

import type { Workload } from '../workload/types.js';
import { MAIN_PROCESS } from '../workload/types.js';
import { runWorkload } from '../workload/run.js';
import type { SimOptions } from '../workload/run.js';
import type { UsageError } from '../util/errors.js';
import { release } from 'node:os';
import { DEFAULT_KERNEL } from '../policy/index.js';
import { SCHEMA_VERSION } from '../report/json.js';
import { hostSimOptions, runOnKernel } from './oracle.js';
import { VERSION } from './version.js';

export { hostSimOptions };
import type { KernelRun } from './oracle.js';

/** VmPTE and RSS in kB at one report (RssFile and RssShmem count as 0 when absent). */
export interface Counters {
  readonly vmpte_kb: number;
  readonly rss_anon_kb: number;
  readonly rss_file_kb?: number;
  readonly rss_shmem_kb?: number;
}

/** The counters compared, with absent file and shmem RSS as 0. */
function pick(c: Counters): Required<Counters> {
  return {
    vmpte_kb: c.vmpte_kb,
    rss_anon_kb: c.rss_anon_kb,
    rss_file_kb: c.rss_file_kb ?? 0,
    rss_shmem_kb: c.rss_shmem_kb ?? 0,
  };
}

function sameCounters(a: Counters, b: Counters): boolean {
  const x = pick(a);
  const y = pick(b);
  return (
    x.vmpte_kb === y.vmpte_kb &&
    x.rss_anon_kb === y.rss_anon_kb &&
    x.rss_file_kb === y.rss_file_kb &&
    x.rss_shmem_kb === y.rss_shmem_kb
  );
}

/** The failing op of a run: its source line and errno name (or SIGSEGV). */
export interface RunError {
  readonly line: number;
  readonly errno: string;
}

/** One report on both sides; a side is missing when that run stopped earlier. */
export interface ReportComparison {
  readonly label: string;
  readonly line: number;
  readonly sim?: Counters;
  readonly kernel?: Counters;
  readonly equal: boolean;
}

/** The comparison of one workload. `exact` means every report and the error agree. */
export interface VerifyResult {
  readonly file: string;
  readonly exact: boolean;
  readonly reports: readonly ReportComparison[];
  readonly error: { readonly sim?: RunError; readonly kernel?: RunError; readonly equal: boolean };
  /** Whether every kernel run printed the same thing. */
  readonly deterministic: boolean;
  /** The host's THP modes, as the oracle read them. */
  readonly thp: string;
  /** What the kernel was compared with (set by {@link verifyWorkload}). */
  readonly model?: { readonly kernel: string; readonly policy: string; readonly arch: string };
  /** Kernel runs made (set by {@link verifyWorkload}). */
  readonly runs?: number;
}

/** What verify needs from a simulator result (the contract of `runWorkload`). */
export interface SimOutcome {
  readonly reports: readonly (Counters & {
    readonly label: string;
    readonly line: number;
    readonly process?: string;
  })[];
  /** Counters after the last op run; compared when both sides have them. */
  readonly final?: Counters;
  readonly error?: UsageError;
}

/** Options of {@link verifyWorkload}: the simulator's, plus the number of kernel runs. */
export type VerifyOptions = SimOptions & {
  /** Kernel runs, each in a fresh process; all must agree (default 3). */
  readonly runs?: number;
};

function simError(error: UsageError | undefined): RunError | undefined {
  if (error === undefined) return undefined;
  return { line: error.where?.line ?? 0, errno: error.errno ?? `${error.code}: ${error.message}` };
}

/** Compares a simulator outcome with a kernel run of the same workload. */
export function compareRuns(workload: Workload, sim: SimOutcome, kernel: KernelRun): VerifyResult {
  const n = Math.max(sim.reports.length, kernel.reports.length);
  const reports: ReportComparison[] = [];
  for (let i = 0; i < n; i++) {
    const s = sim.reports[i];
    const k = kernel.reports[i];
    const head = s ?? k;
    const simSide = s === undefined ? {} : { sim: pick(s) };
    const kernelSide = k === undefined ? {} : { kernel: pick(k) };
    const proc = (r: { readonly process?: string } | undefined): string =>
      r?.process ?? MAIN_PROCESS;
    const equal =
      s !== undefined &&
      k !== undefined &&
      s.line === k.line &&
      proc(s) === proc(k) &&
      sameCounters(s, k);
    // A forked process's report is labelled `@NAME LABEL`.
    const label = proc(head) === MAIN_PROCESS ? head.label : `@${proc(head)} ${head.label}`;
    reports.push({ label, line: head.line, ...simSide, ...kernelSide, equal });
  }
  if (sim.final !== undefined && kernel.final !== undefined) {
    const f = pick(sim.final);
    const equal = sameCounters(f, kernel.final);
    reports.push({ label: '(final)', line: 0, sim: f, kernel: pick(kernel.final), equal });
  }
  const se = simError(sim.error);
  const ke = kernel.error;
  const errorEqual = se?.line === ke?.line && se?.errno === ke?.errno;
  const error = {
    ...(se ? { sim: se } : {}),
    ...(ke ? { kernel: { line: ke.line, errno: ke.errno } } : {}),
    equal: errorEqual,
  };
  return {
    file: workload.file,
    exact: errorEqual && kernel.deterministic && reports.every((r) => r.equal),
    reports,
    error,
    deterministic: kernel.deterministic,
    thp: kernel.thp,
  };
}

/**
 * Runs a workload in the simulator and on the host kernel (every map needs `at=`) and compares.
 * The simulator gets the host's settings (hostSimOptions) unless the options set them.
 *
 * @example verifyWorkload(parseWorkload(text, 'x.ptw')).exact
 */
export function verifyWorkload(workload: Workload, options: VerifyOptions = {}): VerifyResult {
  const { runs, ...simOptions } = options;
  const kernel = runOnKernel(workload, { runs: runs ?? 3 });
  const host = hostSimOptions();
  const sim = runWorkload(workload, { ...host, ...simOptions });
  return {
    ...compareRuns(workload, sim, kernel),
    model: { kernel: sim.kernel, policy: sim.policy, arch: sim.arch },
    runs: runs ?? 3,
  };
}

/** `ptlab verify --format json` (docs/schemas/verify.schema.json). */
export function verifyDocument(result: VerifyResult): Record<string, unknown> {
  const counters = (c: Counters | undefined): Counters | null =>
    c === undefined ? null : { vmpte_kb: c.vmpte_kb, rss_anon_kb: c.rss_anon_kb };
  const runError = (e: RunError | undefined): RunError | null =>
    e === undefined ? null : { line: e.line, errno: e.errno };
  return {
    schema_version: SCHEMA_VERSION,
    command: 'verify',
    file: result.file,
    exact: result.exact,
    deterministic: result.deterministic,
    model: {
      ptlab_version: VERSION,
      kernel: result.model?.kernel ?? DEFAULT_KERNEL,
      policy: result.model?.policy ?? 'unknown',
      arch: result.model?.arch ?? 'x86_64',
    },
    host: { kernel_release: release(), thp: result.thp, runs: result.runs ?? 1 },
    reports: result.reports.map((r) => ({
      label: r.label,
      line: r.line,
      sim: counters(r.sim),
      kernel: counters(r.kernel),
      equal: r.equal,
    })),
    error: {
      sim: runError(result.error.sim),
      kernel: runError(result.error.kernel),
      equal: result.error.equal,
    },
  };
}

/** Two lines saying what was compared: the model (ptlab version, kernel, policy) and the host. */
export function comparedLines(result: VerifyResult): string[] {
  const m = result.model;
  const model = m ? `kernel ${m.kernel}, policy ${m.policy}, ${m.arch}` : 'default options';
  const runs = result.runs ?? 1;
  return [
    `  model: ptlab ${VERSION} (${model})`,
    `  host:  Linux ${release()}, THP ${result.thp}, ${runs} run${runs === 1 ? '' : 's'}`,
  ];
}

function side(c: Counters | undefined, key: keyof Counters): string {
  return c === undefined ? '-' : String(c[key] ?? 0);
}

/** A plain-text table of a comparison, differing rows marked with `!`. */
export function formatVerify(result: VerifyResult): string {
  const first = result.reports.find((r) => !r.equal);
  const verdict = result.exact
    ? `exact (${result.reports.length} reports)`
    : first
      ? `DIFFERS first at report '${first.label}' (line ${first.line})`
      : !result.error.equal
        ? 'DIFFERS in the error'
        : 'kernel side not deterministic';
  // RssFile and RssShmem columns only when some report has file or shmem pages.
  const extra = (['rss_file_kb', 'rss_shmem_kb'] as const).filter((key) =>
    result.reports.some((r) => (r.sim?.[key] ?? 0) !== 0 || (r.kernel?.[key] ?? 0) !== 0),
  );
  const titles = { rss_file_kb: 'RssFile', rss_shmem_kb: 'RssShmem' };
  const rows = [
    [
      '',
      'report',
      'line',
      'VmPTE sim',
      'VmPTE kernel',
      'RssAnon sim',
      'RssAnon kernel',
      ...extra.flatMap((key) => [`${titles[key]} sim`, `${titles[key]} kernel`]),
    ],
  ];
  for (const r of result.reports) {
    rows.push([
      r.equal ? ' ' : '!',
      r.label,
      String(r.line),
      side(r.sim, 'vmpte_kb'),
      side(r.kernel, 'vmpte_kb'),
      side(r.sim, 'rss_anon_kb'),
      side(r.kernel, 'rss_anon_kb'),
      ...extra.flatMap((key) => [side(r.sim, key), side(r.kernel, key)]),
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const table = rows.map((row) =>
    row.map((cell, c) => (c <= 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '),
  );
  const err = (e: RunError | undefined): string => (e ? `${e.errno} at line ${e.line}` : 'none');
  const lines = [
    `verify ${result.file}: ${verdict}`,
    ...comparedLines(result),
    ...table.map((t) => `  ${t.trimEnd()}`),
    `  error: sim ${err(result.error.sim)}, kernel ${err(result.error.kernel)}${result.error.equal ? '' : '  !'}`,
  ];
  if (!result.deterministic)
    lines.push('  kernel runs disagreed with each other (not deterministic)');
  return lines.join('\n');
}
