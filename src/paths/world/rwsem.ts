// rw_semaphore, used for mmap_lock and the per-VMA lock. Reader steps are declared as acquire and
// release like the writer's: a blocked writer is woken by a reader's up_read, and the checker's
// partial-order reduction only sees wake-ups by steps that write the semaphore.

import { violate } from '../../check/program.js';
import type { Cpu } from './cpu.js';
import { step, type Gen } from './step.js';

/** A reader-writer semaphore (no writer starvation avoidance: it does not change safety). */
export class RwSemaphore {
  readers = 0;
  writer: Cpu | null = null;

  constructor(readonly obj: string) {}

  /** down_read(): waits while a writer holds it. */
  *down_read(_cpu: Cpu, label: string): Gen {
    yield step(this.obj, 'acquire', label, () => this.writer === null);
    this.readers++;
  }

  /** down_read_trylock(): takes it for read unless a writer holds it; never waits. */
  *down_read_trylock(_cpu: Cpu, label: string): Gen<boolean> {
    yield step(this.obj, 'acquire', label);
    if (this.writer !== null) return false;
    this.readers++;
    return true;
  }

  /** up_read(). */
  *up_read(cpu: Cpu, label: string): Gen {
    yield step(this.obj, 'release', label);
    if (this.readers <= 0) violate('assertion', `${cpu.name}: ${label}: ${this.obj} not read-held`);
    this.readers--;
  }

  /** down_write(): waits until no reader and no writer hold it. */
  *down_write(cpu: Cpu, label: string): Gen {
    yield step(this.obj, 'acquire', label, () => this.writer === null && this.readers === 0);
    this.writer = cpu;
  }

  /** downgrade_write(): the writer becomes a reader without letting another writer in. */
  *downgrade_write(cpu: Cpu, label: string): Gen {
    yield step(this.obj, 'release', label);
    if (this.writer !== cpu)
      violate('assertion', `${cpu.name}: ${label}: ${this.obj} not write-held`);
    this.writer = null;
    this.readers++;
  }

  /** up_write(). */
  *up_write(cpu: Cpu, label: string): Gen {
    yield step(this.obj, 'release', label);
    if (this.writer !== cpu)
      violate('assertion', `${cpu.name}: ${label}: ${this.obj} not write-held`);
    this.writer = null;
  }
}
