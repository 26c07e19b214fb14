// A snapshot of a live process's memory: its mappings (from /proc/PID/smaps) and the runs of pages
// that pagemap shows present, swapped or guarded, as printed by native/ptlab-scan.c (format 1).
// Platform-neutral: `ptlab inspect` parses the helper's output with it, and a recorded trace
// carries the same text for its exec snapshot, so a browser can read both.

import { UsageError } from '../util/errors.js';

/** The helper output format this parser understands (native/ptlab-scan.c FORMAT_VERSION). */
export const SCAN_FORMAT_VERSION = 1;

/** Run flags, one bit each (pagemap categories). */
export const RUN_PRESENT = 1;
export const RUN_SWAPPED = 2;
export const RUN_GUARD = 4;
/** PMD-mapped THP or hugetlb (PAGEMAP_SCAN PAGE_IS_HUGE). */
export const RUN_HUGE = 8;
/** Not anonymous: file-backed or shared memory. */
export const RUN_FILE = 16;

const FLAG_BITS: Readonly<Record<string, number>> = {
  P: RUN_PRESENT,
  S: RUN_SWAPPED,
  G: RUN_GUARD,
  H: RUN_HUGE,
  F: RUN_FILE,
};

/** One VMA as /proc/PID/smaps shows it. Addresses are virtual page numbers. */
export interface SnapshotMapping {
  readonly startVpn: number;
  readonly endVpn: number;
  /** `rw-p` and the like. */
  readonly perms: string;
  /** File offset in bytes. */
  readonly offset: number;
  /** True when an inode backs it (a file; shared anonymous memory is a shmem inode). */
  readonly file: boolean;
  /** The path or bracketed name as the kernel prints it; '' for anonymous memory. */
  readonly path: string;
  readonly rssKb: number;
  readonly anonHugeKb: number;
  readonly filePmdMappedKb: number;
  /** KernelPageSize in kB: 4, or 2048 / 1048576 for hugetlb. */
  readonly kernelPageKb: number;
  /** The VmFlags mnemonics (`rd wr mr mw me ac ...`). */
  readonly vmFlags: readonly string[];
}

/** Runs of pages with the same flags, sorted and disjoint: [start[i], end[i]) in pages. */
export interface PageRuns {
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly flags: Uint8Array;
  readonly length: number;
}

/** Everything one scan of a process returned. */
export interface ProcessSnapshot {
  readonly pid: number;
  /** 'pagemap_scan' (the 6.7+ ioctl) or 'pagemap' (plain reads). */
  readonly method: string;
  /** The process state letter before the scan (`S`, `R`, `T`, ...). */
  readonly state: string;
  /** True when the scan stopped the process (and resumed it). */
  readonly frozen: boolean;
  readonly threads: number;
  readonly stopWaitUs: number;
  readonly freezeUs: number;
  readonly vmpteBeforeKb: number;
  readonly vmpteAfterKb: number;
  readonly mappings: readonly SnapshotMapping[];
  readonly runs: PageRuns;
}

/** A failure the helper reported (`error CODE MESSAGE`). */
export interface ScanFailure {
  readonly code: string;
  readonly message: string;
}

const PAGE_BYTES = 4096;

function hexVpn(text: string): number {
  // parseInt is exact below 2^53; user addresses are below 2^57.
  return parseInt(text, 16) / PAGE_BYTES;
}

function parseHeader(line: string): SnapshotMapping | undefined {
  const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) (\S+) (\d+)\s*(.*)$/.exec(line);
  if (!m) return undefined;
  return {
    startVpn: hexVpn(m[1] ?? ''),
    endVpn: hexVpn(m[2] ?? ''),
    perms: m[3] ?? '',
    offset: parseInt(m[4] ?? '0', 16),
    file: m[6] !== '0',
    path: m[7] ?? '',
    rssKb: 0,
    anonHugeKb: 0,
    filePmdMappedKb: 0,
    kernelPageKb: 4,
    vmFlags: [],
  };
}

/** Parses /proc/PID/smaps text into mappings (fields ptlab does not use are ignored). */
export function parseSmaps(text: string): SnapshotMapping[] {
  const out: SnapshotMapping[] = [];
  let cur: { -readonly [K in keyof SnapshotMapping]: SnapshotMapping[K] } | undefined;
  for (const line of text.split('\n')) {
    const head = parseHeader(line);
    if (head) {
      cur = { ...head };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const kv = /^(\w+):\s+(.*)$/.exec(line);
    if (!kv) continue;
    const value = kv[2] ?? '';
    switch (kv[1]) {
      case 'Rss':
        cur.rssKb = parseInt(value, 10);
        break;
      case 'AnonHugePages':
        cur.anonHugeKb = parseInt(value, 10);
        break;
      case 'FilePmdMapped':
        cur.filePmdMappedKb = parseInt(value, 10);
        break;
      case 'KernelPageSize':
        cur.kernelPageKb = parseInt(value, 10);
        break;
      case 'VmFlags':
        cur.vmFlags = value.trim().split(/\s+/);
        break;
    }
  }
  return out;
}

/** Parses the output of native/ptlab-scan.c; a helper failure comes back as a ScanFailure. */
export function parseScanOutput(text: string): ProcessSnapshot | ScanFailure {
  const lines = text.split('\n');
  const err = lines.find((l) => l.startsWith('error '));
  if (err) {
    const m = /^error (\S+) (.*)$/.exec(err);
    return { code: m?.[1] ?? 'EIO', message: m?.[2] ?? err };
  }
  const head = /^ptlab-scan (\d+)$/.exec(lines[0] ?? '');
  if (!head || Number(head[1]) !== SCAN_FORMAT_VERSION) {
    throw new UsageError(
      'host',
      `the scan helper printed format '${lines[0] ?? ''}', expected 'ptlab-scan ${SCAN_FORMAT_VERSION}' (rebuild it: delete node_modules/.cache/ptlab)`,
    );
  }
  const fields = new Map<string, string>();
  let i = 1;
  for (; i < lines.length && lines[i] !== 'smaps_begin'; i++) {
    const l = lines[i] ?? '';
    const sp = l.indexOf(' ');
    if (sp > 0) fields.set(l.slice(0, sp), l.slice(sp + 1));
  }
  const smapsStart = i + 1;
  while (i < lines.length && lines[i] !== 'smaps_end') i++;
  const mappings = parseSmaps(lines.slice(smapsStart, i).join('\n'));
  const start: number[] = [];
  const end: number[] = [];
  const flags: number[] = [];
  let ended = false;
  for (i++; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (l.startsWith('r ')) {
      const [, s, e, f] = l.split(' ');
      let bits = 0;
      for (const ch of f ?? '') bits |= FLAG_BITS[ch] ?? 0;
      start.push(hexVpn(s ?? '0'));
      end.push(hexVpn(e ?? '0'));
      flags.push(bits);
    } else if (l.startsWith('end ')) {
      ended = true;
      break;
    }
  }
  if (!ended) throw new UsageError('host', 'the scan helper output ends early (no end line)');
  const num = (k: string): number => Number(fields.get(k) ?? 'NaN');
  return {
    pid: num('pid'),
    method: fields.get('method') ?? 'unknown',
    state: fields.get('state') ?? '?',
    frozen: fields.get('frozen') === '1',
    threads: num('threads'),
    stopWaitUs: num('stop_wait_us'),
    freezeUs: num('freeze_us'),
    vmpteBeforeKb: num('vmpte_before_kb'),
    vmpteAfterKb: num('vmpte_after_kb'),
    mappings,
    runs: {
      start: Float64Array.from(start),
      end: Float64Array.from(end),
      flags: Uint8Array.from(flags),
      length: start.length,
    },
  };
}

/** True when `r` is a ScanFailure. */
export function isScanFailure(r: ProcessSnapshot | ScanFailure): r is ScanFailure {
  return 'code' in r;
}
