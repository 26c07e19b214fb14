/*
 * ptw-oracle: runs resolved ptlab workloads on the host kernel and prints VmPTE and RssAnon from
 * /proc/self/status at every report (issue #3 section 5; docs/fidelity.md describes the protocol).
 *
 * Input (stdin or the file named by argv[1]), one op per line, addresses absolute:
 *   workload ID RUNS              starts a workload, run RUNS times (each run in a fresh fork)
 *   map ADDR LEN PROT [FLAGS [FILE OFFSET]]
 *                                 MAP_FIXED_NOREPLACE mmap, anonymous private unless FLAGS has
 *                                 MAP_SHARED or FILE (the index of a `file`) is given; FLAGS adds
 *                                 MAP_POPULATE, MAP_LOCKED, MAP_NORESERVE (only when the workload
 *                                 says so: it decides VM_ACCOUNT), or MAP_FIXED (replacing NOREPLACE)
 *   file INDEX SIZE KIND          a fresh file of SIZE bytes: KIND 0 tmpfs (/dev/shm), 1 memfd,
 *                                 2 a regular file on ext4 written 4 KiB at a time and fsynced
 *                                 (every page cached as an order-0 folio),
 *                                 3 the same, then dropped from the page cache (cold), 4 written
 *                                 64 KiB at a time (64 KiB folios); disk files
 *                                 are O_TMPFILE in $PTLAB_DISK_DIR or /var/tmp (nothing to remove)
 *   touch ADDR LEN STRIDE w|r     one access at ADDR, ADDR+STRIDE, ... below ADDR+LEN
 *   madvise ADDR LEN ADVICE       ADVICE is the MADV_* number
 *   munmap ADDR LEN
 *   mprotect ADDR LEN PROT        PROT is the PROT_* bit mask
 *   mlock ADDR LEN ONFAULT        mlock2, with MLOCK_ONFAULT when ONFAULT is 1
 *   munlock ADDR LEN
 *   mlockall FLAGS                MCL_* bits; 0 is munlockall
 *   pressure                      real reclaim of the run's own memory cgroup (v1
 *                                 memory.force_empty, v2 memory.reclaim): clean lazy-free pages
 *                                 are discarded, the deferred-split shrinker runs
 *   fork K                        the op's process forks process K (K: 1, 2, ... in fork order)
 *   exit K                        process K exits (its parent reaps it)
 *   report LABEL
 *   done                          ends the workload
 * Any op line may start with `@K`: process K runs it (default 0, the run's own process, `main`).
 * Op lines before any `workload` line form one implicit workload `stdin`, run once.
 *
 * Output, one line each:
 *   thp MODE PMD_MODE             the THP sysfs modes (enabled, hugepages-2048kB/enabled)
 *   memcg v1|v2|none [WHY]        where `pressure` reclaims; `none` says why it cannot
 *   run ID RUN                    a run starts
 *   report INDEX DVMPTE DRSS VMPTE RSS DFILE DSHMEM   kB deltas against the baseline, absolute
 *                                 VmPTE and RssAnon, then RssFile and RssShmem deltas
 *   error INDEX ERRNO             the op at INDEX failed (ERRNO is a name, or SIGSEGV/SIGBUS)
 *   refuse INDEX REASON...        the op would touch the helper's own 512 GiB slots, or is a
 *                                 `pressure` without a memory cgroup; not run
 *   final DVMPTE DRSS DFILE DSHMEM  after the last op, or after the failing op (the run stops)
 *   end ID RUN STATUS             the run ended (STATUS ok, or crash:SIGNAL)
 * INDEX is the 0-based op index inside its workload. A report of a forked process gives that
 * process's deltas against a fork-time baseline (see child_base). Exit status: 0, or 2 on
 * malformed input.
 *
 * Processes: a fork is a raw clone (no libc atfork work, so the child faults no new library
 * page); every process is a child of the run's process (a fork made by a child uses CLONE_PARENT),
 * which reaps it at `exit`. A forked process waits on a pipe of its own for op indices, runs each
 * and answers on another; the run's process dispatches every op in order, so reports stay in
 * order. The baseline of a forked process is measured once per run by a probe forked at the
 * run's own baseline: the helper's own mappings are copied the same way then and later.
 *
 * Not perturbing the measurement: the whole input is parsed before the first fork; each run is a
 * fork that pre-faults its stack and buffers, warms every libc and kernel path it will use on a
 * scratch PROT_NONE page, then takes the baseline; after it, the child only makes syscalls and
 * writes from static buffers (no malloc, no stdio). The process is pinned to one CPU so that the
 * per-CPU LRU batches that MADV_FREE and MADV_PAGEOUT drain are the ones the faults filled.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <linux/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

#define PGD_SLOT (512ULL << 30)
#define USER_TOP (1ULL << 47)
#define STACK_PREFAULT (512 * 1024)

enum kind {
	OP_MAP,
	OP_TOUCH,
	OP_MADVISE,
	OP_MUNMAP,
	OP_MPROTECT,
	OP_MLOCK,
	OP_MUNLOCK,
	OP_MLOCKALL,
	OP_FILE,
	OP_PRESSURE,
	OP_FORK,
	OP_EXIT,
	OP_REPORT,
	OP_MREMAP,
	OP_BRK
};

struct op {
	enum kind kind;
	uint64_t addr, len, arg; /* arg: PROT, ADVICE, STRIDE, ONFAULT or MCL_* flags */
	uint64_t flags;          /* map: extra MAP_* flags */
	uint64_t fidx, off;      /* map: file index + 1 (0: anonymous) and byte offset */
	uint64_t new_addr, expect; /* mremap: new_address argument, the address it must return */
	int write;
	int proc;                /* the process that runs it (0: the run's own) */
	const char *label;
};

struct workload {
	const char *id;
	int runs;
	uint32_t op0, nops;
	uint64_t top; /* not 0: the kernel places mremap moves below it (reserve_above) */
};

#define MAX_FILES 64
#define MAX_PROCS 64

static struct op *ops;
static int files[MAX_FILES];
/* Where disk files are created (NULL: none can be), and why not. */
static const char *disk_dir;
static const char *disk_why = "";
static struct workload *workloads;
static uint32_t nworkloads;

static char status_buf[16384];
static char line_buf[512];
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_signal;

/* ---- output without stdio ---- */

static void out(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, s, n);
		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			_exit(3);
		}
		s += w;
		n -= (size_t)w;
	}
}

static char *put_str(char *p, const char *s)
{
	while (*s && p < line_buf + sizeof(line_buf) - 32)
		*p++ = *s++;
	return p;
}

static char *put_int(char *p, int64_t v)
{
	char tmp[24];
	int n = 0;
	uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
	if (v < 0)
		*p++ = '-';
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_hex(char *p, uint64_t v)
{
	int shift = 60;
	p = put_str(p, "0x");
	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = "0123456789abcdef"[(v >> shift) & 15];
	return p;
}

static void emit(char *end)
{
	*end++ = '\n';
	out(line_buf, (size_t)(end - line_buf));
}

static const char *errno_name(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EEXIST: return "EEXIST";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EAGAIN: return "EAGAIN";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EOVERFLOW: return "EOVERFLOW";
	default: return "EUNKNOWN";
	}
}

/* ---- /proc/self/status ---- */

static int64_t field_kb(const char *buf, const char *name)
{
	const char *p = strstr(buf, name);
	int64_t v = 0;
	if (!p)
		return -1;
	p += strlen(name);
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	return v;
}

/* Reads VmPTE and RssAnon (kB); the fd stays open so no later open() runs inside a measurement. */
static int64_t status_file, status_shmem;

/* Also sets status_file and status_shmem (RssFile, RssShmem). */
static void read_status(int fd, int64_t *vmpte, int64_t *rss)
{
	ssize_t n, total = 0;
	if (lseek(fd, 0, SEEK_SET) < 0)
		_exit(4);
	while ((n = read(fd, status_buf + total, sizeof(status_buf) - 1 - (size_t)total)) > 0)
		total += n;
	status_buf[total] = 0;
	*vmpte = field_kb(status_buf, "\nVmPTE:");
	*rss = field_kb(status_buf, "\nRssAnon:");
	status_file = field_kb(status_buf, "\nRssFile:");
	status_shmem = field_kb(status_buf, "\nRssShmem:");
}

/* ---- input ---- */

static char *read_all(int fd, size_t *size)
{
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	ssize_t r;
	while (buf && (r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (n + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (!buf)
		_exit(5);
	buf[n] = 0;
	*size = n;
	return buf;
}

static void bad_input(unsigned line, const char *why)
{
	char *p = put_str(line_buf, "input ");
	p = put_int(p, line);
	p = put_str(p, ": ");
	p = put_str(p, why);
	*p++ = '\n';
	(void)!write(2, line_buf, (size_t)(p - line_buf));
	exit(2);
}

static int next_num(char **cur, uint64_t *v)
{
	char *end;
	errno = 0;
	*v = strtoull(*cur, &end, 0);
	if (end == *cur || errno)
		return 0;
	*cur = end;
	return 1;
}

static char *next_word(char **cur)
{
	char *p = *cur, *w;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return NULL;
	w = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = 0;
	*cur = p;
	return w;
}

static void parse_input(char *text, size_t size)
{
	size_t nlines = 1, i;
	char *line = text, *next;
	unsigned lineno = 0;
	struct workload *cur = NULL;
	uint32_t nops = 0;
	for (i = 0; i < size; i++)
		nlines += text[i] == '\n';
	ops = calloc(nlines, sizeof(*ops));
	workloads = calloc(nlines + 1, sizeof(*workloads));
	if (!ops || !workloads)
		_exit(5);
	for (; line && *line; line = next) {
		char *cursor = line, *kw;
		struct op *o;
		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		kw = next_word(&cursor);
		if (!kw || *kw == '#')
			continue;
		if (!strcmp(kw, "workload")) {
			char *id = next_word(&cursor), *runs = next_word(&cursor);
			if (!id || !runs || atoi(runs) < 1)
				bad_input(lineno, "usage: workload ID RUNS [TOP]");
			cur = &workloads[nworkloads++];
			cur->id = id;
			cur->runs = atoi(runs);
			cur->op0 = nops;
			cur->top = 0;
			(void)next_num(&cursor, &cur->top);
			continue;
		}
		if (!strcmp(kw, "done")) {
			cur = NULL;
			continue;
		}
		if (!cur) {
			cur = &workloads[nworkloads++];
			cur->id = "stdin";
			cur->runs = 1;
			cur->op0 = nops;
		}
		o = &ops[nops];
		if (kw[0] == '@') {
			o->proc = atoi(kw + 1);
			kw = next_word(&cursor);
			if (!kw || o->proc < 1 || o->proc >= MAX_PROCS)
				bad_input(lineno, "usage: @K OP ... (1 <= K < 64)");
		}
		if (!strcmp(kw, "fork") || !strcmp(kw, "exit")) {
			o->kind = kw[0] == 'f' ? OP_FORK : OP_EXIT;
			if (!next_num(&cursor, &o->arg) || o->arg < 1 || o->arg >= MAX_PROCS)
				bad_input(lineno, "usage: fork K | exit K (1 <= K < 64)");
		} else if (!strcmp(kw, "report")) {
			o->kind = OP_REPORT;
			o->label = next_word(&cursor);
			if (!o->label)
				bad_input(lineno, "usage: report LABEL");
		} else if (!strcmp(kw, "pressure")) {
			o->kind = OP_PRESSURE;
		} else if (!strcmp(kw, "file")) {
			o->kind = OP_FILE;
			if (!next_num(&cursor, &o->arg) || !next_num(&cursor, &o->len) ||
			    !next_num(&cursor, &o->flags) || o->arg >= MAX_FILES)
				bad_input(lineno, "usage: file INDEX SIZE KIND");
		} else if (!strcmp(kw, "brk")) {
			o->kind = OP_BRK;
			if (!next_num(&cursor, &o->addr) || !next_num(&cursor, &o->len))
				bad_input(lineno, "usage: brk START_BRK|0 BRK");
		} else if (!strcmp(kw, "mremap")) {
			o->kind = OP_MREMAP;
			if (!next_num(&cursor, &o->addr) || !next_num(&cursor, &o->len) ||
			    !next_num(&cursor, &o->arg) || !next_num(&cursor, &o->flags) ||
			    !next_num(&cursor, &o->new_addr) || !next_num(&cursor, &o->expect))
				bad_input(lineno, "usage: mremap ADDR OLDLEN NEWLEN FLAGS NEWADDR EXPECT");
		} else if (!strcmp(kw, "mlockall")) {
			o->kind = OP_MLOCKALL;
			if (!next_num(&cursor, &o->arg))
				bad_input(lineno, "usage: mlockall FLAGS");
		} else {
			char *rw;
			int need_arg = 1;
			if (!strcmp(kw, "map"))
				o->kind = OP_MAP;
			else if (!strcmp(kw, "touch"))
				o->kind = OP_TOUCH;
			else if (!strcmp(kw, "madvise"))
				o->kind = OP_MADVISE;
			else if (!strcmp(kw, "mprotect"))
				o->kind = OP_MPROTECT;
			else if (!strcmp(kw, "munmap"))
				o->kind = OP_MUNMAP, need_arg = 0;
			else if (!strcmp(kw, "mlock"))
				o->kind = OP_MLOCK;
			else if (!strcmp(kw, "munlock"))
				o->kind = OP_MUNLOCK, need_arg = 0;
			else
				bad_input(lineno, "unknown op");
			if (!next_num(&cursor, &o->addr) || !next_num(&cursor, &o->len) ||
			    (need_arg && !next_num(&cursor, &o->arg)))
				bad_input(lineno, "bad number");
			if (o->kind == OP_TOUCH) {
				rw = next_word(&cursor);
				if (!rw || (strcmp(rw, "w") && strcmp(rw, "r")) || o->arg == 0)
					bad_input(lineno, "usage: touch ADDR LEN STRIDE w|r");
				o->write = rw[0] == 'w';
			}
			if (o->kind == OP_MAP && !next_num(&cursor, &o->flags))
				o->flags = 0;
			if (o->kind == OP_MAP && next_num(&cursor, &o->fidx)) {
				if (o->fidx >= MAX_FILES || !next_num(&cursor, &o->off))
					bad_input(lineno, "usage: map ADDR LEN PROT FLAGS FILE OFFSET");
				o->fidx++;
			}
		}
		nops++;
		cur->nops++;
	}
}

/* ---- the helper's own mappings ---- */

static uint64_t own_lo[512], own_hi[512];
static int nown;

static void read_own_maps(void)
{
	static char maps[1 << 16];
	ssize_t n, total = 0;
	int fd = open("/proc/self/maps", O_RDONLY);
	char *p;
	if (fd < 0)
		return;
	while ((n = read(fd, maps + total, sizeof(maps) - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	maps[total] = 0;
	for (p = maps; *p && nown < 512;) {
		uint64_t lo = strtoull(p, &p, 16), hi = strtoull(p + 1, &p, 16);
		if (lo < USER_TOP) {
			own_lo[nown] = lo;
			own_hi[nown++] = hi;
		}
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
}

/* Non-zero if [addr, addr+len) shares a 512 GiB (PUD-table) slot with a mapping of the helper. */
static int overlaps_own(uint64_t addr, uint64_t len, uint64_t *lo, uint64_t *hi)
{
	uint64_t a = addr / PGD_SLOT * PGD_SLOT, e = addr + len;
	int i;
	if (e < addr || e > USER_TOP)
		e = USER_TOP;
	e = (e + PGD_SLOT - 1) / PGD_SLOT * PGD_SLOT;
	for (i = 0; i < nown; i++) {
		if (own_lo[i] < e && own_hi[i] > a) {
			*lo = own_lo[i];
			*hi = own_hi[i];
			return 1;
		}
	}
	return 0;
}

/* ---- the memory cgroup `pressure` reclaims ---- */

static char memcg_dir[256];
static const char *memcg_kind = "none";
static const char *memcg_why = "not set up";
static int memcg_procs_fd = -1, memcg_reclaim_fd = -1;

/* Creates a memory cgroup of the helper's own: v1 (memory.force_empty) or v2 (memory.reclaim). */
static void memcg_setup(void)
{
	static const char *v1 = "/sys/fs/cgroup/memory";
	static const char *v2[2] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	char path[300];
	int i;
	if (geteuid() != 0) {
		memcg_why = "not root: creating a memory cgroup needs root";
		return;
	}
	snprintf(path, sizeof(path), "%s/memory.force_empty", v1);
	if (access(path, F_OK) == 0) {
		snprintf(memcg_dir, sizeof(memcg_dir), "%s/ptlab-oracle-%d", v1, (int)getpid());
		memcg_kind = "v1";
	} else {
		for (i = 0; i < 2 && !memcg_dir[0]; i++) {
			char buf[256];
			int fd;
			ssize_t n;
			snprintf(path, sizeof(path), "%s/cgroup.subtree_control", v2[i]);
			fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			buf[n > 0 ? n : 0] = 0;
			if (!strstr(buf, "memory"))
				continue;
			snprintf(memcg_dir, sizeof(memcg_dir), "%s/ptlab-oracle-%d", v2[i], (int)getpid());
			memcg_kind = "v2";
		}
	}
	if (!memcg_dir[0]) {
		memcg_kind = "none";
		memcg_why = "no memory cgroup controller (v1 /sys/fs/cgroup/memory or v2 memory)";
		return;
	}
	if (mkdir(memcg_dir, 0755) != 0 && errno != EEXIST) {
		memcg_kind = "none";
		memcg_why = "cannot create a memory cgroup";
		memcg_dir[0] = 0;
		return;
	}
	snprintf(path, sizeof(path), "%s/cgroup.procs", memcg_dir);
	memcg_procs_fd = open(path, O_WRONLY);
	snprintf(path, sizeof(path), "%s/%s", memcg_dir,
		 memcg_kind[1] == '1' ? "memory.force_empty" : "memory.reclaim");
	memcg_reclaim_fd = open(path, O_WRONLY);
	if (memcg_procs_fd < 0 || memcg_reclaim_fd < 0) {
		memcg_kind = "none";
		memcg_why = "cannot open the memory cgroup's files";
	}
}

static void memcg_teardown(void)
{
	if (memcg_dir[0])
		(void)rmdir(memcg_dir);
}

/* Reclaims everything reclaimable in the run's cgroup; anon pages stay (no swap). */
static void memcg_reclaim(void)
{
	if (memcg_kind[1] == '1')
		(void)!write(memcg_reclaim_fd, "0", 1);
	else
		(void)!write(memcg_reclaim_fd, "64G", 3);
}

/* Prints `refuse INDEX WHAT WHY`; returns 1. */
static int refuse(uint32_t i, const char *what, const char *why)
{
	char *p = put_str(line_buf, "refuse ");
	p = put_int(p, i);
	p = put_str(p, what);
	p = put_str(p, why);
	emit(p);
	return 1;
}

static int refuse_overlaps(const struct workload *w)
{
	uint32_t i;
	uint64_t lo, hi;
	for (i = 0; i < w->nops; i++) {
		const struct op *o = &ops[w->op0 + i];
		int hit = 0;
		if (o->kind == OP_FILE && o->flags >= 2 && !disk_dir)
			return refuse(i, " disk files need an ext4 directory: ", disk_why);
		if (o->kind == OP_REPORT || o->kind == OP_MLOCKALL || o->kind == OP_FILE ||
		    o->kind == OP_FORK || o->kind == OP_EXIT)
			continue;
		if (o->kind == OP_PRESSURE) {
			if (memcg_kind[0] != 'n')
				continue;
			return refuse(i, " pressure needs a memory cgroup of the oracle's own: ",
				      memcg_why);
		}
		/* Beyond the user address space an op fails alike on both sides: not refused. */
		if (w->top && o->addr < 0x7ffffffff000ULL &&
		    ((o->kind == OP_BRK ? o->len : o->addr + o->len) > w->top ||
		     (o->kind == OP_MREMAP && o->expect + o->arg > w->top)))
			return refuse(i, " lies above the oracle's top for kernel-placed moves: ",
				      "keep addresses below 64 TiB in a workload with mremap maymove");
		hit = overlaps_own(o->addr, o->len, &lo, &hi);
		if (o->kind == OP_BRK)
			hit = overlaps_own(o->len > 4096 ? o->len - 4096 : o->len, 4096, &lo, &hi);
		if (!hit && o->kind == OP_MREMAP)
			hit = overlaps_own(o->expect, o->arg > o->len ? o->arg : o->len, &lo, &hi);
		if (hit) {
			char *p = put_str(line_buf, "refuse ");
			p = put_int(p, i);
			p = put_str(p, " shares a 512 GiB slot with the oracle's own mapping ");
			p = put_hex(p, lo);
			p = put_str(p, "-");
			p = put_hex(p, hi);
			p = put_str(p, " (keep workload addresses far from the oracle, e.g. 1G..511G)");
			emit(p);
			return 1;
		}
	}
	return 0;
}

/* ---- one run, in a forked child ---- */

static void on_fault(int sig)
{
	fault_signal = sig;
	siglongjmp(fault_jmp, 1);
}

static void __attribute__((noinline)) prefault_stack(void)
{
	volatile char deep[STACK_PREFAULT];
	size_t i;
	for (i = 0; i < sizeof(deep); i += 4096)
		deep[i] = 1;
	deep[sizeof(deep) - 1] = 1;
}

/* ---- regular files on a disk filesystem (issue #7) ---- */

#define EXT4_MAGIC 0xEF53
/* One write's worth: 4 KiB, or 64 KiB for a file written in 64 KiB chunks (KIND 4). */
static char disk_buf[65536];

/* Picks the directory of disk files: $PTLAB_DISK_DIR or /var/tmp, which must be ext4. */
static void disk_setup(void)
{
	struct statfs sf;
	const char *dir = getenv("PTLAB_DISK_DIR");
	if (!dir || !*dir)
		dir = "/var/tmp";
	if (statfs(dir, &sf)) {
		disk_why = "cannot stat the disk-file directory ($PTLAB_DISK_DIR or /var/tmp)";
		return;
	}
	if (sf.f_type != EXT4_MAGIC) {
		disk_why = "the disk-file directory ($PTLAB_DISK_DIR or /var/tmp) is not on ext4";
		return;
	}
	disk_dir = dir;
	memset(disk_buf, 0x5a, sizeof(disk_buf));
}

/*
 * A regular file of LEN bytes on ext4, unnamed (O_TMPFILE: it goes with its last reference),
 * written CHUNK bytes per pwrite and fsynced, so every page is in the page cache, clean; ext4's
 * write_begin sizes the folio by the write: 4 KiB writes make order-0 folios, 64 KiB writes 64 KiB
 * folios, which a shared write fault maps whole (2 MiB writes would make PMD-sized ones, which a
 * read fault of an aligned VMA maps with one PMD). COLD drops them (POSIX_FADV_DONTNEED). Returns
 * the descriptor or -errno.
 */
static int disk_file(uint64_t len, int cold, size_t chunk)
{
	uint64_t off = 0;
	int fd = disk_dir ? open(disk_dir, O_TMPFILE | O_RDWR, 0600) : -1;
	if (fd < 0)
		return disk_dir ? -errno : -ENOENT;
	while (off < len) {
		size_t n = len - off < chunk ? (size_t)(len - off) : chunk;
		ssize_t w = pwrite(fd, disk_buf, n, (off_t)off);
		if (w <= 0) {
			close(fd);
			return w < 0 ? -errno : -EIO;
		}
		off += (uint64_t)w;
	}
	if (fsync(fd) || (cold && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* Runs the libc wrappers of the file ops once (no page is faulted, no table created). */
static void warm_up_files(char *scratch)
{
	int fd = memfd_create("warm", 0);
	if (fd >= 0) {
		(void)!ftruncate(fd, 4096);
		(void)mmap(scratch, 4096, PROT_NONE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
		munmap(scratch, 4096);
		close(fd);
	}
	fd = open("/dev/shm", O_TMPFILE | O_RDWR, 0600);
	if (fd >= 0)
		close(fd);
	/* One page written, fsynced and dropped: pwrite, fsync and posix_fadvise are warm too (a
	 * first call after the baseline faulted libc's text in: RssFile +64 kB by fault-around). */
	if (disk_dir) {
		fd = disk_file(4096, 1, 4096);
		if (fd >= 0)
			close(fd);
	}
}

/* Executes every syscall and signal path once on a scratch PROT_NONE page: no table is created. */
static void warm_up(int status_fd, int reclaim)
{
	int64_t a, b;
	char *scratch = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (scratch == MAP_FAILED)
		_exit(6);
	(void)mmap(scratch, 4096, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
	(void)madvise(scratch, 4096, MADV_DONTNEED);
	(void)madvise(scratch, 4096, MADV_PAGEOUT);
	(void)mprotect(scratch, 4096, PROT_NONE);
	(void)mlock2(scratch, 4096, MLOCK_ONFAULT);
	(void)munlock(scratch, 4096);
	(void)mremap(scratch, 4096, 4096, 0);
	fault_signal = 0;
	if (sigsetjmp(fault_jmp, 1) == 0)
		(void)*(volatile char *)scratch;
	if (sigsetjmp(fault_jmp, 1) == 0)
		*(volatile char *)scratch = 1;
	munmap(scratch, 4096);
	warm_up_files(scratch);
	/* The wrappers processes use: raw clone (through syscall), pipe I/O, waitpid. */
	(void)syscall(SYS_getpid);
	(void)!write(1, "", 0);
	(void)waitpid(-1, NULL, WNOHANG);
	if (reclaim && memcg_reclaim_fd >= 0)
		memcg_reclaim();
	read_status(status_fd, &a, &b);
	errno = EINVAL;
	(void)errno_name(errno);
	out("", 0);
}

/*
 * ---- kernel-placed moves: an mremap MAYMOVE without MREMAP_FIXED goes where the kernel finds
 * room (get_unmapped_area, top-down below mmap_base, next to the helper's own libraries). Every
 * free range between `top` and the mmap base is filled with a PROT_NONE reservation (no pages, no
 * tables), so the kernel places a move right below `top`, where the simulator, whose mmap_base is
 * `top`, places it too; the lowering gives the model's address as the one the move must return.
 */
static void reserve_above(uint64_t top)
{
	const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	int n;
	for (n = 0; n < 1024; n++) {
		char *p = mmap(NULL, 4096, PROT_NONE, flags, -1, 0);
		uint64_t lo, step = 4096;
		if (p == MAP_FAILED)
			_exit(13);
		if ((uint64_t)p < top) {
			munmap(p, 4096);
			return;
		}
		/* The probe took the top page of the highest free range: fill the range down. */
		lo = (uint64_t)p;
		while (lo > top) {
			uint64_t s = step < lo - top ? step : lo - top;
			void *q = mmap((void *)(lo - s), s, PROT_NONE, flags | MAP_FIXED_NOREPLACE, -1, 0);
			if (q != MAP_FAILED) {
				lo -= s;
				step *= 2;
				continue;
			}
			if (s == 4096)
				break;
			step = (s / 2) & ~(uint64_t)4095;
			if (step < 4096)
				step = 4096;
		}
	}
	_exit(14);
}

/* ---- the heap: start_brk moved to the workload's place (PR_SET_MM_MAP needs no capability) ---- */

static struct prctl_mm_map heap_map;
static unsigned int map_size;

/* Fields 26-28 and 45-51 of /proc/self/stat, read without malloc before the baseline. */
static void read_mm_map(void)
{
	static char buf[2048];
	uint64_t v[53] = {0};
	int fd = open("/proc/self/stat", O_RDONLY), field = 3;
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	char *q;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	q = strrchr(buf, ')');
	for (q = q ? q + 2 : buf; *q && field < 53; field++) {
		while (*q == ' ')
			q++;
		if (*q >= '0' && *q <= '9')
			v[field] = strtoull(q, &q, 10);
		while (*q && *q != ' ')
			q++;
	}
	heap_map.start_code = v[26];
	heap_map.end_code = v[27];
	heap_map.start_stack = v[28];
	heap_map.start_data = v[45];
	heap_map.end_data = v[46];
	heap_map.arg_start = v[48];
	heap_map.arg_end = v[49];
	heap_map.env_start = v[50];
	heap_map.env_end = v[51];
	heap_map.exe_fd = (uint32_t)-1;
}

/* brk: START (when not 0) becomes start_brk and the break first, as exec would place the heap. */
static int run_brk(const struct op *o)
{
	if (o->addr) {
		heap_map.start_brk = heap_map.brk = o->addr;
		if (prctl(PR_SET_MM, PR_SET_MM_MAP, &heap_map, sizeof(heap_map), 0))
			return errno;
	}
	return (uint64_t)syscall(SYS_brk, o->len) == o->len ? 0 : ENOMEM;
}

static int run_op(const struct op *o)
{
	uint64_t off;
	switch (o->kind) {
	case OP_FILE: {
		int fd;
		if (o->flags >= 2) {
			fd = disk_file(o->len, o->flags == 3, o->flags == 4 ? 65536 : 4096);
			if (fd < 0)
				return -fd;
			files[o->arg] = fd;
			return 0;
		}
		fd = o->flags ? memfd_create("ptw", 0) : open("/dev/shm", O_TMPFILE | O_RDWR, 0600);
		if (fd < 0)
			return errno;
		if (ftruncate(fd, (off_t)o->len))
			return errno;
		files[o->arg] = fd;
		return 0;
	}
	case OP_MAP: {
		int fixed = o->flags & MAP_FIXED ? MAP_FIXED : MAP_FIXED_NOREPLACE;
		int share = o->flags & MAP_SHARED ? MAP_SHARED : MAP_PRIVATE;
		int anon = o->fidx ? 0 : MAP_ANONYMOUS;
		int fd = o->fidx ? files[o->fidx - 1] : -1;
		void *p = mmap((void *)o->addr, o->len, (int)o->arg,
			       share | anon | fixed | ((int)o->flags & ~MAP_SHARED), fd, (off_t)o->off);
		if (p == MAP_FAILED)
			return errno;
		if ((uint64_t)p != o->addr) {
			munmap(p, o->len);
			return EEXIST;
		}
		return 0;
	}
	case OP_TOUCH:
		fault_signal = 0;
		if (sigsetjmp(fault_jmp, 1) != 0)
			return -fault_signal;
		if (o->write)
			for (off = 0; off < o->len; off += o->arg)
				*(volatile char *)(o->addr + off) = 1;
		else
			for (off = 0; off < o->len; off += o->arg)
				(void)*(volatile char *)(o->addr + off);
		return 0;
	case OP_MADVISE:
		return madvise((void *)o->addr, o->len, (int)o->arg) ? errno : 0;
	case OP_MUNMAP:
		return munmap((void *)o->addr, o->len) ? errno : 0;
	case OP_MPROTECT:
		return mprotect((void *)o->addr, o->len, (int)o->arg) ? errno : 0;
	case OP_MLOCK:
		return mlock2((void *)o->addr, o->len, o->arg ? MLOCK_ONFAULT : 0) ? errno : 0;
	case OP_MUNLOCK:
		return munlock((void *)o->addr, o->len) ? errno : 0;
	case OP_MLOCKALL:
		return (o->arg ? mlockall((int)o->arg) : munlockall()) ? errno : 0;
	case OP_PRESSURE:
		memcg_reclaim();
		return 0;
	case OP_BRK:
		return run_brk(o);
	case OP_MREMAP: {
		void *p = mremap((void *)o->addr, o->len, o->arg, (int)o->flags, (void *)o->new_addr);
		if (p == MAP_FAILED)
			return errno;
		/* Placed by the kernel next to the oracle's own mappings: not comparable. */
		return (uint64_t)p == o->expect ? 0 : -1;
	}
	case OP_REPORT:
	case OP_FORK:
	case OP_EXIT:
		return 0;
	}
	return 0;
}

/* mlock of the helper's own mappings (their pages are present already: nothing is faulted). */
static void lock_own(void)
{
	int i;
	for (i = 0; i < nown; i++)
		(void)mlock((void *)own_lo[i], own_hi[i] - own_lo[i]);
}

/* munlock of the helper's own mappings. */
static void unlock_own(void)
{
	int i;
	for (i = 0; i < nown; i++)
		(void)munlock((void *)own_lo[i], own_hi[i] - own_lo[i]);
}

/* ---- processes ---- */

/* Per process K: the run's process writes op indices to cmd[K], K answers on ack[K]. */
static int cmd_fd[MAX_PROCS][2], ack_fd[MAX_PROCS][2];
static pid_t proc_pid[MAX_PROCS];
static int nprocs;
/* This process's /proc/self/status, its baseline, and a forked process's baseline. */
static int status_fd = -1;
static int64_t vmpte0, rss0, file0, shmem0;
static int64_t child_base[4];

static void put_report(int i)
{
	int64_t vmpte, rss;
	char *p;
	read_status(status_fd, &vmpte, &rss);
	p = put_str(line_buf, "report ");
	p = put_int(p, i);
	p = put_str(p, " ");
	p = put_int(p, vmpte - vmpte0);
	p = put_str(p, " ");
	p = put_int(p, rss - rss0);
	p = put_str(p, " ");
	p = put_int(p, vmpte);
	p = put_str(p, " ");
	p = put_int(p, rss);
	p = put_str(p, " ");
	p = put_int(p, status_file - file0);
	p = put_str(p, " ");
	p = put_int(p, status_shmem - shmem0);
	emit(p);
}

static void full_read(int fd, void *buf, size_t n)
{
	char *b = buf;
	while (n > 0) {
		ssize_t r = read(fd, b, n);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			_exit(10);
		}
		b += r;
		n -= (size_t)r;
	}
}

static void full_write(int fd, const void *buf, size_t n)
{
	if (write(fd, buf, n) != (ssize_t)n)
		_exit(11);
}

static void __attribute__((noreturn)) proc_loop(const struct workload *w, int k);

/*
 * A forked process: opens its own status, warms up (no reclaim: that would act on every
 * process's pages), tells the run's process its pid and its counters, then serves ops.
 */
static void __attribute__((noreturn)) proc_start(const struct workload *w, int k)
{
	int64_t msg[5];
	status_fd = open("/proc/self/status", O_RDONLY);
	if (status_fd < 0)
		_exit(8);
	/*
	 * No prefault_stack() here: the probe and the real processes are cloned at different stack
	 * depths, so a prefault from here would reach one page further down in some of them (as ASLR
	 * aligns the stack) and fault it anew. They run inside the run's prefaulted stack, copied.
	 */
	warm_up(status_fd, 0);
	/*
	 * fork copies no PTE of the helper's own file mappings, so a forked process faults its code
	 * in anew, and fault-around maps only the page-cache pages that are present and unlocked at
	 * that moment: a concurrent reclaim or mlock elsewhere on the machine made a child's RssFile
	 * differ from the probe's by a few pages. Populating every own mapping (mlock, munlock; fork
	 * does not inherit the run's locks) makes the probe and every process start from the same
	 * counters whatever the page cache holds; mlockall(MCL_CURRENT) would populate them anyway.
	 */
	lock_own();
	unlock_own();
	read_status(status_fd, &msg[1], &msg[2]);
	msg[0] = (int64_t)syscall(SYS_getpid);
	msg[3] = status_file;
	msg[4] = status_shmem;
	vmpte0 = child_base[0];
	rss0 = child_base[1];
	file0 = child_base[2];
	shmem0 = child_base[3];
	full_write(ack_fd[k][1], msg, sizeof(msg));
	if (k == 0)
		_exit(0);
	proc_loop(w, k);
}

/* Forks process K from this one (a raw clone; CLONE_PARENT from a forked process). */
static pid_t proc_fork(const struct workload *w, int k, int from_child)
{
	long pid = syscall(SYS_clone, (unsigned long)(SIGCHLD | (from_child ? CLONE_PARENT : 0)), 0,
			   0, 0, 0);
	if (pid == 0)
		proc_start(w, k);
	return (pid_t)pid;
}

/* Runs op I of the workload in this process; the return value is run_op's. */
static int exec_op(const struct workload *w, uint32_t i, int self)
{
	const struct op *o = &ops[w->op0 + i];
	if (o->kind == OP_REPORT) {
		put_report((int)i);
		return 0;
	}
	if (o->kind == OP_FORK)
		return proc_fork(w, (int)o->arg, self != 0) < 0 ? errno : 0;
	return run_op(o);
}

static void __attribute__((noreturn)) proc_loop(const struct workload *w, int k)
{
	for (;;) {
		int32_t msg[2];
		full_read(cmd_fd[k][0], msg, sizeof(int32_t));
		if (msg[0] < 0)
			_exit(0);
		msg[1] = exec_op(w, (uint32_t)msg[0], k);
		full_write(ack_fd[k][1], &msg[1], sizeof(int32_t));
	}
}

/*
 * The counters a forked process starts from, measured by a probe forked now (the run's baseline):
 * its copy of the helper's own mappings; workload mappings are in 512 GiB slots of their own.
 */
static void measure_child_base(const struct workload *w)
{
	int64_t msg[5];
	pid_t pid = proc_fork(w, 0, 0);
	if (pid < 0)
		_exit(7);
	full_read(ack_fd[0][0], msg, sizeof(msg));
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	child_base[0] = msg[1];
	child_base[1] = msg[2];
	child_base[2] = msg[3];
	child_base[3] = msg[4];
}

/* Runs op I in process K: here, or sent to K and waited for. */
static int dispatch(const struct workload *w, uint32_t i)
{
	const struct op *o = &ops[w->op0 + i];
	int32_t msg[2] = { (int32_t)i, 0 };
	int rc;
	if (o->kind == OP_EXIT) {
		int k = (int)o->arg;
		msg[0] = -1;
		full_write(cmd_fd[k][1], msg, sizeof(int32_t));
		while (waitpid(proc_pid[k], NULL, 0) < 0 && errno == EINTR)
			;
		proc_pid[k] = 0;
		return 0;
	}
	if (o->proc == 0) {
		rc = exec_op(w, i, 0);
	} else {
		full_write(cmd_fd[o->proc][1], msg, sizeof(int32_t));
		full_read(ack_fd[o->proc][0], &msg[1], sizeof(int32_t));
		rc = msg[1];
	}
	if (o->kind == OP_FORK && rc == 0) {
		int64_t hello[5];
		full_read(ack_fd[o->arg][0], hello, sizeof(hello));
		proc_pid[o->arg] = (pid_t)hello[0];
	}
	return rc;
}

static void end_procs(void)
{
	int k;
	for (k = 1; k < nprocs; k++) {
		if (proc_pid[k] > 0) {
			kill(proc_pid[k], SIGKILL);
			while (waitpid(proc_pid[k], NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
}

static void __attribute__((noreturn)) child_run(const struct workload *w)
{
	int has_pressure = 0, has_mlockall = 0;
	int64_t vmpte, rss;
	uint32_t i;
	char *p;
	/* Opened in the child: /proc/self resolves at open time. */
	status_fd = open("/proc/self/status", O_RDONLY);
	if (status_fd < 0)
		_exit(8);
	/* Charged to the run's own cgroup from the first page on, so `pressure` reclaims its pages. */
	if (memcg_procs_fd >= 0 && write(memcg_procs_fd, "0", 1) != 1)
		_exit(9);
	nprocs = 1;
	for (i = 0; i < w->nops; i++) {
		const struct op *o = &ops[w->op0 + i];
		if (o->kind == OP_FORK && (int)o->arg + 1 > nprocs)
			nprocs = (int)o->arg + 1;
	}
	/* Pipes for the probe (0) and every process, made before anything is measured. */
	for (i = 0; i < (uint32_t)nprocs && nprocs > 1; i++)
		if (pipe(cmd_fd[i]) || pipe(ack_fd[i]))
			_exit(12);
	prefault_stack();
	memset(status_buf, 0, sizeof(status_buf));
	memset(line_buf, 0, sizeof(line_buf));
	warm_up(status_fd, 1);
	if (w->top)
		reserve_above(w->top);
	/*
	 * mlockall(MCL_CURRENT) populates every mapping: fault in the helper's own ones beforehand.
	 * `pressure` would evict the helper's own file pages charged to its cgroup (RssFile drops):
	 * they stay locked (unevictable) for the whole run, and are locked again after a munlockall.
	 */
	for (i = 0; i < w->nops; i++) {
		has_pressure |= ops[w->op0 + i].kind == OP_PRESSURE;
		has_mlockall |= ops[w->op0 + i].kind == OP_MLOCKALL;
		if (ops[w->op0 + i].kind == OP_BRK && heap_map.exe_fd == 0) {
			/* Runs the wrappers once; moving the break to where it is creates nothing. */
			read_mm_map();
			(void)syscall(SYS_brk, syscall(SYS_brk, 0));
			(void)prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE, &map_size, 0, 0);
		}
	}
	if (has_pressure || has_mlockall) {
		(void)mlockall(MCL_CURRENT);
		if (!has_pressure)
			(void)munlockall();
	}
	if (nprocs > 1)
		measure_child_base(w);
	read_status(status_fd, &vmpte0, &rss0);
	file0 = status_file;
	shmem0 = status_shmem;
	for (i = 0; i < w->nops; i++) {
		const struct op *o = &ops[w->op0 + i];
		int rc = dispatch(w, i);
		if (has_pressure && o->kind == OP_MLOCKALL && o->arg == 0 && o->proc == 0)
			lock_own();
		if (rc != 0) {
			p = put_str(line_buf, "error ");
			p = put_int(p, i);
			p = put_str(p, " ");
			p = put_str(p, rc == -SIGSEGV ? "SIGSEGV" : rc == -SIGBUS ? "SIGBUS" :
				       rc == -1 ? "MOVED" : errno_name(rc));
			emit(p);
			break;
		}
	}
	read_status(status_fd, &vmpte, &rss);
	p = put_str(line_buf, "final ");
	p = put_int(p, vmpte - vmpte0);
	p = put_str(p, " ");
	p = put_int(p, rss - rss0);
	p = put_str(p, " ");
	p = put_int(p, status_file - file0);
	p = put_str(p, " ");
	p = put_int(p, status_shmem - shmem0);
	emit(p);
	end_procs();
	_exit(0);
}

/* ---- driver ---- */

static void print_thp(void)
{
	static const char *files[2] = {
		"/sys/kernel/mm/transparent_hugepage/enabled",
		"/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled",
	};
	char *p = put_str(line_buf, "thp");
	int i;
	for (i = 0; i < 2; i++) {
		char buf[256], *l, *r;
		int fd = open(files[i], O_RDONLY);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = 0;
		l = strchr(buf, '[');
		r = l ? strchr(l, ']') : NULL;
		p = put_str(p, " ");
		if (l && r) {
			*r = 0;
			p = put_str(p, l + 1);
		} else {
			p = put_str(p, "unknown");
		}
	}
	emit(p);
}

static void pin_to_one_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();
	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	size_t size;
	char *text;
	uint32_t wi;
	int run, fd = 0;

	if (argc > 1 && (fd = open(argv[1], O_RDONLY)) < 0)
		bad_input(0, "cannot open the input file");
	text = read_all(fd, &size);
	parse_input(text, size);
	pin_to_one_cpu();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	print_thp();
	disk_setup();
	memcg_setup();
	{
		char *p = put_str(line_buf, "memcg ");
		p = put_str(p, memcg_kind);
		if (memcg_kind[0] == 'n') {
			p = put_str(p, " ");
			p = put_str(p, memcg_why);
		}
		emit(p);
	}
	read_own_maps();

	for (wi = 0; wi < nworkloads; wi++) {
		const struct workload *w = &workloads[wi];
		for (run = 0; run < w->runs; run++) {
			int st = 0;
			pid_t pid;
			char *p = put_str(line_buf, "run ");
			p = put_str(p, w->id);
			p = put_str(p, " ");
			p = put_int(p, run);
			emit(p);
			if (!refuse_overlaps(w)) {
				pid = fork();
				if (pid < 0)
					_exit(7);
				if (pid == 0)
					child_run(w);
				while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
					;
			}
			p = put_str(line_buf, "end ");
			p = put_str(p, w->id);
			p = put_str(p, " ");
			p = put_int(p, run);
			if (WIFSIGNALED(st)) {
				p = put_str(p, " crash:");
				p = put_int(p, WTERMSIG(st));
			} else {
				p = put_str(p, " ok");
			}
			emit(p);
		}
	}
	memcg_teardown();
	return 0;
}
