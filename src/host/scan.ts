// Scans a live process with native/ptlab-scan.c: freeze (SIGSTOP until every thread is stopped),
// read smaps and pagemap, thaw. Refuses PID 1 and ptlab itself unless told, and turns ESRCH, EPERM,
// zombies and kernel threads into user errors (exit 2). Never writes to /proc.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { UsageError } from '../util/errors.js';
import type { ProcessSnapshot } from '../trace/snapshot.js';
import { isScanFailure, parseScanOutput } from '../trace/snapshot.js';
import { nativeHelper } from './native.js';

/** Options of {@link scanProcess}. */
export interface ScanOptions {
  /** Stop the process during the scan (default true). */
  readonly freeze?: boolean;
  /** Longest freeze in milliseconds; the helper resumes the target and fails past it (default 5000). */
  readonly maxFreezeMs?: number;
  /** 'auto' (PAGEMAP_SCAN when the kernel has it, default), 'scan' or 'pagemap'. */
  readonly method?: 'auto' | 'scan' | 'pagemap';
  /** Allow PID 1 and ptlab's own process (default false). */
  readonly force?: boolean;
}

const HINTS: Readonly<Record<string, string>> = {
  EPERM: 'run as the same user as the process, or as root (see README, privileges)',
  ESRCH: 'check the PID (ps, pgrep)',
  TIMEOUT:
    'the process did not stop in time; --max-freeze-ms raises the bound, --no-freeze skips it',
};

/** Refuses targets whose freezing would hang the machine or ptlab itself. */
export function checkTarget(pid: number, force: boolean): void {
  if (force) return;
  if (pid === 1) {
    throw new UsageError(
      'host',
      'refusing to freeze PID 1 (init): pass --force to inspect it anyway, or --no-freeze',
    );
  }
  if (pid === process.pid || pid === process.ppid) {
    throw new UsageError(
      'host',
      `refusing to inspect ptlab's own process ${pid} (--force overrides)`,
    );
  }
}

function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/**
 * Scans process `pid`. Throws UsageError('host') with the cause and a hint when the process
 * cannot be scanned; the target is never left stopped.
 */
export function scanProcess(pid: number, options: ScanOptions = {}): ProcessSnapshot {
  const freeze = options.freeze ?? true;
  if (freeze) checkTarget(pid, options.force ?? false);
  const helper = nativeHelper('ptlab-scan');
  if (!helper.ok) throw new UsageError('host', `cannot scan processes here: ${helper.reason}`);
  const before = stateOf(pid);
  const args = [
    ...(freeze ? [] : ['--no-freeze']),
    '--max-freeze-ms',
    String(options.maxFreezeMs ?? 5000),
    '--method',
    options.method ?? 'auto',
    String(pid),
  ];
  const r = spawnSync(helper.binary, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0 && before !== undefined && before !== 'T' && before !== 't') {
    // The helper resumes the target on every path it controls; this covers it being killed.
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // already gone
    }
  }
  if (r.error) throw new UsageError('host', `cannot run ${helper.binary}: ${r.error.message}`);
  const parsed = parseScanOutput(r.stdout ?? '');
  if (isScanFailure(parsed)) {
    const hint = HINTS[parsed.code];
    throw new UsageError('host', `${parsed.code}: ${parsed.message}${hint ? ` (${hint})` : ''}`);
  }
  if (r.status !== 0) {
    throw new UsageError('host', `the scan helper failed (status ${r.status}): ${r.stderr}`);
  }
  return parsed;
}
