// The process image (issue #7 h): the measured baseline of a dynamically linked program and where
// the benchmark's no-hint map lands in it.
import { describe, expect, it } from 'vitest';
import { getImage, imageTables } from '../../../src/workload/image.js';
import { parseWorkload } from '../../../src/workload/parse.js';
import { runWorkload } from '../../../src/workload/run.js';

const BENCH =
  'report before\nmap buf 50G\nrepeat 25600 shift=2M\ntouch buf +0 2M\nmadvise buf +0 2M dontneed\nend\nreport after';

describe('process image', () => {
  it('starts a workload with the 40 kB and 100 kB of a dynamically linked program at main', () => {
    const r = runWorkload(parseWorkload('report start', 'x.ptw'), {
      image: 'dynamic',
      debug: true,
    });
    expect(r.reports[0]).toMatchObject({
      vmpte_kb: 40,
      rss_anon_kb: 100,
      tables: { pte: 5, pmd: 3, pud: 2 },
    });
    const t = imageTables(getImage('dynamic'));
    expect(t.reduce((s, x) => s + 4 * (x.pte + x.pmd + x.pud), 0)).toBe(40);
  });

  it('gives the cover letter figures: 240 kB with PT_RECLAIM, 102,640 kB without', () => {
    const w = parseWorkload(BENCH, 'bench.ptw');
    const after = (kernel: string, image: 'dynamic' | 'none'): number | undefined =>
      runWorkload(w, { kernel, image }).reports[1]?.vmpte_kb;
    expect(after('6.18', 'dynamic')).toBe(240);
    expect(after('6.13', 'dynamic')).toBe(102_640);
    // In an empty space the map needs its own top-GiB PMD table and a PUD table.
    expect(after('6.18', 'none')).toBe(208);
  });

  it('places a small hint-less map in the hole between the libraries, as the kernel would', () => {
    const r = runWorkload(parseWorkload('map a 4K\ntouch a +0 4K\nreport r', 'x.ptw'), {
      image: 'dynamic',
    });
    // The 36 KiB hole below ld.so's scratch page lies in a slot that already has a PTE table.
    expect(r.reports[0]).toMatchObject({ vmpte_kb: 40, rss_anon_kb: 104 });
  });

  it('maps the executable, libc, ld.so and the vdso as files: RssFile, COW copies in RssAnon', () => {
    const r = runWorkload(parseWorkload('report start', 'x.ptw'), {
      image: 'dynamic',
      debug: true,
    });
    const image = getImage('dynamic');
    const filePages = image.mappings
      .filter((m) => m.backing === 'file')
      .reduce((n, m) => n + m.filePages.length, 0);
    expect(r.reports[0]).toMatchObject({ rss_file_kb: 4 * filePages, rss_shmem_kb: 0 });
    expect(r.reports[0]?.rss_file_kb).toBe(1432);
    // Written segments (RELRO, .data) hold private anonymous copies only.
    for (const m of image.mappings.filter((x) => x.file && x.anonPages.length > 0)) {
      expect(m.filePages, m.what).toEqual([]);
    }
    expect(new Set(image.mappings.flatMap((m) => (m.file ? [m.file.name] : [])))).toEqual(
      new Set(Object.keys(image.files)),
    );
  });
});
