// `ptlab replay` results as data: per-sample comparison, per-policy summaries, and Perfetto
// counter tracks (Chrome trace-event JSON, `ph: 'C'`): measured VmPTE next to each policy's model.

import type { ReplayResult } from '../trace/replay.js';
import { SCHEMA_VERSION } from './json.js';
import type { TextTable } from './sim-report.js';
import { groupDigits } from '../util/format.js';

const kb = (n: number): string => groupDigits(n);
const pct = (x: number): string => `${x.toFixed(2)}%`;

/** A column name for a replay: the policy, with the kernel when it decided it. */
export function replayName(r: ReplayResult): string {
  return r.policy === 'refcount' ? 'refcount (RFC 2022)' : `${r.kernel} (${r.policy})`;
}

/** Samples as rows, thinned to at most `max` rows (always keeping the worst and the last). */
export function replaySampleTable(r: ReplayResult, max = 20): TextTable {
  const s = r.samples;
  const keep = new Set<number>();
  const step = Math.max(1, Math.ceil(s.length / max));
  for (let i = 0; i < s.length; i += step) keep.add(i);
  if (s.length > 0) keep.add(s.length - 1);
  let worst = -1;
  s.forEach((x, i) => {
    if (worst < 0 || x.deviation_pct > (s[worst]?.deviation_pct ?? 0)) worst = i;
  });
  if (worst >= 0) keep.add(worst);
  const t0 = s[0]?.t ?? 0;
  return {
    head: ['ms', 'pid', 'measured kB', 'model kB', 'deviation', ''],
    rows: [...keep]
      .sort((a, b) => a - b)
      .map((i) => {
        const x = s[i];
        if (!x) return [];
        return [
          ((x.t - t0) / 1e6).toFixed(1),
          String(x.pid),
          kb(x.measured_kb),
          kb(x.model_kb),
          pct(x.deviation_pct),
          `${x.exit ? 'exit' : ''}${i === worst ? ' worst' : ''}`.trim(),
        ];
      }),
    numeric: [0, 1, 2, 3, 4],
  };
}

/** The summary lines under the table. */
export function replaySummary(r: ReplayResult): string {
  const lines = [
    `${replayName(r)}: ${r.samples.length} samples, max deviation ${pct(r.max_deviation_pct)}; ` +
      `final VmPTE model ${kb(r.final.model_vmpte_kb)} kB, measured ${kb(r.final.measured_vmpte_kb)} kB; ${r.events} events`,
  ];
  if (r.samples_skipped > 0) {
    lines.push(
      `  ${r.samples_skipped} samples not compared (read while no model described the process: before its exec, during an exec or exit, or after a fork)`,
    );
  }
  const nl = Object.entries(r.not_lowered);
  if (nl.length > 0) {
    lines.push(
      `  not lowered (the model lacks them): ${nl.map(([k, v]) => `${k} x${v}`).join(', ')}`,
    );
  }
  const ap = Object.entries(r.approximated);
  if (ap.length > 0) {
    lines.push(`  approximated: ${ap.map(([k, v]) => `${k} x${v}`).join(', ')}`);
  }
  return lines.join('\n');
}

/** One row per policy: final VmPTE and worst deviation. */
export function replayCompareTable(runs: readonly ReplayResult[]): TextTable {
  return {
    head: ['design', 'final model kB', 'measured kB', 'max deviation'],
    rows: runs.map((r) => [
      replayName(r),
      kb(r.final.model_vmpte_kb),
      kb(r.final.measured_vmpte_kb),
      pct(r.max_deviation_pct),
    ]),
    numeric: [1, 2, 3],
  };
}

/**
 * The JSON document (docs/schemas/replay.schema.json): the main replay's fields at the top (issue
 * #8 contract: samples, max_deviation_pct, final), and every replay in `runs` (one without
 * --compare, one per design with it), so the shape never depends on the flags.
 */
export function replayDocument(
  file: string,
  main: ReplayResult,
  runs: readonly ReplayResult[],
): Record<string, unknown> {
  return { schema_version: SCHEMA_VERSION, command: 'replay', file, ...main, runs: [...runs] };
}

/** A Chrome trace-event counter sample. */
export interface CounterEvent {
  readonly name: string;
  readonly ph: 'C' | 'M';
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly args: Readonly<Record<string, number | string>>;
}

/** Perfetto counter tracks: `VmPTE measured` and one `VmPTE <design>` track per replay. */
export function replayCounterTrace(runs: readonly ReplayResult[]): {
  traceEvents: CounterEvent[];
  displayTimeUnit: 'ms';
} {
  const first = runs[0];
  const t0 = first?.samples[0]?.t ?? 0;
  const events: CounterEvent[] = [
    { name: 'process_name', ph: 'M', pid: 1, tid: 0, args: { name: 'ptlab replay' } },
  ];
  for (const s of first?.samples ?? []) {
    events.push({
      name: `VmPTE measured (pid ${s.pid}) kB`,
      ph: 'C',
      pid: 1,
      tid: 0,
      ts: (s.t - t0) / 1000,
      args: { kB: s.measured_kb },
    });
  }
  for (const r of runs) {
    for (const s of r.samples) {
      events.push({
        name: `VmPTE ${replayName(r)} (pid ${s.pid}) kB`,
        ph: 'C',
        pid: 1,
        tid: 0,
        ts: (s.t - t0) / 1000,
        args: { kB: s.model_kb },
      });
    }
  }
  return { traceEvents: events, displayTimeUnit: 'ms' };
}
