// The `.ptw` workload format as data: what the parser produces and the simulator and the kernel
// oracle consume. Byte quantities stay BigInt here (an edge of the model, style B.4).

import type { SourcePos } from '../util/errors.js';
import type { Advice } from '../mm/madvise.js';

/** Protection of a mapping, as `PROT_*` combinations. */
export type Prot = 'none' | 'r' | 'rw' | 'rx' | 'rwx';

/** Advice names accepted by `madvise`, mapped to `MADV_*`: exactly the ones the model implements. */
export type { Advice } from '../mm/madvise.js';

/** Fields every operation carries: where it was written and where each argument was. */
interface OpBase {
  /** Position of the operation keyword. */
  readonly pos: SourcePos;
  /** Position of each named argument token, for errors that concern one argument. */
  readonly argPos: Readonly<Record<string, SourcePos>>;
  /** `@NAME` before the keyword: the process that runs the op (undefined: `main`, the parent). */
  readonly proc?: string;
}

/** The process a workload file runs in, and the one ops without `@NAME` address. */
export const MAIN_PROCESS = 'main';

/** `map NAME SIZE [at=ADDR] [prot=P] [shared] [file=F] [off=OFF] [noreserve] …`: an mmap. */
export interface MapOp extends OpBase {
  readonly kind: 'map';
  readonly name: string;
  readonly size: bigint;
  /** `MAP_FIXED_NOREPLACE` address, or undefined for kernel placement. */
  readonly at: bigint | undefined;
  readonly prot: Prot;
  /** `fixed`: MAP_FIXED at `at` (replaces what is there) instead of MAP_FIXED_NOREPLACE. */
  readonly fixed: boolean;
  /** `populate`: MAP_POPULATE. */
  readonly populate: boolean;
  /** `locked`: MAP_LOCKED. */
  readonly locked: boolean;
  /** MAP_NORESERVE: not charged against the commit limit, so no VM_ACCOUNT. */
  readonly noreserve: boolean;
  /** MAP_GROWSDOWN: a stack, grown by faults just below it. */
  readonly growsdown: boolean;
  /** `shared`: MAP_SHARED (of `file`, or anonymous shared memory without it). */
  readonly shared: boolean;
  /** `file=F`: the name of a `file` op; undefined for anonymous memory. */
  readonly file: string | undefined;
  /** `off=OFF`: byte offset in `file` (default 0). */
  readonly off: bigint;
}

/**
 * `file NAME SIZE [memfd|disk [chunk=4K|64K]]`: a fresh file of SIZE bytes on tmpfs (or a memfd), page cache
 * empty; or with `disk` a regular file on a disk filesystem, written and fsynced: every page cached.
 */
export interface FileOp extends OpBase {
  readonly kind: 'file';
  readonly file: string;
  readonly size: bigint;
  readonly memfd: boolean;
  readonly disk: boolean;
  /** `chunk=64K`: a disk file written 64 KiB at a time, so cached as 64 KiB folios (default 4). */
  readonly chunkKb?: 64;
}

/** `touch NAME +OFF LEN [stride=S] [read]`: one access per stride step. */
export interface TouchOp extends OpBase {
  readonly kind: 'touch';
  readonly name: string;
  readonly offset: bigint;
  readonly len: bigint;
  /** Default: the page size. */
  readonly stride: bigint | undefined;
  readonly write: boolean;
}

/** `madvise NAME +OFF LEN ADVICE`. */
export interface MadviseOp extends OpBase {
  readonly kind: 'madvise';
  readonly name: string;
  readonly offset: bigint;
  readonly len: bigint;
  readonly advice: Advice;
}

/** `munmap NAME +OFF LEN`. */
export interface MunmapOp extends OpBase {
  readonly kind: 'munmap';
  readonly name: string;
  readonly offset: bigint;
  readonly len: bigint;
}

/** `mprotect NAME +OFF LEN PROT`. */
export interface MprotectOp extends OpBase {
  readonly kind: 'mprotect';
  readonly name: string;
  readonly offset: bigint;
  readonly len: bigint;
  readonly prot: Prot;
}

/** `mlock NAME +OFF LEN [onfault]` (mlock2 with MLOCK_ONFAULT when `onfault`). */
export interface MlockOp extends OpBase {
  readonly kind: 'mlock';
  readonly name: string;
  readonly offset: bigint;
  readonly len: bigint;
  readonly onfault: boolean;
}

/** `munlock NAME +OFF LEN`. */
export interface MunlockOp extends OpBase {
  readonly kind: 'munlock';
  readonly name: string;
  readonly offset: bigint;
  readonly len: bigint;
}

/** `mlockall [current] [future] [onfault]` (`MCL_*` bits), or `munlockall` (flags 0). */
export interface MlockallOp extends OpBase {
  readonly kind: 'mlockall';
  /** `MCL_CURRENT` 1, `MCL_FUTURE` 2, `MCL_ONFAULT` 4; 0 for munlockall. */
  readonly flags: number;
}

/** `mremap NAME +OFF OLDLEN NEWLEN [maymove] [fixed] [dontunmap] [at=ADDR] [as=NEW]`. */
export interface MremapOp extends OpBase {
  readonly kind: 'mremap';
  readonly name: string;
  readonly offset: bigint;
  readonly oldLen: bigint;
  readonly newLen: bigint;
  /** `MREMAP_MAYMOVE`, `MREMAP_FIXED`, `MREMAP_DONTUNMAP`. */
  readonly maymove: boolean;
  readonly fixed: boolean;
  readonly dontunmap: boolean;
  /** `new_address` (used with `fixed`, a hint with `dontunmap` alone); 0 when not given. */
  readonly at: bigint | undefined;
  /** `as=NEW`: a name for the result, with offsets from the address mremap returned. */
  readonly as: string | undefined;
}

/** `brk SIZE|+SIZE|-SIZE [at=ADDR]`: moves the program break (the heap, named `heap`). */
export interface BrkOp extends OpBase {
  readonly kind: 'brk';
  /** `set`: start_brk + size; `grow`/`shrink`: the current break ± size. */
  readonly mode: 'set' | 'grow' | 'shrink';
  readonly size: bigint;
  /** start_brk (and the break) set there first, as exec would place the heap. */
  readonly at: bigint | undefined;
}

/** `pressure`: memory reclaim discards every clean lazy-free (MADV_FREE'd) page. */
export interface PressureOp extends OpBase {
  readonly kind: 'pressure';
}

/** `fork NAME`: the addressed process forks; the child is called NAME. */
export interface ForkOp extends OpBase {
  readonly kind: 'fork';
  readonly child: string;
}

/** `exit NAME`: process NAME (not `main`) exits; its whole mm is torn down (exit_mmap). */
export interface ExitOp extends OpBase {
  readonly kind: 'exit';
  readonly child: string;
}

/** `report LABEL`: emit the counters now. */
export interface ReportOp extends OpBase {
  readonly kind: 'report';
  readonly label: string;
  /** Iteration (from 0) of the innermost `repeat` block the report was expanded from. */
  readonly iteration?: number;
}

/** One line of a workload. */
export type WorkloadOp =
  | FileOp
  | MapOp
  | TouchOp
  | MadviseOp
  | MunmapOp
  | MprotectOp
  | MlockOp
  | MunlockOp
  | MlockallOp
  | MremapOp
  | BrkOp
  | PressureOp
  | ForkOp
  | ExitOp
  | ReportOp;

/** A parsed workload: its source name and its operations in order. */
export interface Workload {
  readonly file: string;
  readonly ops: readonly WorkloadOp[];
}
