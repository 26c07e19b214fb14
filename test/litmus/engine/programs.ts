// Small litmus programs for the generic engine: each records the outcome of every complete
// execution so tests can compare the outcome sets strategies reach against the ones SC allows.

import { violate, type Program, type Step, type ThreadSpec } from '../../../src/check/index.js';

/** A program plus the outcomes its executions reached so far. */
export interface Litmus {
  readonly program: Program;
  /** Outcomes seen, filled by the executions' final checks. */
  readonly seen: Set<string>;
  /** Outcomes sequential consistency allows, derived by hand in the comment of each program. */
  readonly expected: readonly string[];
}

/** Shared memory of a litmus instance: named integer cells and locks. */
export class Mem {
  private readonly cells = new Map<string, number>();
  get(name: string): number {
    return this.cells.get(name) ?? 0;
  }
  set(name: string, v: number): void {
    this.cells.set(name, v);
  }
}

/** A plain load or store step. */
export function access(obj: string, kind: 'read' | 'write' | 'rmw' | 'add', label?: string): Step {
  return { obj, access: kind, label: label ?? `${kind} ${obj}` };
}

/** The step that takes lock `l`: blocked while another thread holds it. */
export function lock(mem: Mem, l: string): Step {
  return { obj: l, access: 'acquire', label: `lock ${l}`, enabled: () => mem.get(l) === 0 };
}

/** Yields the acquire step of lock `l` and takes it. */
export function* acquire(mem: Mem, l: string): Generator<Step, void, void> {
  yield lock(mem, l);
  mem.set(l, 1);
}

/** Yields the release step of lock `l` and drops it. */
export function* release(mem: Mem, l: string): Generator<Step, void, void> {
  yield { obj: l, access: 'release', label: `unlock ${l}` };
  mem.set(l, 0);
}

/** Builds a litmus program from a factory of (threads, outcome). */
export function litmus(
  name: string,
  expected: readonly string[],
  make: (mem: Mem) => { threads: ThreadSpec[]; outcome: () => string },
): Litmus {
  const seen = new Set<string>();
  const program: Program = {
    name,
    create() {
      const mem = new Mem();
      const { threads, outcome } = make(mem);
      return {
        threads,
        finalCheck: () => {
          seen.add(outcome());
          return undefined;
        },
        describeState: () => outcome(),
      };
    },
  };
  return { program, seen, expected };
}

/** SB: x = 1; r0 = y || y = 1; r1 = x. SC forbids r0 = r1 = 0. */
export function storeBuffering(): Litmus {
  return litmus('store_buffering', ['0,1', '1,0', '1,1'], (mem) => {
    const r = [0, 0];
    const t = (me: number, mine: string, other: string): ThreadSpec => ({
      name: `t${me}`,
      body: (function* () {
        yield access(mine, 'write');
        mem.set(mine, 1);
        yield access(other, 'read');
        r[me] = mem.get(other);
      })(),
    });
    return { threads: [t(0, 'x', 'y'), t(1, 'y', 'x')], outcome: () => `${r[0]},${r[1]}` };
  });
}

/** MP: data = 1; flag = 1 || r1 = flag; r2 = data. SC forbids r1 = 1, r2 = 0. */
export function messagePassing(): Litmus {
  return litmus('message_passing', ['0,0', '0,1', '1,1'], (mem) => {
    let r1 = 0;
    let r2 = 0;
    return {
      threads: [
        {
          name: 'writer',
          body: (function* () {
            yield access('data', 'write');
            mem.set('data', 1);
            yield access('flag', 'write');
            mem.set('flag', 1);
          })(),
        },
        {
          name: 'reader',
          body: (function* () {
            yield access('flag', 'read');
            r1 = mem.get('flag');
            yield access('data', 'read');
            r2 = mem.get('data');
          })(),
        },
      ],
      outcome: () => `${r1},${r2}`,
    };
  });
}

/** `n` threads each do r = x; x = r + 1, optionally under a lock: x ends in 1..n, or n with it. */
export function lostUpdate(n: number, opts: { locked: boolean }): Litmus {
  const expected = opts.locked ? [String(n)] : Array.from({ length: n }, (_, i) => String(i + 1));
  return litmus(opts.locked ? `locked_update_${n}` : `lost_update_${n}`, expected, (mem) => ({
    threads: Array.from({ length: n }, (_, i) => ({
      name: `inc${i}`,
      body: (function* () {
        if (opts.locked) yield* acquire(mem, 'l');
        yield access('x', 'read', 'r = x');
        const r = mem.get('x');
        yield access('x', 'write', 'x = r + 1');
        mem.set('x', r + 1);
        if (opts.locked) yield* release(mem, 'l');
      })(),
    })),
    outcome: () => String(mem.get('x')),
  }));
}

/** ABBA: lock a; lock b || lock b; lock a. Deadlocks when each takes its first lock. */
export function abbaDeadlock(): Litmus {
  return litmus('abba_deadlock', ['done'], (mem) => {
    const t = (name: string, first: string, second: string): ThreadSpec => ({
      name,
      body: (function* () {
        yield* acquire(mem, first);
        yield* acquire(mem, second);
        yield* release(mem, second);
        yield* release(mem, first);
      })(),
    });
    return { threads: [t('ab', 'a', 'b'), t('ba', 'b', 'a')], outcome: () => 'done' };
  });
}

/**
 * WRC, three threads: x = 1 || r1 = x; y = 1 || r2 = y; r3 = x. SC forbids only r1 = r2 = 1 with
 * r3 = 0 (x = 1 precedes r1, which precedes y = 1, r2 and r3).
 */
export function writeReadCausality(): Litmus {
  const all = ['000', '001', '010', '011', '100', '101', '111'];
  return litmus('write_read_causality', all, (mem) => {
    const r = [0, 0, 0];
    return {
      threads: [
        {
          name: 'w',
          body: (function* () {
            yield access('x', 'write');
            mem.set('x', 1);
          })(),
        },
        {
          name: 'rw',
          body: (function* () {
            yield access('x', 'read');
            r[0] = mem.get('x');
            yield access('y', 'write');
            mem.set('y', 1);
          })(),
        },
        {
          name: 'rr',
          body: (function* () {
            yield access('y', 'read');
            r[1] = mem.get('y');
            yield access('x', 'read');
            r[2] = mem.get('x');
          })(),
        },
      ],
      outcome: () => r.join(''),
    };
  });
}

/** `n` threads each write their own cell `k` times: every interleaving is equivalent. */
export function independent(n: number, k: number): Litmus {
  return litmus(`independent_${n}x${k}`, ['done'], (mem) => ({
    threads: Array.from({ length: n }, (_, i) => ({
      name: `t${i}`,
      body: (function* () {
        for (let j = 0; j < k; j++) {
          yield access(`c${i}`, 'write');
          mem.set(`c${i}`, j + 1);
        }
      })(),
    })),
    outcome: () => 'done',
  }));
}

/**
 * `n` unlocked incrementers whose final check demands x = n: fails with an `assertion` whenever
 * an update is lost (needs at least one preemption).
 */
export function racyCounter(n: number): Program {
  return {
    name: `racy_counter_${n}`,
    create() {
      const inner = lostUpdate(n, { locked: false }).program.create();
      return {
        threads: inner.threads,
        finalCheck: () => {
          const x = inner.describeState?.() ?? '';
          return x === String(n)
            ? undefined
            : { kind: 'assertion', message: `x = ${x} after ${n} increments`, details: { x } };
        },
        describeState: () => `x = ${inner.describeState?.() ?? ''}`,
      };
    },
  };
}

/**
 * A free racing a lockless reader: the reader checks the pointer, then uses the table; the freer
 * clears the pointer, then frees. The reader raises a use-after-free inside its second step.
 */
export function freeVsReader(): Program {
  return {
    name: 'free_vs_reader',
    create() {
      const mem = new Mem();
      return {
        threads: [
          {
            name: 'freer',
            body: (function* () {
              yield access('ptr', 'write', 'clear ptr');
              mem.set('ptr', 1);
              yield access('table', 'write', 'free table');
              mem.set('freed', 1);
            })(),
          },
          {
            name: 'reader',
            body: (function* () {
              yield access('ptr', 'read', 'load ptr');
              const cleared = mem.get('ptr');
              yield access('table', 'read', 'use table');
              if (cleared === 0 && mem.get('freed') === 1) {
                violate('use-after-free', 'reader used a freed table', { table: 'freed' });
              }
            })(),
          },
        ],
        describeState: () => `ptr cleared=${mem.get('ptr')} freed=${mem.get('freed')}`,
      };
    },
  };
}
