// Symmetry reduction (issue #6) checked against DPOR without it: on random programs with
// increments, reads, writes, locks and blocking waits, where some threads are copies of one
// another, DPOR with symmetry classes reaches the same final outcomes, deadlocks and violations as
// DPOR without them (outcomes compared up to the order of the identical threads).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  runCheck,
  violate,
  type CheckOptions,
  type Program,
  type Step,
  type ThreadSpec,
} from '../../../src/check/index.js';
import { Mem, access, acquire, release } from './programs.js';
import { agreementRuns, agreementTimeout } from './sweep.js';

type Op =
  | { readonly k: 'read' | 'write' | 'add' | 'wait' | 'assert'; readonly v: 'x' | 'y' }
  | { readonly k: 'lock'; readonly l: 'a' | 'b' }
  | { readonly k: 'unlock' };

const arbOps: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    fc.record({
      k: fc.constantFrom('read', 'write', 'add', 'add', 'wait', 'assert'),
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
  return {
    name: 'random_symmetric',
    create() {
      const mem = new Mem();
      const reads: number[][] = bodies.map(() => []);
      // Identical threads' reads are compared as a multiset: sort them.
      const outcome = (): string => {
        const sym = reads
          .slice(0, shape.copies)
          .map((r) => r.join('.'))
          .sort();
        const rest = reads.slice(shape.copies).map((r) => r.join('.'));
        return `x=${mem.get('x')} y=${mem.get('y')} r=${[...sym, ...rest].join('|')}`;
      };
      const specs: ThreadSpec[] = bodies.map((ops, me) => ({
        name: `t${me}`,
        ...(reduce && me < shape.copies ? { symmetry: 'copy' } : {}),
        body: (function* (): Generator<Step, void, void> {
          const held: string[] = [];
          for (const op of ops) {
            switch (op.k) {
              case 'read':
                yield access(op.v, 'read');
                reads[me].push(mem.get(op.v));
                break;
              case 'write':
                yield access(op.v, 'write');
                mem.set(op.v, 7);
                break;
              case 'add':
                yield { obj: op.v, access: 'rmw', label: `add ${op.v}` };
                mem.set(op.v, mem.get(op.v) + 1);
                break;
              case 'assert':
                yield access(op.v, 'read', `assert ${op.v} != 2`);
                if (mem.get(op.v) === 2) violate('assertion', `${op.v} is 2`);
                break;
              case 'wait':
                yield {
                  obj: op.v,
                  access: 'read',
                  label: `wait ${op.v}`,
                  enabled: () => mem.get(op.v) !== 0,
                };
                reads[me].push(mem.get(op.v));
                break;
              case 'lock':
                if (held.includes(op.l)) break;
                yield* acquire(mem, op.l);
                held.push(op.l);
                break;
              case 'unlock': {
                const l = held.pop();
                if (l !== undefined) yield* release(mem, l);
                break;
              }
            }
          }
          for (let l = held.pop(); l !== undefined; l = held.pop()) yield* release(mem, l);
        })(),
      }));
      return {
        threads: specs,
        finalCheck: () => {
          seen.add(outcome());
          return undefined;
        },
        describeState: outcome,
      };
    },
  };
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
