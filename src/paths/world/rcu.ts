// RCU: read-side sections, call_rcu(), synchronize_rcu() and the grace-period machinery, run as
// one extra checker thread (`rcu_gp`, the rcu_gp_kthread plus rcu_do_batch). A grace period
// starts by taking every callback queued so far, snapshots the CPUs inside a read-side section
// (rcu_read_lock or IRQs off), and ends only once each of them has left that section; then its
// callbacks run, one step each at least. Because `rcu_gp` is an ordinary thread, callbacks run in
// some interleavings long before the other threads finish, which is what lets a use-after-free
// show. Per-CPU nesting changes are declared as `read` steps of `rcu`: they commute with one
// another and conflict only with the grace-period scan (declared `rmw`).

import { violate } from '../../check/program.js';
import type { Cpu } from './cpu.js';
import type { KernelStats } from './stats.js';
import { step, type Gen } from './step.js';

/** A struct rcu_head: one per object, so queuing it again before its callback ran is a bug. */
export class RcuHead {
  queued = false;

  /** @param owner what embeds the head, e.g. `pg1` (the ptdesc's pt_rcu_head). */
  constructor(readonly owner: string) {}
}

/** An RCU callback: runs on the grace-period thread's CPU and may yield steps. */
export type RcuCallback = (cpu: Cpu) => Gen;

interface Queued {
  readonly head: RcuHead;
  readonly func: RcuCallback;
}

/** The RCU state of the model: queued callbacks plus the CPUs whose sections it watches. */
export class Rcu {
  private pending: Queued[] = [];

  constructor(
    private readonly cpus: readonly Cpu[],
    private readonly stats: KernelStats,
  ) {}

  /** rcu_read_lock(); only the outermost entry of a CPU is a shared step. */
  *rcu_read_lock(cpu: Cpu, label = 'rcu_read_lock'): Gen {
    if (!cpu.inReadSide()) yield step('rcu', 'read', label);
    cpu.rcu_read_lock_nesting++;
  }

  /** rcu_read_unlock(); leaving the outermost section is a quiescent state. */
  *rcu_read_unlock(cpu: Cpu, label = 'rcu_read_unlock'): Gen {
    if (cpu.rcu_read_lock_nesting <= 0)
      violate('assertion', `${cpu.name}: ${label} without rcu_read_lock`);
    if (cpu.rcu_read_lock_nesting === 1 && !cpu.irqs_disabled) {
      yield step('rcu', 'read', label);
      cpu.quiescent_seq++;
    }
    cpu.rcu_read_lock_nesting--;
  }

  /** call_rcu(): queues `func` to run after a grace period; a head already queued is a bug. */
  *call_rcu(cpu: Cpu, head: RcuHead, func: RcuCallback, label: string): Gen {
    yield step('rcu_cblist', 'rmw', label);
    if (head.queued) {
      violate('double-free', `${cpu.name}: ${label}: rcu_head queued twice (${head.owner})`, {
        [head.owner]: 'rcu_head already queued, its callback has not run yet',
      });
    }
    head.queued = true;
    this.pending.push({ head, func });
  }

  /** synchronize_rcu(): waits for a full grace period (wakeme_after_rcu). */
  *synchronize_rcu(cpu: Cpu, label = 'synchronize_rcu'): Gen {
    const completion = { done: false };
    const obj = `completion(${cpu.name})`;
    const head = new RcuHead(`synchronize_rcu(${cpu.name})`);
    yield* this.call_rcu(cpu, head, wakeme_after_rcu(obj, completion), `${label}: call_rcu`);
    yield step(obj, 'read', `${label}: wait_for_completion`, () => completion.done);
  }

  /** Callbacks queued and not yet taken by a grace period. */
  pendingCount(): number {
    return this.pending.length;
  }

  /**
   * The body of the `rcu_gp` thread: runs grace periods while callbacks are queued, and returns
   * once every other thread has finished and no callback is left.
   */
  *rcu_gp_kthread(cpu: Cpu): Gen {
    const others = this.cpus.filter((c) => c !== cpu);
    for (;;) {
      yield step(
        'rcu_cblist',
        'rmw',
        'rcu_gp_kthread: wait for callbacks',
        () => this.pending.length > 0 || others.every((c) => c.done),
      );
      if (this.pending.length === 0) return;
      const batch = this.pending;
      this.pending = [];
      yield step('rcu', 'rmw', 'rcu_gp_init: snapshot CPUs in read-side sections');
      const readers = others.filter((c) => c.inReadSide());
      const seqs = readers.map((c) => c.quiescent_seq);
      this.stats.grace_periods++;
      if (readers.length > 0) {
        yield step('rcu', 'rmw', 'rcu_gp_fqs: wait for pre-existing readers', () =>
          readers.every((c, i) => c.quiescent_seq !== seqs[i]),
        );
      }
      for (const cb of batch) {
        // rcu_do_batch dequeues the head before invoking it: a step of the list, so that the
        // checker orders it against call_rcu() on the same head.
        yield step('rcu_cblist', 'rmw', `rcu_do_batch: invoke callback (${cb.head.owner})`);
        cb.head.queued = false;
        this.stats.rcu_callbacks++;
        yield* cb.func(cpu);
      }
    }
  }
}

function wakeme_after_rcu(obj: string, completion: { done: boolean }): RcuCallback {
  return function* () {
    yield step(obj, 'write', 'wakeme_after_rcu: complete');
    completion.done = true;
  };
}
