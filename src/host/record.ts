// `ptlab record`: runs a command under native/ptlab-record.c (ptrace launcher + a tracefs instance
// of its own) and converts what it wrote into a ptlab trace. Root only. Refuses to produce a trace
// it knows is incomplete (lost events, missing events, a launcher that did not finish).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Trace } from '../trace/format.js';
import { convertRecording, parseRecordMeta } from '../trace/tracefs.js';
import { UsageError } from '../util/errors.js';
import { nativeHelper } from './native.js';

/** Options of {@link recordCommand}. */
export interface RecordOptions {
  /** Milliseconds between VmPTE samples (default 5). */
  readonly intervalMs?: number;
  /** Trace buffer per CPU in kB (default 65536). */
  readonly bufferKb?: number;
}

/** What a recording produced. */
export interface Recording {
  readonly trace: Trace;
  readonly exitStatus: number;
}

/** Events a replay cannot do without; a kernel lacking one gives an incomplete trace. */
const REQUIRED = [
  'syscalls:sys_enter_mmap',
  'syscalls:sys_enter_munmap',
  'syscalls:sys_enter_brk',
  'syscalls:sys_enter_madvise',
  'exceptions:page_fault_user',
  'task:task_newtask',
];

/** Runs `command` and records it; its stdin, stdout and stderr are the caller's. */
export function recordCommand(command: readonly string[], options: RecordOptions = {}): Recording {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new UsageError(
      'host',
      'ptlab record needs root: it creates a tracefs instance (and mounts tracefs if needed)',
    );
  }
  const launcher = nativeHelper('ptlab-record');
  if (!launcher.ok) throw new UsageError('host', `cannot record here: ${launcher.reason}`);
  const scan = nativeHelper('ptlab-scan');
  if (!scan.ok) throw new UsageError('host', `cannot record here: ${scan.reason}`);
  const dir = mkdtempSync(join(tmpdir(), 'ptlab-record-'));
  try {
    const raw = join(dir, 'trace.txt');
    const metaFile = join(dir, 'meta.txt');
    // Ctrl-C reaches the command (the terminal's process group): like perf record, ptlab then
    // finishes the trace of what ran instead of dying with it.
    const ignore = (): void => {};
    process.on('SIGINT', ignore);
    const r = spawnSync(
      launcher.binary,
      [
        '--scan',
        scan.binary,
        '--raw',
        raw,
        '--meta',
        metaFile,
        '--interval-ms',
        String(options.intervalMs ?? 5),
        '--buffer-kb',
        String(options.bufferKb ?? 65536),
        '--',
        ...command,
      ],
      { stdio: 'inherit' },
    );
    process.off('SIGINT', ignore);
    if (r.error) throw new UsageError('host', `cannot run the recorder: ${r.error.message}`);
    let metaText: string;
    try {
      metaText = readFileSync(metaFile, 'utf8');
    } catch {
      throw new UsageError('host', `the recorder failed before tracing (status ${r.status})`);
    }
    const meta = parseRecordMeta(metaText);
    if (!meta.complete) {
      throw new UsageError(
        'host',
        `the recorder stopped early (status ${r.status}); no trace written`,
      );
    }
    const missing = REQUIRED.filter((e) => !meta.events.includes(e));
    if (missing.length > 0) {
      throw new UsageError(
        'host',
        `this kernel lacks trace events a replay needs (${missing.join(', ')}); no trace written`,
      );
    }
    if (meta.lostEvents > 0) {
      throw new UsageError(
        'host',
        `the kernel lost ${meta.lostEvents} trace events (buffer overrun); the trace would be incomplete, so none was written (raise --buffer-kb)`,
      );
    }
    const { header, records } = convertRecording(
      readFileSync(raw, 'utf8'),
      meta,
      command,
      release(),
    );
    return { trace: { header, records }, exitStatus: meta.exitStatus };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
