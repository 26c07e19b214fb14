// The process image (issue #7 h): the mappings a dynamically linked process has when `main` starts
// (executable, heap, ld.so and libc, their anonymous neighbours, vvar/vdso, stack), placed and
// populated as this host's kernel and ld.so did it for a small C program, measured with
// /proc/self/maps and /proc/self/pagemap (docs/sim-model.md, "Process image"). The executable,
// libc, ld.so and the vdso are file mappings (private, of files whose every page is cached): their
// present pages count in RssFile, and the pages ld.so wrote (relocations, RELRO, .data) are
// private anonymous copies (RssAnon), as the kernel has them.

import { disk_file_alloc, do_mmap, do_mprotect, filemap_map_one, mm_set_brk } from '../mm/index.js';
import { touch_range } from '../mm/index.js';
import type { MmStruct, SimFile } from '../mm/index.js';

/**
 * What backs an image mapping: a file (its present pages are page-cache pages, RssFile; the vdso
 * counts so too), anonymous memory, or a special mapping without pages (vvar).
 */
export type ImageBacking = 'file' | 'anon' | 'special';

/** The part of the process a mapping belongs to, for the explanation of the baseline. */
export type ImageRegion = 'executable' | 'heap' | 'libraries' | 'vdso' | 'stack';

/** One mapping of an image: where, with what protection, and which pages are present at start. */
export interface ImageMapping {
  readonly what: string;
  readonly region: ImageRegion;
  readonly backing: ImageBacking;
  /** Byte address and length (page multiples). */
  readonly start: bigint;
  readonly len: bigint;
  /** PROT_* bits. */
  readonly prot: number;
  /** Present pages at start, by page index inside the mapping. */
  readonly filePages: readonly number[];
  /** Present anonymous pages (written: private COW copies, heap, stack, bss). */
  readonly anonPages: readonly number[];
  /** For a file mapping: the file (a key of `ProcessImage.files`) and the page offset in it. */
  readonly file?: { readonly name: string; readonly offset: number };
}

/** A process image: its mappings and the top of its hint-less mmap area. */
export interface ProcessImage {
  readonly name: string;
  readonly description: string;
  readonly mmapBase: bigint;
  readonly mappings: readonly ImageMapping[];
  /** The mapped files and their size in pages. */
  readonly files: Readonly<Record<string, number>>;
}

/** Names accepted by `--image`. */
export const IMAGE_NAMES = ['dynamic', 'none'] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];

const R = 1;
const RW = 3;
const RX = 5;
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i);

function m(
  what: string,
  region: ImageRegion,
  backing: ImageBacking,
  start: bigint,
  end: bigint,
  prot: number,
  filePages: readonly number[],
  anonPages: readonly number[] = [],
): ImageMapping {
  return { what, region, backing, start, len: end - start, prot, filePages, anonPages };
}

/** `map` as a private mapping of file `name` from page `offset`. */
function inFile(name: string, offset: number, map: ImageMapping): ImageMapping {
  return { ...map, file: { name, offset } };
}

const EXE = 'executable';
const LIBC = 'libc.so.6';
const LD = 'ld-linux-x86-64.so.2';

/**
 * A small dynamically linked C program (glibc 2.41, x86-64) on this host, Linux 6.18 with ASLR:
 * VmPTE 40 kB, RssAnon 100 kB, RssFile 1,432 kB at `main`. Addresses are one measured layout; which pages are
 * present is what pagemap showed (libc and ld.so text as far as start-up read it).
 */
const DYNAMIC: ProcessImage = {
  name: 'dynamic',
  description: 'a dynamically linked C program at main (glibc, ASLR layout measured on this host)',
  mmapBase: 0x7f996e2fc000n,
  files: { [EXE]: 4, [LIBC]: 471, [LD]: 53, '[vdso]': 2 },
  mappings: [
    inFile(EXE, 0, m('executable', 'executable', 'file', 0x5563d5ed1000n, 0x5563d5ed2000n, R, [0])),
    inFile(
      EXE,
      1,
      m('executable text', 'executable', 'file', 0x5563d5ed2000n, 0x5563d5ed3000n, RX, [0]),
    ),
    inFile(
      EXE,
      2,
      m('executable rodata', 'executable', 'file', 0x5563d5ed3000n, 0x5563d5ed4000n, R, [0]),
    ),
    inFile(
      EXE,
      2,
      m('executable relro', 'executable', 'file', 0x5563d5ed4000n, 0x5563d5ed5000n, R, [], [0]),
    ),
    inFile(
      EXE,
      3,
      m('executable data', 'executable', 'file', 0x5563d5ed5000n, 0x5563d5ed6000n, RW, [], [0]),
    ),
    m('[heap]', 'heap', 'anon', 0x5563ff574000n, 0x5563ff595000n, RW, [], [0, 1]),
    m('ld.so TLS, libc', 'libraries', 'anon', 0x7f996e0cf000n, 0x7f996e0d2000n, RW, [], [0, 1]),
    inFile(
      LIBC,
      0,
      m('libc.so.6', 'libraries', 'file', 0x7f996e0d2000n, 0x7f996e0f8000n, R, range(0, 0x26)),
    ),
    inFile(
      LIBC,
      0x26,
      m('libc.so.6 text', 'libraries', 'file', 0x7f996e0f8000n, 0x7f996e24e000n, RX, [
        ...range(0, 0x91),
        ...range(0xc1, 0xf1),
        ...range(0x121, 0x141),
      ]),
    ),
    inFile(
      LIBC,
      0x17c,
      m(
        'libc.so.6 rodata',
        'libraries',
        'file',
        0x7f996e24e000n,
        0x7f996e2a1000n,
        R,
        range(0, 0x2a),
      ),
    ),
    inFile(
      LIBC,
      0x1cf,
      m(
        'libc.so.6 relro',
        'libraries',
        'file',
        0x7f996e2a1000n,
        0x7f996e2a5000n,
        R,
        [],
        range(0, 4),
      ),
    ),
    inFile(
      LIBC,
      0x1d3,
      m('libc.so.6 data', 'libraries', 'file', 0x7f996e2a5000n, 0x7f996e2a7000n, RW, [], [0, 1]),
    ),
    m('libc bss', 'libraries', 'anon', 0x7f996e2a7000n, 0x7f996e2b4000n, RW, [], [0, 4, 5, 6, 12]),
    m('ld.so scratch', 'libraries', 'anon', 0x7f996e2bd000n, 0x7f996e2bf000n, RW, [], [0]),
    m('[vvar] [vvar_vclock]', 'vdso', 'special', 0x7f996e2bf000n, 0x7f996e2c5000n, R, []),
    inFile('[vdso]', 0, m('[vdso]', 'vdso', 'file', 0x7f996e2c5000n, 0x7f996e2c7000n, RX, [0])),
    inFile(
      LD,
      0,
      m('ld-linux-x86-64.so.2', 'libraries', 'file', 0x7f996e2c7000n, 0x7f996e2c8000n, R, [0]),
    ),
    inFile(
      LD,
      1,
      m('ld.so text', 'libraries', 'file', 0x7f996e2c8000n, 0x7f996e2ee000n, RX, range(0, 0x26)),
    ),
    inFile(
      LD,
      0x27,
      m('ld.so rodata', 'libraries', 'file', 0x7f996e2ee000n, 0x7f996e2f8000n, R, range(0, 10)),
    ),
    inFile(
      LD,
      0x31,
      m('ld.so relro', 'libraries', 'file', 0x7f996e2f8000n, 0x7f996e2fa000n, R, [], [0, 1]),
    ),
    inFile(
      LD,
      0x33,
      m('ld.so data', 'libraries', 'file', 0x7f996e2fa000n, 0x7f996e2fc000n, RW, [], [0, 1]),
    ),
    m('[stack]', 'stack', 'anon', 0x7fff39da9000n, 0x7fff39dca000n, RW, [], [0x1e, 0x1f, 0x20]),
  ],
};

const NONE: ProcessImage = {
  name: 'none',
  description: 'an empty address space',
  mmapBase: 0x7ffff7fff000n,
  mappings: [],
  files: {},
};

/** The image called `name`. */
export function getImage(name: ImageName): ProcessImage {
  return name === 'dynamic' ? DYNAMIC : NONE;
}

/**
 * Maps and populates `image` in a fresh mm, as exec and ld.so would before `main`. File pages are
 * mapped one by one as measured (fault-around already happened in the measured process); a page
 * that is anonymous in a read-only mapping (a RELRO page ld.so wrote, then protected) is written
 * while the mapping is writable, then protected, as ld.so does: in a file mapping the write is a
 * COW copy.
 */
export function loadImage(mm: MmStruct, image: ProcessImage): void {
  const page = 4096n;
  const files = new Map<string, SimFile>();
  const fileOf = (name: string): SimFile => {
    let file = files.get(name);
    if (!file) {
      // Every page of a library is in the page cache; none is ever read back (readahead 0).
      file = disk_file_alloc(name, image.files[name] ?? 0, 0);
      files.set(name, file);
    }
    return file;
  };
  for (const map of image.mappings) {
    const writable = map.anonPages.length > 0 ? RW | map.prot : map.prot;
    const r = do_mmap(mm, map.start, map.len, writable, {
      // ld.so maps the segments it writes writable and private: accounted (VM_ACCOUNT stays after
      // the RELRO mprotect, so they never merge with the read-only segment before them).
      noreserve: map.backing !== 'anon' && map.anonPages.length === 0,
      growsdown: map.region === 'stack',
      ...(map.file ? { file: fileOf(map.file.name), pgoff: map.file.offset } : {}),
    });
    if ('errno' in r) throw new Error(`process image: ${map.what}: ${r.errno}`);
    const vma = mm.mmap.find_vma(r.addr);
    for (const p of map.filePages) {
      if (vma?.vm_file) filemap_map_one(mm, vma, r.addr + p);
      else touch_range(mm, map.start + BigInt(p) * page, 1n, page, false);
    }
    for (const p of map.anonPages) touch_range(mm, map.start + BigInt(p) * page, 1n, page, true);
    if (writable !== map.prot) do_mprotect(mm, map.start, map.len, map.prot);
    // The break at main: the end of the heap glibc's first malloc made.
    if (map.region === 'heap') mm_set_brk(mm, map.start, map.start + map.len);
  }
}

/** Page-table pages an image needs, by region: which tables each region adds first. */
export interface ImageTables {
  readonly region: ImageRegion;
  readonly pte: number;
  readonly pmd: number;
  readonly pud: number;
}

/** The tables each region of `image` brings, in image order (a table shared is counted once). */
export function imageTables(image: ProcessImage): ImageTables[] {
  const seen = { pte: new Set<bigint>(), pmd: new Set<bigint>(), pud: new Set<bigint>() };
  const span = { pte: 2n << 20n, pmd: 1n << 30n, pud: 512n << 30n };
  const out = new Map<ImageRegion, { pte: number; pmd: number; pud: number }>();
  for (const map of image.mappings) {
    const row = out.get(map.region) ?? { pte: 0, pmd: 0, pud: 0 };
    out.set(map.region, row);
    for (const p of [...map.filePages, ...map.anonPages]) {
      const addr = map.start + BigInt(p) * 4096n;
      for (const level of ['pte', 'pmd', 'pud'] as const) {
        const slot = addr / span[level];
        if (!seen[level].has(slot)) {
          seen[level].add(slot);
          row[level]++;
        }
      }
    }
  }
  return [...out].map(([region, t]) => ({ region, ...t }));
}
