// `ptlab inspect PID`: which mappings of a live process hold its page tables, how much of VmPTE is
// empty tables, and what each freeing policy would free now (issue #8).

import type { Command } from 'commander';
import { scanProcess } from '../../host/scan.js';
import { processName } from '../../host/proc.js';
import { predictTables } from '../../trace/predict.js';
import {
  inspectDocument,
  inspectReport,
  inspectSummary,
  inspectTable,
} from '../../report/inspect.js';
import { UsageError } from '../../util/errors.js';
import { out, outJson } from '../io.js';
import { parseFormat, parsePositiveInt } from '../options.js';
import { renderTable } from '../render.js';

interface InspectFlags {
  freeze: boolean;
  maxFreezeMs: string;
  method: string;
  force?: boolean;
  exact?: boolean;
  format: string;
  all?: boolean;
  top: string;
}

/** Parses a PID argument. */
export function parsePid(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) <= 0 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError('option', `'${value}' is not a process id`);
  }
  return Number(value);
}

/** Registers `inspect`. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description("a live process's page tables per mapping: needed, empty, what each policy frees")
    .argument('<pid>', 'process id')
    .option('--no-freeze', 'scan the process while it runs (figures may mix two states)')
    .option('--max-freeze-ms <ms>', 'longest the process may stay stopped', '5000')
    .option(
      '--method <m>',
      'auto, scan (PAGEMAP_SCAN ioctl, 6.7+) or pagemap (plain reads)',
      'auto',
    )
    .option('--force', 'allow PID 1 and ptlab itself')
    .option('--exact', 'count empty tables per mapping from the kernel tables (not available yet)')
    .option('-f, --format <format>', 'output: text or json', 'text')
    .option('--top <n>', 'text: show the N mappings with the most wasted kB', '25')
    .option('--all', 'text: show every mapping')
    .addHelpText(
      'after',
      `
The process is stopped (SIGSTOP, until every thread is stopped) while its smaps and pagemap are
read, then resumed on every path, Ctrl-C included; the freeze is bounded by --max-freeze-ms and
reported. A 2 MiB slot needs a PTE table iff a page in it is present, swapped or a guard marker,
or it holds an anonymous PMD-mapped THP; VmPTE minus that is the memory of empty tables.
Per-mapping empty/wasted figures are upper bounds: the tables themselves are not visible from
user space.

Privileges: the same user as the process, or root (reads /proc/PID/smaps and pagemap, sends
SIGSTOP/SIGCONT). PID 1 and ptlab itself are refused unless --force.

Examples:
  ptlab inspect $(pgrep -n redis-server)
  ptlab inspect 4242 --format json | jq .wasted_kb
  ptlab inspect 4242 --no-freeze --all`,
    )
    .action((pidText: string, flags: InspectFlags) => {
      const format = parseFormat(flags.format, ['text', 'json']);
      const pid = parsePid(pidText);
      const maxFreezeMs = parsePositiveInt(flags.maxFreezeMs, '--max-freeze-ms');
      const top = parsePositiveInt(flags.top, '--top');
      if (!['auto', 'scan', 'pagemap'].includes(flags.method)) {
        throw new UsageError(
          'option',
          `--method: '${flags.method}' (expected auto, scan, pagemap)`,
        );
      }
      if (flags.exact) {
        throw new UsageError(
          'host',
          '--exact (reading the kernel tables with bpftrace) is not implemented yet; without it per-mapping figures are upper bounds',
        );
      }
      const snap = scanProcess(pid, {
        freeze: flags.freeze,
        maxFreezeMs,
        method: flags.method as 'auto' | 'scan' | 'pagemap',
        force: flags.force ?? false,
      });
      const report = inspectReport(snap, predictTables(snap), processName(pid) ?? '?');
      if (format === 'json') {
        outJson(inspectDocument(report));
        return;
      }
      out(renderTable(inspectTable(report, flags.all ? undefined : top)));
      if (!flags.all && report.mappings.length > top) {
        out(`(${report.mappings.length - top} more mappings; --all shows them)`);
      }
      out(inspectSummary(report));
    });
}
