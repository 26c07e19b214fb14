import { describe, expect, it } from 'vitest';
import { runCheck } from '../../../src/check/index.js';
import { checkDocument, checkResultJson } from '../../../src/report/check-json.js';
import { freeVsReader, independent } from '../../litmus/engine/programs.js';
import { expectSchema } from '../../helpers/schema.js';

describe('checkResultJson', () => {
  it('survives JSON.stringify and parse unchanged, inside a document with schema_version', () => {
    const json = checkResultJson(runCheck(freeVsReader()), { replayCommand: 'ptlab check x' });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    const doc = checkDocument('x', [], [json]);
    expect(doc.schema_version).toBe(1);
    expect(json.replay_command).toBe('ptlab check x');
    expectSchema('check', doc);
  });

  it('keeps the verdict, violation, schedule and trace of a failure', () => {
    const r = runCheck(freeVsReader());
    const json = checkResultJson(r);
    expect(json.verdict).toBe('fail');
    if (r.verdict !== 'fail') return;
    expect(json.violation?.kind).toBe(r.violation.kind);
    expect(json.violation?.message).toBe(r.violation.message);
    expect(json.schedule).toBe(r.schedule);
    expect(json.trace.map((t) => [t.index, t.thread_name, t.label])).toEqual(
      r.trace.map((t) => [t.index, t.threadName, t.label]),
    );
  });

  it('has the same keys for a pass, with null and empty values for what is absent', () => {
    const pass = checkResultJson(runCheck(independent(2, 1).program), { replayCommand: 'x' });
    const fail = checkResultJson(runCheck(freeVsReader()), { replayCommand: 'x' });
    expect(pass.verdict).toBe('pass');
    expect(Object.keys(pass).sort()).toEqual(Object.keys(fail).sort());
    expect(pass.replay_command).toBeNull();
    expect(pass.violation).toBeNull();
    expect(pass.trace).toEqual([]);
    expectSchema('check', checkDocument('x', [], [pass]));
  });
});
