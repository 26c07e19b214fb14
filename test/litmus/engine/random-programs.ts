// Random small programs over two cells and two locks (nested locking, blocking waits, so some
// deadlock): the material of the DPOR-versus-DFS and symmetry-reduction outcome comparisons.

import fc from 'fast-check';
import { violate, type Program, type Step, type ThreadSpec } from '../../../src/check/index.js';
import { Mem, access, acquire, release } from './programs.js';

/** One operation of a random thread. */
export type Op =
  | {
      readonly k:
        'read' | 'write' | 'inc' | 'add' | 'dec' | 'bump' | 'wait' | 'zero' | 'await' | 'assert';
      readonly v: 'x' | 'y';
    }
  | { readonly k: 'lock'; readonly l: 'a' | 'b' }
  | { readonly k: 'unlock' };

/**
 * Threads of operations; locks still held at the end of a thread are released in reverse. With
 * `asserts`, threads may also assert that a cell is not 2 (an `assertion` violation mid-step).
 */
export function arbProgram(options: { asserts: boolean }): fc.Arbitrary<Op[][]> {
  const kinds = [
    'read',
    'write',
    'inc',
    'add',
    'dec',
    'bump',
    'wait',
    'zero',
    'await',
    ...(options.asserts ? ['assert' as const] : []),
  ];
  return fc.array(
    fc.array(
      fc.oneof(
        fc.record({ k: fc.constantFrom(...kinds), v: fc.constantFrom('x', 'y') }),
        fc.record({ k: fc.constant('lock'), l: fc.constantFrom('a', 'b') }),
        fc.record({ k: fc.constant('unlock') }),
      ) as fc.Arbitrary<Op>,
      { minLength: 1, maxLength: 4 },
    ),
    { minLength: 2, maxLength: 3 },
  );
}

/** How the first threads of a program are copies of one another (symmetry reduction). */
export interface Symmetric {
  /** The first `copies` threads run the same operations. */
  readonly copies: number;
  /** Mark them as one symmetry class (`symmetry: 'copy'`); without it they are plain threads. */
  readonly reduce: boolean;
}

/**
 * The program of `threads`; its outcome (cells, values read) goes to `seen` or to describeState.
 * With `symmetric`, every write stores one value (a thread's identity must not tell copies apart)
 * and the copies' reads are compared as a multiset.
 */
export function buildProgram(threads: Op[][], seen: Set<string>, symmetric?: Symmetric): Program {
  const copies = symmetric?.copies ?? 0;
  return {
    name: symmetric ? 'random_symmetric' : 'random_program',
    create() {
      const mem = new Mem();
      const reads: number[][] = threads.map(() => []);
      const outcome = (): string => {
        const sym = reads
          .slice(0, copies)
          .map((r) => r.join('.'))
          .sort();
        const rest = reads.slice(copies).map((r) => r.join('.'));
        return `x=${mem.get('x')} y=${mem.get('y')} r=${[...sym, ...rest].join('|')}`;
      };
      const specs: ThreadSpec[] = threads.map((ops, me) => ({
        name: `t${me}`,
        ...(symmetric?.reduce && me < copies ? { symmetry: 'copy' as const } : {}),
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
                mem.set(op.v, symmetric ? 7 : me + 1);
                break;
              case 'inc':
                yield access(op.v, 'rmw');
                mem.set(op.v, mem.get(op.v) + 1);
                break;
              case 'add':
              case 'dec':
              case 'bump': {
                // A commutative update: adds commute with adds, not with reads or writes. `add`
                // and `dec` state their amount (DPOR then compares counter values), `bump` not.
                const d = op.k === 'dec' ? -1 : 1;
                yield op.k === 'bump' ? access(op.v, 'add') : { ...access(op.v, 'add'), delta: d };
                mem.set(op.v, mem.get(op.v) + d);
                break;
              }
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
              case 'zero':
                // A wait for a counter to drain (the zapper's readers == 0).
                yield {
                  obj: op.v,
                  access: 'read',
                  label: `wait ${op.v} == 0`,
                  enabled: () => mem.get(op.v) === 0,
                };
                break;
              case 'await':
                // The same wait declared as an await statement on the counter: DPOR judges it
                // from the stated amounts while only adds changed the cell, else as 'zero'.
                yield {
                  obj: op.v,
                  access: 'read',
                  label: `await ${op.v} == 0`,
                  enabled: () => mem.get(op.v) === 0,
                  awaits: 0,
                };
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
          while (held.length > 0) yield* release(mem, held.pop()!);
        })(),
      }));
      return {
        threads: specs,
        counters: { x: 0, y: 0 },
        finalCheck: () => {
          seen.add(outcome());
          return undefined;
        },
        describeState: outcome,
      };
    },
  };
}
