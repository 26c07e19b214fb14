// Seeded random `.ptw` workloads for differential testing against the kernel oracle: maps at whole
// GiB bases sharing or not sharing PMD slots, touches, madvise, munmap, mprotect, a few bad ops.

import { Prng } from '../util/prng.js';
import type { Prot } from './types.js';
import { formatSize } from './numbers.js';

/** Options of {@link generateWorkload}; every field is optional. */
export interface GenerateOptions {
  /** Fewest operations, reports not counted (default 10). */
  readonly minOps?: number;
  /** Most operations, reports not counted (default 40). */
  readonly maxOps?: number;
  /** Probability that an op is one the kernel rejects; the workload ends there (default 0.015). */
  readonly badOpRate?: number;
  /** Probability of a `report` after an op (default 0.7). */
  readonly reportRate?: number;
}

const PAGE = 4096;
/** Pages per PMD slot (2 MiB), per PUD slot (1 GiB). */
const SLOT_PAGES = 512;
const GIB_PAGES = 512 * 512;

/** A live piece of a mapping, in pages from the mapping's start: [start, end). */
interface Piece {
  start: number;
  end: number;
  prot: Prot;
}

interface Mapping {
  readonly name: string;
  /** Absolute start, in pages. */
  readonly base: number;
  readonly pages: number;
  pieces: Piece[];
}

const bytes = (pages: number): string => formatSize(BigInt(pages) * BigInt(PAGE));
const readable = (p: Prot): boolean => p !== 'none';
const writable = (p: Prot): boolean => p === 'rw' || p === 'rwx';

class Generator {
  readonly lines: string[] = [];
  readonly maps: Mapping[] = [];
  private reports = 0;
  /** Absolute page ranges ever mapped (kept after munmap so new maps stay deterministic). */
  private readonly used: [number, number][] = [];

  constructor(
    readonly rng: Prng,
    readonly badOpRate: number,
    readonly reportRate: number,
  ) {}

  chance(p: number): boolean {
    return this.rng.nextFloat() < p;
  }

  between(lo: number, hi: number): number {
    return lo + this.rng.below(hi - lo + 1);
  }

  free(start: number, pages: number): boolean {
    return this.used.every(([s, e]) => start + pages <= s || start >= e);
  }

  sizePages(): number {
    return this.rng.pick([1, 2, 16, 128, 256, 511, 512, 513, 768, 1024, 1536, 2048, 3072]);
  }

  prot(): Prot {
    return this.rng.pick<Prot>(['rw', 'rw', 'rw', 'rw', 'r', 'rwx', 'none']);
  }

  /** Picks a base: fresh slot, same slot as a neighbour's end, or far in a neighbour's GiB. */
  placement(pages: number): number | undefined {
    for (let attempt = 0; attempt < 20; attempt++) {
      let start: number;
      const near = this.maps.length > 0 ? this.rng.pick(this.maps) : undefined;
      const mode = near === undefined ? 0 : this.rng.below(4);
      if (mode === 0) {
        // Whole GiB 1..6, or 513 GiB (its own PUD table), at a slot or page offset inside the GiB.
        const gib = this.chance(0.1) ? 513 : this.between(1, 6);
        const slot = this.between(0, 15);
        start = gib * GIB_PAGES + slot * SLOT_PAGES + (this.chance(0.4) ? this.between(1, 511) : 0);
      } else if (mode === 1 && near !== undefined) {
        start = near.base + near.pages + (this.chance(0.5) ? 0 : this.between(1, 64));
      } else if (mode === 2 && near !== undefined) {
        start = near.base - pages - (this.chance(0.5) ? 0 : this.between(1, 64));
      } else {
        const n = near as Mapping;
        start = n.base - (n.base % GIB_PAGES) + this.between(0, 511) * SLOT_PAGES;
      }
      if (start >= GIB_PAGES && this.free(start, pages)) return start;
    }
    return undefined;
  }

  emit(line: string): void {
    this.lines.push(line);
  }

  maybeReport(): void {
    if (this.chance(this.reportRate)) this.emit(`report r${++this.reports}`);
  }

  map(): boolean {
    const pages = this.sizePages();
    const base = this.placement(pages);
    if (base === undefined) return false;
    const prot = this.prot();
    const name = `m${this.maps.length}`;
    this.maps.push({ name, base, pages, pieces: [{ start: 0, end: pages, prot }] });
    this.used.push([base, base + pages]);
    this.emit(
      `map ${name} ${bytes(pages)} at=${bytes(base)}${prot === 'rw' ? '' : ` prot=${prot}`}`,
    );
    return true;
  }

  /** A live mapping and a range inside one of its pieces, sometimes exactly one whole PMD slot. */
  range(filter: (p: Piece) => boolean = () => true): [Mapping, Piece, number, number] | undefined {
    const candidates = this.maps.flatMap((m) =>
      m.pieces.filter(filter).map((p) => [m, p] as const),
    );
    if (candidates.length === 0) return undefined;
    const [m, p] = this.rng.pick(candidates);
    const firstSlot = Math.ceil((m.base + p.start) / SLOT_PAGES) * SLOT_PAGES - m.base;
    if (firstSlot + SLOT_PAGES <= p.end && this.chance(0.4)) {
      const slots = Math.floor((p.end - firstSlot) / SLOT_PAGES);
      const k = this.between(0, slots - 1);
      const n = this.between(1, slots - k);
      return [m, p, firstSlot + k * SLOT_PAGES, n * SLOT_PAGES];
    }
    const start = this.between(p.start, p.end - 1);
    return [m, p, start, this.between(1, p.end - start)];
  }

  touch(): void {
    const write = this.chance(0.7);
    const r = this.range(write ? (p) => writable(p.prot) : (p) => readable(p.prot));
    if (r === undefined) return;
    const [m, , start, len] = r;
    const stride = this.rng.pick(['', '', ' stride=64K', ' stride=2M', ' stride=12K']);
    this.emit(`touch ${m.name} +${bytes(start)} ${bytes(len)}${stride}${write ? '' : ' read'}`);
  }

  madvise(): void {
    const r = this.range();
    if (r === undefined) return;
    const m = r[0];
    let [, , start, len] = r;
    // Sometimes the whole mapping, across the VMAs that mprotect or advice split it into.
    if (this.chance(0.2) && contiguous(m)) [start, len] = [0, m.pages];
    const advice = this.rng.pick([
      'dontneed',
      'dontneed',
      'dontneed',
      'free',
      'hugepage',
      'nohugepage',
    ]);
    this.emit(`madvise ${m.name} +${bytes(start)} ${bytes(len)} ${advice}`);
  }

  munmap(): void {
    const r = this.range();
    if (r === undefined) return;
    const [m, p, rawStart, rawLen] = r;
    const whole = this.chance(0.3);
    const start = whole ? p.start : rawStart;
    const end = whole ? p.end : rawStart + rawLen;
    this.emit(`munmap ${m.name} +${bytes(start)} ${bytes(end - start)}`);
    m.pieces = m.pieces.flatMap((q) => (q === p ? cut(q, start, end) : [q]));
  }

  mprotect(): void {
    const r = this.range();
    if (r === undefined) return;
    const [m, p, start, len] = r;
    const prot = this.prot();
    this.emit(`mprotect ${m.name} +${bytes(start)} ${bytes(len)} ${prot}`);
    const middle = { start, end: start + len, prot };
    m.pieces = m.pieces.flatMap((q) =>
      q === p ? [...cut(q, start, start + len), middle].sort((a, b) => a.start - b.start) : [q],
    );
  }

  /** One op the kernel rejects; the run stops there. */
  bad(): void {
    const m = this.rng.pick(this.maps);
    switch (this.rng.below(5)) {
      case 0: // SIGSEGV: beyond the end (the page after may be a neighbour: then it is harmless)
        this.emit(`touch ${m.name} +${bytes(m.pages + 300 * SLOT_PAGES)} 4K`);
        break;
      case 1: // EEXIST
        this.emit(`map bad ${bytes(SLOT_PAGES)} at=${bytes(m.base)}`);
        break;
      case 2: // EINVAL: unaligned start
        this.emit(`madvise ${m.name} +1 4K dontneed`);
        break;
      case 3: // ENOMEM: the range runs past the mapping into a hole (unless a neighbour is there)
        this.emit(`mprotect ${m.name} +0 ${bytes(m.pages + 300 * SLOT_PAGES)} r`);
        break;
      default: // ENOMEM after zapping the mapped part
        this.emit(`madvise ${m.name} +0 ${bytes(m.pages + 300 * SLOT_PAGES)} dontneed`);
    }
  }
}

/** True when nothing of the mapping was unmapped. */
function contiguous(m: Mapping): boolean {
  return (
    m.pieces.every((p, i) => p.start === (i === 0 ? 0 : m.pieces[i - 1].end)) &&
    m.pieces[m.pieces.length - 1]?.end === m.pages
  );
}

/** The pieces of `p` left outside [start, end). */
function cut(p: Piece, start: number, end: number): Piece[] {
  const out: Piece[] = [];
  if (p.start < start) out.push({ ...p, end: start });
  if (end < p.end) out.push({ ...p, start: end });
  return out;
}

/**
 * A random workload of `minOps..maxOps` operations as `.ptw` text; the same seed always gives the
 * same text. Every map has `at=`, so the kernel oracle can run it.
 *
 * @example generateWorkload(7).split('\n')[0] // '# generateWorkload(seed 7)'
 */
export function generateWorkload(seed: number, options: GenerateOptions = {}): string {
  const minOps = options.minOps ?? 10;
  const maxOps = Math.max(minOps, options.maxOps ?? 40);
  const g = new Generator(new Prng(seed), options.badOpRate ?? 0.015, options.reportRate ?? 0.7);
  g.emit(`# generateWorkload(seed ${seed})`);
  const target = g.between(minOps, maxOps);
  let ops = 0;
  while (ops < target) {
    const before = g.lines.length;
    const roll = g.rng.nextFloat();
    if (g.maps.length === 0 || roll < 0.15) g.map();
    else if (ops >= minOps - 1 && g.chance(g.badOpRate)) {
      g.bad();
      g.emit('report after-error');
      break;
    } else if (roll < 0.5) g.touch();
    else if (roll < 0.72) g.madvise();
    else if (roll < 0.82) g.munmap();
    else if (roll < 0.94) g.mprotect();
    else g.emit('pressure');
    if (g.lines.length > before) {
      ops++;
      g.maybeReport();
    }
  }
  g.emit('report end');
  return `${g.lines.join('\n')}\n`;
}
