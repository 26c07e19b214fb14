// The character scanner of `.ptw` lines against the regular-expression definition of the format
// (lines split at \r?\n, `#` starts a comment, tokens are runs of non-blank characters).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lexLines } from '../../../src/workload/lex.js';
import { parseNumber } from '../../../src/workload/numbers.js';

function reference(text: string): unknown[] {
  const out: unknown[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const hash = raw.indexOf('#');
    const body = hash < 0 ? raw : raw.slice(0, hash);
    const tokens = [...body.matchAll(/[^ \t\f\v\r]+/g)].map((m) => ({
      text: m[0],
      col: m.index + 1,
    }));
    if (tokens.length === 0) return;
    const last = tokens[tokens.length - 1];
    out.push({ line: i + 1, tokens, endCol: last.col + last.text.length });
  });
  return out;
}

describe('lexLines', () => {
  it('gives the lines and tokens of the regular-expression definition', () => {
    const text = fc
      .array(
        fc.constantFrom('a', 'map', '2M', ' ', '\t', '\v', '\f', '\r', '\n', '\r\n', '#', 'é'),
        {
          maxLength: 40,
        },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (t) => {
        expect([...lexLines(t)]).toEqual(reference(t));
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseNumber', () => {
  it('agrees with BigInt on plain decimals with and without suffixes, range included', () => {
    const token = fc.tuple(
      fc.bigInt({ min: 0n, max: 10n ** 21n }),
      fc.constantFrom('', 'K', 'm', 'G', 't'),
    );
    const scale: Record<string, bigint> = {
      '': 1n,
      K: 1024n,
      m: 1n << 20n,
      G: 1n << 30n,
      t: 1n << 40n,
    };
    fc.assert(
      fc.property(token, ([n, s]) => {
        const value = n * scale[s];
        const expected =
          value > (1n << 64n) - 1n ? { ok: false, why: 'range' } : { ok: true, value };
        expect(parseNumber(`${n}${s}`)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
