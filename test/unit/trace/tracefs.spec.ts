// convertRecording and replayTrace on a hand-written recording: the trace_pipe text of
// native/ptlab-record.c becomes records, and the replay lowers them into the simulator.

import { describe, expect, it } from 'vitest';
import { formatTrace, parseTrace } from '../../../src/trace/format.js';
import { replayTrace } from '../../../src/trace/replay.js';
import { convertRecording, parseRecordMeta } from '../../../src/trace/tracefs.js';

const G = 0x40000000;
const scan = [
  'ptlab-scan 1',
  'pid 100',
  'method pagemap_scan',
  'state t',
  'frozen 0',
  'threads 1',
  'stop_wait_us 0',
  'freeze_us 0',
  'vmpte_before_kb 12',
  'vmpte_after_kb 12',
  'smaps_begin',
  `${(4 * G).toString(16)}-${(4 * G + 0x21000).toString(16)} rw-p 00000000 00:00 0 [stack]`,
  'Rss:                   4 kB',
  'KernelPageSize:        4 kB',
  'VmFlags: rd wr mr mw me gd ac',
  'smaps_end',
  `r ${(4 * G + 0x20000).toString(16)} ${(4 * G + 0x21000).toString(16)} P`,
  'end 1',
].join('\n');

const meta = [
  'ptlab-record 1',
  'clock mono',
  'event syscalls:sys_enter_mmap',
  'child 100',
  'snapshot 100 1',
  scan,
  'snapshot_end',
  'exit 100 0',
  'lost 0 0',
  'lost 1 0',
  'end 0',
].join('\n');

const line = (t: string, body: string, tid = 100): string =>
  `            prog-${tid}    [001] .....  ${t}: ${body}`;
// 1 GiB mapping at 1 GiB: three pages in two 2 MiB slots, then a DONTNEED of one whole slot.
const raw = [
  line('10.000001', 'tracing_mark_write: ptlab_snapshot seq=1 pid=100', 7),
  line(
    '10.000002',
    'tracing_mark_write: ptlab_sample seq=2 pid=100 tid=100 vmpte_kb=12 read_ns=10000001500 exit=0',
    7,
  ),
  line(
    '10.000010',
    'sys_mmap(addr: 40000000, len: 40000000, prot: 3, flags: 0x22, fd: 0xffffffff, off: 0)',
  ),
  line('10.000012', 'sys_mmap -> 0x40000000'),
  line('10.000020', 'page_fault_user: address=0x40000010 ip=0x401000 error_code=0x6'),
  line('10.000021', 'page_fault_user: address=0x40001010 ip=0x401000 error_code=0x6'),
  line('10.000022', 'page_fault_user: address=0x40200000 ip=0x401000 error_code=0x4'),
  line(
    '10.000030',
    'tracing_mark_write: ptlab_sample seq=3 pid=100 tid=100 vmpte_kb=24 read_ns=10000029000 exit=0',
    7,
  ),
  line('10.000040', 'sys_madvise(start: 40200000, len_in: 200000, behavior: 4)'),
  line('10.000045', 'sys_madvise -> 0x0'),
  line('10.000050', 'task_newtask: pid=101 comm=prog clone_flags=3d0f00 oom_score_adj=0'),
  line(
    '10.000060',
    'tracing_mark_write: ptlab_sample seq=4 pid=100 tid=100 vmpte_kb=20 read_ns=10000059000 exit=1',
    7,
  ),
  line('10.000070', 'sys_exit_group(error_code: 0)'),
].join('\n');

describe('convertRecording', () => {
  const m = parseRecordMeta(meta);
  const { header, records } = convertRecording(raw, m, ['prog'], '6.18.0');

  it('reads the meta file: child, events, snapshots, no lost events', () => {
    expect(m.child).toBe(100);
    expect(m.lostEvents).toBe(0);
    expect(m.complete).toBe(true);
    expect(m.snapshots.get(1)).toContain('ptlab-scan 1');
    expect(header.pid).toBe(100);
  });

  it('pairs syscall entries with their returns and keeps faults, tasks and samples in time order', () => {
    expect(records.map((r) => r.k)).toEqual([
      'snapshot',
      'sample',
      'syscall',
      'fault',
      'fault',
      'fault',
      'sample',
      'syscall',
      'newtask',
      'sample',
      'syscall',
      'exit',
    ]);
    const mmap = records[2];
    expect(mmap?.k === 'syscall' && mmap.ret).toBe('0x40000000');
    expect(mmap?.k === 'syscall' && mmap.t_enter).toBe(10000010000);
    const read = records[5];
    expect(read?.k === 'fault' && read.write).toBe(false);
  });

  it('round-trips through the NDJSON format and replays exactly', () => {
    const trace = parseTrace(formatTrace({ header, records }), 'x.trace');
    const r = replayTrace(trace);
    // At exec the stack needs a PTE, a PMD and a PUD table (12 kB); the faults add two PTE tables
    // and the PMD table of the 1 GiB slot (24 kB); DONTNEED of a whole slot frees one (20 kB).
    expect(r.samples.map((s) => s.measured_kb)).toEqual([12, 24, 20]);
    expect(r.samples.map((s) => s.model_kb)).toEqual([12, 24, 20]);
    expect(r.max_deviation_pct).toBe(0);
    expect(r.final).toEqual({ model_vmpte_kb: 20, measured_vmpte_kb: 20 });
    expect(r.not_lowered).toEqual({});
    // 6.13 keeps the emptied table: its final is one table higher.
    expect(replayTrace(trace, { kernel: '6.13' }).final.model_vmpte_kb).toBe(24);
  });

  it("gives a forked child a copy of the written tables (the simulator's own fork)", () => {
    const forked = raw
      .replace('clone_flags=3d0f00', 'clone_flags=1200011')
      .concat(
        '\n',
        line(
          '10.000055',
          'tracing_mark_write: ptlab_sample seq=5 pid=101 tid=101 vmpte_kb=20 read_ns=10000054000 exit=0',
          7,
        ),
      );
    const { records: rs } = convertRecording(forked, m, ['prog'], '6.18.0');
    const r = replayTrace({ header, records: rs });
    expect(r.not_lowered).toEqual({});
    expect(Object.keys(r.approximated).filter((k) => k.startsWith('fork'))).toEqual([]);
    // The child gets the written slot the parent kept after its DONTNEED and the stack: two PTE
    // tables, two PMD tables and a PUD table.
    const child = r.processes.find((p) => p.pid === 101);
    expect(child?.final).toEqual({ model_vmpte_kb: 20, measured_vmpte_kb: 20 });
  });
});

describe('parseTrace', () => {
  it('refuses another format or version with the line', () => {
    expect(() => parseTrace('{"format":"x"}\n', 't')).toThrow(/not a ptlab trace/);
    expect(() => parseTrace('{"format":"ptlab-trace","version":9}\n', 't')).toThrow(/version 9/);
    expect(() =>
      parseTrace('{"format":"ptlab-trace","version":1}\n{"k":"nope","t":1}\n', 't'),
    ).toThrow(/malformed record/);
  });
});
