// Tests of the parser's `brk`, `map … growsdown` and -OFF offsets (issue #7).

import { describe, expect, it } from 'vitest';
import { parseWorkload } from '../../../src/workload/parse.js';

describe('parseWorkload brk and stacks', () => {
  it('parses absolute, growing and shrinking brk, the heap name and at=', () => {
    const w = parseWorkload('brk 4K at=1G\nbrk +8K\nbrk -4K\ntouch heap +0 4K', 'w.ptw');
    expect(w.ops.map((o) => (o.kind === 'brk' ? [o.mode, o.size, o.at] : o.kind))).toEqual([
      ['set', 4096n, 1n << 30n],
      ['grow', 8192n, undefined],
      ['shrink', 4096n, undefined],
      'touch',
    ]);
  });

  it('parses growsdown maps and offsets below a mapping', () => {
    const w = parseWorkload('map st 64K at=2G growsdown\ntouch st -1M 4K', 'w.ptw');
    expect(w.ops[0]).toMatchObject({ kind: 'map', growsdown: true });
    expect(w.ops[1]).toMatchObject({ kind: 'touch', offset: -(1n << 20n) });
  });

  it('refuses the heap name before any brk', () => {
    expect(() => parseWorkload('touch heap +0 4K', 'w.ptw')).toThrow(/unknown mapping 'heap'/);
  });
});
