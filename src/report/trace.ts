// A failing execution as Chrome trace-event JSON (the format Perfetto and chrome://tracing open):
// one track per thread, one slice per step, an instant event where the violation was found, and
// flow events (arrows) for the happens-before edges between threads.

import type { CheckFail } from '../check/index.js';

/** One trace event (see the Trace Event Format document). */
export interface TraceEvent {
  readonly name: string;
  readonly ph: 'X' | 'i' | 'M' | 's' | 'f';
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  /** Scope of an instant event: thread or global. */
  readonly s?: 't' | 'g';
  /** Flow events: the id pairing a start (`s`) with its finish (`f`). */
  readonly id?: number;
  /** Flow finish binding: `e` binds to the enclosing slice. */
  readonly bp?: 'e';
  readonly args?: Readonly<Record<string, string | number>>;
}

/** The JSON object form of a trace file. */
export interface ChromeTrace {
  readonly traceEvents: readonly TraceEvent[];
  readonly displayTimeUnit: 'ms' | 'ns';
  readonly otherData: Readonly<Record<string, string>>;
}

const PID = 1;
/** Steps have no duration in the model; each is drawn as this many microseconds. */
const STEP_US = 10;

/**
 * Builds the trace of a failure: steps are laid out back to back on a logical clock (step `i`
 * starts at `i * 10` microseconds) on per-thread tracks named after the threads.
 */
export function chromeTrace(fail: CheckFail): ChromeTrace {
  const events: TraceEvent[] = [
    { name: 'process_name', ph: 'M', pid: PID, tid: 0, args: { name: fail.program } },
  ];
  fail.threads.forEach((name, t) => {
    events.push({ name: 'thread_name', ph: 'M', pid: PID, tid: t + 1, args: { name } });
    events.push({
      name: 'thread_sort_index',
      ph: 'M',
      pid: PID,
      tid: t + 1,
      args: { sort_index: t },
    });
  });
  for (const s of fail.trace) {
    events.push({
      name: s.label,
      cat: s.access,
      ph: 'X',
      pid: PID,
      tid: s.thread + 1,
      ts: s.index * STEP_US,
      dur: STEP_US,
      args: { step: s.index + 1, obj: s.obj, access: s.access },
    });
  }
  events.push(...happensBeforeFlows(fail));
  const end = fail.trace.length * STEP_US;
  for (const p of fail.pending) {
    events.push({
      name: `${p.blocked ? 'blocked' : 'next'}: ${p.label}`,
      cat: 'pending',
      ph: 'i',
      s: 't',
      pid: PID,
      tid: p.thread + 1,
      ts: end,
      args: { obj: p.obj, access: p.access },
    });
  }
  const v = fail.violation;
  const failed = fail.failedStep;
  events.push({
    name: `${v.kind}: ${v.message}`,
    cat: 'violation',
    ph: 'i',
    s: failed === null ? 'g' : 't',
    pid: PID,
    tid: failed === null ? 0 : fail.trace[failed].thread + 1,
    ts: failed === null ? end : (failed + 1) * STEP_US,
    args: { ...(v.details ?? {}), kind: v.kind },
  });
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: { program: fail.program, schedule: fail.schedule, strategy: fail.stats.strategy },
  };
}

/**
 * The happens-before edges between threads as flow events (arrows in Perfetto): from each step to
 * the next step of another thread that conflicts with it on the same object (a write and a later
 * access, a read and a later write; reads commute with reads, adds with adds). Only the nearest
 * conflicting predecessor per object and thread pair is drawn, which keeps the arrows readable.
 */
export function happensBeforeFlows(fail: CheckFail): TraceEvent[] {
  const events: TraceEvent[] = [];
  const kind = (a: string): number => (a === 'read' ? 0 : a === 'add' ? 1 : 2);
  let id = 1;
  fail.trace.forEach((s, i) => {
    const k = kind(s.access);
    const from = new Set<number>();
    for (let j = i - 1; j >= 0; j--) {
      const p = fail.trace[j];
      if (p.obj !== s.obj) continue;
      const kp = kind(p.access);
      if (kp !== 2 && kp === k) continue;
      if (p.thread !== s.thread && !from.has(p.thread)) {
        from.add(p.thread);
        const args = { obj: s.obj, from_step: p.index + 1, to_step: s.index + 1 };
        const name = `hb ${s.obj}`;
        events.push({
          name,
          cat: 'happens-before',
          ph: 's',
          id,
          pid: PID,
          tid: p.thread + 1,
          ts: p.index * STEP_US + STEP_US / 2,
          args,
        });
        events.push({
          name,
          cat: 'happens-before',
          ph: 'f',
          bp: 'e',
          id,
          pid: PID,
          tid: s.thread + 1,
          ts: s.index * STEP_US + STEP_US / 2,
          args,
        });
        id++;
      }
      // An earlier write of the object is ordered before this one through p.
      if (kp === 2) break;
    }
  });
  return events;
}
