// Page-table pages and their lives: a ptdesc (the struct page of a page-table page) carries the
// split PTE lock, the rcu_head and the powerpc fragment refcount, and hosts one PTE table (x86) or
// several fragments (powerpc). Every access to a table checks its life; one that finds it freed
// or reused is a use-after-free.

import { violate } from '../../check/program.js';
import { assert } from '../../util/assert.js';
import { Atomic } from './atomic.js';
import type { Cpu } from './cpu.js';
import { RcuHead } from './rcu.js';
import { SpinLock, type AccessCheck } from './spinlock.js';
import type { KernelStats } from './stats.js';
import { step, type Gen } from './step.js';

/**
 * Where a PTE table is in its life (spec WALK-8): allocated, linked into a PMD, unlinked (PMD
 * cleared), queued for freeing (mmu_gather batch, call_rcu), freed, or reused (its frame was
 * handed out again). Only the last two forbid access.
 */
export type TableLife = 'allocated' | 'linked' | 'unlinked' | 'queued' | 'freed' | 'reused';

/** Life of a whole page-table page. */
export type PageState = 'live' | 'freed' | 'reused';

/** A PTE table: `entries[i]` is 0 for pte_none, else the number of the folio mapped. */
export class PteTable {
  life: TableLife = 'allocated';
  readonly entries: number[];
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
    this.entries = new Array<number>(nr_entries).fill(0);
    this.pte_ref = new Atomic(`pte_ref(${name})`, 0, check);
  }
}

/** A page-table page (struct ptdesc). */
export class PtDesc {
  state: PageState = 'live';
  readonly tables: PteTable[] = [];
  readonly ptl: SpinLock;
  readonly pt_rcu_head: RcuHead;
  readonly pt_frag_refcount: Atomic;
  /** PG_active; powerpc marks pages with a fragment freed by pte_free_defer(). */
  active = false;

  constructor(
    readonly name: string,
    readonly pfn: number,
    check: AccessCheck,
  ) {
    this.ptl = new SpinLock(`ptl(${name})`, check);
    this.pt_rcu_head = new RcuHead(name);
    this.pt_frag_refcount = new Atomic(`pt_frag_refcount(${name})`, 0, check);
  }
}

/** The page allocator as far as page-table pages are concerned. */
export class PageAllocator {
  /** Every table ever allocated, in allocation order. */
  readonly tables: PteTable[] = [];
  private readonly byId = new Map<number, PteTable>();
  readonly pages: PtDesc[] = [];
  private readonly freeFrames: number[] = [];
  private readonly byFrame = new Map<number, PtDesc>();
  private readonly objectsOf = new Map<PtDesc, readonly string[]>();
  private nextFrame = 1;

  constructor(
    private readonly stats: KernelStats,
    /** Entries per modelled table (PTRS_PER_PTE shrunk to keep scenarios small). */
    readonly ptrs_per_pte: number,
    /** Which per-page counters exist (they are freed with the page). */
    private readonly counters: { readonly fragments: boolean; readonly pte_ref: boolean },
  ) {}

  private checkDeclared(page: PtDesc, obj: string): void {
    assert(
      this.pageObjects(page).includes(obj),
      `${obj} is used but not freed with ${page.name}: enable its design in KernelConfig (arch powerpc, pte_refcount)`,
    );
  }

  /** Allocates a page hosting `frags` tables, reusing the most recently freed frame first. */
  newPage(frags = 1): PtDesc {
    const pfn = this.freeFrames.pop() ?? this.nextFrame++;
    const old = this.byFrame.get(pfn);
    if (old) {
      old.state = 'reused';
      for (const t of old.tables) t.life = 'reused';
    }
    const name = `pg${this.pages.length + 1}`;
    const page: PtDesc = new PtDesc(name, pfn, (cpu, label, obj) =>
      this.checkPage(cpu, page, label, obj),
    );
    for (let f = 0; f < frags; f++) {
      const id = this.tables.length + 1;
      const tname = frags === 1 ? `tbl${id}` : `tbl${id}(${name}.f${f})`;
      const table: PteTable = new PteTable(id, tname, page, this.ptrs_per_pte, (cpu, label, obj) =>
        this.checkTable(cpu, table, label, obj),
      );
      this.tables.push(table);
      this.byId.set(id, table);
      page.tables.push(table);
    }
    this.pages.push(page);
    this.byFrame.set(pfn, page);
    return page;
  }

  /** The table a non-none PMD value points to. */
  table(pmdval: number): PteTable {
    const t = this.byId.get(pmdval);
    assert(t, `no PTE table has PMD value ${pmdval}`);
    return t;
  }

  /** pte_alloc_one(): a fresh, empty PTE table page. */
  *pte_alloc_one(_cpu: Cpu, label: string): Gen<PteTable> {
    yield step('buddy', 'rmw', label);
    return this.newPage(1).tables[0];
  }

  /**
   * The step objects that live inside `page`: every entry of its tables, its ptl, and the
   * counters the configured designs use. A fixed list, so a free always yields the same steps.
   */
  pageObjects(page: PtDesc): readonly string[] {
    const cached = this.objectsOf.get(page);
    if (cached) return cached;
    const objs: string[] = [];
    for (const t of page.tables) {
      for (let i = 0; i < t.entries.length; i++) objs.push(`pte[${t.name}][${i}]`);
      if (this.counters.pte_ref) objs.push(t.pte_ref.obj);
    }
    objs.push(page.ptl.obj);
    if (this.counters.fragments) objs.push(page.pt_frag_refcount.obj, `flags(${page.name})`);
    this.objectsOf.set(page, objs);
    return objs;
  }

  /**
   * Frees a page-table page (pagetable_free / __free_page): one allocator step that frees it, then
   * one write per object inside the page. The writes model the page's contents being lost and
   * declare the free's conflict with every access to the page, so partial-order reduction cannot
   * treat a late access as independent of the free.
   */
  *free_page(cpu: Cpu, page: PtDesc, label: string): Gen {
    yield step('buddy', 'rmw', label);
    this.__free_page(cpu, page, label);
    for (const obj of this.pageObjects(page)) yield step(obj, 'write', `${label}: ${obj} freed`);
  }

  /** The effect of freeing a page, for callers already inside a step. */
  __free_page(cpu: Cpu, page: PtDesc, label: string): void {
    if (page.state !== 'live') {
      violate('double-free', `${cpu.name}: ${label}: ${page.name} freed twice`, {
        [page.name]: page.state,
      });
    }
    page.state = 'freed';
    for (const t of page.tables) t.life = 'freed';
    this.freeFrames.push(page.pfn);
    this.stats.pages_freed++;
  }

  /** Reports a use-after-free if `table` is no longer allocated when `obj` in it is accessed. */
  checkTable(cpu: Cpu, table: PteTable, label: string, obj: string): void {
    this.checkDeclared(table.page, obj);
    if (table.life === 'freed' || table.life === 'reused') {
      violate('use-after-free', `${cpu.name}: ${label}: ${table.name} was ${table.life}`, {
        [table.name]: `${table.life} (page ${table.page.name}, pfn ${table.page.pfn})`,
      });
    }
  }

  /** Reports a use-after-free if `page` is no longer allocated when `obj` in it is accessed. */
  checkPage(cpu: Cpu, page: PtDesc, label: string, obj: string): void {
    this.checkDeclared(page, obj);
    if (page.state !== 'live') {
      violate('use-after-free', `${cpu.name}: ${label}: page ${page.name} was ${page.state}`, {
        [page.name]: `${page.state} (pfn ${page.pfn})`,
      });
    }
  }
}
