// Random small programs whose steps declare nothing and report what they touch (registerObject,
// reportAccess), some steps touching two cells at once: the material of the DPOR-versus-DFS
// comparison for derived footprints (issue #6 §1).

import fc from 'fast-check';
import {
  registerObject,
  reportAccess,
  violate,
  type Program,
  type Step,
  type ThreadSpec,
} from '../../../src/check/index.js';

const CELLS = ['x', 'y', 'z'] as const;
type Cell = (typeof CELLS)[number];

/** One operation of a random thread. */
export type ROp =
  | { readonly k: 'read' | 'write' | 'inc' | 'add' | 'wait'; readonly v: Cell }
  | { readonly k: 'copy' | 'assert_ne'; readonly v: Cell; readonly u: Cell }
  | { readonly k: 'lock'; readonly l: 'a' | 'b' }
  | { readonly k: 'unlock' }
  | { readonly k: 'alloc' | 'use' };

/** Threads of operations; locks still held at the end of a thread are released in reverse. */
export function arbReportedProgram(): fc.Arbitrary<ROp[][]> {
  const cell = fc.constantFrom(...CELLS);
  return fc.array(
    fc.array(
      fc.oneof(
        fc.record({ k: fc.constantFrom('read', 'write', 'inc', 'add', 'wait'), v: cell }),
        fc.record({ k: fc.constantFrom('copy', 'assert_ne'), v: cell, u: cell }),
        fc.record({ k: fc.constant('lock'), l: fc.constantFrom('a', 'b') }),
        fc.record({ k: fc.constant('unlock') }),
        fc.record({ k: fc.constantFrom('alloc', 'use') }),
      ) as fc.Arbitrary<ROp>,
      { minLength: 1, maxLength: 4 },
    ),
    { minLength: 2, maxLength: 3 },
  );
}

/** Shared cells that register with the execution and report every access. */
class Memory {
  private readonly ids = new Map<string, number>();
  readonly vals = new Map<string, number>();
  constructor(names: readonly string[]) {
    for (const n of names) this.create(n);
  }
  /** A new cell, registered with the running execution (from inside a step for `alloc`). */
  create(n: string): void {
    this.ids.set(n, registerObject(n));
    this.vals.set(n, 0);
  }
  get(n: string): number {
    reportAccess(this.ids.get(n) ?? -1, 'read');
    return this.vals.get(n) ?? 0;
  }
  set(n: string, v: number): void {
    reportAccess(this.ids.get(n) ?? -1, 'write');
    this.vals.set(n, v);
  }
  /** A counter update whose result the step does not use (commutes with other adds). */
  add(n: string, d: number): void {
    reportAccess(this.ids.get(n) ?? -1, 'add', d);
    this.vals.set(n, (this.vals.get(n) ?? 0) + d);
  }
  peek(n: string): number {
    return this.vals.get(n) ?? 0;
  }
}

/** The program of `threads`; its end state (cells, values read) is its describeState. */
export function buildReportedProgram(threads: ROp[][]): Program {
  return {
    name: 'reported_program',
    create() {
      const mem = new Memory([...CELLS, 'a', 'b', 'p']);
      // Objects made by `alloc`, published through cell p (1-based index, 0 = none): they are
      // registered while the program runs, so their ids depend on the order of the allocations,
      // and their names (thread and count) must not (issue #6: equal names merged two objects).
      const made: string[] = [];
      const reads: number[][] = threads.map(() => []);
      const outcome = (): string =>
        `${[...CELLS, ...[...made].sort()].map((c) => `${c}=${mem.peek(c)}`).join(' ')} r=${reads.map((r) => r.join('.')).join('|')}`;
      const specs: ThreadSpec[] = threads.map((ops, me) => ({
        name: `t${me}`,
        body: (function* (): Generator<Step, void, void> {
          const held: string[] = [];
          let allocs = 0;
          for (const op of ops) {
            switch (op.k) {
              case 'alloc': {
                yield { label: 'alloc' };
                const n = `t${me}.o${allocs++}`;
                mem.create(n);
                made.push(n);
                mem.set(n, me + 1);
                mem.set('p', made.length);
                break;
              }
              case 'use': {
                yield { label: 'use *p' };
                const i = mem.get('p');
                reads[me].push(i === 0 ? 0 : mem.get(made[i - 1]));
                if (i !== 0) mem.set(made[i - 1], mem.peek(made[i - 1]) + 10);
                break;
              }
              case 'read':
                yield { label: `read ${op.v}` };
                reads[me].push(mem.get(op.v));
                break;
              case 'write':
                yield { label: `write ${op.v}` };
                mem.set(op.v, me + 1);
                break;
              case 'inc':
                yield { label: `inc ${op.v}` };
                mem.set(op.v, mem.get(op.v) + 1);
                break;
              case 'add':
                yield { label: `add ${op.v}` };
                mem.add(op.v, me + 1);
                break;
              case 'wait':
                yield { label: `wait ${op.v}`, enabled: () => mem.get(op.v) !== 0 };
                reads[me].push(mem.get(op.v));
                break;
              case 'copy':
                yield { label: `${op.u} = ${op.v}` };
                mem.set(op.u, mem.get(op.v));
                break;
              case 'assert_ne':
                yield { label: `assert ${op.v} != ${op.u}` };
                if (op.v !== op.u && mem.get(op.v) === mem.get(op.u) && mem.peek(op.v) !== 0)
                  violate('assertion', `${op.v} == ${op.u}`);
                break;
              case 'lock':
                if (held.includes(op.l)) break;
                yield { label: `lock ${op.l}`, enabled: () => mem.get(op.l) === 0 };
                mem.set(op.l, 1);
                held.push(op.l);
                break;
              case 'unlock': {
                const l = held.pop();
                if (l === undefined) break;
                yield { label: `unlock ${l}` };
                mem.set(l, 0);
                break;
              }
            }
          }
          for (let l = held.pop(); l !== undefined; l = held.pop()) {
            yield { label: `unlock ${l}` };
            mem.set(l, 0);
          }
        })(),
      }));
      return { threads: specs, describeState: outcome };
    },
  };
}
