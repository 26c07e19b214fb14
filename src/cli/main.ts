#!/usr/bin/env node
// Entry point of the `ptlab` command. Kept tiny so start-up stays close to bare Node: `--version`
// is answered here, everything else loads the command tree (run.ts) and then only the command run.

import { VERSION } from './version.js';

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${VERSION}\n`);
} else {
  const { run } = await import('./run.js');
  process.exitCode = await run(args);
}
