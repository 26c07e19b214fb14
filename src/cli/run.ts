// Runs a ptlab command line and maps failures to exit statuses (0 ok, 1 a finding such as a failed
// check or a fidelity mismatch, 2 a user or environment error, 70 a bug in ptlab). In
// `--format json` mode a failure is also printed as a JSON document on stdout.

import { CommanderError } from 'commander';
import { UsageError } from '../util/errors.js';
import { errorDocument, usageErrorJson, type ErrorJson } from '../report/json.js';
import { buildProgram, commandOf } from './program.js';
import { err, installStreamGuards, out, outJson } from './io.js';
import { setColorMode } from './terminal.js';

/**
 * The JSON format a command line asks for (`--format json`, `-f ndjson`, `--format=json`), if any:
 * errors are then printed in it too.
 */
export function jsonFormat(args: readonly string[]): 'json' | 'ndjson' | undefined {
  let found: 'json' | 'ndjson' | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    const v =
      a === '--format' || a === '-f'
        ? args[i + 1]
        : a.startsWith('--format=')
          ? a.slice(9)
          : a.startsWith('-f') && a.length > 2
            ? a.slice(2)
            : undefined;
    if (v === 'json' || v === 'ndjson') found = v;
    else if (v !== undefined) found = undefined;
  }
  return found;
}

/**
 * Takes `--color WHEN`, `--color=WHEN` and `--no-color` out of the arguments wherever they are, so
 * the global option works before or after the command name.
 */
export function extractColor(args: readonly string[]): { args: string[]; color?: string } {
  const rest: string[] = [];
  let color: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (a === '--color' && i + 1 < args.length) color = args[++i];
    else if (a.startsWith('--color=')) color = a.slice(8);
    else if (a === '--no-color') color = 'never';
    else rest.push(a);
  }
  return color === undefined ? { args: rest } : { args: rest, color };
}

/** Runs `ptlab ARGS` and returns the exit status. */
export async function run(allArgs: readonly string[]): Promise<number> {
  installStreamGuards();
  const { args, color } = extractColor(allArgs);
  const json = jsonFormat(args);
  const command = commandOf(args) ?? null;
  const fail = (error: ErrorJson, status: number): number => {
    if (json === 'json') outJson(errorDocument(command, error));
    else if (json === 'ndjson') out(JSON.stringify(errorDocument(command, error)));
    return status;
  };
  try {
    setColorMode(color);
    const program = await buildProgram(args);
    await program.parseAsync([...args], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its message; help and version are not errors.
      if (e.exitCode === 0) return 0;
      const message = e.message.replace(/^error: /, '');
      return fail({ code: 'option', message, errno: null, where: null }, 2);
    }
    if (e instanceof UsageError) {
      err(`ptlab: ${e.format()}`);
      return fail(usageErrorJson(e), 2);
    }
    const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
    err(`ptlab: internal error (a bug in ptlab, please report it with the command line):\n${msg}`);
    const message = e instanceof Error ? e.message : String(e);
    return fail({ code: 'internal', message, errno: null, where: null }, 70);
  }
}
