// GUP-fast: the lockless page-table walk of get_user_pages_fast / pin_user_pages_fast. Mirrors
// mm/gup.c (gup_fast, gup_fast_pmd_leaf, gup_fast_pte_range, try_grab_folio_fast, gup_put_folio)
// (see docs/kernel-version.md).

import { pmdp_get_lockless, ptep_get } from './pgtable.js';
import { guarded } from './world/config.js';
import type { Cpu } from './world/cpu.js';
import type { Folio } from './world/folio.js';
import { local_irq_disable, local_irq_enable } from './world/irq.js';
import type { PmdSlot } from './world/mm.js';
import type { PteTable } from './world/page-alloc.js';
import type { Shared } from './world/shared.js';
import { step, type Gen } from './world/step.js';
import type { World } from './world/world.js';

/** What gup_fast achieved for one page: pinned it, or left it to the slow path. */
export type GupResult = 'pinned' | 'fallback';

/** A GUP-fast outcome with the folio pinned, when the world models folios. */
export interface GupPin {
  readonly result: GupResult;
  /** The folio holding the pin (a reference to put with unpin_user_page), or null. */
  readonly folio: Folio | null;
}

/** Options of {@link pin_user_pages_fast}. */
export interface GupOptions {
  /**
   * Re-check the PMD after pinning, not only the PTE. Default true; false is the kernel before
   * "mm: gup: fix the fast GUP race against THP collapse" (70cbc3cc78a9, 6.1), which re-checked
   * the PTE only and so missed pmdp_collapse_flush.
   */
  readonly pmd_recheck?: boolean;
  /**
   * mm->write_protect_seq, which fork's copy of COW mappings holds odd: a FOLL_PIN walk gives up
   * on an odd value and unpins when the value changed by the end ("mm/gup: prevent gup_fast from
   * racing with COW during fork", 57efa1fe5957, 5.11). Omitted: not modelled.
   */
  readonly write_protect_seq?: Shared<number>;
  /**
   * The write bit of the entry pinned: FOLL_WRITE needs it, and the PTE re-check sees it cleared
   * (fork's ptep_set_wrprotect). Omitted: not modelled.
   */
  readonly pte_write?: Shared<boolean>;
}

const FALLBACK: GupPin = { result: 'fallback', folio: null };

/**
 * try_grab_folio_fast(): a speculative reference on the folio entry `val` maps, which fails on a
 * folio whose count already dropped to zero. Without a folio model there is nothing to take.
 */
function* try_grab_folio_fast(w: World, _cpu: Cpu, val: number): Gen<Folio | null | 'none'> {
  const folio = w.folios.get(val);
  if (folio === undefined) return 'none';
  yield step('gup_fast: try_grab_folio_fast');
  return folio.folio_try_get() ? folio : null;
}

/** gup_put_folio(): drops the reference taken by a GUP walk that gave up after re-checking. */
function* gup_put_folio(cpu: Cpu, folio: Folio | null, label: string): Gen {
  if (folio === null) return;
  yield step(label);
  folio.folio_put(cpu, label);
}

/**
 * gup_fast_pte_range(): maps the table through the PMD value already read (pte_offset_map on the
 * local copy), reads the PTE, takes a speculative folio reference, then re-checks the PMD and the
 * PTE (WALK-1): a change means the entry was zapped, collapsed or moved after it was read, and the
 * reference is dropped. Without the folio model the reference is not a shared step.
 */
function* gup_fast_pte_range(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  pmdval: number,
  i: number,
  o: GupOptions,
): Gen<GupPin> {
  // Nested in the IRQs-off section: not a shared step, the CPU is already a reader.
  yield* w.rcu.rcu_read_lock(cpu);
  const table = w.alloc.table(pmdval);
  const pte = yield* ptep_get(w, cpu, table, i, 'gup_fast_pte_range: ptep_get_lockless');
  // FOLL_WRITE on a write-protected entry: the slow path must break COW first.
  const writable = o.pte_write?.get() ?? true;
  let pin: GupPin = FALLBACK;
  if (pte !== 0 && writable) {
    const grabbed = yield* try_grab_folio_fast(w, cpu, pte);
    const folio = grabbed === 'none' ? null : grabbed;
    if (grabbed !== null) pin = yield* recheck(w, cpu, pmd, pmdval, folio, o, { table, i, pte });
  }
  yield* w.rcu.rcu_read_unlock(cpu);
  return pin;
}

/** The re-check after pinning: PMD (unless `pmd_recheck` is off), then the PTE when there is one. */
function* recheck(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  pmdval: number,
  folio: Folio | null,
  o: GupOptions,
  at: { table: PteTable; i: number; pte: number } | null,
): Gen<GupPin> {
  if (!guarded(w.config, 'gup_fast_recheck')) return { result: 'pinned', folio };
  if (o.pmd_recheck ?? true) {
    const fn = at === null ? 'gup_fast_pmd_leaf' : 'gup_fast_pte_range';
    const pmdNow = yield* pmdp_get_lockless(w, cpu, pmd, `${fn}: recheck pmd`);
    if (pmdNow !== pmdval) {
      yield* gup_put_folio(cpu, folio, `${fn}: pmd changed: gup_put_folio`);
      return FALLBACK;
    }
  }
  if (at !== null) {
    const pteNow = yield* ptep_get(w, cpu, at.table, at.i, 'gup_fast_pte_range: recheck pte');
    if (pteNow !== at.pte || !(o.pte_write?.get() ?? true)) {
      yield* gup_put_folio(cpu, folio, 'gup_fast_pte_range: pte changed: gup_put_folio');
      return FALLBACK;
    }
  }
  return { result: 'pinned', folio };
}

/**
 * pin_user_pages_fast() for entry `i` of `pmd`: the whole walk runs with local IRQs disabled. A
 * PMD mapping a THP (a negative value: -folio) is pinned by gup_fast_pmd_leaf, which re-checks
 * the PMD only.
 */
export function* pin_user_pages_fast(
  w: World,
  cpu: Cpu,
  pmd: PmdSlot,
  i: number,
  o: GupOptions = {},
): Gen<GupPin> {
  const seqcount = guarded(w.config, 'gup_fast_write_protect_seq')
    ? o.write_protect_seq
    : undefined;
  let seq = 0;
  if (seqcount !== undefined) {
    yield step('gup_fast: raw_read_seqcount(write_protect_seq)');
    seq = seqcount.get();
    if (seq % 2 === 1) return FALLBACK;
  }
  yield* local_irq_disable(cpu, 'gup_fast: local_irq_save');
  const pmdval = yield* pmdp_get_lockless(w, cpu, pmd, 'gup_fast_pmd_range: pmdp_get_lockless');
  let pin: GupPin = FALLBACK;
  if (pmdval > 0) {
    pin = yield* gup_fast_pte_range(w, cpu, pmd, pmdval, i, o);
  } else if (pmdval < 0) {
    const grabbed = yield* try_grab_folio_fast(w, cpu, -pmdval);
    const folio = grabbed === 'none' ? null : grabbed;
    if (grabbed !== null)
      pin = yield* recheck(w, cpu, pmd, pmdval, folio, { pmd_recheck: true }, null);
  }
  yield* local_irq_enable(cpu, 'gup_fast: local_irq_restore');
  if (seqcount !== undefined && pin.result === 'pinned') {
    yield step('gup_fast: read_seqcount_retry(write_protect_seq)');
    if (seqcount.get() !== seq) {
      yield* gup_put_folio(cpu, pin.folio, 'gup_fast: fork raced: gup_fast_unpin_user_pages');
      return FALLBACK;
    }
  }
  return pin;
}

/** gup_fast() for entry `i` of `pmd`: {@link pin_user_pages_fast}'s outcome without the folio. */
export function* gup_fast(w: World, cpu: Cpu, pmd: PmdSlot, i: number): Gen<GupResult> {
  return (yield* pin_user_pages_fast(w, cpu, pmd, i)).result;
}

/** unpin_user_page(): the pin's reference goes; the last one frees the folio. */
export function* unpin_user_page(_w: World, cpu: Cpu, folio: Folio): Gen {
  yield step('unpin_user_page: gup_put_folio');
  folio.folio_put(cpu, 'unpin_user_page');
}

/** The write a pin exists for (DMA, an O_DIRECT read into the page): one step on the folio. */
export function* write_through_pin(_w: World, cpu: Cpu, folio: Folio): Gen {
  yield step('pin user: write to the pinned page');
  folio.writeThroughPin(cpu, 'pin user: write to the pinned page');
}
