// `ptlab inspect` results as data: a footprint-like table per mapping, the totals against the
// kernel's VmPTE, and what each freeing policy would free now. JSON keys are the issue #8 contract.

import type { TablePrediction } from '../trace/predict.js';
import type { ProcessSnapshot, SnapshotMapping } from '../trace/snapshot.js';
import { SCHEMA_VERSION } from './json.js';
import type { TextTable } from './sim-report.js';
import { groupDigits } from '../util/format.js';

/** What one policy would free in this process right now. */
export interface PolicyNow {
  readonly policy: string;
  readonly frees_kb: number;
  readonly vmpte_kb_after: number;
  readonly why: string;
}

/** One mapping's row. `empty_pte_tables` and `wasted_kb` are upper bounds unless `exact`. */
export interface InspectMapping {
  readonly start: string;
  readonly end: string;
  readonly path: string;
  readonly perms: string;
  readonly rss_kb: number;
  readonly pte_tables_needed: number;
  readonly empty_pte_tables: number;
  readonly wasted_kb: number;
}

/** The whole inspection. */
export interface InspectReport {
  readonly pid: number;
  /** The process's command name (`comm`). */
  readonly comm: string;
  readonly vmpte_kb: number;
  readonly needed_kb: number;
  readonly wasted_kb: number;
  /** Empty tables (VmPTE minus the prediction, in 4 kB tables; PTE tables unless PMDs emptied too). */
  readonly empty_pte_tables: number;
  /** True when per-mapping figures come from the kernel's tables; else they are upper bounds. */
  readonly exact: boolean;
  readonly tables_needed: { readonly pte: number; readonly pmd: number; readonly pud: number };
  readonly scan: {
    readonly method: string;
    readonly frozen: boolean;
    readonly freeze_ms: number;
    readonly stop_wait_ms: number;
    readonly threads: number;
    readonly vmpte_before_kb: number;
    readonly vmpte_after_kb: number;
  };
  readonly policies: readonly PolicyNow[];
  readonly mappings: readonly InspectMapping[];
  readonly warnings: readonly string[];
}

const PAGE = 4096;
const hex = (vpn: number): string => `0x${(vpn * PAGE).toString(16)}`;
const ms = (us: number): number => Math.round(us / 10) / 100;

/** The label footprint users expect: the path, or [anon] / [heap] / [stack] / [vdso]... */
export function mappingLabel(m: SnapshotMapping): string {
  if (m.path !== '') return m.path;
  return m.file ? '[shmem]' : '[anon]';
}

/** Builds the report from a scan and its prediction. */
export function inspectReport(
  snap: ProcessSnapshot,
  pred: TablePrediction,
  command: string,
): InspectReport {
  const vmpte = snap.vmpteBeforeKb;
  const wasted = Math.max(0, vmpte - pred.neededKb);
  const empty = Math.floor(wasted / 4);
  const warnings: string[] = [];
  if (snap.vmpteAfterKb !== snap.vmpteBeforeKb) {
    warnings.push(
      `VmPTE changed during the scan (${snap.vmpteBeforeKb} -> ${snap.vmpteAfterKb} kB)${snap.frozen ? '' : ': the process ran (--no-freeze)'}; the figures may mix two states`,
    );
  }
  if (pred.neededKb > vmpte) {
    warnings.push(
      `the prediction (${pred.neededKb} kB) exceeds VmPTE (${vmpte} kB): the process changed during the scan, or a mapping kind ptlab does not know`,
    );
  }
  const mappings = pred.mappings.map((t): InspectMapping => {
    const e = Math.min(t.emptyCandidates, empty);
    return {
      start: hex(t.mapping.startVpn),
      end: hex(t.mapping.endVpn),
      path: mappingLabel(t.mapping),
      perms: t.mapping.perms,
      rss_kb: t.mapping.rssKb,
      pte_tables_needed: t.neededPte,
      empty_pte_tables: e,
      wasted_kb: e * 4,
    };
  });
  return {
    pid: snap.pid,
    comm: command,
    vmpte_kb: vmpte,
    needed_kb: pred.neededKb,
    wasted_kb: wasted,
    empty_pte_tables: empty,
    exact: false,
    tables_needed: { pte: pred.pte, pmd: pred.pmd, pud: pred.pud },
    scan: {
      method: snap.method,
      frozen: snap.frozen,
      freeze_ms: ms(snap.freezeUs),
      stop_wait_ms: ms(snap.stopWaitUs),
      threads: snap.threads,
      vmpte_before_kb: snap.vmpteBeforeKb,
      vmpte_after_kb: snap.vmpteAfterKb,
    },
    policies: policiesNow(vmpte, wasted),
    mappings,
    warnings,
  };
}

/** Counterfactuals: what each design would free in this state (policy names of src/policy). */
export function policiesNow(vmpteKb: number, wastedKb: number): PolicyNow[] {
  return [
    {
      policy: 'none',
      frees_kb: 0,
      vmpte_kb_after: vmpteKb,
      why: 'up to 6.13: empty tables stay until munmap or exit',
    },
    {
      policy: 'pt_reclaim',
      frees_kb: 0,
      vmpte_kb_after: vmpteKb,
      why: '6.14+: already ran at each MADV_DONTNEED; these tables were not covered by one',
    },
    {
      policy: 'refcount',
      frees_kb: wastedKb,
      vmpte_kb_after: vmpteKb - wastedKb,
      why: 'the 2022 RFC and FreeBSD-like designs free every table whose last entry went',
    },
  ];
}

const kb = (n: number): string => groupDigits(n);

/** The per-mapping table; `limit` keeps the rows with the most wasted kB (then address order). */
export function inspectTable(r: InspectReport, limit?: number): TextTable {
  let rows = r.mappings;
  if (limit !== undefined && rows.length > limit) {
    const keep = new Set(
      [...rows]
        .sort((a, b) => b.wasted_kb - a.wasted_kb || b.pte_tables_needed - a.pte_tables_needed)
        .slice(0, limit),
    );
    rows = rows.filter((m) => keep.has(m));
  }
  const bound = r.exact ? '' : ' ≤';
  return {
    head: ['range', 'mapping', 'RSS kB', 'PTE tables', `empty${bound}`, `wasted kB${bound}`],
    rows: rows.map((m) => [
      `${m.start}-${m.end}`,
      m.path,
      kb(m.rss_kb),
      kb(m.pte_tables_needed),
      kb(m.empty_pte_tables),
      kb(m.wasted_kb),
    ]),
    numeric: [2, 3, 4, 5],
  };
}

/** The totals block under the table. */
export function inspectSummary(r: InspectReport): string {
  const s = r.scan;
  const lines = [
    `process ${r.pid} (${r.comm}): VmPTE ${kb(r.vmpte_kb)} kB, needed ${kb(r.needed_kb)} kB ` +
      `(${r.tables_needed.pte} PTE + ${r.tables_needed.pmd} PMD + ${r.tables_needed.pud} PUD tables), ` +
      `wasted ${kb(r.wasted_kb)} kB (${r.empty_pte_tables} empty tables)`,
    ...r.policies.map(
      (p) =>
        `  ${p.policy.padEnd(10)} would free ${kb(p.frees_kb).padStart(8)} kB now -> VmPTE ${kb(p.vmpte_kb_after)} kB  (${p.why})`,
    ),
    `scan: ${s.method}, ${s.threads} threads, ${s.frozen ? `frozen ${s.freeze_ms} ms (stopping took ${s.stop_wait_ms} ms)` : 'not frozen'}` +
      (r.exact
        ? ''
        : '; per-mapping empty/wasted figures are upper bounds (--exact reads the kernel tables)'),
    ...r.warnings.map((w) => `warning: ${w}`),
  ];
  return lines.join('\n');
}

/** The `--format json` document (docs/schemas/inspect.schema.json). */
export function inspectDocument(r: InspectReport): Record<string, unknown> {
  return { schema_version: SCHEMA_VERSION, command: 'inspect', ...r };
}
