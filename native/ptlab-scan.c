/*
 * ptlab-scan: reads which pages of a live process are present, swapped or guard markers, with the
 * process frozen (SIGSTOP, every thread stopped), for `ptlab inspect` and the exec snapshot of
 * `ptlab record` (issue #8). It never writes to /proc and never leaves the target stopped.
 *
 * Usage: ptlab-scan [--no-freeze] [--max-freeze-ms N] [--method auto|scan|pagemap] PID
 *        ptlab-scan --help
 *
 * Output (format 1), one record per line, everything printed after the target is thawed:
 *   ptlab-scan 1
 *   pid PID
 *   method pagemap_scan|pagemap        PAGEMAP_SCAN ioctl (6.7+) or plain pagemap reads
 *   state STATE                        the process state letter before the freeze
 *   frozen 0|1                         1 when this helper stopped the process (and resumed it)
 *   threads N                          threads seen stopped (or present, without a freeze)
 *   stop_wait_us N                     from SIGSTOP until every thread was stopped
 *   freeze_us N                        from SIGSTOP until SIGCONT
 *   vmpte_before_kb N                  VmPTE read once every thread was stopped
 *   vmpte_after_kb N                   VmPTE read after the scan, before SIGCONT
 *   smaps_begin                        /proc/PID/smaps verbatim, then
 *   smaps_end
 *   r START END FLAGS                  a run of pages [START, END) (hex) with the same FLAGS:
 *                                      P present, S swapped, G guard marker, H PMD-mapped huge
 *                                      (or hugetlb), F file-backed or shared; only runs with
 *                                      P, S or G are printed
 *   end REGIONS
 * On failure: one line `error CODE MESSAGE` (CODE: ESRCH, EPERM, ZOMBIE, KTHREAD, TIMEOUT, EIO,
 * USAGE) and exit status 2. A signal (Ctrl-C, SIGTERM, the parent dying) resumes the target first.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define FORMAT_VERSION 1

/* The PAGEMAP_SCAN UAPI (include/uapi/linux/fs.h, 6.7+), spelled out for older libc headers. */
struct scan_region {
	uint64_t start, end, categories;
};
struct scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define SCAN_IOCTL _IOWR('f', 16, struct scan_arg)
#define IS_FILE (1u << 2)
#define IS_PRESENT (1u << 3)
#define IS_SWAPPED (1u << 4)
#define IS_HUGE (1u << 6)
#define IS_GUARD (1u << 8)

#define USER_END 0x7ffffffff000ULL /* TASK_SIZE_MAX of 4-level x86-64 (access_ok bound) */
#define PAGE 4096ULL

static volatile sig_atomic_t target = 0;
static volatile sig_atomic_t must_resume = 0;

/* Output is kept in memory until the target runs again, so a slow reader never extends a freeze. */
static char *obuf;
static size_t olen, ocap;

static void put(const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		size_t room = ocap - olen;
		int n = vsnprintf(obuf ? obuf + olen : NULL, obuf ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			olen += (size_t)n;
			return;
		}
		size_t cap = ocap ? ocap * 2 : 1 << 16;
		while (cap - olen <= (size_t)n)
			cap *= 2;
		char *b = realloc(obuf, cap);
		if (!b)
			return;
		obuf = b;
		ocap = cap;
	}
}

static void resume(void)
{
	if (must_resume) {
		kill(target, SIGCONT);
		must_resume = 0;
	}
}

static void fail(const char *code, const char *fmt, ...)
{
	resume();
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	printf("error %s %s\n", code, msg);
	fflush(stdout);
	exit(2);
}

static void on_signal(int sig)
{
	if (must_resume)
		kill(target, SIGCONT);
	if (sig == SIGALRM) {
		static const char m[] = "error TIMEOUT the freeze bound was reached; the process was "
					"resumed (raise --max-freeze-ms or use --no-freeze)\n";
		ssize_t w = write(1, m, sizeof m - 1);
		(void)w;
		_exit(2);
	}
	_exit(128 + sig);
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000ULL;
}

/* Reads a whole /proc file into a malloc'd, NUL-terminated buffer; NULL with errno on failure. */
static char *slurp(const char *path, size_t *len_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			close(fd);
			errno = ENOMEM;
			return NULL;
		}
		if (cap - len < 4096) {
			cap *= 2;
			char *b = realloc(buf, cap);
			if (!b) {
				free(buf);
				buf = NULL;
				continue;
			}
			buf = b;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = 0;
	if (len_out)
		*len_out = len;
	return buf;
}

/* The state letter in /proc/PID[/task/TID]/stat, after the parenthesised command name. */
static char stat_state(const char *path)
{
	char *s = slurp(path, NULL);
	if (!s)
		return 0;
	char *p = strrchr(s, ')');
	char c = (p && p[1] == ' ') ? p[2] : '?';
	free(s);
	return c;
}

static long status_kb(int pid, const char *key)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	char *s = slurp(path, NULL);
	if (!s)
		return -1;
	long v = -1;
	size_t k = strlen(key);
	for (char *line = s; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, key, k) == 0 && line[k] == ':') {
			v = strtol(line + k + 1, NULL, 10);
			break;
		}
	}
	free(s);
	return v;
}

/* Counts threads and returns how many are not yet stopped (T/t) or dead (Z/X). */
static int unstopped_threads(int pid, int *threads, char *busy_state)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/task", pid);
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int running = 0, n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[320];
		snprintf(path, sizeof path, "/proc/%d/task/%s/stat", pid, e->d_name);
		char c = stat_state(path);
		if (!c)
			continue; /* the thread exited meanwhile */
		n++;
		if (c != 'T' && c != 't' && c != 'Z' && c != 'X') {
			running++;
			*busy_state = c;
		}
	}
	closedir(d);
	*threads = n;
	return running;
}

static void emit(uint64_t start, uint64_t end, unsigned cats)
{
	char f[8];
	int i = 0;
	if (cats & IS_PRESENT)
		f[i++] = 'P';
	if (cats & IS_SWAPPED)
		f[i++] = 'S';
	if (cats & IS_GUARD)
		f[i++] = 'G';
	if (cats & IS_HUGE)
		f[i++] = 'H';
	if (cats & IS_FILE)
		f[i++] = 'F';
	f[i] = 0;
	put("r %llx %llx %s\n", (unsigned long long)start, (unsigned long long)end, f);
}

static long regions;
static uint64_t pend_start, pend_end;
static unsigned pend_cats;

/* Merges adjacent runs with the same flags (the ioctl splits its output at its buffer's end). */
static void add_run(uint64_t start, uint64_t end, unsigned cats)
{
	if (pend_end == start && pend_cats == cats && pend_end != 0) {
		pend_end = end;
		return;
	}
	if (pend_end != 0) {
		emit(pend_start, pend_end, pend_cats);
		regions++;
	}
	pend_start = start;
	pend_end = end;
	pend_cats = cats;
}

static void flush_runs(void)
{
	if (pend_end != 0) {
		emit(pend_start, pend_end, pend_cats);
		regions++;
	}
	pend_end = 0;
}

/* PAGEMAP_SCAN over the whole user range; 0 on success, -1 when the kernel lacks it. */
static int scan_ioctl(int fd)
{
	enum { VEC = 4096 };
	static struct scan_region vec[VEC];
	unsigned anyof = IS_PRESENT | IS_SWAPPED | IS_GUARD;
	unsigned ret = IS_PRESENT | IS_SWAPPED | IS_GUARD | IS_HUGE | IS_FILE;
	uint64_t start = 0;
	while (start < USER_END) {
		struct scan_arg a = {
			.size = sizeof a,
			.start = start,
			.end = USER_END,
			.vec = (uint64_t)(uintptr_t)vec,
			.vec_len = VEC,
			.category_anyof_mask = anyof,
			.return_mask = ret,
		};
		long n = ioctl(fd, SCAN_IOCTL, &a);
		if (n < 0 && errno == EINVAL && (anyof & IS_GUARD)) {
			/* Kernels before guard regions (6.15) reject the unknown category. */
			anyof &= ~IS_GUARD;
			ret &= ~IS_GUARD;
			continue;
		}
		if (n < 0) {
			if (start == 0 && (errno == ENOTTY || errno == EINVAL || errno == EOPNOTSUPP))
				return -1;
			fail("EIO", "PAGEMAP_SCAN failed at 0x%llx: %s", (unsigned long long)start,
			     strerror(errno));
		}
		for (long i = 0; i < n; i++)
			add_run(vec[i].start, vec[i].end, (unsigned)vec[i].categories);
		if (a.walk_end <= start)
			break;
		start = a.walk_end;
	}
	flush_runs();
	return 0;
}

/* Plain pagemap reads over every mapping listed in /proc/PID/maps (kernels before 6.7). */
static void scan_reads(int fd, int pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	char *maps = slurp(path, NULL);
	if (!maps)
		fail("EIO", "cannot read %s: %s", path, strerror(errno));
	enum { CHUNK = 1 << 16 };
	static uint64_t ent[CHUNK];
	for (char *line = maps; *line;) {
		char *nl = strchr(line, '\n');
		unsigned long long s, e;
		if (sscanf(line, "%llx-%llx", &s, &e) == 2 && e <= USER_END) {
			for (uint64_t a = s; a < e;) {
				uint64_t pages = (e - a) / PAGE;
				if (pages > CHUNK)
					pages = CHUNK;
				ssize_t n = pread(fd, ent, pages * 8, (off_t)(a / PAGE * 8));
				if (n <= 0)
					fail("EIO", "pagemap read at 0x%llx: %s", (unsigned long long)a,
					     n < 0 ? strerror(errno) : "short read");
				for (ssize_t i = 0; i < n / 8; i++) {
					uint64_t v = ent[i];
					unsigned c = 0;
					if (v >> 63)
						c |= IS_PRESENT;
					if ((v >> 62) & 1)
						c |= IS_SWAPPED;
					if ((v >> 58) & 1)
						c |= IS_GUARD;
					if (c && ((v >> 61) & 1))
						c |= IS_FILE;
					if (c)
						add_run(a + (uint64_t)i * PAGE, a + (uint64_t)(i + 1) * PAGE, c);
				}
				a += (uint64_t)(n / 8) * PAGE;
			}
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	flush_runs();
	free(maps);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ptlab-scan [--no-freeze] [--max-freeze-ms N] [--method auto|scan|pagemap] "
		   "PID\n"
		   "Freezes PID (SIGSTOP until every thread is stopped), prints its smaps and the runs of\n"
		   "present, swapped or guard pages (format %d, described at the top of ptlab-scan.c),\n"
		   "then resumes it. Never writes to /proc.\n",
		FORMAT_VERSION);
}

int main(int argc, char **argv)
{
	int freeze = 1;
	long max_ms = 5000;
	const char *method = "auto";
	int pid = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--no-freeze")) {
			freeze = 0;
		} else if (!strcmp(argv[i], "--max-freeze-ms") && i + 1 < argc) {
			max_ms = strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--method") && i + 1 < argc) {
			method = argv[++i];
		} else if (argv[i][0] != '-' && !pid) {
			pid = atoi(argv[i]);
		} else {
			usage(stderr);
			printf("error USAGE unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (pid <= 0 || max_ms <= 0) {
		usage(stderr);
		printf("error USAGE a PID and a positive --max-freeze-ms are needed\n");
		return 2;
	}
	target = pid;

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);

	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	char state = stat_state(path);
	if (!state)
		fail("ESRCH", "no process %d", pid);
	if (state == 'Z' || state == 'X')
		fail("ZOMBIE", "process %d has exited (a zombie): it has no memory left to inspect", pid);
	if (status_kb(pid, "Kthread") == 1 || status_kb(pid, "VmPTE") < 0)
		fail("KTHREAD", "process %d is a kernel thread: it has no user page tables", pid);

	snprintf(path, sizeof path, "/proc/%d/pagemap", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ESRCH)
			fail("ESRCH", "no process %d", pid);
		fail("EPERM", "cannot read %s: %s (needs the same user as the process, or root)", path,
		     strerror(errno));
	}

	uint64_t t0 = now_us(), t_stopped = t0;
	int threads = 0;
	int frozen = 0;
	if (freeze && state != 'T' && state != 't') {
		struct itimerval it = { .it_value = { .tv_sec = max_ms / 1000,
						      .tv_usec = (max_ms % 1000) * 1000 } };
		setitimer(ITIMER_REAL, &it, NULL);
		must_resume = 1;
		if (kill(pid, SIGSTOP) < 0) {
			must_resume = 0;
			if (errno == ESRCH)
				fail("ESRCH", "no process %d", pid);
			fail("EPERM", "cannot stop process %d: %s (needs the same user, or root)", pid,
			     strerror(errno));
		}
		frozen = 1;
		for (;;) {
			char busy = '?';
			int left = unstopped_threads(pid, &threads, &busy);
			if (left < 0)
				fail("ESRCH", "process %d exited during the freeze", pid);
			if (left == 0)
				break;
			if (now_us() - t0 > (uint64_t)max_ms * 1000ULL)
				fail("TIMEOUT",
				     "%d of %d threads of process %d did not stop within %ld ms (one is "
				     "in state %c); it was resumed",
				     left, threads, pid, max_ms, busy);
			usleep(100);
		}
		t_stopped = now_us();
	} else {
		char busy;
		unstopped_threads(pid, &threads, &busy);
	}

	long before = status_kb(pid, "VmPTE");
	snprintf(path, sizeof path, "/proc/%d/smaps", pid);
	size_t smaps_len = 0;
	char *smaps = slurp(path, &smaps_len);
	if (!smaps)
		fail(errno == EACCES || errno == EPERM ? "EPERM" : "ESRCH", "cannot read %s: %s", path,
		     strerror(errno));
	const char *used = "pagemap_scan";
	if (!strcmp(method, "pagemap") || (strcmp(method, "scan") && scan_ioctl(fd) < 0)) {
		if (!strcmp(method, "scan"))
			fail("EIO", "this kernel has no PAGEMAP_SCAN (6.7+)");
		used = "pagemap";
		scan_reads(fd, pid);
	}
	long after = status_kb(pid, "VmPTE");
	uint64_t t1 = now_us();
	resume();
	struct itimerval off = { 0 };
	setitimer(ITIMER_REAL, &off, NULL);
	if (before < 0 || after < 0)
		fail("ESRCH", "process %d exited during the scan", pid);

	printf("ptlab-scan %d\npid %d\nmethod %s\nstate %c\nfrozen %d\nthreads %d\n", FORMAT_VERSION,
	       pid, used, state, frozen, threads);
	printf("stop_wait_us %llu\nfreeze_us %llu\n", (unsigned long long)(t_stopped - t0),
	       (unsigned long long)(frozen ? t1 - t0 : 0));
	printf("vmpte_before_kb %ld\nvmpte_after_kb %ld\nsmaps_begin\n", before, after);
	fwrite(smaps, 1, smaps_len, stdout);
	if (smaps_len && smaps[smaps_len - 1] != '\n')
		putchar('\n');
	printf("smaps_end\n");
	fwrite(obuf, 1, olen, stdout);
	printf("end %ld\n", regions);
	return fflush(stdout) == 0 ? 0 : 1;
}
