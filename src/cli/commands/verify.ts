// `ptlab verify`: runs a workload on this machine's kernel and in the model, and diffs every report.

import type { Command } from 'commander';
import { parseWorkload } from '../../workload/parse.js';
import { UsageError } from '../../util/errors.js';
import { readFileSync } from 'node:fs';
import { oracleAvailability, runOnKernel } from '../oracle.js';
import { compareRuns, formatVerify, hostSimOptions, verifyDocument } from '../verify.js';
import { readUserFile, out, outJson, err } from '../io.js';
import { parseFormat, parsePositiveInt } from '../options.js';
import { parseNumber } from '../../workload/numbers.js';
import { simulate } from './sim.js';
import { groupDigits } from '../../util/format.js';

interface VerifyFlags {
  runs: string;
  format: string;
  policy?: string;
  maxMemory?: string;
  progress?: boolean;
}

/** MemAvailable of the host in bytes, or undefined without /proc/meminfo. */
function memAvailable(): number | undefined {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

const mib = (bytes: number): string => `${groupDigits(Math.ceil(bytes / 2 ** 20))} MiB`;

/** `--max-memory`: a size such as 8G; default half of MemAvailable (the host is shared). */
function memoryLimit(flag: string | undefined): { bytes: number; why: string } | undefined {
  if (flag !== undefined) {
    const n = parseNumber(flag);
    if (!n.ok || n.value === 0n) {
      throw new UsageError('option', `--max-memory: '${flag}' is not a size (e.g. 8G, 512M)`);
    }
    return { bytes: Number(n.value), why: `--max-memory ${flag}` };
  }
  const avail = memAvailable();
  return avail === undefined
    ? undefined
    : { bytes: avail / 2, why: `half of this host's MemAvailable (${mib(avail)})` };
}

/** Registers `verify`. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      "run a workload on this machine's kernel and in the model; exit 1 on any difference",
    )
    .argument(
      '<file>',
      'workload file (.ptw); every map needs at= so the kernel run is deterministic',
    )
    .option('-r, --runs <n>', 'kernel runs, each in a fresh process; all must agree', '3')
    .option('-f, --format <format>', 'output: text or json', 'text')
    .option(
      '--max-memory <size>',
      'most memory a kernel run may use, as the model predicts it (default: half of MemAvailable)',
    )
    .option('--progress', 'say what runs on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'no progress lines')
    .addHelpText(
      'after',
      `
The kernel side is a small C helper (native/ptw-oracle.c) built with the system compiler on first
use. It needs Linux with VmPTE in /proc/self/status.

Examples:
  ptlab verify test/fidelity/corpus/free-7-munmap-middle.ptw
  ptlab verify --runs 5 --format json examples/001-pt-reclaim-benchmark/workload-fixed.ptw`,
    )
    .action((file: string, flags: VerifyFlags) => {
      const format = parseFormat(flags.format, ['text', 'json']);
      const runs = parsePositiveInt(flags.runs, '--runs');
      const workload = parseWorkload(readUserFile(file), file);
      const limit = memoryLimit(flags.maxMemory);
      const say = (flags.progress ?? process.stderr.isTTY) ? err : (): void => {};
      const t0 = performance.now();
      // The model sees this host as the kernel does (mmap_min_addr, overcommit, THP, read-ahead).
      const sim = simulate(workload, { ...hostSimOptions(), trackPeak: true });
      const peak = sim.peak ?? { vmpte_kb: 0, rss_anon_kb: 0 };
      const need = (peak.vmpte_kb + peak.rss_anon_kb) * 1024;
      // The model predicts the kernel run byte for byte: refuse before asking the host for it.
      if (limit !== undefined && need > limit.bytes) {
        throw new UsageError(
          'host',
          `${file}: a kernel run would need ${mib(need)} at its peak (page tables ` +
            `${mib(peak.vmpte_kb * 1024)} + anonymous memory ${mib(peak.rss_anon_kb * 1024)}, as the ` +
            `model predicts), more than the limit of ${mib(limit.bytes)}, ${limit.why}; ` +
            'raise it with --max-memory if the host can hold it',
        );
      }
      const host = oracleAvailability();
      if (!host.ok) throw new UsageError('host', `cannot run on the kernel here: ${host.reason}`);
      say(
        `verify: model done in ${((performance.now() - t0) / 1000).toFixed(1)} s (peak ${mib(need)}); ` +
          `running on the kernel: ${runs} run${runs === 1 ? '' : 's'}, each in a fresh process...`,
      );
      const t1 = performance.now();
      const kernel = runOnKernel(workload, { runs });
      say(`verify: kernel runs done in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
      const result = {
        ...compareRuns(workload, sim, kernel),
        model: { kernel: sim.kernel, policy: sim.policy, arch: sim.arch },
        runs,
      };
      if (format === 'json') outJson(verifyDocument(result));
      else out(formatVerify(result));
      if (!result.exact) process.exitCode = 1;
    });
}
