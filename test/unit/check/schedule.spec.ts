import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSchedule, encodeSchedule } from '../../../src/check/schedule.js';
import { UsageError } from '../../../src/util/errors.js';

const arbSchedule = fc.integer({ min: 1, max: 31 }).chain((threadCount) =>
  fc.record({
    threadCount: fc.constant(threadCount),
    steps: fc.array(fc.integer({ min: 0, max: threadCount - 1 }), { maxLength: 300 }),
  }),
);

function decodeError(token: string): UsageError {
  try {
    decodeSchedule(token);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`decoded '${token}' without error`);
}

describe('encodeSchedule / decodeSchedule', () => {
  it('decodes what it encodes, for any schedule', () => {
    fc.assert(
      fc.property(arbSchedule, (s) => {
        expect(decodeSchedule(encodeSchedule(s))).toEqual(s);
      }),
    );
  });

  it('writes a versioned token of shell-safe characters only', () => {
    const token = encodeSchedule({ threadCount: 3, steps: [0, 1, 2, 2, 1, 0] });
    expect(token).toMatch(/^s1\.[A-Za-z0-9_-]+$/);
  });

  it('encodes long runs of one thread compactly', () => {
    const steps = [...new Array<number>(500).fill(0), ...new Array<number>(500).fill(1)];
    expect(encodeSchedule({ threadCount: 2, steps }).length).toBeLessThan(16);
  });

  it('rejects a token of another version with a UsageError naming it', () => {
    const token = encodeSchedule({ threadCount: 2, steps: [0, 1] }).replace('s1.', 's9.');
    const err = decodeError(token);
    expect(err.code).toBe('parse');
    expect(err.message).toContain("unknown version 's9'");
  });

  it('rejects characters outside base64url', () => {
    expect(decodeError('s1.AB$C').message).toContain("character '$'");
  });

  it('rejects a truncated or mistyped token by its checksum', () => {
    const token = encodeSchedule({ threadCount: 4, steps: [0, 1, 2, 3, 3, 2, 1, 0, 1, 1] });
    expect(decodeError(token.slice(0, -2)).message).toMatch(/checksum|short|middle/);
    const flipped = token.slice(0, -3) + (token.at(-3) === 'A' ? 'B' : 'A') + token.slice(-2);
    expect(decodeError(flipped).message).toMatch(/checksum|thread|middle/);
  });

  it('rejects text without a version prefix', () => {
    expect(decodeError('hello').message).toContain("expected 's1.'");
  });
});
