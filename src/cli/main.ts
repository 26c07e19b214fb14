#!/usr/bin/env node
// Entry point of the `ptlab` command: runs the command tree and maps failures to exit statuses
// (0 ok, 1 a finding such as a failed check or a fidelity mismatch, 2 a user error, 70 a ptlab bug).

import { CommanderError } from 'commander';
import { UsageError } from '../util/errors.js';
import { buildProgram } from './program.js';
import { err } from './io.js';

async function main(): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its message; help and version are not errors.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) {
      err(`ptlab: ${e.format()}`);
      return 2;
    }
    const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
    err(`ptlab: internal error (a bug in ptlab, please report it with the command line):\n${msg}`);
    return 70;
  }
}

process.exitCode = await main();
