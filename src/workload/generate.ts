// Seeded random `.ptw` workloads for differential testing against the kernel oracle: maps at whole
// GiB bases sharing or not sharing PMD slots (some MAP_FIXED over live ones, some populated or
// locked), touches, madvise (populate too), munmap, mprotect, mlock and mlockall, a few bad ops.

import { Prng } from '../util/prng.js';
import type { Prot } from './types.js';
import { formatSize } from './numbers.js';
import { ORACLE_MOVE_TOP } from './lower.js';

/**
 * The largest disk file (in pages) the generator reclaims: 4 MiB, so that with this host's
 * `read_ahead_kb` (8192: 2048 pages read from 1024 before the page) every read-around covers the
 * whole file and leaves no PG_readahead mark whose fault would read ahead into large folios (not
 * modelled: the model refuses it as `unsupported`).
 */
const SMALL_DISK_PAGES = 1024;

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
  /**
   * `harsh` (issue #7 section 3) adds what the default mix rarely reaches: THP with lazy-free
   * (hugepage advice right after a map, MADV_FREE, whole-slot writes, `pressure`),
   * pageout/cold/willneed, dontneed_locked, maps straddling 1 GiB and 512 GiB boundaries,
   * `noreserve`, overcommit ENOMEM and more errors. `fork` (issue #7 section 2) adds processes:
   * `fork` and `exit`, ops and reports addressed to children (`@NAME`), THP advice, and the fork
   * advices (dontfork, dofork, wipeonfork, keeponfork). `files` (issue #7 section 2) is the
   * default mix with most maps file-backed: tmpfs, memfd and disk files (`file … disk`, cached
   * whole), private and shared, read more often, with `remove`. Default `default`.
   */
  readonly mix?: 'default' | 'harsh' | 'fork' | 'files';
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
  /** VM_LOCKED: plain MADV_DONTNEED and MADV_FREE would fail there. */
  locked: boolean;
  /** MADV_DONTFORK: a child does not get this piece. */
  dontfork?: boolean;
}

/** What the generator knows of one process: its mappings, mlockall state and guard ranges. */
interface ProcState {
  maps: Mapping[];
  lockFuture: boolean;
  guards: [number, number][];
  /** The process's program break, once a `brk` placed a heap (a fork copies it). */
  heap: { brk: number; reserve: number } | undefined;
}

interface Mapping {
  readonly name: string;
  /** Absolute start, in pages. */
  readonly base: number;
  /** Pages from `base` the name may address (an mremap grows it in place). */
  pages: number;
  pieces: Piece[];
  /** MAP_SHARED (of a file, or anonymous shared memory). */
  readonly shared: boolean;
  /** Backed by a `file` (shmem or disk): MADV_FREE refuses it. */
  readonly file: boolean;
  /** Backed by a disk file (its mapped pages count in RssFile). */
  readonly disk?: boolean;
  /** Backed by a disk file larger than `SMALL_DISK_PAGES`: never reclaimed (see there). */
  readonly bigDisk?: boolean;
  /** Backed by a disk file written in 64 KiB chunks: never reclaimed nor punched. */
  readonly chunked?: boolean;
  /** MAP_GROWSDOWN: touches below it grow it (the room below is kept free). */
  readonly growsdown?: boolean;
  /**
   * The shmem object behind a shared or file mapping: its id (the file's name, or the mapping's
   * own for anonymous shared memory), the file page at `base`, and its size in pages.
   */
  readonly backing?: { readonly id: string; readonly off: number; readonly pages: number };
  /** A disk file mapping: the file page at `base`. */
  readonly diskOff?: number;
}

const bytes = (pages: number): string => formatSize(BigInt(pages) * BigInt(PAGE));
const readable = (p: Prot): boolean => p !== 'none';
const writable = (p: Prot): boolean => p === 'rw' || p === 'rwx';

class Generator {
  readonly lines: string[] = [];
  maps: Mapping[] = [];
  /** The process ops are emitted for (`@NAME` unless main), and the others' saved states. */
  proc = 'main';
  private readonly procs = new Map<string, ProcState>();
  /** Whether a fork happened: from then on pages may be COW-shared between processes. */
  forked = false;
  private forks = 0;
  private nextMap = 0;
  private reports = 0;
  /** mlockall MCL_FUTURE is in force: new maps are locked. */
  private lockFuture = false;
  /** Absolute page ranges that may hold guard markers (accesses there would stop the run). */
  private guards: [number, number][] = [];
  /** Files created so far, with their size in pages and whether on a disk. */
  private readonly files: {
    readonly name: string;
    pages: number;
    disk?: boolean;
    chunked?: boolean;
  }[] = [];
  /** Whether a disk file exists. */
  disk = false;
  /** A guard was ever installed (a forked process may still hold a copy of its markers). */
  private guardsEver = false;
  /** Shmem objects (`Mapping.backing` ids) MADV_COLLAPSE gave a 2 MiB folio. */
  private readonly hugeShmem = new Set<string>();
  /**
   * Whether a disk file was written through a shared mapping: reclaim (`pressure`, `pageout`) of
   * a dirty disk page is not modelled then.
   */
  diskDirty = false;
  /** Whether a disk file larger than `SMALL_DISK_PAGES` exists (then no `pressure`). */
  bigDisk = false;
  /** Absolute page ranges ever mapped (kept after munmap so new maps stay deterministic). */
  private readonly used: [number, number][] = [];

  constructor(
    readonly rng: Prng,
    readonly badOpRate: number,
    readonly reportRate: number,
    readonly harsh = false,
    readonly forkMix = false,
    readonly filesMix = false,
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
    if (this.harsh && this.chance(0.2)) return this.rng.pick([4096, 5120, 8192]);
    return this.rng.pick([1, 2, 16, 128, 256, 511, 512, 513, 768, 1024, 1536, 2048, 3072]);
  }

  /** A start that makes `pages` straddle a 1 GiB (PUD entry) or 512 GiB (PGD entry) boundary. */
  straddle(pages: number): number {
    const boundary = this.chance(0.3) ? 512 * GIB_PAGES : this.between(2, 6) * GIB_PAGES;
    const below = Math.max(1, Math.min(pages - 1, this.between(1, pages)));
    const start = boundary - below;
    return this.chance(0.5) ? start - (start % SLOT_PAGES) : start;
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
      if (this.harsh && this.chance(0.25)) {
        start = this.straddle(pages);
      } else if (mode === 0) {
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
    this.lines.push(this.proc === 'main' ? line : `@${this.proc} ${line}`);
  }

  /** The live processes, main first. */
  live(): string[] {
    return ['main', ...[...this.procs.keys(), this.proc].filter((p) => p !== 'main')].filter(
      (p, i, all) => all.indexOf(p) === i,
    );
  }

  /** Makes `name` the process ops are emitted for. */
  switchTo(name: string): void {
    if (name === this.proc) return;
    this.procs.set(this.proc, {
      maps: this.maps,
      lockFuture: this.lockFuture,
      guards: this.guards,
      heap: this.heap,
    });
    const next = this.procs.get(name) as ProcState;
    this.procs.delete(name);
    this.maps = next.maps;
    this.lockFuture = next.lockFuture;
    this.guards = next.guards;
    this.heap = next.heap;
    this.proc = name;
  }

  /**
   * `fork` from the current process: the child gets its pieces minus MADV_DONTFORK ones, none
   * locked (mlock and MCL_FUTURE are not inherited).
   */
  fork(): void {
    const child = `c${++this.forks}`;
    this.emit(`fork ${child}`);
    this.forked = true;
    const maps = this.maps.map((m) => ({
      ...m,
      pieces: m.pieces.filter((p) => !p.dontfork).map((p) => ({ ...p, locked: false })),
    }));
    this.procs.set(child, {
      maps,
      lockFuture: false,
      guards: [...this.guards],
      heap: this.heap ? { ...this.heap } : undefined,
    });
  }

  /** `exit` of a live child (emitted from main: exit takes no @process). */
  exit(): void {
    const children = this.live().filter((p) => p !== 'main');
    if (children.length === 0) return;
    const child = this.rng.pick(children);
    this.switchTo('main');
    this.procs.delete(child);
    this.emit(`exit ${child}`);
  }

  /** Fork advice on a range: dontfork, dofork, wipeonfork (private anon only), keeponfork. */
  forkAdvice(): void {
    const r = this.range();
    if (r === undefined) return;
    const [m, p, start, len] = r;
    let advice = this.rng.pick(['dontfork', 'dofork', 'wipeonfork', 'keeponfork']);
    if (advice === 'wipeonfork' && (m.shared || m.file)) advice = 'keeponfork';
    this.emit(`madvise ${m.name} +${bytes(start)} ${bytes(len)} ${advice}`);
    if (advice === 'dontfork' || advice === 'dofork') {
      this.setAttrs(m, p, start, len, { dontfork: advice === 'dontfork' });
    }
  }

  maybeReport(): void {
    if (this.chance(this.reportRate)) this.emit(`report r${++this.reports}`);
  }

  map(): boolean {
    const pages = this.sizePages();
    // Sometimes MAP_FIXED over a live piece (FREE-11): the pieces under it go.
    const over = this.maps.length > 0 && this.chance(0.12) ? this.range() : undefined;
    const base = over ? over[0].base + over[2] : this.placement(pages);
    if (base === undefined) return false;
    const prot = this.prot();
    const name = `m${this.nextMap++}`;
    let flags = this.rng.pick(['', '', '', '', '', ' populate', ' locked']);
    if (this.harsh && this.chance(0.3)) flags += ' noreserve';
    const locked = flags.includes(' locked') || this.lockFuture;
    // Mostly anonymous private; else anonymous shared, or a file mapped private or shared.
    // A child has no descriptor of files created after its fork: children map anonymous memory.
    const backings = this.filesMix
      ? ['anon', 'anon', 'shared', 'file', 'file', 'file']
      : ['anon', 'anon', 'anon', 'anon', 'anon', 'shared', 'file'];
    const backing = this.rng.pick(this.proc === 'main' ? backings : backings.slice(0, 6));
    const shared = backing === 'shared' || (backing === 'file' && this.chance(0.5));
    let fileOpt = '';
    let disk = false;
    let shm: Mapping['backing'];
    let diskOff: number | undefined;
    if (backing === 'shared') shm = { id: name, off: 0, pages };
    let bigDisk = false;
    let chunked = false;
    if (backing === 'file') {
      const off = this.chance(0.5) ? 0 : this.between(1, 64);
      let f = this.files.find((x) => x.pages >= off + pages);
      if (f === undefined || this.chance(0.3)) {
        f = { name: `f${this.files.length}`, pages: off + pages + this.between(0, 64) };
        this.files.push(f);
        let kind = this.fileKind();
        f.disk = kind === ' disk';
        // Some disk files written in 64 KiB chunks (64 KiB folios): a whole number of chunks.
        // Chosen without a draw, so the rest of the seed's workload stays as it was.
        if (f.disk && f.pages % 3 === 0) {
          f.pages += (16 - (f.pages % 16)) % 16;
          f.chunked = true;
          kind += ' chunk=64K';
        }
        this.emit(`file ${f.name} ${bytes(f.pages)}${kind}`);
      }
      fileOpt = ` file=${f.name}${off ? ` off=${bytes(off)}` : ''}`;
      disk = f.disk === true;
      if (!disk) shm = { id: f.name, off, pages: f.pages };
      else diskOff = off;
      // A file cached in 64 KiB folios is never reclaimed or punched either (not modelled).
      chunked = f.chunked === true;
      bigDisk = disk && (f.pages > SMALL_DISK_PAGES || chunked);
      this.bigDisk ||= bigDisk;
    }
    if (over) {
      for (const m of this.maps) {
        const s = base - m.base;
        m.pieces = m.pieces.flatMap((q) =>
          q.end > s && q.start < s + pages ? cut(q, s, s + pages) : [q],
        );
      }
    }
    this.maps.push({
      name,
      base,
      pages,
      pieces: [{ start: 0, end: pages, prot, locked }],
      shared,
      file: backing === 'file',
      disk,
      ...(shm ? { backing: shm } : {}),
      ...(diskOff === undefined ? {} : { diskOff }),
      bigDisk,
      chunked,
    });
    this.used.push([base, base + pages]);
    this.emit(
      `map ${name} ${bytes(pages)} at=${bytes(base)}${prot === 'rw' ? '' : ` prot=${prot}`}` +
        `${shared ? ' shared' : ''}${fileOpt}${over ? ' fixed' : ''}${flags}`,
    );
    // THP from the start: hugepage advice before the first touch.
    if ((this.harsh || this.forkMix) && this.chance(0.4)) {
      this.emit(`madvise ${name} +0 ${bytes(pages)} hugepage`);
    }
    return true;
  }

  /** The kind option of a new `file`: memfd or tmpfs, and in the files mix a disk file too. */
  private fileKind(): string {
    if (!this.filesMix) return this.chance(0.5) ? ' memfd' : '';
    const kind = this.rng.pick(['', ' memfd', ' disk', ' disk']);
    if (kind === ' disk') this.disk = true;
    return kind;
  }

  /** Sets `attrs` on [start, start + len) of piece `p` of `m`, splitting it. */
  private setAttrs(m: Mapping, p: Piece, start: number, len: number, attrs: Partial<Piece>): void {
    const middle = { ...p, start, end: start + len, ...attrs };
    m.pieces = m.pieces.flatMap((q) =>
      q === p ? [...cut(q, start, start + len), middle].sort((a, b) => a.start - b.start) : [q],
    );
  }

  mlock(): void {
    const r = this.range();
    if (r === undefined) return;
    const [m, p, start, len] = r;
    if (this.chance(0.6)) {
      // mlock of a PROT_NONE piece fails (ENOMEM) after locking: the run would stop there.
      if (p.prot === 'none') return;
      const onfault = this.chance(0.3);
      // A guard marker fails the populate (ENOMEM).
      if (!onfault && this.guarded(m, start, len)) return;
      this.emit(`mlock ${m.name} +${bytes(start)} ${bytes(len)}${onfault ? ' onfault' : ''}`);
      this.setAttrs(m, p, start, len, { locked: true });
    } else {
      this.emit(`munlock ${m.name} +${bytes(start)} ${bytes(len)}`);
      this.setAttrs(m, p, start, len, { locked: false });
    }
  }

  mlockall(): void {
    const all = this.maps.flatMap((m) => m.pieces);
    if (this.lockFuture || all.some((p) => p.locked)) {
      this.emit('munlockall');
      this.lockFuture = false;
      for (const p of all) p.locked = false;
      return;
    }
    const flags = this.rng.pick(['current', 'future', 'current future', 'current onfault']);
    this.emit(`mlockall ${flags}`);
    if (flags.includes('future')) this.lockFuture = true;
    if (flags.includes('current')) for (const p of all) p.locked = true;
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

  /**
   * After a fork: MADV_FREE of part of an anonymous private piece, whose small pages may be
   * COW-shared with other processes, sometimes a write to part of it again, then reclaim:
   * `pressure`, or PAGEOUT of the range in this process (cow-share.ts).
   */
  sharedFree(): void {
    const r = this.range((q) => !q.locked);
    if (r === undefined) return;
    const [m, p, start, len] = r;
    if (m.shared || m.file) return;
    this.emit(`madvise ${m.name} +${bytes(start)} ${bytes(len)} free`);
    if (writable(p.prot) && !this.guarded(m, start, len) && this.chance(0.3)) {
      this.emit(`touch ${m.name} +${bytes(start)} ${bytes(this.between(1, len))}`);
    }
    if (this.disk || this.chance(0.4)) {
      this.emit(`madvise ${m.name} +${bytes(start)} ${bytes(len)} pageout`);
    } else {
      this.switchTo('main');
      this.emit('pressure');
    }
  }

  /** Whether [start, start + len) of `m` may hold a guard marker. */
  guarded(m: Mapping, start: number, len: number): boolean {
    const s = m.base + start;
    return this.guards.some(([a, b]) => a < s + len && s < b);
  }

  touch(): void {
    if (this.placedTouch !== undefined) {
      const [proc, line] = this.placedTouch;
      this.placedTouch = undefined;
      if (proc === this.proc) {
        this.emit(line);
        return;
      }
    }
    const write = this.chance(this.filesMix ? 0.5 : 0.7);
    const r = this.range(write ? (p) => writable(p.prot) : (p) => readable(p.prot));
    if (r === undefined) return;
    const [m, , start, len] = r;
    if (this.guarded(m, start, len)) return;
    if (write && m.shared && m.disk) this.diskDirty = true;
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
    let advice = this.rng.pick([
      ...(this.forkMix ? ['cold', 'pageout', 'free'] : []),
      ...(this.filesMix ? ['free', 'willneed', 'cold', 'pageout', 'pageout'] : []),
      'dontneed',
      'dontneed',
      'dontneed',
      'free',
      'hugepage',
      'nohugepage',
      'populate_read',
      'populate_write',
      'guard_install',
      'guard_remove',
    ]);
    // Reclaim of a disk file's clean pages, then their refault through readahead.
    if (m.disk && this.chance(0.25)) advice = 'pageout';
    const pieces = m.pieces.filter((q) => q.start < start + len && q.end > start);
    // Locked pieces refuse plain DONTNEED and FREE (EINVAL); populate needs the access.
    // MADV_FREE is for anonymous private memory; shared writable memory can punch a hole.
    if (
      (m.shared || m.file) &&
      (advice === 'free' || (advice === 'dontneed' && m.shared && this.chance(0.3)))
    ) {
      const punch = m.shared && !m.chunked && pieces.every((q) => writable(q.prot));
      advice = punch ? 'remove' : 'dontneed';
    }
    if (
      (advice === 'dontneed' || advice === 'free' || advice === 'remove') &&
      pieces.some((q) => q.locked)
    ) {
      advice = 'dontneed_locked';
    }
    // PAGEOUT: anon private memory, shmem (a dirty page stays cached, a clean one goes, pages
    // DONTUNMAP left mlocked stay; docs/fidelity.md S3, S4), or a disk file's clean pages.
    if (advice === 'pageout' && m.disk === true && (this.diskDirty || m.bigDisk)) {
      advice = 'cold';
    }
    // MADV_HUGEPAGE makes a disk file's refault read PMD-sized folios: not modelled.
    if (advice === 'hugepage' && m.disk) advice = 'nohugepage';
    // COLD splits a 64 KiB folio it meets in part: not modelled.
    if (advice === 'cold' && m.chunked) advice = 'willneed';
    // PAGEOUT and COLD of locked memory fail.
    if ((advice === 'pageout' || advice === 'cold') && pieces.some((q) => q.locked)) {
      advice = 'willneed';
    }
    if (advice === 'populate_read' && pieces.some((q) => !readable(q.prot))) advice = 'willneed';
    if (advice === 'populate_write' && pieces.some((q) => !writable(q.prot))) advice = 'willneed';
    if (advice.startsWith('populate') && !contiguousOver(m, start, start + len)) advice = 'cold';
    if (advice.startsWith('populate') && this.guarded(m, start, len)) advice = 'willneed';
    if (advice === 'guard_install' && pieces.some((q) => q.locked)) advice = 'willneed';
    // Over a 2 MiB shmem folio the model does not follow reclaim, hole punching or guards.
    if (this.hugeBacked(m) && ['remove', 'pageout', 'cold', 'guard_install'].includes(advice)) {
      advice = 'willneed';
    }
    if (advice === 'guard_install') {
      this.guards.push([m.base + start, m.base + start + len]);
      this.guardsEver = true;
    }
    if (advice === 'guard_remove') {
      const [a, b] = [m.base + start, m.base + start + len];
      this.guards = this.guards.flatMap(([x, y]) =>
        y <= a || x >= b
          ? [[x, y]]
          : (
              [
                [x, a],
                [b, y],
              ] as [number, number][]
            ).filter(([u, v]) => u < v),
      );
    }
    if (advice === 'populate_write' && m.shared && m.disk) this.diskDirty = true;
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
    this.setAttrs(m, p, start, len, { prot });
  }

  /**
   * MADV_COLLAPSE (THP-4) of anonymous private memory, mostly over whole slots of one piece that a
   * write at a 2 MiB stride gave a PTE table and an anon_vma first (an untouched slot, a guard or
   * a VMA without anon_vma is EINVAL and would end the run); sometimes any range, for the errors.
   */
  collapse(): void {
    const anon = (p: Piece): boolean => p.end - p.start >= SLOT_PAGES;
    const r = this.range(anon);
    if (r === undefined) return;
    const [m, p] = r;
    let [, , start, len] = r;
    if (m.shared || m.file) {
      this.collapseShmem(m, p);
      return;
    }
    const firstSlot = Math.ceil((m.base + p.start) / SLOT_PAGES) * SLOT_PAGES - m.base;
    const slots = Math.floor((p.end - firstSlot) / SLOT_PAGES);
    if (slots > 0 && this.chance(0.85)) {
      const k = this.between(0, slots - 1);
      start = firstSlot + k * SLOT_PAGES;
      len = this.between(1, Math.min(4, slots - k)) * SLOT_PAGES;
      if (writable(p.prot) && !this.guarded(m, start, len) && this.chance(0.8)) {
        this.emit(
          `touch ${m.name} +${bytes(start + this.between(0, 511))} ${bytes(len - 511)} stride=2M`,
        );
      }
    }
    this.emit(`madvise ${m.name} +${bytes(start)} ${bytes(len)} collapse`);
  }

  /** Whether `m` maps a shmem object MADV_COLLAPSE gave a 2 MiB folio. */
  hugeBacked(m: Mapping): boolean {
    return m.backing !== undefined && this.hugeShmem.has(m.backing.id);
  }

  /**
   * MADV_COLLAPSE of a shared or file mapping (THP-5): mostly whole slots of a piece whose address
   * and file offset agree modulo 2 MiB, inside the file, after touching a few pages of each slot
   * (an empty slot is EINVAL); sometimes any range (a disk file, a misaligned or `nohugepage`
   * VMA, an untouched slot: EINVAL). Not while guard markers may exist (refused by the model).
   */
  private collapseShmem(m: Mapping, p: Piece): void {
    if (this.guards.length > 0 || (this.forked && this.guardsEver)) return;
    const b = m.backing;
    const firstSlot = Math.ceil((m.base + p.start) / SLOT_PAGES) * SLOT_PAGES - m.base;
    let slots = Math.floor((p.end - firstSlot) / SLOT_PAGES);
    if (b) {
      // Only slots wholly inside the file (a slot past its end is refused by the model).
      while (slots > 0 && b.off + firstSlot + slots * SLOT_PAGES > b.pages) slots--;
    }
    if (slots <= 0 || (m.disk !== true && b === undefined)) return;
    const k = this.between(0, slots - 1);
    const start = firstSlot + k * SLOT_PAGES;
    const len = this.between(1, Math.min(2, slots - k)) * SLOT_PAGES;
    const aligned = b !== undefined && (m.base - b.off) % SLOT_PAGES === 0;
    if (!aligned && m.disk !== true && this.chance(0.9)) return;
    if ((m.disk === true || !readable(p.prot)) && this.chance(0.7)) return;
    if (readable(p.prot) && this.chance(0.95)) {
      const write = writable(p.prot) && this.chance(m.shared ? 0.6 : 0.15) ? '' : ' read';
      const step = this.rng.pick([1, 8, 64]);
      this.emit(
        `touch ${m.name} +${bytes(start + this.between(0, 63))} ${bytes(len - 64)} stride=${bytes(step)}${write}`,
      );
    }
    this.emit(`madvise ${m.name} +${bytes(start)} ${bytes(len)} collapse`);
    if (b) this.hugeShmem.add(b.id);
  }

  /**
   * An mremap (issue #7): a shrink, a growth in place into free space, or a move to a free place
   * (MREMAP_FIXED; sometimes mutually PMD-aligned with the source so whole tables move, sometimes
   * growing, shrinking, across several VMAs, or with MREMAP_DONTUNMAP). A moved range gets a new
   * name; the source pieces go unless DONTUNMAP keeps them (unlocked and empty).
   */
  mremap(): void {
    const r = this.range();
    if (r === undefined) return;
    const [m, p] = r;
    let [, , start, len] = r;
    // mremap of a PMD-mapped shmem folio is not modelled.
    if (this.hugeBacked(m)) return;
    let kind = this.rng.pick(['shrink', 'grow', 'move', 'move', 'move', 'dontunmap', 'placed']);
    // After a `pressure` the kernel placed a shared or file move elsewhere than the model (files
    // seed 399, docs/fidelity.md P2, open): no such move then.
    if (
      kind === 'placed' &&
      (m.shared || m.file) &&
      this.lines.some((l) => l.endsWith('pressure'))
    ) {
      kind = 'move';
    }
    if (kind === 'shrink') {
      if (len < 2) return;
      const keep = this.between(1, len - 1);
      this.emit(`mremap ${m.name} +${bytes(start)} ${bytes(len)} ${bytes(keep)}`);
      m.pieces = m.pieces.flatMap((q) => (q === p ? cut(q, start + keep, start + len) : [q]));
      return;
    }
    if (kind === 'grow') {
      // In place only: the range ends the mapping and the space after it was never used.
      const delta = this.rng.pick([1, 16, 511, 512, 1024]);
      const end = m.base + p.end;
      if (p.end !== m.pages || !this.free(end, delta)) return;
      this.emit(
        `mremap ${m.name} +${bytes(start)} ${bytes(p.end - start)} ${bytes(p.end - start + delta)}`,
      );
      m.pieces = m.pieces.map((q) => (q === p ? { ...q, end: q.end + delta } : q));
      m.pages += delta;
      this.used.push([end, end + delta]);
      return;
    }
    const name = `m${this.nextMap++}`;
    let dontunmap = kind === 'dontunmap';
    let newLen = len;
    let dest: number | undefined;
    if (kind === 'placed') {
      // The kernel places it (no fixed): a growth that cannot stay in place (the range ends
      // inside its piece), or DONTUNMAP without an address. It lands top-down below the
      // oracle's top (lower.ts), 2 MiB aligned when its length is a 2 MiB multiple.
      const grow = start + len < p.end && this.chance(0.5);
      if (grow) newLen = len + this.rng.pick([1, 512, 1024]);
      dontunmap = !grow;
      // The file's get_unmapped_area (issue #7): shmem aligns nothing (shmem_enabled never), a
      // disk file aligns address to file offset modulo 2 MiB when the range holds a whole
      // aligned 2 MiB of the file (thp_get_unmapped_area), anonymous memory a 2 MiB multiple.
      const pgoff = m.disk === true ? (m.diskOff ?? 0) + start : 0;
      const align =
        m.disk === true
          ? pgoff + newLen - Math.ceil(pgoff / SLOT_PAGES) * SLOT_PAGES >= SLOT_PAGES
          : !m.shared && !m.file && newLen % SLOT_PAGES === 0;
      dest = this.placedTop - newLen;
      if (align) {
        const ret = dest - SLOT_PAGES;
        const sub = (((pgoff - ret) % SLOT_PAGES) + SLOT_PAGES) % SLOT_PAGES;
        dest = sub === 0 ? ret + SLOT_PAGES : ret + sub;
      }
      this.placedTop = dest;
      this.emit(
        `mremap ${m.name} +${bytes(start)} ${bytes(len)} ${bytes(newLen)} maymove${dontunmap ? ' dontunmap' : ''} as=${name}`,
      );
    } else {
      // A move of the whole mapping across its VMAs, when nothing of it was unmapped.
      const whole = kind === 'move' && this.chance(0.2) && contiguous(m);
      if (whole) [start, len] = [0, m.pages];
      newLen =
        kind === 'move' && !whole && this.chance(0.3)
          ? this.rng.pick([len + 1, len + 512, Math.max(1, len - 1)])
          : len;
      dest = this.placement(Math.max(newLen, len) + SLOT_PAGES);
      if (dest === undefined) return;
      // Mutually aligned with the source half the time (whole tables move), else anywhere (a THP
      // then lands at another offset in its slot, or is split between two places).
      if (this.chance(0.5))
        dest += (((m.base + start) % SLOT_PAGES) - (dest % SLOT_PAGES) + SLOT_PAGES) % SLOT_PAGES;
      if (!this.free(dest, newLen)) return;
      this.emit(
        `mremap ${m.name} +${bytes(start)} ${bytes(len)} ${bytes(newLen)} maymove fixed${dontunmap ? ' dontunmap' : ''} at=${bytes(dest)} as=${name}`,
      );
    }
    const moved = m.pieces
      .filter((q) => q.end > start && q.start < start + Math.min(len, newLen))
      .map((q) => ({
        ...q,
        start: Math.max(q.start, start) - start,
        end: Math.min(q.end, start + Math.min(len, newLen)) - start,
      }));
    if (newLen > len && moved.length > 0) {
      const last = moved[moved.length - 1];
      moved.push({ ...last, start: len, end: newLen });
    }
    if (dontunmap) {
      for (const q of m.pieces) q.locked = false;
    } else {
      m.pieces = m.pieces.flatMap((q) =>
        q.end > start && q.start < start + len ? cut(q, start, start + len) : [q],
      );
    }
    if (kind === 'placed') {
      // Only touched once: the generator's other ops (maps next to a mapping, growths, MAP_FIXED
      // over it) would reach above the oracle's top, which must stay free.
      const all = (ok: (q: Piece) => boolean): boolean => moved.length > 0 && moved.every(ok);
      if (!this.guarded(m, start, len) && all((q) => readable(q.prot))) {
        const write = all((q) => writable(q.prot)) ? '' : ' read';
        if (write === '' && m.shared && m.disk) this.diskDirty = true;
        this.placedTouch = [this.proc, `touch ${name} +0 ${bytes(newLen)} stride=64K${write}`];
      }
      return;
    }
    if (this.guarded(m, start, len)) this.guards.push([dest, dest + newLen]);
    this.maps.push({
      name,
      base: dest,
      pages: newLen,
      pieces: moved,
      shared: m.shared,
      file: m.file,
      disk: m.disk === true,
      ...(m.backing ? { backing: { ...m.backing, off: m.backing.off + start } } : {}),
      ...(m.diskOff === undefined ? {} : { diskOff: m.diskOff + start }),
      bigDisk: m.bigDisk === true,
      chunked: m.chunked === true,
    });
    this.used.push([dest, dest + newLen]);
  }

  /** The next `touch` of a mapping the kernel placed (its only use; see mremap). */
  private placedTouch: [string, string] | undefined;

  /** Where the next kernel-placed mremap lands, as the model places it (pages, top-down). */
  private placedTop = Number(ORACLE_MOVE_TOP / 4096n);

  /** The heap once a `brk` placed it: its break in bytes from its start, and its reserved pages. */
  private heap: { brk: number; reserve: number } | undefined;

  /**
   * brk and stack growth (issue #7): the first `brk` places the heap (at=) in a reserved free
   * range, later ones set, grow or shrink the break (sometimes not page-aligned); or a `growsdown`
   * map with free room below it, or a touch below such a map (within the room, into the guard gap
   * of what lies below, or beyond RLIMIT_STACK).
   */
  brkOrStack(): void {
    const stacks = this.maps.filter((m) => m.growsdown);
    const roll = stacks.length > 0 && this.chance(0.6) ? 0 : this.chance(0.4) ? 1 : 2;
    if (roll === 0) {
      const st = this.rng.pick(stacks);
      const depth = this.rng.pick([1, 16, 255, 256, 300, 512, 599, 700, 2100]);
      const len = Math.min(depth, this.rng.pick([1, 4, 16]));
      const read = this.chance(0.3) ? ' read' : '';
      this.emit(`touch ${st.name} -${bytes(depth)} ${bytes(len)}${read}`);
      return;
    }
    if (roll === 1) {
      const pages = this.rng.pick([16, 32, 128]);
      const room = 600;
      const start = this.placement(pages + room);
      if (start === undefined) return;
      const name = `m${this.nextMap++}`;
      this.emit(`map ${name} ${bytes(pages)} at=${bytes(start + room)} growsdown`);
      this.maps.push({
        name,
        base: start + room,
        pages,
        pieces: [{ start: 0, end: pages, prot: 'rw', locked: this.lockFuture }],
        shared: false,
        file: false,
        growsdown: true,
      });
      this.used.push([start, start + room + pages]);
      return;
    }
    const pageBytes = (n: number): number => Math.ceil(n / PAGE);
    // A child moves the break it inherited; only main places the heap (the name `heap` is one).
    if (this.proc !== 'main' && !this.heap) return;
    if (!this.heap) {
      const reserve = 3072;
      const start = this.placement(reserve);
      if (start === undefined) return;
      const brk = this.rng.pick([0, 1, 100, 512]) * PAGE + (this.chance(0.3) ? 100 : 0);
      this.heap = { brk, reserve };
      this.used.push([start, start + reserve]);
      this.emit(`brk ${brk} at=${bytes(start)}`);
      const end = pageBytes(brk);
      this.maps.push({
        name: 'heap',
        base: start,
        pages: reserve,
        pieces: end > 0 ? [{ start: 0, end, prot: 'rw', locked: this.lockFuture }] : [],
        shared: false,
        file: false,
      });
      return;
    }
    const heap = this.heap;
    const m = this.maps.find((x) => x.name === 'heap') as Mapping;
    const delta = this.rng.pick([1, 3, 16, 511, 512, 1024]) * PAGE + (this.chance(0.3) ? 100 : 0);
    const mode = this.rng.pick(['grow', 'grow', 'shrink', 'set']);
    const want = mode === 'grow' ? heap.brk + delta : mode === 'shrink' ? heap.brk - delta : delta;
    if (want < 0 || pageBytes(want) > heap.reserve - 300) return;
    this.emit(mode === 'set' ? `brk ${want}` : `brk ${mode === 'grow' ? '+' : '-'}${delta}`);
    const [from, to] = [pageBytes(heap.brk), pageBytes(want)];
    if (to > from) {
      m.pieces.push({ start: from, end: to, prot: 'rw', locked: this.lockFuture });
    } else if (to < from) {
      m.pieces = m.pieces.flatMap((q) => (q.end > to ? cut(q, to, from) : [q]));
    }
    heap.brk = want;
  }

  /** One op the kernel rejects; the run stops there. */
  bad(): void {
    const m = this.rng.pick(this.maps);
    switch (this.rng.below(this.harsh ? 11 : 10)) {
      case 10: // ENOMEM: an accounted map larger than RAM + swap (heuristic overcommit)
        this.emit(`map huge 16T at=16T`);
        break;
      case 8: // EINVAL: MREMAP_FIXED without MREMAP_MAYMOVE
        if (this.hugeBacked(m)) break;
        this.emit(`mremap ${m.name} +0 4K 4K fixed at=${bytes(m.base + 300 * SLOT_PAGES)}`);
        break;
      case 9: // ENOMEM: growing in place into a neighbour (or EFAULT across VMAs), or nothing
        if (this.hugeBacked(m)) break;
        this.emit(`mremap ${m.name} +0 ${bytes(m.pages)} ${bytes(m.pages + 300 * SLOT_PAGES)}`);
        break;
      case 7: {
        // SIGBUS: an access beyond the end of a mapped file (files are created by main).
        const base = this.placement(2);
        if (base === undefined || this.proc !== 'main') break;
        this.emit(`file fbad 4K`);
        this.emit(`map bad 8K at=${bytes(base)} file=fbad`);
        this.emit(`touch bad +4K 4K read`);
        break;
      }
      case 5: // EINVAL: populate a write into a read-only mapping (or a hole: ENOMEM)
        this.emit(`mprotect ${m.name} +0 4K r`);
        this.emit(`madvise ${m.name} +0 4K populate_write`);
        break;
      case 6: // ENOMEM: mlock of PROT_NONE (after locking it)
        this.emit(`mprotect ${m.name} +0 4K none`);
        this.emit(`mlock ${m.name} +0 4K`);
        break;
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

/** True when [start, end) (pages from the mapping start) is covered by live pieces. */
function contiguousOver(m: Mapping, start: number, end: number): boolean {
  let at = start;
  for (const p of m.pieces) {
    if (p.end <= at) continue;
    if (p.start > at) return false;
    at = p.end;
    if (at >= end) return true;
  }
  return at >= end;
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
  const harsh = options.mix === 'harsh';
  const forkMix = options.mix === 'fork';
  const filesMix = options.mix === 'files';
  const g = new Generator(
    new Prng(seed),
    options.badOpRate ?? (harsh ? 0.04 : 0.015),
    options.reportRate ?? 0.7,
    harsh,
    forkMix,
    filesMix,
  );
  const mixName = harsh ? ', harsh' : forkMix ? ', fork' : filesMix ? ', files' : '';
  g.emit(`# generateWorkload(seed ${seed}${mixName})`);
  const target = g.between(minOps, maxOps);
  let ops = 0;
  while (ops < target) {
    const before = g.lines.length;
    if (forkMix) {
      // Half the ops go to a live child; forks come from main or a child, exits from main.
      const live = g.live();
      g.switchTo(live.length > 1 && g.chance(0.5) ? g.rng.pick(live.slice(1)) : 'main');
      if (g.maps.length > 0 && live.length < 4 && g.chance(0.08)) {
        g.fork();
        ops++;
        g.maybeReport();
        continue;
      }
      if (live.length > 1 && g.chance(0.03)) {
        g.exit();
        ops++;
        continue;
      }
      if (g.forked && g.maps.length > 0 && g.chance(0.06)) {
        g.sharedFree();
        ops++;
        g.maybeReport();
        continue;
      }
      if (g.maps.length > 0 && g.chance(0.05)) {
        g.forkAdvice();
        ops++;
        continue;
      }
    }
    const roll = g.rng.nextFloat();
    if (harsh && g.maps.length > 0 && g.chance(0.06)) g.emit('pressure');
    else if (g.maps.length === 0 || roll < 0.15) g.map();
    else if (ops >= minOps - 1 && g.chance(g.badOpRate)) {
      g.bad();
      g.emit('report after-error');
      break;
    } else if (g.chance(0.07)) g.mremap();
    else if (g.chance(0.08)) g.brkOrStack();
    else if (roll < 0.5) g.touch();
    else if (roll < 0.72) {
      if (g.chance(filesMix ? 0.25 : 0.12)) g.collapse();
      else g.madvise();
    } else if (roll < 0.82) g.munmap();
    else if (roll < 0.9) g.mprotect();
    else if (roll < 0.95) g.mlock();
    else if (roll < 0.96) g.mlockall();
    else if (!g.diskDirty && !g.bigDisk) {
      // pressure takes no @process.
      g.switchTo('main');
      g.emit('pressure');
    }
    if (g.lines.length > before) {
      ops++;
      g.maybeReport();
    }
  }
  g.switchTo('main');
  g.emit('report end');
  for (const child of g.live().slice(1)) g.lines.push(`@${child} report end-${child}`);
  return `${g.lines.join('\n')}\n`;
}
