import { describe, expect, it } from 'vitest';
import { runCheck, type CheckFail, type CheckResult } from '../../../src/check/index.js';
import { formatCheckResult, swimlane, verdictLine } from '../../../src/report/check-printer.js';
import {
  abbaDeadlock,
  freeVsReader,
  independent,
  racyCounter,
} from '../../litmus/engine/programs.js';

function fail(r: CheckResult): CheckFail {
  if (r.verdict !== 'fail') throw new Error(`expected a failure, got ${r.verdict}`);
  return r;
}

describe('formatCheckResult', () => {
  it('prints PASS with the program, the executions and the strategy', () => {
    const r = runCheck(independent(2, 2).program);
    expect(verdictLine(r)).toMatch(/^PASS +independent_2x2 +exhaustive: 1 execution +\(dfs\+dpor/);
  });

  it('prints BOUNDED with the limits hit', () => {
    const r = runCheck(independent(2, 2).program, {
      strategy: 'random',
      maxIterations: 5,
      seed: 9,
    });
    const line = verdictLine(r);
    expect(line).toMatch(/^BOUNDED +independent_2x2 +no violation in 5 executions/);
    expect(line).toContain('maxIterations');
    expect(line).toContain('seed 9');
  });

  it('prints the elapsed time when the result carries one', () => {
    let t = 0;
    const r = runCheck(independent(2, 2).program, { now: () => (t += 250) });
    expect(verdictLine(r)).toMatch(/ \d+\.\d\d s$/);
  });

  it('draws one column per thread with each step in its thread column, and marks the failing step', () => {
    const f = fail(runCheck(freeVsReader()));
    const lines = swimlane(f, 20);
    expect(lines[0]).toMatch(/step \| T0 freer +\| T1 reader$/);
    const body = lines.slice(2, 2 + f.trace.length);
    f.trace.forEach((s, i) => {
      const cells = body[i].replace(/<==.*$/, '').split('|');
      expect(cells[1 + s.thread].trim()).toBe(s.label);
      expect(cells[2 - s.thread].trim()).toBe('');
    });
    const marked = lines.filter((l) => l.startsWith('>>'));
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatch(/^>> +4 \|.*use table.*<== use-after-free$/);
  });

  it('shows the blocked next steps of a deadlock on a marked last row', () => {
    const f = fail(runCheck(abbaDeadlock().program));
    const last = swimlane(f).at(-1) ?? '';
    expect(last).toMatch(/^>> +next \| blocked: lock b +\| blocked: lock a +<== deadlock$/);
  });

  it('prints the violation, its details, the state and the replay command last', () => {
    const f = fail(runCheck(racyCounter(2)));
    const text = formatCheckResult(f, { replayCommand: 'ptlab check racy --replay TOKEN' });
    expect(text.split('\n')[0]).toMatch(/^FAIL +racy_counter_2 +assertion found after/);
    expect(text).toContain('violation: assertion\n  x = 1 after 2 increments\n  x  1');
    expect(text).toContain(`schedule: ${f.schedule}`);
    expect(text).toContain('state at the failure:\n  x = 1');
    expect(text.split('\n').at(-1)).toBe('replay: ptlab check racy --replay TOKEN');
  });

  it('makes each column as wide as its longest entry', () => {
    const f = fail(runCheck(freeVsReader()));
    const [head, rule] = swimlane(f, 40);
    expect(rule.split('+').map((c) => c.length)).toEqual([
      8,
      'free table'.length + 2,
      'T1 reader'.length + 1,
    ]);
    expect(head).toMatch(/\| T0 freer {3}\| T1 reader$/);
  });

  it('cuts labels longer than the column and keeps the columns aligned', () => {
    const f = fail(runCheck(freeVsReader()));
    const lines = swimlane(f, 8);
    const bars = lines.filter((l) => !l.startsWith('-')).map((l) => l.indexOf('|'));
    expect(new Set(bars).size).toBe(1);
    expect(lines.some((l) => l.includes('free ta~'))).toBe(true);
  });
});
