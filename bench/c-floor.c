/* The C floor of the simulator's bookkeeping (bench/floor.bench.ts): the same work as
 * `map a SIZE at=1G; touch a +0 SIZE stride=STRIDE; madvise a +0 SIZE dontneed` in the model,
 * in a tight loop: 4-level directory tables allocated on demand, one 512-bit PTE bitmap with a
 * count per PTE table, counters as the kernel keeps them, PT_RECLAIM freeing emptied tables.
 * Usage: c-floor SIZE_GIB STRIDE_PAGES. Prints the counters after each step and the time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct { void *e[512]; int n; } dir_t;          /* PGD, PUD, PMD tables */
typedef struct { uint64_t bits[8]; int n; } pte_t;     /* a PTE table: present bitmap */

static long nr_ptes, nr_pmds, nr_puds, rss;
static pte_t *free_ptes[1 << 20];
static long nfree;

static dir_t *dir_alloc(long *counter) { (*counter)++; return calloc(1, sizeof(dir_t)); }
static pte_t *pte_alloc(void) {
	nr_ptes++;
	if (nfree) { pte_t *t = free_ptes[--nfree]; return t; }
	return calloc(1, sizeof(pte_t));
}

static void touch(dir_t *pgd, uint64_t page) {
	dir_t **pud = (dir_t **)&pgd->e[(page >> 27) & 511], **pmd, *dummy = 0;
	if (!*pud) { *pud = dir_alloc(&nr_puds); pgd->n++; }
	pmd = (dir_t **)&(*pud)->e[(page >> 18) & 511];
	if (!*pmd) { *pmd = dir_alloc(&nr_pmds); (*pud)->n++; }
	pte_t **pte = (pte_t **)&(*pmd)->e[(page >> 9) & 511];
	if (!*pte) { *pte = pte_alloc(); (*pmd)->n++; }
	uint64_t bit = 1ull << (page & 63), *w = &(*pte)->bits[(page >> 6) & 7];
	if (!(*w & bit)) { *w |= bit; (*pte)->n++; rss++; }
	(void)dummy;
}

/* MADV_DONTNEED over [start, end) pages: zap, and free a PTE table emptied by a whole-slot zap. */
static void dontneed(dir_t *pgd, uint64_t start, uint64_t end) {
	for (uint64_t a = start; a < end;) {
		uint64_t next = ((a >> 9) + 1) << 9;
		if (next > end) next = end;
		dir_t *pud = pgd->e[(a >> 27) & 511], *pmd = pud ? pud->e[(a >> 18) & 511] : 0;
		if (!pmd) { a = next; continue; }   /* the model skips missing upper tables alike */
		pte_t **pte = (pte_t **)&pmd->e[(a >> 9) & 511];
		if (*pte && next - a == 512) {     /* a whole slot: every page goes, then the table */
			rss -= (*pte)->n; (*pte)->n = 0;
			for (int i = 0; i < 8; i++) (*pte)->bits[i] = 0;
			free_ptes[nfree++] = *pte; *pte = 0; pmd->n--; nr_ptes--;
		} else if (*pte) {
			for (uint64_t p = a; p < next; p++) {
				uint64_t bit = 1ull << (p & 63), *w = &(*pte)->bits[(p >> 6) & 7];
				if (*w & bit) { *w &= ~bit; (*pte)->n--; rss--; }
			}
		}
		a = next;
	}
}

static void report(const char *label) {
	long bytes = nr_ptes * 4096 + nr_pmds * 4096 + nr_puds * 4096;
	printf("%s vmpte_kb=%ld pte=%ld pmd=%ld pud=%ld rss_kb=%ld\n", label, bytes / 1024, nr_ptes,
	       nr_pmds, nr_puds, rss * 4);
}

int main(int argc, char **argv) {
	if (argc != 3) { fprintf(stderr, "usage: c-floor SIZE_GIB STRIDE_PAGES\n"); return 2; }
	uint64_t pages = strtoull(argv[1], 0, 10) << 18, stride = strtoull(argv[2], 0, 10);
	uint64_t base = 1ull << 18; /* at=1G */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dir_t *pgd = calloc(1, sizeof(dir_t));
	for (uint64_t p = base; p < base + pages; p += stride) touch(pgd, p);
	report("touched");
	dontneed(pgd, base, base + pages);
	report("end");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("seconds %.6f\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
