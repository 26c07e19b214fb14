// Data folios, the pages PTE entries map, as far as GUP pins need them: the reference count that
// mappings, speculative gets and pins share (folio_ref_count), whether the folio went back to the
// allocator, and which folio a collapse copied it into. Mirrors include/linux/page_ref.h
// (folio_try_get, folio_put) and the refcount rule of mm/gup.c (see docs/kernel-version.md).

import { violate } from '../../check/program.js';
import type { Cpu } from './cpu.js';
import { Shared } from './shared.js';

/** A data folio. PTE entries hold its number; a PMD entry below zero maps a THP (-number). */
export class Folio {
  /** folio_ref_count: one per mapping, one per get or pin (GUP_PIN_COUNTING_BIAS is 1 here). */
  private readonly ref: Shared<number>;
  private readonly freed: Shared<boolean>;
  /** The folio a collapse copied this one into, or 0: writes here no longer reach the mm. */
  private readonly copy: Shared<number>;

  constructor(
    readonly nr: number,
    refs: number,
  ) {
    this.ref = new Shared(`folio_ref(folio${nr})`, refs);
    this.freed = new Shared(`state(folio${nr})`, false);
    this.copy = new Shared(`copy(folio${nr})`, 0);
  }

  get name(): string {
    return `folio${this.nr}`;
  }

  /** folio_ref_count() (a read). */
  folio_ref_count(): number {
    return this.ref.get();
  }

  /**
   * folio_try_get() (try_grab_folio_fast with FOLL_PIN): takes a reference unless the count is
   * zero, i.e. unless the folio is being freed; a speculative get of a freed folio fails cleanly.
   */
  folio_try_get(): boolean {
    const r = this.ref.get();
    if (r === 0) return false;
    this.ref.set(r + 1);
    return true;
  }

  /** folio_get(): a reference on a folio known to be live (a new mapping). */
  folio_get(): void {
    this.ref.set(this.ref.get() + 1);
  }

  /** folio_put() (also gup_put_folio, unpin_user_page): the last reference frees the folio. */
  folio_put(cpu: Cpu, label: string): void {
    const r = this.ref.get();
    if (r <= 0 || this.freed.get()) {
      violate('double-free', `${cpu.name}: ${label}: ${this.name} put with no reference left`, {
        [this.name]: `refcount ${r}`,
      });
    }
    this.ref.set(r - 1);
    if (r === 1) this.freed.set(true);
  }

  /** Marks the folio copied into `into` (__collapse_huge_page_copy). */
  copiedInto(into: number): void {
    this.copy.set(into);
  }

  /**
   * A write through a pin (the DMA or O_DIRECT read the pin exists for): on a freed folio it is a
   * use-after-free; on a folio a collapse already copied, the mm maps the copy and the write is lost.
   */
  writeThroughPin(cpu: Cpu, label: string): void {
    if (this.freed.get()) {
      violate('use-after-free', `${cpu.name}: ${label}: ${this.name} was freed under the pin`, {
        [this.name]: 'freed',
      });
    }
    const into = this.copy.get();
    if (into !== 0) {
      violate(
        'lost-mapping',
        `${cpu.name}: ${label}: ${this.name} was copied into folio${into} before this write; ` +
          'the mm maps the copy, so the write through the pin is lost',
        { [this.name]: `copied into folio${into}, refcount ${this.ref.peek()}` },
      );
    }
  }

  /** The count without an access: final checks and dumps. */
  peekRef(): number {
    return this.ref.peek();
  }

  peekFreed(): boolean {
    return this.freed.peek();
  }

  peekCopy(): number {
    return this.copy.peek();
  }
}
