// The kernel world of one checker execution: CPUs (one per thread), RCU, the page-table page
// allocator and one mm. Memory is sequentially consistent: every step sees the effects of all
// steps before it in the schedule, in schedule order (no store buffers, no reordering; barriers
// such as the smp_wmb in pmd_install are implied). Scenarios build a World, spawn threads on it,
// and turn it into a ProgramInstance.

import type { ProgramInstance, Step, ThreadSpec, Violation } from '../../check/program.js';
import { violate } from '../../check/program.js';
import { guarded, resolveKernelConfig, type KernelConfig, type Mutation } from './config.js';
import { Cpu } from './cpu.js';
import { Folio } from './folio.js';
import { MmStruct, type PmdSlot } from './mm.js';
import { PageAllocator, type PteTable } from './page-alloc.js';
import { Rcu } from './rcu.js';
import { newKernelStats, type KernelStats } from './stats.js';
import type { Gen } from './step.js';

/** Shape of the modelled world; every field is optional. */
export interface WorldOptions {
  /** Entries per PTE table (PTRS_PER_PTE, shrunk). Default 2. */
  readonly ptrs_per_pte?: number;
  /** PMD slots in the one PMD table modelled. Default 1. */
  readonly pmd_slots?: number;
  /** How many slots each VMA covers, in address order. Default: one VMA over every slot. */
  readonly vma_slots?: readonly number[];
  /** Kernel version and build choices (see {@link KernelConfig} for defaults). */
  readonly config?: Partial<KernelConfig>;
  /** Guards to remove, added to `config.mutations` (mutation testing). Default none. */
  readonly mutations?: readonly Mutation[] | undefined;
}

/** Kernel configs resolved from World options objects (see the World constructor). */
const resolved = new WeakMap<WorldOptions, KernelConfig>();

/** A ProgramInstance that also reports its cost counters. */
export interface KernelProgramInstance extends ProgramInstance {
  /** The execution's cost: grace periods, callbacks run, IPIs, pages freed. */
  readonly metrics: () => Record<string, number>;
  /** True once every thread, the grace-period thread included, has finished. */
  readonly complete: () => boolean;
}

/** A thread body over the world, run on its own CPU; what it returns is ignored. */
export type ThreadFn = (cpu: Cpu) => Gen<unknown>;

/** The shared state of one execution, plus the threads that will run on it. */
export class World {
  readonly cpus: Cpu[] = [];
  readonly stats: KernelStats = newKernelStats();
  readonly rcu: Rcu;
  readonly alloc: PageAllocator;
  readonly mm: MmStruct;
  readonly config: KernelConfig;
  /**
   * Data folios by number, for scenarios that model GUP pins (`newFolio`); empty elsewhere, and
   * then PTE values are bare numbers and no path takes folio references.
   */
  readonly folios = new Map<number, Folio>();
  /**
   * Tables deposited under a THP PMD (pgtable_trans_huge_deposit), by PMD slot index. Written only
   * in the step that installs the huge PMD and read only by final checks and dumps.
   */
  readonly deposited = new Map<number, PteTable>();
  /** Further mms (a fork child), created by {@link newMm}; checked at the end like `mm`. */
  readonly others: MmStruct[] = [];
  private readonly threads: ThreadSpec[] = [];
  private readonly checks: (() => Violation | undefined)[] = [];

  constructor(options: WorldOptions = {}) {
    // A program builds its World from the same options object in every execution: resolve once.
    let config = resolved.get(options);
    if (config === undefined) {
      const base = resolveKernelConfig(options.config);
      config = { ...base, mutations: [...base.mutations, ...(options.mutations ?? [])] };
      resolved.set(options, config);
    }
    this.config = config;
    this.rcu = new Rcu(this.cpus, this.stats, guarded(this.config, 'rcu_gp_readers'));
    this.alloc = new PageAllocator(this.stats, options.ptrs_per_pte ?? 2);
    const slots = options.pmd_slots ?? 1;
    this.mm = new MmStruct(slots, options.vma_slots ?? [slots]);
    if (!this.config.split_pte_ptlocks) this.alloc.shared_ptl = this.mm.pml;
  }

  /** The PMD slot `i` (slot 0 by default). */
  pmd(i = 0): PmdSlot {
    return this.mm.pmds[i];
  }

  /**
   * A second mm (a fork child) of `slots` PMD slots and one VMA, its objects named `prefix.`;
   * the final checks (linked tables, leaks, nr_ptes) cover it too. Setup only.
   */
  newMm(prefix: string, slots = 1): MmStruct {
    const mm = new MmStruct(slots, [slots], `${prefix}.`);
    this.others.push(mm);
    return mm;
  }

  /** Links `table` into `pmd` before the threads start (setup: no steps, counted in nr_ptes). */
  linkInitial(pmd: PmdSlot, table: PteTable): void {
    pmd.init(table.id);
    table.initLife('linked');
    this.mm.initNrPtes(this.mm.peekNrPtes() + 1);
  }

  /**
   * Setup: a new PTE table whose entry `i` maps folio `entries[i]` (0: none), linked into `pmd`.
   * @example const t = w.initTable(w.pmd(), [1, 2]);
   */
  initTable(pmd: PmdSlot, entries: readonly number[] = []): PteTable {
    const t = this.alloc.newPage().tables[0];
    entries.forEach((e, i) => {
      if (e !== 0) t.initEntry(i, e);
    });
    this.linkInitial(pmd, t);
    return t;
  }

  /** A data folio with `refs` references (one per mapping); from setup or inside a step. */
  newFolio(nr: number, refs = 1): Folio {
    const f = new Folio(nr, refs);
    this.folios.set(nr, f);
    return f;
  }

  /** The PTE table a PMD value leads to: its own table, or the one deposited under a THP. */
  private tableOf(pmd: PmdSlot): PteTable | undefined {
    const v = pmd.peek();
    if (v === 0) return undefined;
    return v < 0 ? this.deposited.get(pmd.index) : this.alloc.table(v);
  }

  /** Adds a thread that runs `body` on a CPU of its own; returns that CPU. */
  spawn(name: string, body: ThreadFn): Cpu {
    const cpu = new Cpu(this.cpus.length, name);
    this.cpus.push(cpu);
    this.threads.push({ name, body: new CpuThread(cpu, body) });
    return cpu;
  }

  /** Adds a check run when every thread has finished. */
  addFinalCheck(check: () => Violation | undefined): void {
    this.checks.push(check);
  }

  /** Freezes the world into the instance the checker runs; adds the `rcu_gp` thread last. */
  instance(): KernelProgramInstance {
    this.spawn('rcu_gp', (cpu) => this.rcu.rcu_gp_kthread(cpu));
    return {
      threads: this.threads,
      finalCheck: () => this.finalCheck(),
      describeState: () => this.describeState(),
      metrics: () => ({ ...this.stats }),
      complete: () => this.cpus.every((c) => c.peekDone()),
    };
  }

  // Runs after every complete execution, so it avoids building arrays and sets on the way to a
  // pass (issue #6 §4); the failure messages are built only when a check fails.
  private finalCheck(): Violation | undefined {
    const mms = this.others.length === 0 ? [this.mm] : [this.mm, ...this.others];
    const linked: number[] = [];
    for (const mm of mms) {
      for (const pmd of mm.pmds) {
        const t = this.tableOf(pmd);
        if (t !== undefined) linked.push(t.id);
      }
    }
    for (const mm of mms) {
      for (const pmd of mm.pmds) {
        const t = this.tableOf(pmd);
        if (t !== undefined && t.peekLife() !== 'linked') {
          return {
            kind: 'assertion',
            message: `${pmd.obj} points to ${t.name}, which is ${t.peekLife()}`,
          };
        }
      }
    }
    for (const t of this.alloc.tables) {
      const life = t.peekLife();
      if (life === 'linked' || life === 'allocated') continue;
      const i = t.peekFirstMapped();
      if (i >= 0) {
        const entries = t.peekEntries();
        return {
          kind: 'lost-mapping',
          message: `${t.name} is ${life} yet pte[${i}] still maps folio${entries[i]}: the mapping is unreachable`,
          details: { [t.name]: `${life}, entries [${entries.join(', ')}]` },
        };
      }
    }
    for (const page of this.alloc.pages) {
      if (page.peekState() !== 'live') continue;
      if (page.tables.some((t) => linked.includes(t.id))) continue;
      return {
        kind: 'leak',
        message: `page-table page ${page.name} is linked nowhere yet was never freed`,
        details: Object.fromEntries(page.tables.map((t) => [t.name, t.peekLife()])),
      };
    }
    for (const mm of mms) {
      let n = 0;
      for (const pmd of mm.pmds) if (this.tableOf(pmd) !== undefined) n++;
      if (mm.peekNrPtes() !== n) {
        const name = mm === this.mm ? 'nr_ptes' : mm.pmds[0].obj.replace(/pmd.*$/, 'nr_ptes');
        return {
          kind: 'accounting',
          message: `${name} is ${mm.peekNrPtes()} but ${n} PTE table(s) are linked`,
        };
      }
    }
    const folioCheck = this.checkFolios(linked);
    if (folioCheck) return folioCheck;
    for (const check of this.checks) {
      const v = check();
      if (v) return v;
    }
    return undefined;
  }

  /**
   * Every folio's references are its mappings once all threads finished (a pin never released is
   * a leak; a mapped folio that was freed is a use-after-free waiting to happen).
   */
  private checkFolios(linked: readonly number[]): Violation | undefined {
    if (this.folios.size === 0) return undefined;
    const maps = new Map<number, number>();
    for (const pmd of [this.mm, ...this.others].flatMap((m) => m.pmds)) {
      if (pmd.peek() < 0) maps.set(-pmd.peek(), (maps.get(-pmd.peek()) ?? 0) + 1);
    }
    for (const t of this.alloc.tables) {
      // A deposited table's entries are all none (the collapse cleared them).
      if (!linked.includes(t.id)) continue;
      for (const e of t.peekEntries()) if (e !== 0) maps.set(e, (maps.get(e) ?? 0) + 1);
    }
    for (const f of this.folios.values()) {
      const n = maps.get(f.nr) ?? 0;
      if (n > 0 && f.peekFreed()) {
        return {
          kind: 'use-after-free',
          message: `${f.name} is mapped ${n} time(s) but was freed`,
          details: { [f.name]: `refcount ${f.peekRef()}` },
        };
      }
      if (f.peekRef() !== n) {
        return {
          kind: 'leak',
          message: `${f.name} has ${f.peekRef()} reference(s) but ${n} mapping(s): a reference was never put`,
          details: { [f.name]: `refcount ${f.peekRef()}, ${f.peekFreed() ? 'freed' : 'live'}` },
        };
      }
    }
    return undefined;
  }

  private describeState(): string {
    const lines: string[] = [];
    for (const pmd of [this.mm, ...this.others].flatMap((m) => m.pmds)) {
      const v = pmd.peek();
      const thp = `THP folio${-v} (deposited ${this.deposited.get(pmd.index)?.name ?? 'none'})`;
      lines.push(`${pmd.obj} = ${v === 0 ? 'none' : v < 0 ? thp : this.alloc.table(v).name}`);
    }
    for (const t of this.alloc.tables) {
      const e = t
        .peekEntries()
        .map((v) => (v === 0 ? 'none' : `folio${v}`))
        .join(', ');
      lines.push(`${t.name}: ${t.peekLife()}, entries [${e}]`);
    }
    for (const p of this.alloc.pages) {
      const extra = p.tables.length > 1 ? `, pt_frag_refcount ${p.pt_frag_refcount.value}` : '';
      lines.push(
        `${p.name} (pfn ${p.pfn}): ${p.peekState()}${p.pt_rcu_head.peekQueued() ? ', rcu_head queued' : ''}${extra}`,
      );
    }
    for (const f of this.folios.values()) {
      const copy = f.peekCopy() === 0 ? '' : `, copied into folio${f.peekCopy()}`;
      lines.push(`${f.name}: refcount ${f.peekRef()}${f.peekFreed() ? ', freed' : ''}${copy}`);
    }
    lines.push(`nr_ptes = ${this.mm.peekNrPtes()}, callbacks pending = ${this.rcu.pendingCount()}`);
    const inside = this.cpus
      .filter((c) => !c.peekDone())
      .map((c) => ({ c, rs: c.peekReadSide() }))
      .filter(({ rs }) => rs.nesting > 0 || rs.irqsOff)
      .map(({ c, rs }) => `${c.name} (${rs.irqsOff ? 'IRQs off' : 'rcu_read_lock'})`);
    if (inside.length > 0) lines.push(`in read-side sections: ${inside.join(', ')}`);
    return lines.join('\n');
  }
}

/**
 * A thread body run on its CPU: the body's steps, then the checks of a returning thread, in its
 * last step. A hand-written iterator rather than a generator delegating with `yield*`: every step
 * of every thread passes through this level, and a generator frame here cost about 7% of a
 * kernel scenario's run time (issue #6 §4).
 */
class CpuThread implements Generator<Step, void, void> {
  /** The body's generator, created at the first step (as a generator's body starts then). */
  private inner: Gen<unknown> | null = null;
  private static readonly DONE: IteratorReturnResult<void> = { done: true, value: undefined };

  constructor(
    private readonly cpu: Cpu,
    private readonly body: ThreadFn,
  ) {}

  next(): IteratorResult<Step, void> {
    const r = (this.inner ??= this.body(this.cpu)).next();
    if (r.done !== true) return r;
    const cpu = this.cpu;
    if (cpu.rcu_read_lock_nesting !== 0)
      violate('assertion', `${cpu.name} returned inside rcu_read_lock()`);
    if (cpu.irqs_disabled) violate('assertion', `${cpu.name} returned with IRQs disabled`);
    cpu.done = true;
    return CpuThread.DONE;
  }

  return(): IteratorResult<Step, void> {
    this.inner?.return(undefined);
    return CpuThread.DONE;
  }

  throw(e: unknown): IteratorResult<Step, void> {
    if (this.inner === null) throw e;
    return this.inner.throw(e) as IteratorResult<Step, void>;
  }

  [Symbol.iterator](): this {
    return this;
  }
}
