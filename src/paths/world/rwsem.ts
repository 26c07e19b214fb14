// rw_semaphore, used for mmap_lock and the per-VMA lock. Each CPU's read hold is a location of its
// own, so read acquisitions touch only their CPU's slot and the writer word, which they read: two
// down_read()s commute, and only a writer conflicts with them (issue #6 §1: reads, not writes).

import { violate } from '../../check/program.js';
import type { Cpu } from './cpu.js';
import { Shared } from './shared.js';
import { memo, step, type Gen } from './step.js';

const rwsemNames = memo((obj) => ({
  slots: `${obj}.slots`,
  read: memo((cpu) => `${obj}.read(${cpu})`),
}));

/** A reader-writer semaphore (no writer starvation avoidance: it does not change safety). */
export class RwSemaphore {
  private readonly writerWord: Shared<Cpu | null>;
  /**
   * Read holds per CPU, created at a CPU's first read acquisition (a slot that does not exist
   * yet holds zero, so a writer need not read it); a writer reads them all.
   */
  private readonly readSlots: Shared<number>[] = [];
  private readonly slotOf = new Map<Cpu, Shared<number>>();
  /**
   * The set of read slots: a writer reads it, creating a slot writes it, so the first read
   * acquisition of a CPU is ordered against a writer that summed the slots without it.
   */
  private readonly slotSet: Shared<number>;
  private readonly names: { readonly slots: string; readonly read: (cpu: string) => string };

  constructor(readonly obj: string) {
    this.writerWord = new Shared<Cpu | null>(obj, null);
    this.names = rwsemNames(obj);
    this.slotSet = new Shared(this.names.slots, 0);
  }

  /** The CPU holding it for write, or null. */
  get writer(): Cpu | null {
    return this.writerWord.get();
  }

  /** Read holds over all CPUs. */
  get readers(): number {
    this.slotSet.get();
    let n = 0;
    for (const s of this.readSlots) n += s.get();
    return n;
  }

  /** Holders without an access, for state dumps and final checks. */
  peek(): { writer: Cpu | null; readers: number } {
    let n = 0;
    for (const s of this.readSlots) n += s.peek();
    return { writer: this.writerWord.peek(), readers: n };
  }

  private slot(cpu: Cpu): Shared<number> {
    let s = this.slotOf.get(cpu);
    if (s === undefined) {
      s = new Shared(this.names.read(cpu.name), 0);
      this.slotOf.set(cpu, s);
      this.readSlots.push(s);
      this.slotSet.set(this.readSlots.length);
    }
    return s;
  }

  /** down_read(): waits while a writer holds it. */
  *down_read(cpu: Cpu, label: string): Gen {
    yield step(label, () => this.writer === null);
    const s = this.slot(cpu);
    s.set(s.get() + 1);
  }

  /** down_read_trylock(): takes it for read unless a writer holds it; never waits. */
  *down_read_trylock(cpu: Cpu, label: string): Gen<boolean> {
    yield step(label);
    if (this.writer !== null) return false;
    const s = this.slot(cpu);
    s.set(s.get() + 1);
    return true;
  }

  /** up_read(). */
  *up_read(cpu: Cpu, label: string): Gen {
    yield step(label);
    const s = this.slot(cpu);
    const held = s.get();
    if (held <= 0) violate('assertion', `${cpu.name}: ${label}: ${this.obj} not read-held`);
    s.set(held - 1);
  }

  /** down_write(): waits until no reader and no writer hold it. */
  *down_write(cpu: Cpu, label: string): Gen {
    yield step(label, () => this.writer === null && this.readers === 0);
    this.writerWord.set(cpu);
  }

  /** down_write_trylock(): takes it for write unless anyone holds it; never waits. */
  *down_write_trylock(cpu: Cpu, label: string): Gen<boolean> {
    yield step(label);
    if (this.writer !== null || this.readers !== 0) return false;
    this.writerWord.set(cpu);
    return true;
  }

  /** downgrade_write(): the writer becomes a reader without letting another writer in. */
  *downgrade_write(cpu: Cpu, label: string): Gen {
    yield step(label);
    if (this.writer !== cpu)
      violate('assertion', `${cpu.name}: ${label}: ${this.obj} not write-held`);
    const s = this.slot(cpu);
    s.set(s.get() + 1);
    this.writerWord.set(null);
  }

  /** up_write(). */
  *up_write(cpu: Cpu, label: string): Gen {
    yield step(label);
    if (this.writer !== cpu)
      violate('assertion', `${cpu.name}: ${label}: ${this.obj} not write-held`);
    this.writerWord.set(null);
  }
}
