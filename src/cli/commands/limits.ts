// `ptlab limits`: worst-case page-table memory of one process, from the geometry (seed 000's table).

import type { Command } from 'commander';
import { limitsColumns, limitsDocument, limitsTable } from '../../report/limits.js';
import { out, outJson } from '../io.js';
import { parseFormat } from '../options.js';
import { renderTable } from '../render.js';

/** Registers `limits`. */
export function registerLimits(program: Command): void {
  program
    .command('limits')
    .description('worst-case page-table memory of one process, computed from the geometry')
    .option(
      '-a, --arch <name>',
      'one architecture (x86_64, x86_64-la57, i386, i386-pae, arm64-4k, arm64-16k, arm64-64k)',
    )
    .option('-f, --format <format>', 'output: text or json', 'text')
    .addHelpText(
      'after',
      `
Without --arch: the table of the 2022 "Free user PTE page table pages" RFC (32-bit and 64-bit
rows), recomputed, with the real 47-bit x86-64 user space beside the RFC's full 48-bit figure.

Examples:
  ptlab limits
  ptlab limits --arch arm64-64k --format json`,
    )
    .action((flags: { arch?: string; format: string }) => {
      const format = parseFormat(flags.format, ['text', 'json']);
      const cols = limitsColumns(flags.arch);
      if (format === 'json') {
        outJson(limitsDocument(cols));
        return;
      }
      out(renderTable(limitsTable(cols)));
      if (flags.arch === undefined) {
        out(
          '\nSeed 000 printed 3 MiB / 3 KiB (32-bit) and 512 GiB / 1 GiB (64-bit). Its\n' +
            '32-bit "3 KiB" of PMD is the 768 four-byte PGD entries that point to PTE tables:\n' +
            '2-level i386 folds the PMD, so no PMD table exists or is counted. PGD and P4D\n' +
            'tables are never counted in VmPTE.',
        );
      }
    });
}
