#!/usr/bin/env node
// Placeholder entry point; the command set is assembled in src/cli/program.ts.
console.log('ptlab');
