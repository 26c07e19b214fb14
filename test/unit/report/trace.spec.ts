import { describe, expect, it } from 'vitest';
import { runCheck, type CheckFail, type CheckResult } from '../../../src/check/index.js';
import { chromeTrace } from '../../../src/report/trace.js';
import { abbaDeadlock, freeVsReader } from '../../litmus/engine/programs.js';

function fail(r: CheckResult): CheckFail {
  if (r.verdict !== 'fail') throw new Error(`expected a failure, got ${r.verdict}`);
  return r;
}

describe('chromeTrace', () => {
  it('names one track per thread with metadata events', () => {
    const f = fail(runCheck(freeVsReader()));
    const names = chromeTrace(f).traceEvents.filter(
      (e) => e.ph === 'M' && e.name === 'thread_name',
    );
    expect(names.map((e) => [e.tid, e.args?.name])).toEqual([
      [1, 'freer'],
      [2, 'reader'],
    ]);
  });

  it('draws each step as a complete event on its thread, in order, without overlap', () => {
    const f = fail(runCheck(freeVsReader()));
    const slices = chromeTrace(f).traceEvents.filter((e) => e.ph === 'X');
    expect(slices.map((e) => [e.tid, e.name])).toEqual(f.trace.map((s) => [s.thread + 1, s.label]));
    for (let i = 1; i < slices.length; i++) {
      expect(slices[i].ts ?? 0).toBeGreaterThanOrEqual(
        (slices[i - 1].ts ?? 0) + (slices[i - 1].dur ?? 0),
      );
    }
    expect(slices[0].args).toMatchObject({ obj: f.trace[0].obj, access: f.trace[0].access });
  });

  it('puts the violation on the failing thread right after its step', () => {
    const f = fail(runCheck(freeVsReader()));
    const events = chromeTrace(f).traceEvents;
    const v = events.find((e) => e.cat === 'violation');
    const last = events.filter((e) => e.ph === 'X').at(-1);
    expect(v).toMatchObject({ ph: 'i', s: 't', tid: last?.tid });
    expect(v?.ts).toBe((last?.ts ?? 0) + (last?.dur ?? 0));
    expect(v?.name).toContain('use-after-free');
  });

  it('marks a deadlock globally and shows each blocked step', () => {
    const f = fail(runCheck(abbaDeadlock().program));
    const events = chromeTrace(f).traceEvents;
    expect(events.find((e) => e.cat === 'violation')).toMatchObject({ s: 'g' });
    expect(events.filter((e) => e.cat === 'pending').map((e) => e.name)).toEqual([
      'blocked: lock b',
      'blocked: lock a',
    ]);
  });

  it('is plain JSON with a traceEvents array', () => {
    const trace = chromeTrace(fail(runCheck(freeVsReader())));
    const parsed = JSON.parse(JSON.stringify(trace)) as { traceEvents: unknown[] };
    expect(Array.isArray(parsed.traceEvents)).toBe(true);
    expect(parsed).toEqual(trace);
  });
});
