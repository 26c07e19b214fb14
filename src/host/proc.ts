// Reads every process's page-table total from /proc/PID/status (no privilege needed), for `top`.

import { readdirSync, readFileSync } from 'node:fs';

/** One process as /proc shows it. */
export interface ProcEntry {
  readonly pid: number;
  readonly name: string;
  readonly uid: number;
  readonly vmpteKb: number;
  readonly rssKb: number;
  readonly threads: number;
  /** The command line, arguments joined by spaces ('' when hidden or empty). */
  readonly cmdline: string;
}

function field(status: string, key: string): string | undefined {
  const m = new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(status);
  return m?.[1];
}

/** Every user process with an mm (kernel threads and zombies have no VmPTE line and are left out). */
export function listProcesses(): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let status: string;
    try {
      status = readFileSync(`/proc/${name}/status`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const vmpte = field(status, 'VmPTE');
    if (vmpte === undefined || field(status, 'Kthread') === '1') continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      // hidden by hidepid or gone
    }
    out.push({
      pid: Number(name),
      name: field(status, 'Name') ?? '?',
      uid: parseInt(field(status, 'Uid') ?? '-1', 10),
      vmpteKb: parseInt(vmpte, 10),
      rssKb: parseInt(field(status, 'VmRSS') ?? '0', 10),
      threads: parseInt(field(status, 'Threads') ?? '1', 10),
      cmdline,
    });
  }
  return out;
}

/** The command name of process `pid`, or undefined when it is gone. */
export function processName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
