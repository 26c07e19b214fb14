// The `ptlab` command tree (commander), with lazily loaded commands: the registry below names each
// command with a one-line summary and a loader, and only the command being run is imported (its
// module, and the simulator or checker behind it). `ptlab --help` loads none of them.

import { Command } from 'commander';
import { VERSION } from './version.js';

/** A command of the registry: its name, its line in `ptlab --help`, and how to load it. */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  /** Imports the command's module and returns its register function. */
  readonly load: () => Promise<(program: Command) => void>;
}

/**
 * Every command. To add one: write `src/cli/commands/NAME.ts` exporting `registerNAME(program)`
 * and add an entry here; keep heavy imports out of this file so start-up stays fast.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'sim',
    summary: 'predict VmPTE for a workload, exactly as the kernel counts it',
    load: async () => (await import('./commands/sim.js')).registerSim,
  },
  {
    name: 'verify',
    summary: "run a workload on this machine's kernel and in the model, and diff",
    load: async () => (await import('./commands/verify.js')).registerVerify,
  },
  {
    name: 'check',
    summary: 'model-check page-table freeing protocols against lockless walkers',
    load: async () => (await import('./commands/check.js')).registerCheck,
  },
  {
    name: 'limits',
    summary: 'worst-case page-table memory per architecture',
    load: async () => (await import('./commands/limits.js')).registerLimits,
  },
  {
    name: 'inspect',
    summary: "a live process's page tables per mapping, empty tables, policies",
    load: async () => (await import('./commands/inspect.js')).registerInspect,
  },
  {
    name: 'top',
    summary: 'processes ranked by page-table memory, with wasted kB',
    load: async () => (await import('./commands/top.js')).registerTop,
  },
  {
    name: 'record',
    summary: 'run a command and record what its page tables need (root)',
    load: async () => (await import('./commands/record.js')).registerRecord,
  },
  {
    name: 'replay',
    summary: 'replay a recorded trace in the model, under any kernel or policy',
    load: async () => (await import('./commands/replay.js')).registerReplay,
  },
  {
    name: 'demo',
    summary: "the PT_RECLAIM series' benchmark under 6.13, 6.18 and the refcount design",
    load: async () => (await import('./commands/demo.js')).registerDemo,
  },
];

/** The command a command line runs (`ptlab help sim` runs sim's help), if any. */
export function commandOf(args: readonly string[]): string | undefined {
  const first = args.find((a) => !a.startsWith('-'));
  if (first === 'help') {
    const i = args.indexOf('help');
    return args.slice(i + 1).find((a) => !a.startsWith('-'));
  }
  return first;
}

/**
 * Builds the command tree for `args` (the arguments after `ptlab`): the command named there is
 * loaded in full, the others are listed by name and summary only. Commands throw UsageError,
 * which run.ts turns into exit status 2.
 */
export async function buildProgram(args: readonly string[] = []): Promise<Command> {
  const wanted = commandOf(args);
  const program = new Command('ptlab')
    .description(
      'A laboratory for the lifecycle of Linux user page tables:\n' +
        COMMANDS.map((c) => `  ${c.name.padEnd(7)} ${c.summary}`).join('\n'),
    )
    // `--version` only: `-V` belongs to `check --variant`, never to the program.
    .version(VERSION, '--version', 'print the version and exit')
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Global options (before or after the command):
  --color <when>  colour: auto (a terminal, NO_COLOR unset), always or never; --no-color = never
  -f, --format json|ndjson  every command's JSON has schema_version (docs/schemas); errors too

Exit status: 0 ok, 1 a finding (a check violation, a kernel/model difference), 2 bad input or
an environment problem (one line on stderr; JSON on stdout with --format json), 70 a bug in ptlab.`,
    );
  for (const c of COMMANDS) {
    if (c.name === wanted) (await c.load())(program);
    else program.command(c.name).description(c.summary);
  }
  return program;
}
