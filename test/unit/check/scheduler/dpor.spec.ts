import { describe, expect, it } from 'vitest';
import { runCheck } from '../../../../src/check/index.js';
import {
  independent,
  lostUpdate,
  messagePassing,
  storeBuffering,
  writeReadCausality,
} from '../../../litmus/engine/programs.js';

/** Interleavings of n threads of k steps each: (nk)! / (k!)^n. */
function interleavings(n: number, k: number): number {
  const fact = (m: number): number => (m <= 1 ? 1 : m * fact(m - 1));
  return fact(n * k) / fact(k) ** n;
}

describe('source-DPOR', () => {
  it.each([
    [2, 3],
    [3, 2],
    [4, 1],
    [4, 2],
  ])('explores %i independent threads of %i steps once, plain DFS every interleaving', (n, k) => {
    const dpor = runCheck(independent(n, k).program, { dpor: true });
    const plain = runCheck(independent(n, k).program, { dpor: false });
    expect(dpor.verdict).toBe('pass');
    expect(plain.verdict).toBe('pass');
    expect(dpor.stats.executions).toBe(1);
    expect(plain.stats.executions).toBe(interleavings(n, k));
  });

  it('explores one execution per SC outcome of store buffering', () => {
    const l = storeBuffering();
    const r = runCheck(l.program);
    expect(r.stats.executions).toBe(l.expected.length);
  });

  it.each([
    ['store_buffering', storeBuffering],
    ['message_passing', messagePassing],
    ['write_read_causality', writeReadCausality],
    ['lost_update_3', () => lostUpdate(3, { locked: false })],
    ['locked_update_3', () => lostUpdate(3, { locked: true })],
  ])('never explores more than plain DFS on %s', (_name, make) => {
    const dpor = runCheck(make().program, { dpor: true });
    const plain = runCheck(make().program, { dpor: false });
    expect(dpor.stats.executions).toBeLessThanOrEqual(plain.stats.executions);
    expect(dpor.stats.executions + dpor.stats.redundant).toBeLessThanOrEqual(
      plain.stats.executions,
    );
  });
});
