import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countThreads, lowestThread, nthThread } from '../../../src/check/scheduler.js';

const threadsOf = (mask: number): number[] =>
  Array.from({ length: 31 }, (_, t) => t).filter((t) => (mask & (1 << t)) !== 0);

describe('thread masks', () => {
  const arbMask = fc.integer({ min: 1, max: 0x7fffffff });

  it('lowestThread gives the smallest thread of a mask', () => {
    fc.assert(fc.property(arbMask, (m) => lowestThread(m) === threadsOf(m)[0]));
  });

  it('countThreads counts the threads of a mask', () => {
    fc.assert(fc.property(arbMask, (m) => countThreads(m) === threadsOf(m).length));
  });

  it('nthThread gives the k-th thread in increasing order', () => {
    fc.assert(
      fc.property(arbMask, fc.nat(30), (m, k) => {
        const ts = threadsOf(m);
        return nthThread(m, k % ts.length) === ts[k % ts.length];
      }),
    );
  });

  it('handles thread 30, the highest allowed', () => {
    expect(lowestThread(1 << 30)).toBe(30);
    expect(countThreads(0x7fffffff)).toBe(31);
  });
});
