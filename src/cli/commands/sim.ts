// `ptlab sim`: runs a workload through the simulator under one kernel/policy, or all side by side.

import type { Command } from 'commander';
import { parseWorkload } from '../../workload/parse.js';
import { runWorkload, type SimOptions, type SimResult } from '../../workload/run.js';
import type { Workload } from '../../workload/types.js';
import type { ThpMode } from '../../mm/index.js';
import { DEFAULT_ARCH, getArch } from '../../arch/index.js';
import { UsageError } from '../../util/errors.js';
import {
  columnName,
  compareTable,
  ndjsonReport,
  simDocument,
  simTable,
  simTitle,
} from '../../report/sim-report.js';
import { readUserFile, out, err, outJson, outLines } from '../io.js';
import { errorDocument, usageErrorJson } from '../../report/json.js';
import { progressBar, renderChart, tableLines } from '../render.js';
import { parseFormat, parseAddress, parseSize, type Format } from '../options.js';
import { IMAGE_NAMES, type ImageName } from '../../workload/image.js';

/** The policies `--compare` puts side by side: before PT_RECLAIM, with it, and the 2022 RFC. */
export const COMPARE_SET: readonly SimOptions[] = [
  { kernel: '6.13' },
  { kernel: '6.18' },
  { kernel: '6.18', policy: 'refcount' },
];

interface SimFlags {
  kernel?: string;
  policy?: string;
  arch?: string;
  format: string;
  compare?: boolean;
  debug?: boolean;
  chart?: boolean;
  log?: boolean;
  mmapBase?: string;
  mmapMinAddr?: string;
  image: string;
  overcommitLimit?: string;
  thp?: string;
  maxPtesNone?: string;
  readAheadKb?: string;
}

/** Registers `sim` on the program. */
export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('predict VmPTE for a .ptw workload under a kernel version or freeing policy')
    .argument('<file>', 'workload file (.ptw); see docs/workload-format.md')
    .option(
      '-k, --kernel <version>',
      'kernel version whose behaviour to model, 6.13 .. 6.18 (default: 6.18)',
    )
    .option(
      '-p, --policy <name>',
      "page-table freeing policy, overriding the kernel's (none, pt_reclaim, refcount)",
    )
    .option('-a, --arch <name>', 'architecture geometry', 'x86_64')
    .option('-f, --format <format>', 'output: text, json or ndjson', 'text')
    .option('-c, --compare', 'run 6.13, 6.18 and the refcount design side by side')
    .option('--mmap-base <addr>', 'top of the mmap area for maps without at= (e.g. 0x7f0000000000)')
    .option(
      '--image <name>',
      'process image the workload starts in: dynamic (a dynamically linked program at main, 40 kB of tables) or none (an empty address space)',
      'dynamic',
    )
    .option(
      '--mmap-min-addr <bytes>',
      'vm.mmap_min_addr: maps below it fail with EPERM (default 65536; 0 for root, which is exempt)',
    )
    .option(
      '--overcommit-limit <size>',
      'heuristic overcommit: an accounted map or mprotect larger than this (RAM + swap) fails with ENOMEM (default: no limit)',
    )
    .option(
      '--thp <mode>',
      'THP mode (transparent_hugepage/enabled): always, madvise or never (default: madvise)',
    )
    .option(
      '--max-ptes-none <n>',
      'khugepaged/max_ptes_none, 0..511: below 511 pressure also splits underused THPs (default: 511)',
    )
    .option(
      '--read-ahead-kb <kb>',
      "read_ahead_kb of the disk holding 'file … disk' files: a fault on an evicted page reads that much around it (default: 128)",
    )
    .option('--chart', 'plot VmPTE over the reports (text format)')
    .option('--log', '--chart: log scale, so small series stay visible beside large ones')
    .option('--debug', 'check the model invariants (validate_mm) after every operation')
    .addHelpText(
      'after',
      `
Examples:
  ptlab sim examples/001-pt-reclaim-benchmark/workload.ptw
  ptlab sim --compare examples/001-pt-reclaim-benchmark/workload.ptw
  ptlab sim --kernel 6.13 --format ndjson my.ptw | jq .vmpte_kb
  ptlab sim --mmap-min-addr 4096 --overcommit-limit 24G my.ptw   # this host's values, not root
  ptlab sim --thp always --max-ptes-none 0 my.ptw                 # THP for every anonymous map
  ptlab sim --compare --chart examples/003-allocator-churn/workload.ptw`,
    )
    .action((file: string, flags: SimFlags) => {
      const format = parseFormat(flags.format);
      refuseConflicts(flags, format);
      const mmapBase =
        flags.mmapBase === undefined ? undefined : parseMmapBase(flags.mmapBase, flags.arch);
      const workload = parseWorkload(readUserFile(file), file);
      const base: SimOptions = {
        ...(flags.arch ? { arch: flags.arch } : {}),
        ...(flags.debug ? { debug: true } : {}),
        ...(mmapBase !== undefined ? { mmapBase } : {}),
        image: parseImage(flags.image),
        ...(flags.mmapMinAddr
          ? { mmapMinAddr: parseAddress(flags.mmapMinAddr, '--mmap-min-addr') }
          : {}),
        ...(flags.overcommitLimit
          ? { overcommitLimit: parseSize(flags.overcommitLimit, '--overcommit-limit') }
          : {}),
        ...(flags.thp !== undefined ? { thp: parseThpMode(flags.thp) } : {}),
        ...(flags.maxPtesNone !== undefined
          ? { maxPtesNone: parseMaxPtesNone(flags.maxPtesNone) }
          : {}),
        ...(flags.readAheadKb !== undefined
          ? { readAheadKb: parseReadAheadKb(flags.readAheadKb) }
          : {}),
      };
      const sets: SimOptions[] = flags.compare
        ? COMPARE_SET.map((s) => ({ ...base, ...s }))
        : [
            {
              ...base,
              ...(flags.kernel ? { kernel: flags.kernel } : {}),
              ...(flags.policy ? { policy: flags.policy } : {}),
            },
          ];
      const results = sets.map((opts) => simulate(workload, opts));
      // An option the simulator refused (kernel, policy, arch) is not positioned in the file:
      // report it alone, without empty tables.
      const refused = results.find((r) => r.error && r.error.where === undefined);
      if (refused?.error) throw refused.error;
      printResults(file, results, format, Boolean(flags.compare));
      if (flags.chart && format === 'text') {
        const series = results.map((r) => ({
          name: columnName(r),
          values: r.reports.map((x) => x.vmpte_kb),
        }));
        out(renderChart(series, 'VmPTE kB per report', { log: Boolean(flags.log) }));
      }
      const failed = results.find((r) => r.error);
      if (failed?.error) {
        err(`ptlab: ${failed.error.format()}`);
        if (format === 'ndjson') {
          out(JSON.stringify(errorDocument('sim', usageErrorJson(failed.error))));
        }
        process.exitCode = 2;
      }
    });
}

/** Options that contradict each other are refused before any work. */
function refuseConflicts(flags: SimFlags, format: Format): void {
  if (flags.compare && (flags.kernel !== undefined || flags.policy !== undefined)) {
    throw new UsageError(
      'option',
      `--compare runs 6.13, 6.18 and refcount itself: do not combine it with --${flags.kernel !== undefined ? 'kernel' : 'policy'}`,
    );
  }
  if (flags.log && !flags.chart) {
    throw new UsageError('option', '--log sets the scale of --chart: give --chart too');
  }
  if (flags.chart && format !== 'text') {
    throw new UsageError(
      'option',
      `--chart draws on a terminal: it needs --format text, not ${format}`,
    );
  }
}

/**
 * `--mmap-base`: a page-aligned address inside the user address space of the architecture (a
 * base above TASK_SIZE would place every hint-less map outside it).
 */
function parseMmapBase(value: string, arch: string | undefined): bigint {
  const addr = parseAddress(value, '--mmap-base');
  const g = getArch(arch ?? DEFAULT_ARCH);
  const page = BigInt(g.PAGE_SIZE);
  const top = BigInt(g.TASK_SIZE) * page;
  const hex = (n: bigint): string => `0x${n.toString(16)}`;
  if (addr % page !== 0n) {
    throw new UsageError(
      'option',
      `--mmap-base: ${hex(addr)} is not page-aligned (${g.PAGE_SIZE} bytes)`,
    );
  }
  if (addr > top || addr < MMAP_MIN_ADDR) {
    throw new UsageError(
      'option',
      `--mmap-base: ${hex(addr)} is outside the ${g.name} user address space (${hex(MMAP_MIN_ADDR)} .. TASK_SIZE ${hex(top)})`,
    );
  }
  return addr;
}

/** The default vm.mmap_min_addr (64 KiB): nothing can be mapped below it. */
const MMAP_MIN_ADDR = 0x10000n;

/** Validates `--image`. */
function parseImage(value: string): ImageName {
  const found = IMAGE_NAMES.find((n) => n === value);
  if (found) return found;
  throw new UsageError(
    'option',
    `--image: unknown process image '${value}' (expected ${IMAGE_NAMES.join(' or ')})`,
  );
}

/** Runs one simulation with a progress bar on long workloads. */
export function simulate(workload: Workload, options: SimOptions): SimResult {
  const ops = workload.ops;
  // Progress counts bytes of address space the ops cover (at least a page each), not lines: one
  // touch over 64 TiB is most of the work of a five-line workload.
  const work = new Float64Array(ops.length + 1);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const bytes = 'len' in op ? Number(op.len) : op.kind === 'map' ? Number(op.size) : 0;
    work[i + 1] = work[i] + Math.max(4096, bytes);
  }
  const total = work[ops.length];
  const bar = progressBar('sim', total, {
    minTotal: ops.length >= 2000 ? 0 : LONG_RUN_BYTES,
    unit: (done) => `line ${ops[Math.min(done, ops.length - 1)]?.pos.line ?? 0}`,
  });
  try {
    return runWorkload(workload, {
      ...options,
      onProgress: (done) => bar.update(work[done], done),
    });
  } finally {
    bar.stop();
  }
}

/** Workloads covering less address space than this (or fewer ops than 2000) show no bar. */
const LONG_RUN_BYTES = 2 ** 40;

function printResults(
  file: string,
  results: readonly SimResult[],
  format: Format,
  compare: boolean,
): void {
  if (format === 'json') {
    outJson(simDocument(file, results));
    return;
  }
  if (format === 'ndjson') {
    for (const r of results) {
      outLines(r.reports.map((rep) => JSON.stringify(ndjsonReport(r, rep))));
    }
    return;
  }
  if (compare) {
    outLines(tableLines(compareTable(results)));
    return;
  }
  for (const r of results) {
    out(simTitle(r));
    outLines(tableLines(simTable(r)));
  }
}

/** `--thp`: one of the three `transparent_hugepage/enabled` modes. */
function parseThpMode(text: string): ThpMode {
  if (text === 'always' || text === 'madvise' || text === 'never') return text;
  throw new UsageError(
    'option',
    `unknown --thp mode '${text}' (expected always, madvise or never, as in /sys/kernel/mm/transparent_hugepage/enabled)`,
  );
}

/** `--max-ptes-none`: a decimal integer 0..511. */
function parseReadAheadKb(text: string): number {
  const n = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0)) {
    throw new UsageError(
      'option',
      `bad --read-ahead-kb '${text}' (expected an integer number of KiB, as /sys/class/bdi/*/read_ahead_kb)`,
    );
  }
  return n;
}

function parseMaxPtesNone(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n <= 511)) {
    throw new UsageError(
      'option',
      `bad --max-ptes-none '${text}' (expected an integer from 0 to 511, as khugepaged/max_ptes_none)`,
    );
  }
  return n;
}
