// replayTrace on hand-written traces of what real programs do that the churn recordings do not:
// vfork children (posix_spawn: gcc, make), shared and file mappings across fork, and a file
// mapping grown by mremap after the program grew the file (sqlite). Each expected figure is the
// kernel's (the e2e tests in test/e2e/record-programs.spec.ts record the programs themselves).

import { describe, expect, it } from 'vitest';
import type { Trace, TraceRecord } from '../../../src/trace/format.js';
import { replayTrace } from '../../../src/trace/replay.js';

const G = 0x40000000;
const STACK = 4 * G;
const hex = (n: number): string => `0x${n.toString(16)}`;

/** A process image holding just a stack page: one PTE, one PMD and one PUD table (12 kB). */
function snapshot(pid: number, t: number): TraceRecord {
  const scan = [
    'ptlab-scan 1',
    `pid ${pid}`,
    'method pagemap_scan',
    'state t',
    'frozen 0',
    'threads 1',
    'stop_wait_us 0',
    'freeze_us 0',
    'vmpte_before_kb 12',
    'vmpte_after_kb 12',
    'smaps_begin',
    `${(STACK - 0x21000).toString(16)}-${STACK.toString(16)} rw-p 00000000 00:00 0 [stack]`,
    'Rss:                   4 kB',
    'KernelPageSize:        4 kB',
    'VmFlags: rd wr mr mw me gd ac',
    'smaps_end',
    `r ${(STACK - 0x1000).toString(16)} ${STACK.toString(16)} P`,
    'end 1',
  ].join('\n');
  return { k: 'snapshot', t, pid, scan };
}

let clock = 1000;
const at = (): number => (clock += 1000);

function sys(tid: number, name: string, args: number[], ret: number | undefined): TraceRecord {
  const t = at();
  return {
    k: 'syscall',
    t,
    t_enter: t - 1,
    tid,
    name,
    args: args.map(hex),
    ...(ret === undefined
      ? {}
      : { ret: ret < 0 ? `0x${(2n ** 64n + BigInt(ret)).toString(16)}` : hex(ret) }),
  };
}
const fault = (tid: number, addr: number, write = true): TraceRecord => ({
  k: 'fault',
  t: at(),
  tid,
  addr: hex(addr),
  write,
  user: true,
});
const sample = (pid: number, kb: number, exit = false): TraceRecord => {
  const t = at();
  return { k: 'sample', t, read_t: t - 10, pid, tid: pid, vmpte_kb: kb, exit };
};
const newtask = (tid: number, child: number, flags: number): TraceRecord => ({
  k: 'newtask',
  t: at(),
  tid,
  child,
  clone_flags: hex(flags),
});

function trace(records: TraceRecord[]): Trace {
  return {
    header: {
      format: 'ptlab-trace',
      version: 1,
      clock: 'mono',
      command: ['prog'],
      kernel: '6.18.0',
      page_size: 4096,
      pid: 100,
      exit_status: 0,
      lost_events: 0,
      events: [],
    },
    records,
  };
}

const finals = (t: Trace): Record<number, unknown> =>
  Object.fromEntries(replayTrace(t).processes.map((p) => [p.pid, p.final]));

// mmap flags
const SHARED = 0x01;
const PRIVATE = 0x02;
const ANON = 0x20;
const CLONE_VM = 0x100;
const CLONE_VFORK = 0x4000;
const SIGCHLD = 0x11;

describe('replayTrace: vfork children (posix_spawn)', () => {
  it("leaves the parent's mm alone when a vfork child execs, and gives the child its own image", () => {
    const t = trace([
      snapshot(100, at()),
      sample(100, 12),
      newtask(100, 101, CLONE_VM | CLONE_VFORK | SIGCHLD),
      // The child's exec replaces its image from the entry on; the faults after it (argv copied
      // onto the new stack, the loader) belong to the new image, not to the parent's.
      sys(101, 'execve', [0x1000, 0x2000, 0x3000], 0),
      fault(101, G + 0x10, true),
      snapshot(101, at()),
      // Its own image: the stack's tables and a PTE and PMD table for the 2 GiB slot.
      fault(101, 2 * G + 0x10, true),
      sample(101, 20),
      sample(100, 12),
      sys(101, 'exit_group', [0], undefined),
      sample(101, 20, true),
      sample(100, 12, true),
    ]);
    const r = replayTrace(t);
    expect(r.samples_skipped).toBe(0);
    expect(r.samples.map((s) => [s.pid, s.model_kb])).toEqual([
      [100, 12],
      [101, 20],
      [100, 12],
      [101, 20],
      [100, 12],
    ]);
    expect(r.max_deviation_pct).toBe(0);
  });

  it('ends the mm when a thread of its own process execs (de_thread), not a vfork child', () => {
    const CLONE_THREAD = 0x10000;
    const t = trace([
      snapshot(100, at()),
      newtask(100, 102, CLONE_VM | CLONE_THREAD | 0x800),
      sys(102, 'execve', [0x1000, 0x2000, 0x3000], 0),
      // Read while the exec tears the old image down: not compared.
      sample(100, 4),
    ]);
    expect(replayTrace(t).samples_skipped).toBe(1);
  });
});

describe('replayTrace: shared and file mappings', () => {
  it('copies no tables of shared memory at fork (no anon_vma), only the written private ones', () => {
    const shm = 1 * G;
    const priv = 2 * G;
    const t = trace([
      snapshot(100, at()),
      sys(100, 'mmap', [0, 4 << 20, 3, SHARED | ANON, -1 >>> 0, 0], shm),
      sys(100, 'mmap', [0, 2 << 20, 3, PRIVATE | ANON, -1 >>> 0, 0], priv),
      fault(100, shm),
      fault(100, shm + (2 << 20)),
      fault(100, priv),
      // 12 kB + 3 PTE tables + 2 PMD tables (1 GiB and 2 GiB slots).
      sample(100, 32),
      newtask(100, 101, SIGCHLD),
      // The child: the stack's and the private slot's PTE and PMD tables and the PUD table (the
      // shared slots' tables would make it 32).
      sample(101, 20),
    ]);
    expect(finals(t)).toEqual({
      100: { model_vmpte_kb: 32, measured_vmpte_kb: 32 },
      101: { model_vmpte_kb: 20, measured_vmpte_kb: 20 },
    });
  });

  it('maps past the size a file had at mmap once mremap grew the mapping (sqlite grows its file)', () => {
    const base = 1 * G;
    const t = trace([
      snapshot(100, at()),
      sys(100, 'mmap', [0, 0x2000, 1, SHARED, 4, 0], base),
      fault(100, base, false),
      sys(100, 'mremap', [base, 0x2000, 8 << 20, 1, 0], base),
      fault(100, base + (6 << 20), false),
      // 12 kB + two PTE tables + the 1 GiB slot's PMD table.
      sample(100, 24),
    ]);
    const r = replayTrace(t);
    expect(r.final).toEqual({ model_vmpte_kb: 24, measured_vmpte_kb: 24 });
    expect(r.not_lowered).toEqual({});
    expect(r.approximated).toEqual({ 'mmap of a file, lowered onto a file of its own': 1 });
  });

  it('lowers MADV_REMOVE and guard regions instead of listing them', () => {
    const base = 1 * G;
    const t = trace([
      snapshot(100, at()),
      sys(100, 'mmap', [0, 4 << 20, 3, SHARED | ANON, -1 >>> 0, 0], base),
      fault(100, base),
      sys(100, 'madvise', [base, 2 << 20, 9], 0),
      sys(100, 'madvise', [base + (2 << 20), 0x1000, 102], 0),
      sample(100, 24),
    ]);
    const r = replayTrace(t);
    expect(r.not_lowered).toEqual({});
    expect(r.final.model_vmpte_kb).toBe(r.final.measured_vmpte_kb);
  });

  it('maps a SysV segment where shmat put it, shares it at fork, and unmaps it whole at shmdt', () => {
    const base = 1 * G;
    const t = trace([
      snapshot(100, at()),
      sys(100, 'shmget', [0, 4 << 20, 0o1600], 7),
      sys(100, 'shmat', [7, 0, 0], base),
      fault(100, base),
      fault(100, base + (2 << 20)),
      // 12 kB + two PTE tables + the 1 GiB slot's PMD table.
      sample(100, 24),
      newtask(100, 101, SIGCHLD),
      // Shared memory: fork copies none of its tables.
      sample(101, 12),
      sys(100, 'shmdt', [base], 0),
      sample(100, 12),
    ]);
    const r = replayTrace(t);
    expect(r.not_lowered).toEqual({});
    expect(r.samples.map((s) => s.model_kb)).toEqual([24, 12, 12]);
  });

  it('lists a shmat of a segment the trace never saw created', () => {
    const t = trace([snapshot(100, at()), sys(100, 'shmat', [9, 0, 0], G), sample(100, 12)]);
    expect(replayTrace(t).not_lowered).toEqual({
      'shmat of a segment created outside the trace': 1,
    });
  });
});

describe('replayTrace: buffers the kernel accessed', () => {
  it('faults in the buffer of a read, as O_DIRECT pins it with GUP (no fault event)', () => {
    const buf = 1 * G;
    const t = trace([
      snapshot(100, at()),
      sys(100, 'mmap', [0, 8 << 20, 3, PRIVATE | ANON, -1 >>> 0, 0], buf),
      // 4 MiB read into the buffer from its second page on: three 2 MiB slots touched.
      sys(100, 'read', [3, buf + 0x1000, 4 << 20], 4 << 20),
      // A failed write accessed nothing.
      sys(100, 'write', [4, buf + (6 << 20), 4096], -14),
      sample(100, 28),
    ]);
    const r = replayTrace(t);
    // 12 kB + three PTE tables + the 1 GiB slot's PMD table.
    expect(r.final).toEqual({ model_vmpte_kb: 28, measured_vmpte_kb: 28 });
  });
});

describe('replayTrace: the window of a sample', () => {
  const CLONE_THREAD = 0x10000;
  // Thread 100's fault maps slot 0 (a PTE and a PMD table), then thread 102's three faults map
  // three more slots: 12 + 8 + 12 = 32 kB. Each thread's last event is a fault, which fires at its
  // entry, so either may still have been in flight at the read.
  const events = (): TraceRecord[] => [
    snapshot(100, at()),
    newtask(100, 102, CLONE_VM | CLONE_THREAD | 0x800),
    sys(100, 'mmap', [0, 16 << 20, 3, PRIVATE | ANON, -1 >>> 0, 0], G),
    fault(100, G),
    fault(102, G + (2 << 20)),
    fault(102, G + (4 << 20)),
    fault(102, G + (6 << 20)),
  ];

  it('takes the state at the read without the faults still in flight', () => {
    // Without thread 102's last fault (28), without thread 100's (24), without both (20).
    for (const kb of [32, 28, 24, 20]) {
      expect(replayTrace(trace([...events(), sample(100, kb)])).max_deviation_pct).toBe(0);
    }
  });

  it('does not take a state from before the other threads changed the tables since', () => {
    // 12 kB: before thread 100's fault, and so before thread 102's three faults as well.
    const r = replayTrace(trace([...events(), sample(100, 12)]));
    expect(r.samples[0]?.model_kb).toBe(20);
    expect(r.max_deviation_pct).toBeGreaterThan(1);
  });
});

describe('replayTrace: a sample read while an mremap move was in flight', () => {
  // An 8 KiB mapping alone in its 2 MiB slot (PTE + PMD table: 20 kB with the image) moved to
  // another slot: the kernel allocates the destination's PTE table before it frees the source's,
  // so a sample read during the call may show 24 kB, above the state before and after (20 kB).
  const moved = (kb: number): Trace => {
    const pre = [
      snapshot(100, at()),
      sys(100, 'mmap', [G, 8192, 3, PRIVATE | ANON | 0x10, -1 >>> 0, 0], G),
      fault(100, G),
    ];
    const enter = at();
    const during = sample(100, kb);
    const t = at();
    const mremap: TraceRecord = {
      k: 'syscall',
      t,
      t_enter: enter,
      tid: 100,
      name: 'mremap',
      args: [G, 8192, 8192, 3, G + (4 << 20)].map(hex),
      ret: hex(G + (4 << 20)),
    };
    return trace([...pre, during, mremap, sample(100, 20)]);
  };

  it('takes the peak of the move (both tables held) as a state the kernel passed through', () => {
    expect(replayTrace(moved(24)).max_deviation_pct).toBe(0);
    expect(replayTrace(moved(20)).max_deviation_pct).toBe(0);
  });

  it('takes no value beyond that peak', () => {
    expect(replayTrace(moved(28)).max_deviation_pct).toBeGreaterThan(1);
  });
});

describe("replayTrace: the recording host's THP settings", () => {
  // A fault in an aligned 2 MiB slot, then MADV_DONTNEED of the whole slot, under 6.13 (no
  // PT_RECLAIM): a THP's deposited table goes with it, a small page's table stays.
  const events = (): TraceRecord[] => [
    snapshot(100, at()),
    sys(100, 'mmap', [0, 4 << 20, 3, PRIVATE | ANON, -1 >>> 0, 0], G),
    fault(100, G),
    sys(100, 'madvise', [G, 2 << 20, 4], 0),
    sample(100, 16),
  ];
  const withThp = (mode: 'always' | 'madvise'): Trace => {
    const t = trace(events());
    return { ...t, header: { ...t.header, thp: { mode, max_ptes_none: 511 } } };
  };

  it('maps a THP at the fault when the host had THP always', () => {
    expect(replayTrace(withThp('always'), { kernel: '6.13' }).final.model_vmpte_kb).toBe(16);
  });

  it('maps a small page under madvise, and when the trace does not say (its default)', () => {
    expect(replayTrace(withThp('madvise'), { kernel: '6.13' }).final.model_vmpte_kb).toBe(20);
    expect(replayTrace(trace(events()), { kernel: '6.13' }).final.model_vmpte_kb).toBe(20);
  });
});
