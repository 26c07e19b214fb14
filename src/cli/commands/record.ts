// `ptlab record --output FILE -- CMD ARGS`: runs a command under the ptrace launcher with a tracefs
// instance of its own and writes a ptlab trace (issue #8). Root only.

import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { recordCommand } from '../../host/record.js';
import { formatTrace } from '../../trace/format.js';
import { hostThp } from '../oracle.js';
import { UsageError } from '../../util/errors.js';
import { err } from '../io.js';
import { parsePositiveInt } from '../options.js';

interface RecordFlags {
  output?: string;
  intervalMs: string;
  bufferKb: string;
}

/** Registers `record`. */
export function registerRecord(program: Command): void {
  program
    .command('record')
    .description('run a command and record what its page tables need for a replay (root)')
    .argument('<command...>', 'the command and its arguments (after --)')
    .requiredOption('-o, --output <file>', 'trace file to write (ptlab trace format 1, NDJSON)')
    .option('--interval-ms <ms>', 'milliseconds between VmPTE samples', '5')
    .option('--buffer-kb <kb>', 'trace buffer per CPU in kB', '65536')
    .addHelpText(
      'after',
      `
The command runs under ptrace (every thread and child process followed) while a tracefs instance
of its own (tracefs is mounted at /sys/kernel/tracing if needed) traces the syscalls that change
mappings (mmap, munmap, mremap, brk, madvise, mprotect, prctl, clone/fork/exec/exit), user page
faults, kernel faults on user addresses and new tasks. At each exec the new image is snapshotted
(smaps and pagemap); VmPTE is sampled every --interval-ms and at every thread's exit into
trace_marker, so samples and events share one clock. If the kernel lost events, no trace is
written (exit 2). The format is described in docs/trace-format.md.

Privileges: root (tracefs). The command runs as root too.

Examples:
  sudo ptlab record -o redis.trace -- redis-server --save '' --port 7777
  sudo ptlab record -o py.trace -- python3 -c 'x = [bytearray(1 << 16) for _ in range(1000)]'
  ptlab replay --compare py.trace`,
    )
    .action((command: string[], flags: RecordFlags) => {
      if (!flags.output) throw new UsageError('option', '--output is required');
      const rec = recordCommand(command, {
        intervalMs: parsePositiveInt(flags.intervalMs, '--interval-ms'),
        bufferKb: parsePositiveInt(flags.bufferKb, '--buffer-kb'),
      });
      // The THP settings decide what a fault maps: a replay elsewhere must model this host's.
      const thp = hostThp();
      const trace = thp.ok
        ? {
            ...rec.trace,
            header: {
              ...rec.trace.header,
              thp: { mode: thp.mode, max_ptes_none: thp.maxPtesNone },
            },
          }
        : rec.trace;
      try {
        writeFileSync(flags.output, formatTrace(trace));
      } catch (e) {
        throw new UsageError('io', `cannot write '${flags.output}': ${(e as Error).message}`);
      }
      const n = rec.trace.records.length;
      const samples = rec.trace.records.filter((r) => r.k === 'sample').length;
      err(
        `ptlab record: ${n} records (${samples} VmPTE samples) in ${flags.output}; the command exited with ${rec.exitStatus}`,
      );
    });
}
