// Replays a recorded trace in the simulator (src/mm, the same model `ptlab sim` runs): each exec
// snapshot becomes a fresh mm (its mappings, then its present pages touched), each event after it
// is lowered onto the mm API, and every recorded VmPTE sample is compared with the model. An event
// the model cannot lower yet is counted by name in `not_lowered`, never silently dropped.

import { getArch } from '../arch/index.js';
import type { ArchGeometry } from '../arch/index.js';
import {
  do_madvise,
  do_mlock,
  do_mlockall,
  do_mmap,
  do_brk,
  do_mprotect,
  do_mremap,
  do_munlock,
  do_munmap,
  dup_mm,
  file_alloc,
  mm_alloc,
  mm_set_brk,
  touch_range,
  vm_mmap_pgoff,
  VM_WRITE,
} from '../mm/index.js';
import type { Advice, MmStruct, SimFile } from '../mm/index.js';
import { DEFAULT_KERNEL, getPolicy, resolveKernel } from '../policy/index.js';
import type { SampleRecord, SyscallRecord, Trace, TraceHeader } from './format.js';
import { isScanFailure, parseScanOutput, RUN_FILE, RUN_HUGE } from './snapshot.js';
import type { ProcessSnapshot } from './snapshot.js';

/** Options of {@link replayTrace}. */
export interface ReplayOptions {
  /** Kernel version whose behaviour to model (default '6.18'). */
  readonly kernel?: string;
  /** Freeing policy overriding the kernel's. */
  readonly policy?: string;
}

/** One recorded sample against the model. */
export interface SampleResult {
  readonly t: number;
  readonly pid: number;
  readonly measured_kb: number;
  /** The model's VmPTE closest to the measurement between the read and the marker. */
  readonly model_kb: number;
  readonly deviation_pct: number;
  readonly exit: boolean;
}

/** A sample while the replay may still improve its match. */
interface MutableSample {
  t: number;
  pid: number;
  measured_kb: number;
  model_kb: number;
  deviation_pct: number;
  exit: boolean;
  /** pgtables_bytes at the marker, widened by the changes of syscalls in flight across it. */
  lo: number;
  hi: number;
}

/** Takes `bytes` as the sample's model value when it is closer to the measurement. */
function consider(x: MutableSample, bytes: number): void {
  const kb = Math.floor(bytes / 1024);
  const d = Math.abs(kb - x.measured_kb);
  const pct = x.measured_kb === 0 ? (d === 0 ? 0 : 100) : (d / x.measured_kb) * 100;
  const rounded = Math.round(pct * 1000) / 1000;
  if (rounded < x.deviation_pct) {
    x.deviation_pct = rounded;
    x.model_kb = kb;
  }
}

/** One process (one mm after an exec). */
export interface ProcessReplay {
  readonly pid: number;
  readonly samples: number;
  readonly max_deviation_pct: number;
  readonly final: { readonly model_vmpte_kb: number; readonly measured_vmpte_kb: number } | null;
}

/** Everything a replay found. */
export interface ReplayResult {
  readonly kernel: string;
  readonly policy: string;
  readonly events: number;
  readonly samples: readonly SampleResult[];
  readonly max_deviation_pct: number;
  /** The command's process: the model and the kernel at its last sample (its exit). */
  readonly final: { readonly model_vmpte_kb: number; readonly measured_vmpte_kb: number };
  readonly processes: readonly ProcessReplay[];
  /** Events the model cannot lower yet, by name, with counts. */
  readonly not_lowered: Readonly<Record<string, number>>;
  /** Events lowered onto a nearby operation of the model, by name, with counts. */
  readonly approximated: Readonly<Record<string, number>>;
  /** Samples not compared (their process had no model: e.g. a fork before its exec). */
  readonly samples_skipped: number;
}

const PAGE = 4096n;
const MAP_SHARED = 0x01;
const MAP_FIXED = 0x10;
const MAP_ANONYMOUS = 0x20;
const MAP_GROWSDOWN = 0x100;
const MAP_NORESERVE = 0x4000;
const MAP_HUGETLB = 0x40000;
const MAP_LOCKED = 0x2000;
const MAP_POPULATE = 0x8000;
const MAP_NONBLOCK = 0x10000;
const MAP_FIXED_NOREPLACE = 0x100000;
const MLOCK_ONFAULT = 1;
const SHM_RDONLY = 0o10000;
const SHM_EXEC = 0o100000;
const CLONE_VM = 0x100;
const CLONE_THREAD = 0x10000;
const MREMAP_MAYMOVE = 1;
const MREMAP_FIXED = 2;
const MREMAP_DONTUNMAP = 4;
/** Pages of a file whose size the trace does not give (256 TiB: past every user address). */
const UNKNOWN_FILE_PAGES = 2 ** 36;
const ERR_MIN = 0xfffffffffffff001n;

/** madvise numbers the model implements (include/uapi/asm-generic/mman-common.h). */
const ADVICE: Readonly<Record<number, Advice>> = {
  3: 'willneed',
  4: 'dontneed',
  8: 'free',
  9: 'remove',
  14: 'hugepage',
  15: 'nohugepage',
  20: 'cold',
  21: 'pageout',
  22: 'populate_read',
  23: 'populate_write',
  24: 'dontneed_locked',
  25: 'collapse',
  102: 'guard_install',
  103: 'guard_remove',
  10: 'dontfork',
  11: 'dofork',
  18: 'wipeonfork',
  19: 'keeponfork',
};
/** madvise numbers that never change page tables: NORMAL, RANDOM, SEQUENTIAL, MERGEABLE,
 * UNMERGEABLE, DONTDUMP, DODUMP (flags only; the fork advices are lowered: fork reads them). */
const ADVICE_NO_TABLES = new Set([0, 1, 2, 12, 13, 16, 17]);
/** The other madvise numbers, named for the not-lowered list. */
const ADVICE_NAMES: Readonly<Record<number, string>> = {
  100: 'MADV_HWPOISON',
  101: 'MADV_SOFT_OFFLINE',
};

/** One simulated address space and what a replay tracks about it. */
interface MmState {
  readonly pid: number;
  readonly mm: MmStruct;
  /** The current program break in bytes, once a brk call told it. */
  brk: bigint | undefined;
  /** Start of the [stack] VMA (pages), which grows down on faults. */
  stackStart: number;
  /** (time, pgtables_bytes) after each change, for matching samples in their window. */
  readonly histT: number[];
  readonly histB: number[];
  /** Entries dropped from the front of the history (absolute index of histT[0]). */
  histBase: number;
  /**
   * Set by a successful execve (at its entry) or exit_group: the kernel is replacing or tearing
   * down this image, so a periodic sample may read a state the events do not describe.
   */
  leaving: boolean;
}

/** A recent event of one thread: when, whether a fault, and its change of pgtables_bytes. */
interface RecentEvent {
  readonly t: number;
  readonly fault: boolean;
  delta: number;
}

/** Syscalls that end the task's image (exec replaces it, exit_group tears it down). */
const LEAVES_IMAGE = new Set(['execve', 'execveat', 'exit_group']);

const big = (hex: string | undefined): bigint => BigInt(hex ?? '0x0');
const signed32 = (hex: string | undefined): number => Number(BigInt.asIntN(32, big(hex)));

/**
 * Replays `trace` under one kernel/policy.
 *
 * @example replayTrace(parseTrace(text, 'redis.trace')).max_deviation_pct
 */
export function replayTrace(trace: Trace, options: ReplayOptions = {}): ReplayResult {
  const g = getArch('x86_64');
  const kernel = options.kernel ?? DEFAULT_KERNEL;
  const policy = options.policy ? getPolicy(options.policy) : resolveKernel(kernel, g).policy;
  const notLowered: Record<string, number> = {};
  const approximated: Record<string, number> = {};
  const note = (into: Record<string, number>, what: string): void => {
    into[what] = (into[what] ?? 0) + 1;
  };
  const tidMm = new Map<number, MmState | null>();
  // The process (tgid) of each task seen created: a CLONE_VM child without CLONE_THREAD (vfork,
  // posix_spawn) runs in its parent's mm until its exec, but is a process of its own.
  const tgidOf = new Map<number, number>();
  // SysV shared memory segments by id (from shmget), shared by every process of the trace.
  const shmSegs = new Map<bigint, SimFile>();
  const shmFiles = new Set<SimFile>();
  const samples: MutableSample[] = [];
  // Samples whose marker may have come while a syscall that ends later was already in effect.
  const open = new Map<MmState, MutableSample[]>();
  let skipped = 0;
  let events = 0;
  const recent = new Map<number, RecentEvent[]>();

  const record = (st: MmState, t: number): void => {
    const n = st.histB.length;
    if (n > 0 && st.histB[n - 1] === st.mm.pgtables_bytes) return;
    st.histT.push(t);
    st.histB.push(st.mm.pgtables_bytes);
    if (n > 4096) {
      // Keep the last second: a sample's window is the few microseconds of one /proc read.
      const cut = st.histT.findIndex((x) => x >= t - 1e9);
      if (cut > 1) {
        st.histT.splice(0, cut - 1);
        st.histB.splice(0, cut - 1);
        st.histBase += cut - 1;
      }
    }
  };

  for (const r of trace.records) {
    switch (r.k) {
      case 'snapshot': {
        const snap = parseScanOutput(r.scan);
        if (isScanFailure(snap)) {
          note(notLowered, `snapshot (${snap.code})`);
          tidMm.set(r.pid, null);
          break;
        }
        const st = fromSnapshot(snap, g, policy, trace.header.thp, note.bind(null, notLowered));
        tidMm.set(r.pid, st);
        record(st, r.t);
        break;
      }
      case 'sample':
        compare(r);
        break;
      case 'newtask': {
        const parent = tidMm.get(r.tid);
        if (parent === undefined) break; // before the first exec: nothing to model yet
        const flags = Number(big(r.clone_flags));
        tgidOf.set(r.child, (flags & CLONE_THREAD) !== 0 ? (tgidOf.get(r.tid) ?? r.tid) : r.child);
        if ((flags & CLONE_VM) !== 0) tidMm.set(r.child, parent);
        else if (parent === null) tidMm.set(r.child, null);
        else {
          const child = forkMm(parent, r.child);
          tidMm.set(r.child, child);
          record(child, r.t);
        }
        break;
      }
      case 'fault':
      case 'syscall':
      case 'collapse': {
        const st = tidMm.get(r.tid);
        if (!st) break;
        events++;
        const ring = recent.get(r.tid) ?? [];
        const ev: RecentEvent = { t: r.t, fault: r.k === 'fault', delta: 0 };
        ring.push(ev);
        if (ring.length > 8) ring.shift();
        recent.set(r.tid, ring);
        const before = st.mm.pgtables_bytes;
        st.mm.pgtables_high = before;
        st.mm.pgtables_low = before;
        if (r.k === 'fault') fault(st, big(r.addr), r.write);
        else if (r.k === 'syscall') syscall(st, r);
        if (r.k === 'syscall' && LEAVES_IMAGE.has(r.name) && !failed(r)) {
          // The image ends: the mm is being replaced or torn down, but only when the task is of
          // the mm's own process, not a vfork child (CLONE_VM, no CLONE_THREAD) sharing it.
          if ((tgidOf.get(r.tid) ?? r.tid) === st.pid) st.leaving = true;
          // An exec replaces the task's image from its entry on: its events until its snapshot
          // (argv copied onto the new stack) belong to no model yet. An exiting task keeps its
          // mm for its exit sample.
          if (r.name !== 'exit_group') tidMm.set(r.tid, null);
        }
        ev.delta = st.mm.pgtables_bytes - before;
        record(st, r.t);
        if (r.k === 'syscall' && r.t_enter !== undefined) settle(st, r.t_enter, before);
        break;
      }
      case 'exit':
        break;
    }
  }

  const perPid = new Map<number, { n: number; max: number; final: SampleResult | null }>();
  for (const x of samples) {
    const p = perPid.get(x.pid) ?? { n: 0, max: 0, final: null };
    p.n++;
    p.max = Math.max(p.max, x.deviation_pct);
    p.final = x;
    perPid.set(x.pid, p);
  }
  const main = perPid.get(trace.header.pid)?.final;
  const all = [...perPid.values()];
  return {
    kernel,
    policy: policy.name,
    events,
    samples: samples.map((x): SampleResult => ({
      t: x.t,
      pid: x.pid,
      measured_kb: x.measured_kb,
      model_kb: x.model_kb,
      deviation_pct: x.deviation_pct,
      exit: x.exit,
    })),
    max_deviation_pct: Math.max(0, ...all.map((p) => p.max)),
    final: {
      model_vmpte_kb: main?.model_kb ?? 0,
      measured_vmpte_kb: main?.measured_kb ?? 0,
    },
    processes: [...perPid.entries()].map(([pid, p]) => ({
      pid,
      samples: p.n,
      max_deviation_pct: p.max,
      final: p.final
        ? { model_vmpte_kb: p.final.model_kb, measured_vmpte_kb: p.final.measured_kb }
        : null,
    })),
    not_lowered: notLowered,
    approximated,
    samples_skipped: skipped,
  };

  function compare(s: SampleRecord): void {
    const st = tidMm.get(s.tid) ?? tidMm.get(s.pid);
    if (!st || st.pid !== s.pid || (st.leaving && !s.exit)) {
      if (st === null || tidMm.has(s.pid)) skipped++;
      return;
    }
    // Candidates: the state in effect at the read, every state until the marker, and the state
    // at the read without the faults threads may still have been inside (the fault event fires
    // at entry; a page-cache miss can keep it in flight for milliseconds before its table
    // appears): each such fault's own change undone, one at a time and all together. Other
    // threads' events since stay applied: a state long before the read is no candidate.
    let hi = st.histT.length - 1;
    while (hi > 0 && (st.histT[hi] ?? 0) > s.t) hi--;
    let lo = hi;
    while (lo > 0 && (st.histT[lo] ?? 0) > s.read_t) lo--;
    const atRead = st.histB[lo] ?? 0;
    const undo: number[] = [];
    for (const [tid, ring] of recent) {
      if (tidMm.get(tid) !== st) continue;
      let e: RecentEvent | undefined;
      for (let i = ring.length - 1; i >= 0 && !e; i--) {
        const x = ring[i];
        if (x && x.t <= s.read_t) e = x;
      }
      if (e?.fault && e.delta !== 0) undo.push(e.delta);
    }
    const res: MutableSample = {
      t: s.t,
      pid: s.pid,
      measured_kb: s.vmpte_kb,
      model_kb: 0,
      deviation_pct: Infinity,
      exit: s.exit,
      lo: st.histB[hi] ?? 0,
      hi: st.histB[hi] ?? 0,
    };
    for (let i = Math.max(0, lo); i <= hi; i++) consider(res, st.histB[i] ?? 0);
    for (const d of undo) consider(res, atRead - d);
    if (undo.length > 1) consider(res, atRead - undo.reduce((x, y) => x + y, 0));
    samples.push(res);
    const list = open.get(st) ?? [];
    list.push(res);
    if (list.length > 16) list.shift();
    open.set(st, list);
  }

  // A syscall that entered before a sample's marker and returned after it was in flight when the
  // sample was read: it allocates or frees its tables one at a time, so any value between the
  // states before and after it is one the kernel passed through.
  function settle(st: MmState, enter: number, before: number): void {
    const list = open.get(st);
    if (!list) return;
    // Part of its change may be in the sample (other threads' events applied in between are
    // independent of it): the state at the marker plus any value the syscall passed through on
    // the way (an mremap move holds its new tables and the old ones for a while: above both).
    const up = st.mm.pgtables_high - before;
    const down = st.mm.pgtables_low - before;
    for (const x of list) {
      if (x.t < enter) continue;
      x.lo += Math.min(0, down);
      x.hi += Math.max(0, up);
      const inside = Math.min(x.hi, Math.max(x.lo, x.measured_kb * 1024));
      consider(x, inside);
    }
  }

  function fault(st: MmState, addr: bigint, write: boolean): void {
    const page = (addr / PAGE) * PAGE;
    if (touch_range(st.mm, page, PAGE, PAGE, write) === null) return;
    // A fault just below the stack grows it (expand_stack); any other refused access mapped
    // nothing in the kernel either (SIGSEGV, or PROT_NONE).
    const vpn = Number(addr / PAGE);
    const above = st.mm.mmap.find_vma(vpn);
    if (above && above.vm_start === st.stackStart && vpn < above.vm_start) {
      const len = BigInt(above.vm_start - vpn) * PAGE;
      if (!('errno' in do_mmap(st.mm, page, len, 3))) {
        st.stackStart = vpn;
        touch_range(st.mm, page, PAGE, PAGE, write);
      }
    }
  }

  function syscall(st: MmState, r: SyscallRecord): void {
    const ret = r.ret === undefined ? undefined : big(r.ret);
    if (failed(r)) return; // the kernel changed nothing we model
    const a = r.args;
    const mm = st.mm;
    switch (r.name) {
      case 'mmap': {
        const len = big(a[1]);
        const prot = Number(big(a[2]));
        const flags = Number(big(a[3]));
        if ((flags & MAP_HUGETLB) !== 0) {
          note(notLowered, 'mmap of hugetlb memory');
          return;
        }
        const at = ret ?? 0n;
        const shared = (flags & MAP_SHARED) !== 0;
        // The trace names no file (an fd only) and no file size: each file mapping gets a regular
        // file of its own, large enough for any access (a program grows a file and then mremaps
        // onto it, as sqlite does; a real access past the end was a SIGBUS the program rarely
        // survives). Page tables depend on the kind of mapping (fork copies no tables of a shared
        // or never-written file mapping: no anon_vma), not on which file it is.
        const pgoff = Number(big(a[5]) / PAGE);
        const file =
          (flags & MAP_ANONYMOUS) === 0 && signed32(a[4]) >= 0
            ? file_alloc(`fd ${signed32(a[4])}`, pgoff + UNKNOWN_FILE_PAGES, false)
            : undefined;
        // The kernel chose the address: map exactly there, replacing what MAP_FIXED replaced.
        const res = vm_mmap_pgoff(mm, at, len, prot, {
          fixed: (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0,
          locked: (flags & MAP_LOCKED) !== 0,
          populate: (flags & MAP_POPULATE) !== 0 && (flags & MAP_NONBLOCK) === 0,
          shared,
          noreserve: (flags & MAP_NORESERVE) !== 0,
          growsdown: (flags & MAP_GROWSDOWN) !== 0,
          ...(file ? { file, pgoff } : {}),
        });
        if ('errno' in res) note(notLowered, `mmap (${res.errno} in the model)`);
        else if (file) note(approximated, 'mmap of a file, lowered onto a file of its own');
        return;
      }
      case 'munmap':
        do_munmap(mm, big(a[0]), big(a[1]));
        return;
      case 'mprotect':
      case 'pkey_mprotect':
        do_mprotect(mm, big(a[0]), big(a[1]), Number(big(a[2])));
        return;
      case 'madvise': {
        const n = Number(big(a[2]));
        const advice = ADVICE[n];
        if (advice) do_madvise(mm, big(a[0]), big(a[1]), advice);
        else if (!ADVICE_NO_TABLES.has(n)) note(notLowered, ADVICE_NAMES[n] ?? `madvise(${n})`);
        return;
      }
      case 'brk':
        brk(st, ret ?? 0n);
        return;
      case 'mremap':
        mremap(st, a, ret ?? 0n);
        return;
      case 'mlock':
        do_mlock(mm, big(a[0]), big(a[1]), { onfault: false });
        return;
      case 'mlock2':
        do_mlock(mm, big(a[0]), big(a[1]), {
          onfault: (Number(big(a[2])) & MLOCK_ONFAULT) !== 0,
        });
        return;
      case 'munlock':
        do_munlock(mm, big(a[0]), big(a[1]));
        return;
      case 'mlockall':
        do_mlockall(mm, Number(big(a[0])));
        return;
      case 'munlockall':
        do_mlockall(mm, 0);
        return;
      case 'shmget':
        shmget(a, ret ?? 0n);
        return;
      case 'shmat':
        shmat(st, a, ret ?? 0n);
        return;
      case 'shmdt':
        shmdt(st, big(a[0]));
        return;
      case 'read':
      case 'pread64':
        transfer(st, big(a[1]), ret ?? 0n, true);
        return;
      case 'write':
      case 'pwrite64':
        transfer(st, big(a[1]), ret ?? 0n, false);
        return;
      case 'remap_file_pages':
      case 'process_madvise':
        note(notLowered, r.name);
        return;
      case 'prctl':
        if (Number(big(a[0])) === 41) note(notLowered, 'prctl(PR_SET_THP_DISABLE)');
        return;
      default:
        return; // clone, fork, exit: handled by newtask and snapshot records
    }
  }

  // The kernel accessed the buffer of a read or write: copy_to_user/copy_from_user fault on it
  // (those faults are recorded), but O_DIRECT I/O pins the pages with GUP, which faults them in
  // without a fault event. Either way every page of [buf, buf + transferred) was accessed.
  function transfer(st: MmState, buf: bigint, bytes: bigint, write: boolean): void {
    if (bytes <= 0n) return;
    const first = buf / PAGE;
    const last = (buf + bytes - 1n) / PAGE;
    for (let p = first; p <= last; p++) fault(st, p * PAGE, write);
  }

  // SysV shared memory: a segment is a shmem file of the IPC namespace, so every process of the
  // trace attaching one id maps the same file (ipc/shm.c: newseg, do_shmat, ksys_shmdt).
  function shmget(a: readonly string[], id: bigint): void {
    const pages = Number((big(a[1]) + PAGE - 1n) / PAGE);
    const seg = shmSegs.get(id);
    // Another shmget of an existing key may ask for less than the segment has; keep the largest.
    if (!seg || seg.pages < pages) {
      const file = file_alloc(`shm ${id}`, pages, true);
      shmSegs.set(id, file);
      shmFiles.add(file);
    }
  }

  function shmat(st: MmState, a: readonly string[], at: bigint): void {
    const seg = shmSegs.get(big(a[0]));
    if (!seg) {
      note(notLowered, 'shmat of a segment created outside the trace');
      return;
    }
    const flags = Number(big(a[2]));
    const prot = (flags & SHM_RDONLY ? 1 : 3) | (flags & SHM_EXEC ? 4 : 0);
    const len = BigInt(seg.pages) * PAGE;
    const res = vm_mmap_pgoff(st.mm, at, len, prot, { fixed: true, shared: true, file: seg });
    if ('errno' in res) note(notLowered, `shmat (${res.errno} in the model)`);
  }

  function shmdt(st: MmState, addr: bigint): void {
    // The segment attached at `addr` goes whole (the VMAs of its file from there on).
    const vma = st.mm.mmap.find_vma(Number(addr / PAGE));
    const seg = vma?.vm_file;
    if (!vma || !seg || !shmFiles.has(seg) || BigInt(vma.vm_start) * PAGE !== addr) {
      note(notLowered, 'shmdt of no segment the model attached');
      return;
    }
    do_munmap(st.mm, addr, BigInt(seg.pages - (vma.vm_pgoff ?? 0)) * PAGE);
  }

  function brk(st: MmState, now: bigint): void {
    const before = st.brk;
    st.brk = now;
    const mm = st.mm;
    if (before === undefined) {
      // The first brk seen tells the break: the heap starts at the [heap] VMA ending there.
      const end = Number((now + PAGE - 1n) / PAGE);
      const heap = mm.mmap.find_vma(end - 1);
      const start = heap && heap.vm_end === end ? BigInt(heap.vm_start) * PAGE : now;
      mm_set_brk(mm, start, now);
      return;
    }
    if (do_brk(mm, now) !== now) note(notLowered, 'brk (refused in the model)');
  }

  function mremap(st: MmState, a: readonly string[], ret: bigint): void {
    const old = big(a[0]);
    const flags = Number(big(a[3]));
    // A move the kernel placed itself is replayed to the same place (MREMAP_FIXED).
    const fixed = (flags & MREMAP_FIXED) !== 0 || ret !== old;
    const f = {
      maymove: fixed || (flags & MREMAP_MAYMOVE) !== 0,
      fixed,
      dontunmap: (flags & MREMAP_DONTUNMAP) !== 0,
    };
    const r = do_mremap(st.mm, old, big(a[1]), big(a[2]), f, fixed ? ret : big(a[4] ?? '0'));
    if ('errno' in r) note(notLowered, `mremap (${r.errno} in the model)`);
  }
}

/** Whether a syscall returned an error (exit and exit_group never return). */
function failed(r: SyscallRecord): boolean {
  return r.ret !== undefined && big(r.ret) >= ERR_MIN;
}

function protOf(perms: string): number {
  return (perms[0] === 'r' ? 1 : 0) | (perms[1] === 'w' ? 2 : 0) | (perms[2] === 'x' ? 4 : 0);
}

/**
 * The child's mm after fork: the simulator's own `dup_mm` (dup_mmap + copy_page_range as 6.18
 * decides: the tables of the VMAs with an anon_vma, THPs with their deposit).
 */
function forkMm(parent: MmState, pid: number): MmState {
  return {
    pid,
    mm: dup_mm(parent.mm),
    brk: parent.brk,
    stackStart: parent.stackStart,
    histT: [],
    histB: [],
    histBase: 0,
    leaving: false,
  };
}

/** A fresh mm holding the snapshot's mappings and present pages. */
function fromSnapshot(
  snap: ProcessSnapshot,
  g: ArchGeometry,
  policy: ReturnType<typeof getPolicy>,
  thp: TraceHeader['thp'],
  notLowered: (what: string) => void,
): MmState {
  const mm = mm_alloc(
    g,
    policy,
    g.TASK_SIZE - 32768,
    thp ? { thp_mode: thp.mode, max_ptes_none: thp.max_ptes_none } : {},
  );
  let stackStart = -1;
  for (const m of snap.mappings) {
    if (m.startVpn >= g.TASK_SIZE) continue; // [vsyscall]: not in the user page tables
    if (m.vmFlags.includes('ht')) {
      notLowered('hugetlb mapping');
      continue;
    }
    const r = do_mmap(
      mm,
      BigInt(m.startVpn) * PAGE,
      BigInt(m.endVpn - m.startVpn) * PAGE,
      protOf(m.perms),
      { growsdown: m.path === '[stack]' || m.vmFlags.includes('gd') },
    );
    if ('errno' in r) notLowered(`snapshot mapping (${r.errno} in the model)`);
    if (m.path === '[stack]') stackStart = m.startVpn;
  }
  const { start, end, flags } = snap.runs;
  for (let i = 0; i < snap.runs.length; i++) {
    const f = flags[i] ?? 0;
    if ((f & RUN_HUGE) !== 0 && (f & RUN_FILE) !== 0) {
      notLowered('PMD-mapped file THP in the snapshot');
      continue;
    }
    const s = start[i] ?? 0;
    const e = end[i] ?? 0;
    for (let p = s; p < e;) {
      const vma = mm.mmap.find_vma(p);
      if (!vma || vma.vm_start >= e) break;
      const lo = Math.max(p, vma.vm_start);
      const hi = Math.min(e, vma.vm_end);
      const write = (vma.vm_flags & VM_WRITE) !== 0;
      touch_range(mm, BigInt(lo) * PAGE, BigInt(hi - lo) * PAGE, PAGE, write);
      p = hi;
    }
  }
  return {
    pid: snap.pid,
    mm,
    brk: undefined,
    stackStart,
    histT: [],
    histB: [],
    histBase: 0,
    leaving: false,
  };
}
