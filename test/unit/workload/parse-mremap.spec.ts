// Tests of the parser's `mremap` operation (issue #7): flags, the result name and its errors.

import { describe, expect, it } from 'vitest';
import { parseWorkload } from '../../../src/workload/parse.js';
import { UsageError } from '../../../src/util/errors.js';

const MiB = 1n << 20n;

function errorOf(text: string): UsageError {
  try {
    parseWorkload(text, 'w.ptw');
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

describe('parseWorkload mremap', () => {
  it('parses the lengths, the MREMAP_* flags, at= and the result name', () => {
    const w = parseWorkload(
      'map a 2M at=1G\nmremap a +1M 1M 4M maymove fixed at=3G as=b\ntouch b +0 4M',
      'w.ptw',
    );
    expect(w.ops[1]).toMatchObject({
      kind: 'mremap',
      name: 'a',
      offset: MiB,
      oldLen: MiB,
      newLen: 4n * MiB,
      maymove: true,
      fixed: true,
      dontunmap: false,
      at: 3n << 30n,
      as: 'b',
    });
  });

  it('refuses fixed without at=, a result name used before, and an unknown flag', () => {
    expect(errorOf('map a 2M at=1G\nmremap a +0 2M 2M maymove fixed').message).toMatch(
      /'fixed' needs at=ADDR/,
    );
    const dup = errorOf('map a 2M at=1G\nmremap a +0 2M 2M maymove fixed at=3G as=a');
    expect(dup.message).toMatch(/duplicate mapping name 'a'/);
    expect(dup.where?.col).toBe(39);
    expect(errorOf('map a 2M at=1G\nmremap a +0 2M 2M move').message).toMatch(
      /unexpected argument 'move'/,
    );
    expect(
      errorOf('map a 2M at=1G\ntouch b +0 4K\nmremap a +0 2M 2M maymove fixed at=3G as=b').message,
    ).toMatch(/unknown mapping 'b'/);
  });
});
