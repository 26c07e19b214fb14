// The ptlab trace format, version 1 (docs/trace-format.md): newline-delimited JSON, a header line
// then records in time order. Times are nanoseconds of CLOCK_MONOTONIC; addresses and syscall
// arguments are `0x` hex strings (user addresses exceed 2^53 only on 5-level machines, but
// arguments like `-1` as unsigned do). Platform-neutral: a browser can read and replay a trace.

import { UsageError } from '../util/errors.js';

/** The format name and version a trace file starts with. */
export const TRACE_FORMAT = 'ptlab-trace';
export const TRACE_VERSION = 1;

/** The first line of a trace. */
export interface TraceHeader {
  readonly format: typeof TRACE_FORMAT;
  readonly version: number;
  readonly clock: 'mono';
  /** The recorded command and its arguments. */
  readonly command: readonly string[];
  /** `uname -r` of the recording machine. */
  readonly kernel: string;
  readonly page_size: number;
  /** The pid of the command (the first process). */
  readonly pid: number;
  /** The command's exit status (128 + signal when killed). */
  readonly exit_status: number;
  /** Events the kernel lost (0 in every trace ptlab writes: it refuses incomplete ones). */
  readonly lost_events: number;
  /** Trace events enabled (`syscalls:sys_enter_mmap`, ...). */
  readonly events: readonly string[];
  /**
   * The recording host's THP settings for 2 MiB anonymous pages (`mode`: always, madvise or
   * never; `khugepaged/max_ptes_none`), which decide what a fault maps; absent in traces written
   * before ptlab recorded them, or when the host's were not readable (the replay then assumes
   * madvise and 511, the kernel's defaults).
   */
  readonly thp?: { readonly mode: 'always' | 'madvise' | 'never'; readonly max_ptes_none: number };
}

/** The image of a process right after exec: native/ptlab-scan.c output (format 1) verbatim. */
export interface SnapshotRecord {
  readonly k: 'snapshot';
  readonly t: number;
  readonly pid: number;
  readonly scan: string;
}

/** A VmPTE reading: taken at `read_t`, written into the trace at `t`. */
export interface SampleRecord {
  readonly k: 'sample';
  readonly t: number;
  readonly read_t: number;
  readonly pid: number;
  readonly tid: number;
  readonly vmpte_kb: number;
  /** True when read at a thread's exit stop (the last one of a process is its final VmPTE). */
  readonly exit: boolean;
}

/** A completed syscall: its arguments at entry and its return value at exit (time `t`). */
export interface SyscallRecord {
  readonly k: 'syscall';
  readonly t: number;
  /** When the syscall entered (its effect on the tables lies between t_enter and t). */
  readonly t_enter?: number;
  readonly tid: number;
  readonly name: string;
  readonly args: readonly string[];
  /** Raw return register as hex; errors are `-errno` as unsigned. Absent for exit/exit_group. */
  readonly ret?: string;
}

/** A page fault on a user address: from user mode, or from the kernel (copy_to_user). */
export interface FaultRecord {
  readonly k: 'fault';
  readonly t: number;
  readonly tid: number;
  readonly addr: string;
  readonly write: boolean;
  readonly user: boolean;
}

/** `task_newtask`: `tid` created `child` with `clone_flags`. */
export interface NewTaskRecord {
  readonly k: 'newtask';
  readonly t: number;
  readonly tid: number;
  readonly child: number;
  readonly clone_flags: string;
}

/** `huge_memory:mm_collapse_huge_page` (khugepaged); `mm` is the kernel pointer. */
export interface CollapseRecord {
  readonly k: 'collapse';
  readonly t: number;
  readonly tid: number;
  readonly mm: string;
  readonly status: string;
}

/** A traced process ended with `status`. */
export interface ExitRecord {
  readonly k: 'exit';
  readonly t: number;
  readonly pid: number;
  readonly status: number;
}

/** One record after the header. */
export type TraceRecord =
  | SnapshotRecord
  | SampleRecord
  | SyscallRecord
  | FaultRecord
  | NewTaskRecord
  | CollapseRecord
  | ExitRecord;

/** A whole trace. */
export interface Trace {
  readonly header: TraceHeader;
  readonly records: readonly TraceRecord[];
}

/** Serialises a trace as NDJSON text. */
export function formatTrace(trace: Trace): string {
  const lines = [JSON.stringify(trace.header)];
  for (const r of trace.records) lines.push(JSON.stringify(r));
  return `${lines.join('\n')}\n`;
}

const KINDS = new Set(['snapshot', 'sample', 'syscall', 'fault', 'newtask', 'collapse', 'exit']);

/** Parses NDJSON trace text; throws UsageError with `file:line` on anything malformed. */
export function parseTrace(text: string, file: string): Trace {
  const lines = text.split('\n');
  const at = (line: number) => ({ file, line, col: 1 });
  let header: TraceHeader;
  try {
    header = JSON.parse(lines[0] ?? '') as TraceHeader;
  } catch {
    throw new UsageError('parse', 'not a ptlab trace (the first line is not JSON)', at(1));
  }
  if (header.format !== TRACE_FORMAT) {
    throw new UsageError('parse', `not a ptlab trace (format '${String(header.format)}')`, at(1));
  }
  if (header.version !== TRACE_VERSION) {
    throw new UsageError(
      'parse',
      `trace format version ${header.version}; this ptlab reads version ${TRACE_VERSION}`,
      at(1),
    );
  }
  const records: TraceRecord[] = [];
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (l === '') continue;
    let r: TraceRecord;
    try {
      r = JSON.parse(l) as TraceRecord;
    } catch {
      throw new UsageError('parse', 'malformed record (not JSON)', at(i + 1));
    }
    if (typeof r !== 'object' || r === null || !KINDS.has(r.k) || typeof r.t !== 'number') {
      throw new UsageError('parse', 'malformed record (no known kind "k" or time "t")', at(i + 1));
    }
    records.push(r);
  }
  return { header, records };
}
