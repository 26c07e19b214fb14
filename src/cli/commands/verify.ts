// `ptlab verify`: runs a workload on this machine's kernel and in the model, and diffs every report.

import type { Command } from 'commander';
import { parseWorkload } from '../../workload/parse.js';
import { UsageError } from '../../util/errors.js';
import { oracleAvailability } from '../oracle.js';
import { formatVerify, verifyDocument, verifyWorkload } from '../verify.js';
import { readUserFile, out, outJson } from '../io.js';
import { parseFormat, parsePositiveInt } from '../options.js';

interface VerifyFlags {
  runs: string;
  format: string;
  policy?: string;
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
      const host = oracleAvailability();
      if (!host.ok) throw new UsageError('host', `cannot run on the kernel here: ${host.reason}`);
      const result = verifyWorkload(workload, { runs });
      if (format === 'json') outJson(verifyDocument(result));
      else out(formatVerify(result));
      if (!result.exact) process.exitCode = 1;
    });
}
