import { describe, expect, it } from 'vitest';
import { runCheck } from '../../../src/check/index.js';
import { checkResultJson } from '../../../src/report/check-json.js';
import { freeVsReader, independent } from '../../litmus/engine/programs.js';

describe('checkResultJson', () => {
  it('survives JSON.stringify and parse unchanged, with the format and version', () => {
    const json = checkResultJson(runCheck(freeVsReader()), { replayCommand: 'ptlab check x' });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(json.format).toBe('ptlab-check');
    expect(json.formatVersion).toBe(1);
    expect(json.replayCommand).toBe('ptlab check x');
  });

  it('keeps the verdict, violation, schedule and trace of a failure', () => {
    const r = runCheck(freeVsReader());
    const json = checkResultJson(r);
    expect(json.verdict).toBe('fail');
    if (json.verdict !== 'fail' || r.verdict !== 'fail') return;
    expect(json.violation).toEqual(r.violation);
    expect(json.schedule).toBe(r.schedule);
    expect(json.trace).toEqual(r.trace);
  });

  it('omits the replay command when there is nothing to replay', () => {
    const json = checkResultJson(runCheck(independent(2, 1).program), { replayCommand: 'x' });
    expect(json.verdict).toBe('pass');
    expect('replayCommand' in json).toBe(false);
  });
});
