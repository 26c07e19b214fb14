// `ptlab replay FILE`: a recorded trace lowered into the simulator and compared with every VmPTE
// sample; `--compare` replays it under every design (issue #8).

import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseTrace } from '../../trace/format.js';
import type { ReplayResult } from '../../trace/replay.js';
import { replayTrace } from '../../trace/replay.js';
import {
  replayCompareTable,
  replayCounterTrace,
  replayDocument,
  replaySampleTable,
  replaySummary,
} from '../../report/replay.js';
import { UsageError } from '../../util/errors.js';
import { out, outJson, readUserFile } from '../io.js';
import { parseFormat } from '../options.js';
import { renderTable } from '../render.js';

interface ReplayFlags {
  kernel?: string;
  policy?: string;
  compare?: boolean;
  format: string;
  traceOut?: string;
}

/** The designs `--compare` replays: before PT_RECLAIM, with it, and the 2022 refcount RFC. */
const COMPARE: readonly { kernel: string; policy?: string }[] = [
  { kernel: '6.13' },
  { kernel: '6.18' },
  { kernel: '6.18', policy: 'refcount' },
];

/** Registers `replay`. */
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('replay a recorded trace in the simulator and compare it with every sample')
    .argument('<file>', 'a trace written by ptlab record')
    .option('-k, --kernel <version>', 'kernel behaviour to model (6.13 ... 6.18)', '6.18')
    .option(
      '-p, --policy <name>',
      "freeing policy overriding the kernel's (none, pt_reclaim, refcount)",
    )
    .option('-c, --compare', 'replay under 6.13, 6.18 and the refcount design side by side')
    .option('-f, --format <format>', 'output: text or json', 'text')
    .option('--trace-out <file>', 'write Perfetto counter tracks (measured and each design)')
    .addHelpText(
      'after',
      `
Each exec snapshot becomes a fresh simulated mm; every event after it is lowered onto the model
(the same one \`ptlab sim\` runs). A sample matches when the model's VmPTE equals it at some
point between the sample's /proc read and its marker; the deviation is the smallest difference
in that window. Events the model cannot lower yet are listed by name; nothing is dropped silently.
Replaying under another kernel or policy answers "what would this process's VmPTE have been".

Examples:
  ptlab replay redis.trace
  ptlab replay --compare --trace-out redis.json redis.trace   # open redis.json in ui.perfetto.dev
  ptlab replay --format json py.trace | jq .max_deviation_pct`,
    )
    .action((file: string, flags: ReplayFlags) => {
      const format = parseFormat(flags.format, ['text', 'json']);
      const trace = parseTrace(readUserFile(file), file);
      const runs: ReplayResult[] = flags.compare
        ? COMPARE.map((c) => replayTrace(trace, c))
        : [
            replayTrace(trace, {
              ...(flags.kernel ? { kernel: flags.kernel } : {}),
              ...(flags.policy ? { policy: flags.policy } : {}),
            }),
          ];
      if (flags.traceOut) {
        try {
          writeFileSync(flags.traceOut, JSON.stringify(replayCounterTrace(runs)));
        } catch (e) {
          throw new UsageError('io', `cannot write '${flags.traceOut}': ${(e as Error).message}`);
        }
      }
      const main = runs.find((r) => r.policy !== 'refcount' && r.kernel !== '6.13') ?? runs[0];
      if (format === 'json') {
        if (main) outJson(replayDocument(file, main, runs));
        return;
      }
      if (main) {
        out(renderTable(replaySampleTable(main)));
        out(replaySummary(main));
      }
      if (flags.compare) {
        out('');
        out(renderTable(replayCompareTable(runs)));
        for (const r of runs) if (r !== main) out(replaySummary(r));
      }
    });
}
