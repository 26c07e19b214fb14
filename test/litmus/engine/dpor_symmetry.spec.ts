// Symmetry reduction (issue #6) checked against DPOR without it: on random programs with
// increments, reads, writes, locks and blocking waits, where some threads are copies of one
// another, DPOR with symmetry classes reaches the same final outcomes, deadlocks and violations as
// DPOR without them (outcomes compared up to the order of the identical threads).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCheck, type CheckOptions, type Program } from '../../../src/check/index.js';
import { buildProgram, type Op } from './random-programs.js';
import { agreementRuns, agreementTimeout } from './sweep.js';

const arbOps: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    fc.record({
      k: fc.constantFrom('read', 'write', 'inc', 'inc', 'wait', 'assert'),
      v: fc.constantFrom('x', 'y'),
    }),
    fc.record({ k: fc.constant('lock'), l: fc.constantFrom('a', 'b') }),
    fc.record({ k: fc.constant('unlock') }),
  ),
  { minLength: 1, maxLength: 3 },
);

/** A program: one thread class repeated `copies` times (symmetric), plus one or two others. */
const arbProgram = fc.record({
  shared: arbOps,
  copies: fc.integer({ min: 2, max: 3 }),
  others: fc.array(arbOps, { minLength: 1, maxLength: 2 }),
});

interface Shape {
  readonly shared: Op[];
  readonly copies: number;
  readonly others: Op[][];
}

function build(shape: Shape, seen: Set<string>, reduce: boolean): Program {
  const bodies: Op[][] = [
    ...Array.from({ length: shape.copies }, () => shape.shared),
    ...shape.others,
  ];
  return buildProgram(bodies, seen, { copies: shape.copies, reduce });
}

function explore(shape: Shape, reduce: boolean): Set<string> {
  const seen = new Set<string>();
  // The reference is DPOR without either reduction, itself checked against plain DFS by
  // dpor_vs_dfs.spec.ts; plain DFS cannot finish programs of four or five threads.
  const options: CheckOptions = reduce ? {} : { symmetry: false };
  const r = runCheck(build(shape, seen, reduce), {
    ...options,
    keepGoing: true,
    maxIterations: 2_000_000,
    // A deadlock is a final state; other violations stop an execution at a point where
    // independent steps of other threads may or may not have run, so only their message counts.
    onFailure: (f) =>
      seen.add(
        `${f.violation.kind}: ${f.violation.kind === 'deadlock' ? (f.state ?? '') : f.violation.message}`,
      ),
  });
  expect(r.verdict === 'bounded').toBe(false);
  return seen;
}

describe('dpor with symmetry', () => {
  it(
    'reaches every outcome, deadlock and violation found without symmetry',
    () => {
      fc.assert(
        fc.property(arbProgram, (shape) => {
          const full = [...explore(shape, false)].sort();
          const reduced = [...explore(shape, true)].sort();
          expect(reduced).toEqual(full);
        }),
        agreementRuns(200, 6),
      );
    },
    agreementTimeout,
  );
});
