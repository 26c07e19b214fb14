// `ptlab top` results as data: processes ranked by VmPTE, with the wasted kB of the ones scanned.

import { SCHEMA_VERSION } from './json.js';
import type { TextTable } from './sim-report.js';
import { groupDigits } from '../util/format.js';

/** One process row. `needed_kb`/`wasted_kb` are null when it was not scanned (or could not be). */
export interface TopRow {
  readonly pid: number;
  readonly command: string;
  readonly uid: number;
  readonly threads: number;
  readonly rss_kb: number;
  readonly vmpte_kb: number;
  readonly needed_kb: number | null;
  readonly wasted_kb: number | null;
  /** Why the process was not scanned, when it was among those to scan. */
  readonly note: string | null;
}

/** One refresh. */
export interface TopReport {
  readonly processes: number;
  readonly total_vmpte_kb: number;
  readonly frozen: boolean;
  readonly rows: readonly TopRow[];
}

const kb = (n: number | null): string => (n === null ? '-' : groupDigits(n));

/** The ranked table. */
export function topTable(r: TopReport): TextTable {
  return {
    head: ['PID', 'command', 'threads', 'RSS kB', 'VmPTE kB', 'needed kB', 'wasted kB'],
    rows: r.rows.map((p) => [
      String(p.pid),
      p.command,
      String(p.threads),
      kb(p.rss_kb),
      kb(p.vmpte_kb),
      kb(p.needed_kb),
      p.wasted_kb === null && p.note ? p.note : kb(p.wasted_kb),
    ]),
    numeric: [0, 2, 3, 4, 5, 6],
  };
}

/** The header line above the table. */
export function topHeader(r: TopReport, when: string): string {
  return (
    `${when}  ${r.processes} processes, page tables ${kb(r.total_vmpte_kb)} kB in all; ` +
    `wasted = VmPTE minus what present pages need (${r.frozen ? 'scanned frozen' : 'scanned running, not frozen'})`
  );
}

/** One refresh as a JSON document (docs/schemas/top.schema.json; one per line in ndjson). */
export function topDocument(r: TopReport): Record<string, unknown> {
  return { schema_version: SCHEMA_VERSION, command: 'top', ...r };
}
