// Lowers a workload to the resolved op list the kernel oracle (native/ptw-oracle.c) executes:
// names become absolute addresses, offsets are added, prot and advice become kernel numbers.

import { UsageError } from '../util/errors.js';
import type { Advice, FileOp, MremapOp, Prot, Workload, WorkloadOp } from './types.js';
import { runWorkload } from './run.js';
import type { SimOptions } from './run.js';
import { MAIN_PROCESS } from './types.js';
import { formatAddress } from './numbers.js';
import { HEAP_NAME } from './parse.js';

/** `PROT_*` bit masks (include/uapi/asm-generic/mman-common.h). */
export const PROT_BITS: Readonly<Record<Prot, number>> = { none: 0, r: 1, rw: 3, rx: 5, rwx: 7 };

/** `MADV_*` numbers (include/uapi/asm-generic/mman-common.h). */
export const MADV_NUMBERS: Readonly<Record<Advice, number>> = {
  willneed: 3,
  dontneed: 4,
  free: 8,
  hugepage: 14,
  nohugepage: 15,
  cold: 20,
  pageout: 21,
  dontneed_locked: 24,
  populate_read: 22,
  populate_write: 23,
  remove: 9,
  guard_install: 102,
  guard_remove: 103,
  collapse: 25,
  dontfork: 10,
  dofork: 11,
  wipeonfork: 18,
  keeponfork: 19,
};

/** Extra `MAP_*` bits the oracle ORs into its mmap flags (include/uapi/asm-generic/mman*.h). */
export const MAP_FIXED = 0x10;
export const MAP_POPULATE = 0x8000;
export const MAP_LOCKED = 0x2000;
export const MAP_SHARED = 0x01;
/** `MAP_NORESERVE`: no commit charge (VM_NORESERVE instead of VM_ACCOUNT). */
export const MAP_NORESERVE = 0x4000;
/** `MAP_GROWSDOWN`: a stack (VM_GROWSDOWN). */
export const MAP_GROWSDOWN = 0x100;

/** The page size touches step by when no stride is given. */
const PAGE_SIZE = 4096n;

/** A workload resolved for the oracle: its op lines and, per line, the index of its source op. */
export interface LoweredWorkload {
  readonly lines: readonly string[];
  /** `sourceOp[i]` is the index in `workload.ops` of resolved line `i`. */
  readonly sourceOp: readonly number[];
  /** With a move the kernel places itself: the oracle keeps the kernel's choices below this. */
  readonly top?: bigint;
}

/**
 * The top of the room an `mremap … maymove` without `fixed` may be moved to, on both sides (64
 * TiB): the oracle fills everything free between it and its mmap base (its own libraries) with
 * PROT_NONE reservations, so the kernel places such a move right below it, and the simulator,
 * given it as `mmapBase`, places it too (hostSimOptions).
 */
export const ORACLE_MOVE_TOP = 0x400000000000n;

/** Whether the kernel chooses where `op` goes (MREMAP_MAYMOVE without MREMAP_FIXED). */
function kernelPlaced(op: WorkloadOp): op is MremapOp {
  return op.kind === 'mremap' && op.maymove && !op.fixed;
}

/** A workload to run in an oracle batch, under an identifier without blanks. */
export interface OracleJob {
  readonly id: string;
  readonly workload: Workload;
  readonly runs: number;
}

/** The largest disk file the oracle writes (in full, in every run). */
export const ORACLE_DISK_FILE_MAX = 1n << 30n;

/**
 * The oracle's file kind: 0 tmpfs, 1 memfd, 2 a disk file written and fsynced (4 when written in
 * 64 KiB chunks). A disk file above
 * ORACLE_DISK_FILE_MAX is refused (UsageError `host`): every run writes it in full.
 */
function fileKind(op: FileOp): number {
  if (!op.disk) return op.memfd ? 1 : 0;
  if (op.size > ORACLE_DISK_FILE_MAX) {
    throw new UsageError(
      'host',
      `the kernel oracle writes a disk file in full in every run: at most 1G (file '${op.file}' is ${op.size} bytes)`,
      op.argPos.size ?? op.pos,
    );
  }
  return op.chunkKb === 64 ? 4 : 2;
}

/**
 * Resolves every operation to absolute addresses. Throws a UsageError (code `host`) for a map
 * without `at=`: its placement would depend on the oracle's own address-space layout (PLACE-1).
 */
export function lowerWorkload(workload: Workload, sim: SimOptions = {}): LoweredWorkload {
  // Where the model puts each move the kernel places itself: the oracle checks the kernel's
  // address against it (a different one is the `MOVED` error) and later ops use it. The model
  // runs with the host's settings (`sim`): under other ones (read_ahead_kb, THP mode) it may stop
  // before a move, which then has no target (files seed 1824: `MOVED`).
  const targets = new Map<MremapOp, bigint>();
  const placed = workload.ops.some(kernelPlaced);
  if (placed) {
    runWorkload(workload, { ...sim, mmapBase: ORACLE_MOVE_TOP, mremapTargets: targets });
  }
  const maps = new Map<string, { readonly at: bigint }>();
  const lines: string[] = [];
  const sourceOp: number[] = [];
  const base = (name: string): bigint => {
    const map = maps.get(name);
    // The parser guarantees every name is mapped before use.
    if (map === undefined) throw new UsageError('unknown-name', `unknown mapping '${name}'`);
    return map.at;
  };
  const files: string[] = [];
  // Per process, the program break as the oracle's brk ops leave it (they stop the run when
  // refused); a fork copies it (the child's mm starts with its parent's start_brk and brk).
  const heaps = new Map<string, { start: bigint; brk: bigint }>();
  // Processes by the index the oracle knows them by: main is 0, each fork takes the next one.
  const procs = new Map<string, number>([[MAIN_PROCESS, 0]]);
  workload.ops.forEach((op, index) => {
    let line: string;
    switch (op.kind) {
      case 'fork': {
        const parent = heaps.get(op.proc ?? MAIN_PROCESS);
        if (parent) heaps.set(op.child, { ...parent });
        procs.set(op.child, procs.size);
        line = `fork ${procs.size - 1}`;
        break;
      }
      case 'exit':
        line = `exit ${procs.get(op.child) ?? -1}`;
        break;
      case 'map': {
        const at = op.at;
        if (at === undefined) {
          throw new UsageError(
            'host',
            `the kernel oracle needs an address for map '${op.name}' (add at=ADDR: without it the ` +
              `kernel places it next to the oracle's own libraries and the result depends on ASLR)`,
            op.pos,
          );
        }
        maps.set(op.name, { ...op, at });
        const flags =
          (op.fixed ? MAP_FIXED : 0) |
          (op.populate ? MAP_POPULATE : 0) |
          (op.locked ? MAP_LOCKED : 0) |
          (op.shared ? MAP_SHARED : 0) |
          (op.noreserve ? MAP_NORESERVE : 0) |
          (op.growsdown ? MAP_GROWSDOWN : 0);
        // The file, by its index among the workload's `file` ops, and the byte offset into it.
        const file = op.file === undefined ? '' : ` ${files.indexOf(op.file)} ${op.off}`;
        line = `map ${formatAddress(at)} ${op.size} ${PROT_BITS[op.prot]}${flags || file ? ` ${flags}` : ''}${file}`;
        break;
      }
      case 'file':
        files.push(op.file);
        line = `file ${files.length - 1} ${op.size} ${fileKind(op)}`;
        break;
      case 'touch': {
        const addr = formatAddress(base(op.name) + op.offset);
        line = `touch ${addr} ${op.len} ${op.stride ?? PAGE_SIZE} ${op.write ? 'w' : 'r'}`;
        break;
      }
      case 'madvise': {
        const addr = formatAddress(base(op.name) + op.offset);
        line = `madvise ${addr} ${op.len} ${MADV_NUMBERS[op.advice]}`;
        break;
      }
      case 'munmap':
        line = `munmap ${formatAddress(base(op.name) + op.offset)} ${op.len}`;
        break;
      case 'mprotect':
        line = `mprotect ${formatAddress(base(op.name) + op.offset)} ${op.len} ${PROT_BITS[op.prot]}`;
        break;
      case 'mlock':
        line = `mlock ${formatAddress(base(op.name) + op.offset)} ${op.len} ${op.onfault ? 1 : 0}`;
        break;
      case 'munlock':
        line = `munlock ${formatAddress(base(op.name) + op.offset)} ${op.len}`;
        break;
      case 'mlockall':
        line = `mlockall ${op.flags}`;
        break;
      case 'mremap': {
        const from = base(op.name) + op.offset;
        const to = targets.get(op) ?? mremapResult(op, from);
        if (op.as !== undefined) maps.set(op.as, { at: to });
        line = `mremap ${formatAddress(from)} ${op.oldLen} ${op.newLen} ${mremapFlags(op)} ${formatAddress(op.at ?? 0n)} ${formatAddress(to)}`;
        break;
      }
      case 'brk': {
        const proc = op.proc ?? MAIN_PROCESS;
        if (op.at !== undefined) {
          heaps.set(proc, { start: op.at, brk: op.at });
          if (!maps.has(HEAP_NAME)) maps.set(HEAP_NAME, { at: op.at });
        }
        const heap = heaps.get(proc);
        if (heap === undefined) {
          throw new UsageError(
            'host',
            `the kernel oracle needs the heap's place at the first brk (add at=ADDR: the oracle's ` +
              `own heap lies next to its executable, where ASLR decides the tables)`,
            op.pos,
          );
        }
        const want =
          op.mode === 'set'
            ? heap.start + op.size
            : op.mode === 'grow'
              ? heap.brk + op.size
              : heap.brk - op.size;
        heap.brk = want < 0n ? 0n : want;
        line = `brk ${formatAddress(op.at ?? 0n)} ${formatAddress(heap.brk)}`;
        break;
      }
      case 'pressure':
        // Real reclaim of the run's own memory cgroup (docs/fidelity.md, `pressure`).
        line = 'pressure';
        break;
      case 'report':
        line = `report ${op.label}`;
        break;
    }
    const proc = procs.get(op.proc ?? MAIN_PROCESS) ?? 0;
    lines.push(proc === 0 ? line : `@${proc} ${line}`);
    sourceOp.push(index);
  });
  return placed ? { lines, sourceOp, top: ORACLE_MOVE_TOP } : { lines, sourceOp };
}

/** `MREMAP_*` bits of an mremap op (include/uapi/linux/mman.h). */
function mremapFlags(op: MremapOp): number {
  return (op.maymove ? 1 : 0) | (op.fixed ? 2 : 0) | (op.dontunmap ? 4 : 0);
}

/**
 * The address an mremap must return when the model gave none (it failed there, and so should the
 * kernel): `at=` with MREMAP_FIXED or MREMAP_DONTUNMAP, else the old one. A kernel-placed move
 * returns the model's address (`targets`); a different one is the oracle's `MOVED` error.
 */
function mremapResult(op: MremapOp, from: bigint): bigint {
  return (op.fixed || op.dontunmap) && op.at !== undefined ? op.at : from;
}

/** The oracle's input for several workloads, each run `runs` times in its own forked process. */
export function lowerBatch(
  jobs: readonly OracleJob[],
  sim: SimOptions = {},
): {
  text: string;
  lowered: LoweredWorkload[];
} {
  const parts: string[] = [];
  const lowered = jobs.map((job) => {
    if (!/^\S+$/.test(job.id)) throw new UsageError('option', `bad oracle job id '${job.id}'`);
    const l = lowerWorkload(job.workload, sim);
    const top = l.top === undefined ? '' : ` ${formatAddress(l.top)}`;
    parts.push(`workload ${job.id} ${job.runs}${top}`, ...l.lines, 'done');
    return l;
  });
  return { text: `${parts.join('\n')}\n`, lowered };
}
