// The `ptlab` command tree (commander): one register function per command.

import { Command } from 'commander';
import { registerSim } from './commands/sim.js';
import { registerDemo } from './commands/demo.js';
import { registerVerify } from './commands/verify.js';
import { registerCheck } from './commands/check.js';
import { registerLimits } from './commands/limits.js';
import { registerInspect } from './commands/inspect.js';
import { registerTop } from './commands/top.js';
import { registerRecord } from './commands/record.js';
import { registerReplay } from './commands/replay.js';

/** Builds the command tree; commands throw UsageError, which main.ts turns into exit status 2. */
export function buildProgram(): Command {
  const program = new Command('ptlab')
    .description(
      'A laboratory for the lifecycle of Linux user page tables:\n' +
        '  sim     predict VmPTE for a workload, exactly as the kernel counts it\n' +
        "  verify  run a workload on this machine's kernel and in the model, and diff\n" +
        '  check   model-check page-table freeing protocols against lockless walkers\n' +
        '  limits  worst-case page-table memory per architecture\n' +
        "  inspect a live process's page tables per mapping, empty tables, policies\n" +
        '  top     processes ranked by page-table memory, with wasted kB\n' +
        '  record  run a command and record what its page tables need (root)\n' +
        '  replay  replay a recorded trace in the model, under any kernel or policy',
    )
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');
  registerSim(program);
  registerVerify(program);
  registerCheck(program);
  registerLimits(program);
  registerInspect(program);
  registerTop(program);
  registerRecord(program);
  registerReplay(program);
  registerDemo(program);
  return program;
}
