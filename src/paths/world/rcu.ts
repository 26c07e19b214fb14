// RCU: read-side sections, call_rcu(), synchronize_rcu() and the grace-period machinery, run as
// one extra checker thread (`rcu_gp`, the rcu_gp_kthread plus rcu_do_batch). A grace period
// starts by taking every callback queued so far, snapshots the CPUs inside a read-side section
// (rcu_read_lock or IRQs off), and ends only once each of them has left that section; then its
// callbacks run, one step each at least. Because `rcu_gp` is an ordinary thread, callbacks run in
// some interleavings long before the other threads finish, which is what lets a use-after-free
// show. Per-CPU nesting changes write only their CPU's state: they commute with one another and
// conflict only with the grace-period scan, which reads every CPU's.

import { violate } from '../../check/program.js';
import type { Cpu } from './cpu.js';
import { Shared } from './shared.js';
import type { KernelStats } from './stats.js';
import { memo, step, type Gen } from './step.js';

const headName = memo((owner) => `rcu_head(${owner})`);

/** A struct rcu_head: one per object, so queuing it again before its callback ran is a bug. */
export class RcuHead {
  private readonly state: Shared<boolean>;

  /** @param owner what embeds the head, e.g. `pg1` (the ptdesc's pt_rcu_head). */
  constructor(readonly owner: string) {
    this.state = new Shared(headName(owner), false);
  }

  /** Queued by call_rcu and not yet dequeued by rcu_do_batch. */
  get queued(): boolean {
    return this.state.get();
  }

  set queued(v: boolean) {
    this.state.set(v);
  }

  /** {@link queued} without an access, for state dumps. */
  peekQueued(): boolean {
    return this.state.peek();
  }
}

/** An RCU callback: runs on the grace-period thread's CPU and may yield steps. */
export type RcuCallback = (cpu: Cpu) => Gen;

interface Queued {
  readonly head: RcuHead;
  readonly func: RcuCallback;
}

/** The RCU state of the model: queued callbacks plus the CPUs whose sections it watches. */
export class Rcu {
  /** The callback list (rcu_cblist of rcu_data), one location for call_rcu and the dequeue. */
  private readonly cblist = new Shared<Queued[]>('rcu_cblist', []);

  constructor(
    private readonly cpus: readonly Cpu[],
    private readonly stats: KernelStats,
    /** False ends grace periods without waiting for readers (mutation `rcu_gp_readers`). */
    private readonly waitForReaders = true,
  ) {}

  /**
   * rcu_read_lock(); only the outermost entry of a CPU is a shared step. The CPU's own state is
   * read and written in the step (a nested entry is thread-local: the CPU is already a reader).
   */
  *rcu_read_lock(cpu: Cpu, label = 'rcu_read_lock'): Gen {
    if (!cpu.peekInReadSide()) yield step(label);
    cpu.rcu_read_lock_nesting++;
  }

  /** rcu_read_unlock(); leaving the outermost section is a quiescent state. */
  *rcu_read_unlock(cpu: Cpu, label = 'rcu_read_unlock'): Gen {
    if (cpu.peekOutermostRcu()) yield step(label);
    if (cpu.rcu_read_lock_nesting <= 0)
      violate('assertion', `${cpu.name}: ${label} without rcu_read_lock`);
    if (cpu.rcu_read_lock_nesting === 1 && !cpu.irqs_disabled) cpu.quiescent_seq++;
    cpu.rcu_read_lock_nesting--;
  }

  /** call_rcu(): queues `func` to run after a grace period; a head already queued is a bug. */
  *call_rcu(cpu: Cpu, head: RcuHead, func: RcuCallback, label: string): Gen {
    yield step(label);
    if (head.queued) {
      violate('double-free', `${cpu.name}: ${label}: rcu_head queued twice (${head.owner})`, {
        [head.owner]: 'rcu_head already queued, its callback has not run yet',
      });
    }
    head.queued = true;
    this.cblist.set([...this.cblist.get(), { head, func }]);
  }

  /** synchronize_rcu(): waits for a full grace period (wakeme_after_rcu). */
  *synchronize_rcu(cpu: Cpu, label = 'synchronize_rcu'): Gen {
    const completion = new Shared(`completion(${cpu.name})`, false);
    const head = new RcuHead(`synchronize_rcu(${cpu.name})`);
    yield* this.call_rcu(cpu, head, wakeme_after_rcu(completion), `${label}: call_rcu`);
    yield step(`${label}: wait_for_completion`, () => completion.get());
  }

  /** Callbacks queued and not yet taken by a grace period (no access: for state dumps). */
  pendingCount(): number {
    return this.cblist.peek().length;
  }

  /**
   * The body of the `rcu_gp` thread: runs grace periods while callbacks are queued, and returns
   * once every other thread has finished and no callback is left.
   */
  *rcu_gp_kthread(cpu: Cpu): Gen {
    const others = this.cpus.filter((c) => c !== cpu);
    // The wait reads the callback list and, when it is empty, whether every thread finished (in
    // CPU order, up to the first one still running). One closure for every wait: the guard runs
    // at each scheduling point of the execution.
    const wait = (): boolean => this.cblist.get().length > 0 || allDone(others);
    for (;;) {
      yield step('rcu_gp_kthread: wait for callbacks', wait);
      const batch = this.cblist.get();
      if (batch.length === 0) return;
      this.cblist.set([]);
      yield step('rcu_gp_init: snapshot CPUs in read-side sections');
      const readers = others.filter((c) => c.inReadSide());
      const seqs = readers.map((c) => c.quiescent_seq);
      this.stats.grace_periods++;
      if (this.waitForReaders && readers.length > 0) {
        yield step('rcu_gp_fqs: wait for pre-existing readers', () => allMoved(readers, seqs));
      }
      for (const cb of batch) {
        yield step(`rcu_do_batch: invoke callback (${cb.head.owner})`);
        cb.head.queued = false;
        this.stats.rcu_callbacks++;
        yield* cb.func(cpu);
      }
    }
  }
}

/** True when every CPU of `cpus` has finished (reads each `done` up to the first false). */
function allDone(cpus: readonly Cpu[]): boolean {
  for (const c of cpus) if (!c.done) return false;
  return true;
}

/** True when every reader passed a quiescent state since `seqs` (reads up to the first that did not). */
function allMoved(readers: readonly Cpu[], seqs: readonly number[]): boolean {
  for (let i = 0; i < readers.length; i++) if (readers[i].quiescent_seq === seqs[i]) return false;
  return true;
}

function wakeme_after_rcu(completion: Shared<boolean>): RcuCallback {
  return function* () {
    yield step('wakeme_after_rcu: complete');
    completion.set(true);
  };
}
