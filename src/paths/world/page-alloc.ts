// Page-table pages and their lives: a ptdesc (the struct page of a page-table page) carries the
// split PTE lock, the rcu_head and the powerpc fragment refcount, and hosts one PTE table (x86) or
// several fragments (powerpc). Every access to a table checks its life; one that finds it freed
// or reused is a use-after-free.

import { violate } from '../../check/program.js';
import { Atomic } from './atomic.js';
import type { Cpu } from './cpu.js';
import { RcuHead } from './rcu.js';
import { Shared } from './shared.js';
import { SpinLock, type AccessCheck } from './spinlock.js';
import type { KernelStats } from './stats.js';
import { memo, numbered, step, type Gen } from './step.js';

/**
 * Where a PTE table is in its life (spec WALK-8): allocated, linked into a PMD, unlinked (PMD
 * cleared), queued for freeing (mmu_gather batch, call_rcu), freed, or reused (its frame was
 * handed out again). Only the last two forbid access; they are the life of the page.
 */
export type TableLife = 'allocated' | 'linked' | 'unlinked' | 'queued' | 'freed' | 'reused';

/** Life of a whole page-table page. */
export type PageState = 'live' | 'freed' | 'reused';

/** The names of a table's cells; `entries` grows to the largest table of that name seen. */
const tableNames = memo((name) => ({
  entries: [] as string[],
  life: `life(${name})`,
  pte_ref: `pte_ref(${name})`,
}));

/** The names of a page-table page's cells. */
const pageNames = memo((name) => ({
  state: `state(${name})`,
  flags: `flags(${name})`,
  ptl: `ptl(${name})`,
  pt_frag_refcount: `pt_frag_refcount(${name})`,
}));

/** A PTE table: entry `i` is 0 for pte_none, else the number of the folio mapped. */
export class PteTable {
  private readonly ptes: Shared<number>[];
  /** allocated, linked, unlinked or queued: the table's own part of its life. */
  private readonly link: Shared<'allocated' | 'linked' | 'unlinked' | 'queued'>;
  /** The 2022 RFC's per-table reference count (pte_ref); unused by other designs. */
  readonly pte_ref: Atomic;

  constructor(
    /** The value a PMD entry holds when it points here; never reused (see docs). */
    readonly id: number,
    readonly name: string,
    readonly page: PtDesc,
    nr_entries: number,
    check: AccessCheck,
  ) {
    const names = tableNames(name);
    for (let i = names.entries.length; i < nr_entries; i++)
      names.entries.push(`pte[${name}][${i}]`);
    this.ptes = [];
    for (let i = 0; i < nr_entries; i++) this.ptes.push(new Shared(names.entries[i], 0));
    this.link = new Shared<'allocated' | 'linked' | 'unlinked' | 'queued'>(names.life, 'allocated');
    this.pte_ref = new Atomic(names.pte_ref, 0, check);
  }

  /** PTRS_PER_PTE of this table. */
  get nr_entries(): number {
    return this.ptes.length;
  }

  /** Entry `i` (a read of it). The caller checks the page is still allocated. */
  pte(i: number): number {
    return this.ptes[i].get();
  }

  /** Writes entry `i`. */
  set_pte(i: number, val: number): void {
    this.ptes[i].set(val);
  }

  /** Sets entry `i` before the threads start. */
  initEntry(i: number, val: number): void {
    this.ptes[i].init(val);
  }

  /** The entries without an access: final checks and state dumps only. */
  peekEntries(): number[] {
    return this.ptes.map((p) => p.peek());
  }

  /** The first entry that maps a folio, or -1 when all are none (no access, like peekEntries). */
  peekFirstMapped(): number {
    for (let i = 0; i < this.ptes.length; i++) if (this.ptes[i].peek() !== 0) return i;
    return -1;
  }

  /**
   * The table's life: its page's when the page was freed or reused, else its own (reads both).
   * Setting `freed` or `reused` is the page allocator's business.
   */
  get life(): TableLife {
    const page = this.page.state;
    return page === 'live' ? this.link.get() : page;
  }

  set life(v: TableLife) {
    if (v === 'freed' || v === 'reused') {
      violate('assertion', `impossible state: ${this.name} marked ${v} outside the page allocator`);
    }
    this.link.set(v);
  }

  /** {@link life} without an access, for final checks and state dumps. */
  peekLife(): TableLife {
    const page = this.page.peekState();
    return page === 'live' ? this.link.peek() : page;
  }

  /** Sets the life before the threads start. */
  initLife(v: 'allocated' | 'linked' | 'unlinked' | 'queued'): void {
    this.link.init(v);
  }
}

/** A page-table page (struct ptdesc). */
export class PtDesc {
  private readonly life: Shared<PageState>;
  private readonly flags: Shared<boolean>;
  readonly tables: PteTable[] = [];
  readonly ptl: SpinLock;
  readonly pt_rcu_head: RcuHead;
  readonly pt_frag_refcount: Atomic;

  constructor(
    readonly name: string,
    readonly pfn: number,
    check: AccessCheck,
    /** The lock to use as this page's PTE lock when split PTE locks are off (the PMD lock). */
    shared_ptl: SpinLock | null = null,
  ) {
    const names = pageNames(name);
    this.life = new Shared<PageState>(names.state, 'live');
    this.flags = new Shared(names.flags, false);
    this.ptl = shared_ptl ?? new SpinLock(names.ptl, check);
    this.pt_rcu_head = new RcuHead(name);
    this.pt_frag_refcount = new Atomic(names.pt_frag_refcount, 0, check);
  }

  /** Whether the page is allocated, freed or reused (a read of its state). */
  get state(): PageState {
    return this.life.get();
  }

  set state(v: PageState) {
    this.life.set(v);
  }

  /** {@link state} without an access, for final checks and state dumps. */
  peekState(): PageState {
    return this.life.peek();
  }

  /** PG_active; powerpc marks pages with a fragment freed by pte_free_defer(). */
  get active(): boolean {
    return this.flags.get();
  }

  set active(v: boolean) {
    this.flags.set(v);
  }

  /** {@link active} without an access, for final checks and state dumps. */
  peekActive(): boolean {
    return this.flags.peek();
  }
}

/** The page allocator as far as page-table pages are concerned. */
export class PageAllocator {
  /** Every table ever allocated, in allocation order. */
  readonly tables: PteTable[] = [];
  readonly pages: PtDesc[] = [];
  /** The free lists: frames of freed pages, most recently freed last. */
  private readonly buddy = new Shared<number[]>('buddy', []);
  /** The page last allocated on each frame, by frame number (frames count up from 1). */
  private readonly byFrame: (PtDesc | undefined)[] = [];
  private nextFrame = 1;
  /** Without split PTE locks, every table's PTE lock is this one (the mm's PMD lock). */
  shared_ptl: SpinLock | null = null;

  constructor(
    private readonly stats: KernelStats,
    /** Entries per modelled table (PTRS_PER_PTE shrunk to keep scenarios small). */
    readonly ptrs_per_pte: number,
  ) {}

  /**
   * Allocates a page hosting `frags` tables, reusing the most recently freed frame first (the old
   * page on that frame becomes `reused`). Inside a step it reads and writes the free lists.
   */
  newPage(frags = 1): PtDesc {
    // Every allocation writes the allocator's state (the free list, or the next fresh frame and
    // the page and table numbering), so two allocations are ordered: which one gets which frame
    // and name depends on their order.
    const free = this.buddy.get();
    const pfn = free.length > 0 ? free[free.length - 1] : this.nextFrame++;
    this.buddy.set(free.length > 0 ? free.slice(0, -1) : free);
    const old = this.byFrame[pfn];
    if (old) old.state = 'reused';
    const name = numbered('pg', this.pages.length + 1);
    const page: PtDesc = new PtDesc(
      name,
      pfn,
      (cpu, label) => this.checkPage(cpu, page, label),
      this.shared_ptl,
    );
    for (let f = 0; f < frags; f++) {
      const id = this.tables.length + 1;
      const tname = frags === 1 ? numbered('tbl', id) : `tbl${id}(${name}.f${f})`;
      const table: PteTable = new PteTable(id, tname, page, this.ptrs_per_pte, (cpu, label) =>
        this.checkTable(cpu, table, label),
      );
      this.tables.push(table);
      page.tables.push(table);
    }
    this.pages.push(page);
    this.byFrame[pfn] = page;
    return page;
  }

  /**
   * The table a non-none PMD value points to. A value that points to no table (a THP leaf, or a
   * number no allocation gave) means a path ran on state it cannot be in: a named `assertion`
   * violation, never an internal error.
   */
  table(pmdval: number): PteTable {
    // Table ids count up from 1 in allocation order: id k is tables[k - 1].
    const t = Number.isInteger(pmdval) && pmdval > 0 ? this.tables[pmdval - 1] : undefined;
    if (t === undefined) {
      const what =
        pmdval < 0 ? `maps THP folio${-pmdval}` : pmdval === 0 ? 'is none' : 'points to no table';
      violate(
        'assertion',
        `impossible state: a PTE-table walk on a PMD that ${what} (value ${pmdval})`,
      );
    }
    return t;
  }

  /** pte_alloc_one(): a fresh, empty PTE table page. */
  *pte_alloc_one(_cpu: Cpu, label: string): Gen<PteTable> {
    yield step(label);
    return this.newPage(1).tables[0];
  }

  /**
   * Frees a page-table page (pagetable_free / __free_page): one step that writes the page's state
   * and the free lists, so it conflicts with every later access to anything inside the page (each
   * such access reads the page's state).
   */
  *free_page(cpu: Cpu, page: PtDesc, label: string): Gen {
    yield step(label);
    this.__free_page(cpu, page, label);
  }

  /** The effect of freeing a page, for callers already inside a step. */
  __free_page(cpu: Cpu, page: PtDesc, label: string): void {
    const state = page.state;
    if (state !== 'live') {
      violate('double-free', `${cpu.name}: ${label}: ${page.name} freed twice`, {
        [page.name]: state,
      });
    }
    // The allocator's free-time flag check: a page must come back with no page flags set.
    if (page.active) {
      violate('bad-page-state', `${cpu.name}: ${label}: ${page.name} freed with PG_active set`, {
        [page.name]: 'PG_active',
      });
    }
    page.state = 'freed';
    this.buddy.set([...this.buddy.get(), page.pfn]);
    this.stats.pages_freed++;
  }

  /** Reports a use-after-free if `table`'s page is no longer allocated (reads the page's state). */
  checkTable(cpu: Cpu, table: PteTable, label: string): void {
    const state = table.page.state;
    if (state !== 'live') {
      violate('use-after-free', `${cpu.name}: ${label}: ${table.name} was ${state}`, {
        [table.name]: `${state} (page ${table.page.name}, pfn ${table.page.pfn})`,
      });
    }
  }

  /** Reports a use-after-free if `page` is no longer allocated (reads its state). */
  checkPage(cpu: Cpu, page: PtDesc, label: string): void {
    const state = page.state;
    if (state !== 'live') {
      violate('use-after-free', `${cpu.name}: ${label}: page ${page.name} was ${state}`, {
        [page.name]: `${state} (pfn ${page.pfn})`,
      });
    }
  }
}
