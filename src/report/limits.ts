// The worst-case page-table memory table of seed 000 (the 2022 RFC's cover letter), recomputed
// from each architecture's geometry, as data for the text and JSON printers.

import { getArch, worstCasePgtables, type ArchGeometry } from '../arch/index.js';
import type { TextTable } from './sim-report.js';
import { SCHEMA_VERSION } from './json.js';

/** One column of the limits table: an address-space size on one architecture. */
export interface LimitsColumn {
  readonly arch: string;
  readonly title: string;
  readonly userBytes: number;
  readonly pteBytes: number;
  readonly pmdBytes: number;
  readonly pudBytes: number;
}

/** The figures seed 000 printed, for comparison (bytes). */
export const SEED_000 = {
  '32-bit': { pte: 3 * 2 ** 20, pmd: 3 * 2 ** 10 },
  '64-bit': { pte: 512 * 2 ** 30, pmd: 2 ** 30 },
} as const;

function column(g: ArchGeometry, title: string, userPages: number): LimitsColumn {
  const w = worstCasePgtables(g, userPages);
  return {
    arch: g.name,
    title,
    userBytes: userPages * g.PAGE_SIZE,
    pteBytes: w.pteTables * g.nominalBytes.pte,
    pmdBytes: w.pmdTables * g.nominalBytes.pmd,
    pudBytes: w.pudTables * g.nominalBytes.pud,
  };
}

/**
 * Columns for `arch`: its real user address space (TASK_SIZE) and, for 64-bit arches, the full
 * 48-bit space seed 000 assumed. Without an arch: seed 000's 32-bit and 64-bit rows (i386 and
 * x86_64).
 */
export function limitsColumns(arch?: string): LimitsColumn[] {
  if (arch === undefined) {
    const i386 = getArch('i386');
    const x86 = getArch('x86_64');
    return [
      column(i386, 'i386, 3 GiB user', i386.TASK_SIZE),
      column(x86, 'x86_64, 128 TiB user (47-bit)', x86.TASK_SIZE),
      column(x86, 'x86_64, full 48-bit (seed 000)', 2 ** 48 / x86.PAGE_SIZE),
    ];
  }
  const g = getArch(arch);
  const cols = [
    column(g, `${g.name}, user space (${size(g.TASK_SIZE * g.PAGE_SIZE)})`, g.TASK_SIZE),
  ];
  if (g.userVaBits > 32 && g.userVaBits !== 48) {
    cols.push(column(g, `${g.name}, full 48-bit (seed 000)`, 2 ** 48 / g.PAGE_SIZE));
  }
  return cols;
}

/** The columns as a table: rows PTE, PMD, PUD and total. */
export function limitsTable(cols: readonly LimitsColumn[]): TextTable {
  const row = (name: string, f: (c: LimitsColumn) => number): string[] => [
    name,
    ...cols.map((c) => size(f(c))),
  ];
  return {
    head: ['worst case', ...cols.map((c) => c.title)],
    rows: [
      row('user PTE page table pages', (c) => c.pteBytes),
      row('user PMD page table pages', (c) => c.pmdBytes),
      row('user PUD page table pages', (c) => c.pudBytes),
      row('VmPTE (all counted levels)', (c) => c.pteBytes + c.pmdBytes + c.pudBytes),
    ],
    numeric: cols.map((_, i) => i + 1),
  };
}

/** Bytes in the largest binary unit that keeps an integer or one decimal, e.g. `512 GiB`. */
export function size(bytes: number): string {
  if (bytes === 0) return '0';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}

/** `ptlab limits --format json` (docs/schemas/limits.schema.json). */
export function limitsDocument(cols: readonly LimitsColumn[]): Record<string, unknown> {
  return {
    schema_version: SCHEMA_VERSION,
    command: 'limits',
    columns: cols.map((c) => ({
      arch: c.arch,
      title: c.title,
      user_bytes: c.userBytes,
      pte_bytes: c.pteBytes,
      pmd_bytes: c.pmdBytes,
      pud_bytes: c.pudBytes,
    })),
    seed_000: [
      { bits: 32, pte_bytes: SEED_000['32-bit'].pte, pmd_bytes: SEED_000['32-bit'].pmd },
      { bits: 64, pte_bytes: SEED_000['64-bit'].pte, pmd_bytes: SEED_000['64-bit'].pmd },
    ],
  };
}
