// Runs a parsed workload through the simulated mm and collects the counters at every report.
// The first operation the simulated kernel refuses stops the run; it is returned, never thrown.

import { DEFAULT_ARCH, getArch } from '../arch/index.js';
import type { ArchGeometry } from '../arch/index.js';
import {
  do_madvise,
  do_mlock,
  do_mlockall,
  do_mprotect,
  do_mremap,
  do_brk,
  mm_brk,
  mm_set_brk,
  do_munlock,
  dirty_file_pages,
  disk_file_alloc,
  file_alloc,
  file_has_dirty,
  do_munmap,
  dup_mm,
  exit_mmap,
  mm_alloc,
  mmCounters,
  shmem_thp_unsupported,
  shrink_file_cache,
  shrink_lazyfree,
  touch_range,
  validate_mm,
  vm_mmap_pgoff,
} from '../mm/index.js';
import type { MmStruct, SimFile, ThpMode } from '../mm/index.js';
import { DEFAULT_KERNEL, getPolicy, resolveKernel } from '../policy/index.js';
import type { Errno, SourcePos } from '../util/errors.js';
import { UsageError } from '../util/errors.js';
import type { BrkOp, MremapOp, Prot, Workload, WorkloadOp } from './types.js';
import { MAIN_PROCESS } from './types.js';
import { getImage, loadImage, type ImageName } from './image.js';
import { HEAP_NAME } from './parse.js';

/** Options of {@link runWorkload}; every field is optional. */
export interface SimOptions {
  /** Kernel version whose behaviour to model (default '6.18'). */
  readonly kernel?: string;
  /** Freeing policy overriding the kernel's ('none', 'pt_reclaim', 'refcount'). */
  readonly policy?: string;
  /** Architecture (default 'x86_64'; the simulator runs x86_64 and x86_64-la57). */
  readonly arch?: string;
  /** Top of the hint-less mmap area in bytes (default 0x7ffff7fff000: TASK_SIZE - 128 MiB). */
  readonly mmapBase?: bigint;
  /**
   * Filled with the address (bytes) each successful `mremap` op returned: where the model placed
   * a move the kernel places itself (the oracle's lowering checks the kernel agrees).
   */
  readonly mremapTargets?: Map<MremapOp, bigint>;
  /**
   * The process image the workload starts in (issue #7 h): `dynamic`, the mappings of a
   * dynamically linked program at `main` (its mmap base too, unless `mmapBase` is given), or
   * `none`, an empty address space (default; what the kernel oracle's deltas correspond to).
   */
  readonly image?: ImageName;
  /**
   * `vm.mmap_min_addr` in bytes (default 65536; 0 for a process with CAP_SYS_RAWIO, e.g. root):
   * maps below it fail with EPERM.
   */
  readonly mmapMinAddr?: bigint;
  /**
   * Heuristic overcommit limit in bytes (RAM + swap, `vm.overcommit_memory` 0): an accounted map
   * or mprotect larger than this fails with ENOMEM. Default: no limit.
   */
  readonly overcommitLimit?: bigint;
  /**
   * THP mode, as `/sys/kernel/mm/transparent_hugepage/enabled` (default 'madvise', this host's):
   * `always` lets every anonymous private VMA fault THPs, `never` none. MADV_COLLAPSE ignores it.
   */
  readonly thp?: ThpMode;
  /**
   * `khugepaged/max_ptes_none`, 0..511 (default 511): below 511 `pressure`'s deferred-split
   * shrinker also splits THPs with more zero-filled subpages than this. MADV_COLLAPSE ignores it.
   */
  readonly maxPtesNone?: number;
  /**
   * `read_ahead_kb` of the device holding disk files (`file … disk`), default 128 (the kernel's
   * VM_READAHEAD_PAGES): a fault on a page of one not in the page cache reads that much around it.
   */
  readonly readAheadKb?: number;
  /** Run validate_mm() after every operation (default false). */
  readonly debug?: boolean;
  /**
   * Keep every page table in its plain form, without the inline one-page PTE tables of the fast
   * paths (default false). Reports are identical either way; for tests and measurements.
   */
  readonly plainTables?: boolean;
  /**
   * Record the peak of VmPTE and RssAnon over every operation in `SimResult.peak` (default
   * false; costs a counter read per operation). `verify` uses it to refuse a workload the host
   * cannot hold before running it on the kernel.
   */
  readonly trackPeak?: boolean;
  /** Called every 1024 operations and before each one over 1 GiB, with (operations done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The counters at one report. */
export interface SimReport {
  readonly label: string;
  /** The process whose counters these are (`main` unless the report was `@NAME report`). */
  readonly process: string;
  readonly line: number;
  /** Iteration (from 0) of the innermost `repeat` block holding the report, if any. */
  readonly iteration?: number;
  readonly pgtables_bytes: number;
  readonly vmpte_kb: number;
  readonly tables: { readonly pte: number; readonly pmd: number; readonly pud: number };
  readonly empty_pte_tables: number;
  readonly rss_anon_kb: number;
  readonly rss_file_kb: number;
  readonly rss_shmem_kb: number;
}

/** What a run produced: reports in order, the final counters, and the error that stopped it. */
export interface SimResult {
  readonly kernel: string;
  readonly policy: string;
  readonly arch: string;
  readonly reports: SimReport[];
  /** Counters after the last operation run (label '(end)'). */
  readonly final: SimReport;
  readonly error?: UsageError;
  /** Highest VmPTE and RssAnon after any operation, with `trackPeak`. */
  readonly peak?: { readonly vmpte_kb: number; readonly rss_anon_kb: number };
}

/** Ops covering at least this many bytes get an `onProgress` call before they run (1 GiB). */
const LARGE_OP_BYTES = 1n << 30n;

/** Default top of the mmap area: TASK_SIZE minus the 128 MiB minimum stack gap, no ASLR. */
export const DEFAULT_MMAP_GAP_BYTES = 128n * 1024n * 1024n;

const PROT_BITS: Readonly<Record<Prot, number>> = { none: 0, r: 1, rw: 3, rx: 5, rwx: 7 };

const ERRNO_TEXT: Readonly<Record<Errno, string>> = {
  EINVAL: 'invalid argument',
  ENOMEM: 'no memory mapped there, beyond the user address space, or more than overcommit allows',
  EEXIST: 'the range overlaps an existing mapping',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted (below vm.mmap_min_addr; root is exempt)',
  EFAULT: 'bad address',
  SIGBUS: 'bus error (an access at or beyond the end of the mapped file)',
  SIGSEGV: 'segmentation fault',
};

/**
 * Simulates `workload` and returns its reports. User errors (a refused operation, an unknown
 * option value) come back in `error` with the reports made before.
 *
 * @example runWorkload(parseWorkload('map a 2M at=1G\ntouch a +0 2M\nreport t', 'x.ptw')).reports[0]?.vmpte_kb // 12
 */
export function runWorkload(workload: Workload, options: SimOptions = {}): SimResult {
  const kernel = options.kernel ?? DEFAULT_KERNEL;
  const archName = options.arch ?? DEFAULT_ARCH;
  let g: ArchGeometry;
  let policyName = options.policy ?? '?';
  let mm: MmStruct;
  try {
    g = getArch(archName);
    if (!g.simulated) {
      throw new UsageError(
        'option',
        `the simulator runs x86_64 and x86_64-la57 only, not '${archName}' (use 'ptlab limits --arch ${archName}' for its geometry)`,
      );
    }
    const behaviour = resolveKernel(kernel, g);
    const policy = options.policy ? getPolicy(options.policy) : behaviour.policy;
    policyName = policy.name;
    const page = BigInt(g.PAGE_SIZE);
    const image = getImage(options.image ?? 'none');
    if (image.mappings.length > 0 && g.name !== 'x86_64') {
      throw new UsageError('option', `the '${image.name}' process image is for x86_64 only`);
    }
    const base =
      options.mmapBase ??
      (image.mappings.length > 0
        ? image.mmapBase
        : BigInt(g.TASK_SIZE) * page - DEFAULT_MMAP_GAP_BYTES);
    const maxPtesNone = options.maxPtesNone ?? 511;
    if (!Number.isInteger(maxPtesNone) || maxPtesNone < 0 || maxPtesNone > g.PTRS_PER_PTE - 1) {
      throw new UsageError(
        'option',
        `max_ptes_none must be an integer from 0 to ${g.PTRS_PER_PTE - 1}, not ${maxPtesNone}`,
      );
    }
    mm = mm_alloc(g, policy, Number(base / page), {
      thp_mode: options.thp ?? 'madvise',
      max_ptes_none: maxPtesNone,
      plainTables: options.plainTables ?? false,
      ...(options.mmapMinAddr !== undefined ? { mmap_min_addr: options.mmapMinAddr } : {}),
      ...(options.overcommitLimit !== undefined
        ? { overcommit_pages: Number(options.overcommitLimit / page) }
        : {}),
    });
    loadImage(mm, image);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const zero: SimReport = {
      label: '(end)',
      process: MAIN_PROCESS,
      line: 0,
      pgtables_bytes: 0,
      vmpte_kb: 0,
      tables: { pte: 0, pmd: 0, pud: 0 },
      empty_pte_tables: 0,
      rss_anon_kb: 0,
      rss_file_kb: 0,
      rss_shmem_kb: 0,
    };
    return { kernel, policy: policyName, arch: archName, reports: [], final: zero, error: e };
  }
  const run = new Runner(
    mm,
    Math.floor(((options.readAheadKb ?? 128) * 1024) / mm.geometry.PAGE_SIZE),
  );
  run.mremapTargets = options.mremapTargets;
  const reports: SimReport[] = [];
  const ops = workload.ops;
  let error: UsageError | undefined;
  let line = 0;
  let peak = options.trackPeak ? { vmpte_kb: 0, rss_anon_kb: 0 } : undefined;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    line = op.pos.line;
    // Before an op over a large range, so a progress display can say what is running.
    if (options.onProgress && 'len' in op && op.len >= LARGE_OP_BYTES) {
      options.onProgress(i, ops.length);
    }
    error = run.step(op, reports);
    if (options.debug) for (const m of run.procs.values()) validate_mm(m);
    if (peak) {
      const c = mmCounters(mm);
      if (c.vmpte_kb + c.rss_anon_kb > peak.vmpte_kb + peak.rss_anon_kb) {
        peak = { vmpte_kb: c.vmpte_kb, rss_anon_kb: c.rss_anon_kb };
      }
    }
    if (error) break;
    if (options.onProgress && (i & 1023) === 1023) options.onProgress(i + 1, ops.length);
  }
  options.onProgress?.(ops.length, ops.length);
  const final = report(mm, '(end)', line, MAIN_PROCESS);
  return {
    kernel,
    policy: policyName,
    arch: archName,
    reports,
    final,
    ...(error ? { error } : {}),
    ...(peak ? { peak } : {}),
  };
}

/**
 * Reclaim of a dirty disk-file page (written through a shared mapping) is not modelled: reclaim
 * keeps it with PG_reclaim (and memory-cgroup reclaim wakes the flusher to write it back), and its
 * refault reads ahead asynchronously into large folios.
 */
function diskRefused(what: string, at: SourcePos): UsageError {
  return new UsageError(
    'unsupported',
    `${what} is not modelled with a dirty disk-file page (written through a shared mapping: reclaim keeps it for writeback, and its refault reads ahead into large folios)`,
    at,
  );
}

/**
 * Reclaim, MADV_COLD (which splits a folio it meets in part) or a hole in a disk file cached in
 * 64 KiB folios would split them: not modelled.
 */
function chunkRefused(what: string, at: SourcePos): UsageError {
  return new UsageError(
    'unsupported',
    `${what} is not modelled with a disk file written in 64K chunks (reclaim, cold and holes split or drop its 64 KiB page-cache folios)`,
    at,
  );
}

function report(mm: MmStruct, label: string, line: number, process: string): SimReport {
  return { label, process, line, ...mmCounters(mm) };
}

/**
 * Per-run state: the live processes (their mms by name, `main` first), the start address each
 * mapping name was mapped at (one table for every process: a child inherits its parent's
 * addresses), and the files.
 */
class Runner {
  private readonly starts = new Map<string, bigint>();
  private readonly files = new Map<string, SimFile>();
  readonly procs = new Map<string, MmStruct>();
  /** Whether a disk file exists. */
  private disk = false;
  /** SimOptions.mremapTargets. */
  mremapTargets: Map<MremapOp, bigint> | undefined;

  /** `readahead`: a disk file's read-around in pages (`read_ahead_kb`). */
  constructor(
    main: MmStruct,
    private readonly readahead: number,
  ) {
    this.procs.set(MAIN_PROCESS, main);
  }

  /** Runs one op; a refused one comes back as an error naming the address range it covered. */
  step(op: WorkloadOp, reports: SimReport[]): UsageError | undefined {
    const e = this.stepInner(op, reports) ?? this.readaheadRefused(op);
    if (e === undefined || e.code !== 'errno') return e;
    const range = this.rangeOf(op);
    return range === undefined
      ? e
      : new UsageError(e.code, `${e.message} (the op covers ${range})`, e.where, e.errno);
  }

  /** An op whose faults made readahead create a large folio: not modelled, the run stops. */
  private readaheadRefused(op: WorkloadOp): UsageError | undefined {
    if (!this.disk) return undefined;
    for (const file of this.files.values()) {
      const why = file.ra?.unsupported;
      if (why === undefined) continue;
      return new UsageError(
        'unsupported',
        `large page-cache folios are not modelled: in disk file '${file.name}' ${why} (MADV_HUGEPAGE on a file mapping, or the async readahead of a fault on a PG_readahead page)`,
        op.pos,
      );
    }
    return undefined;
  }

  /** `0xSTART-0xEND` of the bytes an op covers, when it names them. */
  private rangeOf(op: WorkloadOp): string | undefined {
    const hex = (n: bigint): string => `0x${n.toString(16)}`;
    if (op.kind === 'map')
      return op.at === undefined ? undefined : `${hex(op.at)}-${hex(op.at + op.size)}`;
    if (!('offset' in op) || !('len' in op)) return undefined;
    const base = this.starts.get(op.name);
    if (base === undefined) return undefined;
    const start = base + op.offset;
    return `${hex(start)}-${hex(start + op.len)}`;
  }

  /**
   * Shmem THP states the model does not follow (`shmem_thp_unsupported`): refused before the op
   * runs.
   */
  private shmemThpRefused(
    mm: MmStruct,
    what: 'collapse' | 'mremap' | 'reclaim' | 'remove',
    start: bigint,
    len: bigint,
    at: SourcePos,
  ): UsageError | undefined {
    const page = BigInt(mm.geometry.PAGE_SIZE);
    const first = Number(start / page);
    const why = shmem_thp_unsupported(mm, what, first, first + Number((len + page - 1n) / page));
    if (why === null) return undefined;
    return new UsageError('unsupported', `${why} is not modelled`, at);
  }

  /** Whether [start, start + len) holds a mapping of a disk file cached in large folios. */
  private chunkedVma(mm: MmStruct, start: bigint, len: bigint): boolean {
    const page = BigInt(mm.geometry.PAGE_SIZE);
    const first = Number(start / page);
    const end = first + Number((len + page - 1n) / page);
    for (const vma of mm.mmap.range(first, end)) if ((vma.vm_file?.ra?.chunk ?? 1) > 1) return true;
    return false;
  }

  /** Whether [start, start + len) maps a dirty page of a disk file. */
  private dirtyDiskPages(mm: MmStruct, start: bigint, len: bigint): boolean {
    const page = BigInt(mm.geometry.PAGE_SIZE);
    const first = Number(start / page);
    return dirty_file_pages(mm, first, first + Number((len + page - 1n) / page));
  }

  private stepInner(op: WorkloadOp, reports: SimReport[]): UsageError | undefined {
    const proc = op.proc ?? MAIN_PROCESS;
    // The parser checked that the process is live.
    const mm = this.procs.get(proc) as MmStruct;
    switch (op.kind) {
      case 'report':
        reports.push(
          op.iteration === undefined
            ? report(mm, op.label, op.pos.line, proc)
            : { ...report(mm, op.label, op.pos.line, proc), iteration: op.iteration },
        );
        return undefined;
      case 'pressure':
        if (this.disk) {
          const disk = [...this.files.values()].filter((f) => f.ra !== undefined);
          if (disk.some((f) => (f.ra?.chunk ?? 1) > 1)) return chunkRefused('pressure', op.pos);
          if (disk.some(file_has_dirty)) return diskRefused('pressure', op.pos);
          shrink_file_cache([...this.procs.values()], disk);
        }
        // The memory cgroup holds every process: reclaim sees them all.
        shrink_lazyfree([...this.procs.values()]);
        return undefined;
      case 'fork':
        this.procs.set(op.child, dup_mm(mm));
        return undefined;
      case 'exit':
        exit_mmap(this.procs.get(op.child) as MmStruct);
        this.procs.delete(op.child);
        return undefined;
      case 'map': {
        if (this.starts.has(op.name)) {
          return new UsageError(
            'parse',
            `duplicate mapping name '${op.name}' (use a new name)`,
            op.argPos.name ?? op.pos,
          );
        }
        const page = BigInt(mm.geometry.PAGE_SIZE);
        // The mmap syscall checks the offset's alignment before anything else.
        if (op.off % page !== 0n) {
          return errnoError(
            'EINVAL',
            `map '${op.name}' failed: off= is not page-aligned`,
            op.argPos.off ?? op.pos,
          );
        }
        const file = op.file === undefined ? undefined : this.files.get(op.file);
        const r = vm_mmap_pgoff(mm, op.at, op.size, PROT_BITS[op.prot], {
          fixed: op.fixed,
          populate: op.populate,
          locked: op.locked,
          shared: op.shared,
          ...(file ? { file, pgoff: Number(op.off / page) } : {}),
          noreserve: op.noreserve,
          growsdown: op.growsdown,
        });
        if ('errno' in r) {
          const where = r.errno === 'EINVAL' && op.size === 0n ? op.argPos.size : op.argPos.at;
          return errnoError(r.errno, `map '${op.name}' failed`, where ?? op.pos);
        }
        this.starts.set(op.name, BigInt(r.addr) * BigInt(mm.geometry.PAGE_SIZE));
        return undefined;
      }
      case 'file': {
        const page = BigInt(mm.geometry.PAGE_SIZE);
        const pages = Number((op.size + page - 1n) / page);
        // ftruncate takes a signed off_t.
        if (op.size >= 1n << 63n) {
          return errnoError(
            'EINVAL',
            `file '${op.file}' failed: size beyond 2^63 - 1`,
            op.argPos.size ?? op.pos,
          );
        }
        this.files.set(
          op.file,
          op.disk
            ? disk_file_alloc(op.file, pages, this.readahead, (op.chunkKb ?? 4) / 4)
            : file_alloc(op.file, pages, /* shmem = */ true),
        );
        this.disk ||= op.disk;
        return undefined;
      }
      case 'brk':
        return this.brk(mm, op);
      case 'mlockall': {
        const e = do_mlockall(mm, op.flags);
        return e
          ? errnoError(e, `${op.flags ? 'mlockall' : 'munlockall'} failed`, op.pos)
          : undefined;
      }
      default:
        break;
    }
    const base = this.starts.get(op.name);
    if (base === undefined) {
      const known = [...this.starts.keys()];
      return new UsageError(
        'unknown-name',
        `unknown mapping '${op.name}' (${known.length ? `mapped so far: ${known.join(', ')}` : 'nothing is mapped yet'})`,
        op.argPos.name ?? op.pos,
      );
    }
    const start = base + op.offset;
    const at = op.argPos.offset ?? op.pos;
    switch (op.kind) {
      case 'touch': {
        const stride = op.stride ?? BigInt(mm.geometry.PAGE_SIZE);
        const e = touch_range(mm, start, op.len, stride, op.write);
        return e
          ? errnoError(
              e,
              `${op.write ? 'write' : 'read'} access outside a mapping that allows it (touch '${op.name}')`,
              at,
            )
          : undefined;
      }
      case 'munmap': {
        const e = do_munmap(mm, start, op.len);
        return e
          ? errnoError(
              e,
              `munmap of '${op.name}' failed`,
              op.len === 0n ? (op.argPos.len ?? at) : at,
            )
          : undefined;
      }
      case 'mprotect': {
        const e = do_mprotect(mm, start, op.len, PROT_BITS[op.prot]);
        return e
          ? errnoError(e, `mprotect of '${op.name}' failed (applied up to the first hole)`, at)
          : undefined;
      }
      case 'mlock': {
        const e = do_mlock(mm, start, op.len, { onfault: op.onfault });
        return e
          ? errnoError(e, `mlock of '${op.name}' failed (locked up to the first hole)`, at)
          : undefined;
      }
      case 'munlock': {
        const e = do_munlock(mm, start, op.len);
        return e
          ? errnoError(e, `munlock of '${op.name}' failed (unlocked up to the first hole)`, at)
          : undefined;
      }
      case 'mremap':
        return this.mremap(mm, op, start, at);
      case 'madvise': {
        const what =
          op.advice === 'collapse' || op.advice === 'remove'
            ? op.advice
            : op.advice === 'pageout' || op.advice === 'cold'
              ? 'reclaim'
              : undefined;
        const refused = what && this.shmemThpRefused(mm, what, start, op.len, at);
        if (refused) return refused;
        if (
          (op.advice === 'pageout' || op.advice === 'remove' || op.advice === 'cold') &&
          this.disk &&
          this.chunkedVma(mm, start, op.len)
        ) {
          return chunkRefused(`madvise ${op.advice}`, at);
        }
        if (op.advice === 'pageout' && this.disk && this.dirtyDiskPages(mm, start, op.len)) {
          return diskRefused('madvise pageout', at);
        }
        const e = do_madvise(mm, start, op.len, op.advice);
        return e
          ? errnoError(
              e,
              `madvise ${op.advice} of '${op.name}' failed (mapped parts were advised)`,
              at,
            )
          : undefined;
      }
    }
  }

  /**
   * `brk`: `at=` first sets start_brk and the break (exec's heap placement, PR_SET_MM_MAP in the
   * oracle); a break the kernel does not move as asked is ENOMEM, as sbrk reports it. The first
   * brk names the heap `heap` (offsets from start_brk).
   */
  private brk(mm: MmStruct, op: BrkOp): UsageError | undefined {
    if (op.at !== undefined) mm_set_brk(mm, op.at, op.at);
    const st = mm_brk(mm);
    if (!st) {
      return new UsageError(
        'errno',
        `brk: this process has no heap (give the first brk at=ADDR, or run with a process image)`,
        op.pos,
        'ENOMEM',
      );
    }
    if (!this.starts.has(HEAP_NAME)) this.starts.set(HEAP_NAME, st.start_brk);
    const want =
      op.mode === 'set'
        ? st.start_brk + op.size
        : op.mode === 'grow'
          ? st.brk + op.size
          : st.brk - op.size;
    if (want < 0n || do_brk(mm, want) !== want) {
      return errnoError(
        'ENOMEM',
        `brk to 0x${want.toString(16)} failed (the break stays)`,
        op.argPos.size ?? op.pos,
      );
    }
    return undefined;
  }

  /** `mremap`; `as=NEW` names the address it returned. */
  private mremap(mm: MmStruct, op: MremapOp, start: bigint, at: SourcePos): UsageError | undefined {
    if (op.as !== undefined && this.starts.has(op.as)) {
      return new UsageError('parse', `duplicate mapping name '${op.as}' (use a new name)`, op.pos);
    }
    const refused = this.shmemThpRefused(mm, 'mremap', start, op.oldLen, at);
    if (refused) return refused;
    const flags = { maymove: op.maymove, fixed: op.fixed, dontunmap: op.dontunmap };
    const r = do_mremap(mm, start, op.oldLen, op.newLen, flags, op.at ?? 0n);
    if ('errno' in r) return errnoError(r.errno, `mremap of '${op.name}' failed`, at);
    const addr = BigInt(r.addr) * BigInt(mm.geometry.PAGE_SIZE);
    if (op.as !== undefined) this.starts.set(op.as, addr);
    this.mremapTargets?.set(op, addr);
    return undefined;
  }
}

function errnoError(errno: Errno, what: string, where: SourcePos): UsageError {
  return new UsageError('errno', `${what}: ${ERRNO_TEXT[errno]}`, where, errno);
}
