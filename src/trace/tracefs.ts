// Converts what native/ptlab-record.c wrote (the tracefs instance's trace_pipe text and its meta
// file, format 1) into trace records. Platform-neutral: text in, records out.

import { UsageError } from '../util/errors.js';
import type { TraceHeader, TraceRecord } from './format.js';
import { TRACE_FORMAT, TRACE_VERSION } from './format.js';

/** What the launcher's meta file says. */
export interface RecordMeta {
  readonly child: number;
  readonly events: readonly string[];
  readonly missing: readonly string[];
  /** Snapshot texts by marker sequence number. */
  readonly snapshots: ReadonlyMap<number, string>;
  readonly exits: readonly { pid: number; status: number }[];
  readonly lostEvents: number;
  readonly exitStatus: number;
  readonly complete: boolean;
}

/** Parses the launcher's meta file. */
export function parseRecordMeta(text: string): RecordMeta {
  const lines = text.split('\n');
  if (lines[0] !== 'ptlab-record 1') {
    throw new UsageError(
      'host',
      `the record helper wrote '${lines[0] ?? ''}', expected 'ptlab-record 1' (rebuild: delete node_modules/.cache/ptlab)`,
    );
  }
  let child = -1;
  let lost = 0;
  let status = -1;
  let complete = false;
  const events: string[] = [];
  const missing: string[] = [];
  const exits: { pid: number; status: number }[] = [];
  const snapshots = new Map<number, string>();
  for (let i = 1; i < lines.length; i++) {
    const f = (lines[i] ?? '').split(' ');
    switch (f[0]) {
      case 'child':
        child = Number(f[1]);
        break;
      case 'event':
        events.push(f[1] ?? '');
        break;
      case 'missing':
        missing.push(f[1] ?? '');
        break;
      case 'exit':
        exits.push({ pid: Number(f[1]), status: Number(f[2]) });
        break;
      case 'lost':
        lost += Number(f[2]);
        break;
      case 'end':
        status = Number(f[1]);
        complete = true;
        break;
      case 'snapshot': {
        const seq = Number(f[2]);
        const body: string[] = [];
        for (i++; i < lines.length && lines[i] !== 'snapshot_end'; i++) body.push(lines[i] ?? '');
        snapshots.set(seq, body.join('\n'));
        break;
      }
    }
  }
  return {
    child,
    events,
    missing,
    snapshots,
    exits,
    lostEvents: lost,
    exitStatus: status,
    complete,
  };
}

const LINE = /^\s*.*-(\d+)\s+\[(\d+)\]\s+\S+\s+(\d+)\.(\d+): (.*)$/;
const ENTER = /^sys_(\w+)\((.*)\)$/;
const EXIT = /^sys_(\w+) -> (\S+)$/;

function ns(sec: string, frac: string): number {
  return Number(sec) * 1e9 + Number(frac.padEnd(9, '0').slice(0, 9));
}

function fieldsOf(text: string, sep: RegExp): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of text.split(sep)) {
    const eq = part.search(/[:=]/);
    if (eq > 0) m.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return m;
}

function hex(v: string | undefined): string {
  if (v === undefined) return '0x0';
  return v.startsWith('0x') ? v : `0x${v}`;
}

/** Syscalls that never return to the caller: recorded at entry. */
const NO_RETURN = new Set(['exit', 'exit_group']);

/** Converts the raw trace_pipe text and the meta file into a header and time-ordered records. */
export function convertRecording(
  raw: string,
  meta: RecordMeta,
  command: readonly string[],
  kernel: string,
): { header: TraceHeader; records: TraceRecord[] } {
  const records: TraceRecord[] = [];
  const pending = new Map<number, { name: string; args: string[]; t: number }>();
  let last = 0;
  for (const line of raw.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const tid = Number(m[1]);
    const t = ns(m[3] ?? '0', m[4] ?? '0');
    last = Math.max(last, t);
    const body = m[5] ?? '';
    let s: RegExpExecArray | null;
    if ((s = EXIT.exec(body))) {
      const p = pending.get(tid);
      if (p && p.name === s[1]) {
        // An exec is placed at its entry: from there the old image is being replaced.
        const at = p.name === 'execve' || p.name === 'execveat' ? p.t : t;
        records.push({
          k: 'syscall',
          t: at,
          t_enter: p.t,
          tid,
          name: p.name,
          args: p.args,
          ret: hex(s[2]),
        });
        pending.delete(tid);
      }
    } else if ((s = ENTER.exec(body))) {
      const name = s[1] ?? '';
      const args = [...fieldsOf(s[2] ?? '', /, /).values()].map(hex);
      if (NO_RETURN.has(name)) records.push({ k: 'syscall', t, tid, name, args });
      else pending.set(tid, { name, args, t });
    } else if (body.startsWith('page_fault_user: ') || body.startsWith('page_fault_kernel: ')) {
      const f = fieldsOf(body.slice(body.indexOf(':') + 2), / +/);
      const code = parseInt(f.get('error_code') ?? '0', 16);
      records.push({
        k: 'fault',
        t,
        tid,
        addr: hex(f.get('address')),
        write: (code & 2) !== 0,
        user: body.startsWith('page_fault_user'),
      });
    } else if (body.startsWith('task_newtask: ')) {
      const f = fieldsOf(body.slice(14), / +/);
      records.push({
        k: 'newtask',
        t,
        tid,
        child: Number(f.get('pid')),
        clone_flags: hex(f.get('clone_flags')),
      });
    } else if (body.startsWith('mm_collapse_huge_page: ')) {
      const f = fieldsOf(body.slice(23), /, /);
      records.push({
        k: 'collapse',
        t,
        tid,
        mm: f.get('mm') ?? '?',
        status: f.get('status') ?? '?',
      });
    } else if (body.startsWith('tracing_mark_write: ptlab_')) {
      const kind = body.slice(20).split(' ')[0];
      const f = fieldsOf(body.slice(20 + (kind?.length ?? 0)), / +/);
      const pid = Number(f.get('pid'));
      if (kind === 'ptlab_sample') {
        records.push({
          k: 'sample',
          t,
          read_t: Number(f.get('read_ns')),
          pid,
          tid: Number(f.get('tid')),
          vmpte_kb: Number(f.get('vmpte_kb')),
          exit: f.get('exit') === '1',
        });
      } else if (kind === 'ptlab_snapshot') {
        const scan = meta.snapshots.get(Number(f.get('seq')));
        if (scan !== undefined) records.push({ k: 'snapshot', t, pid, scan });
      }
    }
  }
  for (const e of meta.exits) records.push({ k: 'exit', t: last, pid: e.pid, status: e.status });
  // trace_pipe merges the per-CPU buffers in time order; a stable sort keeps ties as written.
  records.sort((a, b) => a.t - b.t);
  const header: TraceHeader = {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    clock: 'mono',
    command,
    kernel,
    page_size: 4096,
    pid: meta.child,
    exit_status: meta.exitStatus,
    lost_events: meta.lostEvents,
    events: meta.events,
  };
  return { header, records };
}
