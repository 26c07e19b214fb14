/*
 * ptlab-record: runs a command under ptrace and records what its page tables need for a replay
 * (issue #8): a tracefs instance of its own traces the syscalls that change mappings, page faults
 * on user addresses and new tasks of the command and every child; at each exec stop the launcher
 * snapshots the new image with ptlab-scan; every --interval-ms and at each thread's exit stop it
 * reads VmPTE and writes it into trace_marker, so samples and events share one clock (mono).
 * Root only (tracefs, ptrace of children is fine but tracefs is not).
 *
 * Usage: ptlab-record --scan SCAN_HELPER --raw FILE --meta FILE [--interval-ms N]
 *                     [--buffer-kb N] [--tracefs DIR] -- CMD [ARGS...]
 *        ptlab-record --help
 *
 * --raw receives the instance's trace_pipe text verbatim. --meta (format 1), one record a line:
 *   ptlab-record 1
 *   clock mono
 *   event NAME                    an event enabled (syscalls:sys_enter_mmap, ...)
 *   missing NAME                  an event this kernel lacks
 *   child PID                     the command's process id
 *   snapshot PID SEQ              then ptlab-scan's output verbatim, then
 *   snapshot_end
 *   exit PID CODE                 a traced process ended (CODE: exit status, or 128+signal)
 *   lost CPU N                    events this CPU's buffer lost (overrun + dropped)
 *   end STATUS                    the command's exit status
 * Markers in the trace: `ptlab_snapshot seq=N pid=P` and
 *   `ptlab_sample seq=N pid=P tid=T vmpte_kb=V read_ns=R exit=0|1` (R: CLOCK_MONOTONIC before
 *   the read; the model state must match somewhere between R and the marker's own timestamp).
 * Exit status: the command's (or 128+signal), 2 on a usage or setup error (message on stderr).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FORMAT_VERSION 1
#define MAX_TASKS 65536

static const char *syscalls[] = { "mmap",	 "munmap",	"mremap",	  "brk",
				  "madvise",	 "process_madvise", "mprotect", "pkey_mprotect",
				  "prctl",	 "clone",	"clone3",	  "fork",
				  "vfork",	 "execve",	"execveat",	  "exit",
				  "exit_group",	 "mlock",	"mlock2",	  "munlock",
				  "mlockall",	 "munlockall",	"shmget",	  "shmat",
				  "shmdt",	 "remap_file_pages", "read",	  "write",
				  "pread64",	 "pwrite64" };

static char tracefs[256] = "/sys/kernel/tracing";
static char inst[512];
static FILE *meta;
static int marker_fd = -1;
static volatile int stop_reader;
static volatile sig_atomic_t interrupted;
static pid_t command_pid;

/* Ctrl-C reaches the command through the terminal; the launcher stays to finish the trace. */
static void on_signal(int sig)
{
	interrupted = sig;
	if (sig != SIGINT && command_pid > 0)
		kill(command_pid, sig);
}
static int raw_fd = -1;
static unsigned long long seq;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "ptlab-record: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	if (inst[0]) {
		char p[600];
		snprintf(p, sizeof p, "%s/tracing_on", inst);
		int fd = open(p, O_WRONLY);
		if (fd >= 0) {
			ssize_t w = write(fd, "0", 1);
			(void)w;
			close(fd);
		}
		rmdir(inst);
	}
	exit(2);
}

static int write_file(const char *dir, const char *name, const char *value)
{
	char p[700];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, value, strlen(value));
	close(fd);
	return n < 0 ? -1 : 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long vmpte_kb(int pid)
{
	char p[64], buf[4096];
	snprintf(p, sizeof p, "/proc/%d/status", pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *s = strstr(buf, "\nVmPTE:");
	return s ? strtol(s + 7, NULL, 10) : -1;
}

static int tgid_of(int tid)
{
	char p[64], buf[512];
	snprintf(p, sizeof p, "/proc/%d/status", tid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tid;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return tid;
	buf[n] = 0;
	char *s = strstr(buf, "\nTgid:");
	return s ? (int)strtol(s + 6, NULL, 10) : tid;
}

static void marker(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (marker_fd >= 0 && n > 0) {
		ssize_t w = write(marker_fd, buf, (size_t)n);
		(void)w;
	}
}

/* Tracees: tid -> tgid, and which tids were seen (a new tracee's first stop is its SIGSTOP). */
static struct {
	int tid, tgid, seen;
} tasks[MAX_TASKS];
static int ntasks;

static int task_index(int tid, int create)
{
	for (int i = 0; i < ntasks; i++)
		if (tasks[i].tid == tid)
			return i;
	if (!create || ntasks == MAX_TASKS)
		return -1;
	tasks[ntasks].tid = tid;
	tasks[ntasks].tgid = tgid_of(tid);
	tasks[ntasks].seen = 0;
	return ntasks++;
}

static void task_drop(int tid)
{
	int i = task_index(tid, 0);
	if (i >= 0)
		tasks[i] = tasks[--ntasks];
}

static void sample(int tid, int tgid, int at_exit)
{
	uint64_t t = mono_ns();
	long v = vmpte_kb(at_exit ? tid : tgid);
	if (v < 0)
		return;
	marker("ptlab_sample seq=%llu pid=%d tid=%d vmpte_kb=%ld read_ns=%llu exit=%d", ++seq, tgid,
	       tid, v, (unsigned long long)t, at_exit);
}

static void sample_all(void)
{
	/* One sample per process: the first task seen of each tgid. */
	for (int i = 0; i < ntasks; i++) {
		int first = 1;
		for (int j = 0; j < i; j++)
			if (tasks[j].tgid == tasks[i].tgid)
				first = 0;
		if (first)
			sample(tasks[i].tid, tasks[i].tgid, 0);
	}
}

static void snapshot(const char *scan, int pid)
{
	int fds[2];
	if (pipe(fds) < 0)
		die("pipe: %s", strerror(errno));
	unsigned long long n = ++seq;
	marker("ptlab_snapshot seq=%llu pid=%d", n, pid);
	pid_t c = fork();
	if (c == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		char p[16];
		snprintf(p, sizeof p, "%d", pid);
		execl(scan, scan, "--no-freeze", p, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	fprintf(meta, "snapshot %d %llu\n", pid, n);
	char buf[65536];
	ssize_t r;
	int last_nl = 1;
	while ((r = read(fds[0], buf, sizeof buf)) > 0) {
		fwrite(buf, 1, (size_t)r, meta);
		last_nl = buf[r - 1] == '\n';
	}
	close(fds[0]);
	int st;
	waitpid(c, &st, 0);
	fprintf(meta, "%ssnapshot_end\n", last_nl ? "" : "\n");
	fflush(meta);
}

static void *reader(void *arg)
{
	(void)arg;
	char p[600];
	snprintf(p, sizeof p, "%s/trace_pipe", inst);
	int fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s: %s", p, strerror(errno));
	static char buf[1 << 20];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n > 0) {
			if (write(raw_fd, buf, (size_t)n) != n)
				die("writing the raw trace: %s", strerror(errno));
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			die("reading %s: %s", p, strerror(errno));
		if (stop_reader)
			break;
		usleep(2000);
	}
	close(fd);
	return NULL;
}

static void enable_event(const char *sys, const char *name, const char *filter)
{
	char dir[800];
	snprintf(dir, sizeof dir, "%s/events/%s/%s", inst, sys, name);
	struct stat sb;
	if (stat(dir, &sb) < 0) {
		fprintf(meta, "missing %s:%s\n", sys, name);
		return;
	}
	if (filter && write_file(dir, "filter", filter) < 0)
		die("cannot set the filter of %s:%s", sys, name);
	if (write_file(dir, "enable", "1") < 0)
		die("cannot enable %s:%s: %s", sys, name, strerror(errno));
	fprintf(meta, "event %s:%s\n", sys, name);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ptlab-record --scan SCAN_HELPER --raw FILE --meta FILE [--interval-ms N]\n"
		"                    [--buffer-kb N] [--tracefs DIR] -- CMD [ARGS...]\n"
		"Runs CMD under ptrace with a tracefs instance of its own (root); writes the trace text\n"
		"to --raw and snapshots, exits and lost-event counts to --meta (format %d, described at\n"
		"the top of ptlab-record.c).\n",
		FORMAT_VERSION);
}

int main(int argc, char **argv)
{
	const char *scan = NULL, *raw = NULL, *metap = NULL;
	long interval_ms = 5, buffer_kb = 32768;
	int i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (i + 1 < argc && !strcmp(argv[i], "--scan")) {
			scan = argv[++i];
		} else if (i + 1 < argc && !strcmp(argv[i], "--raw")) {
			raw = argv[++i];
		} else if (i + 1 < argc && !strcmp(argv[i], "--meta")) {
			metap = argv[++i];
		} else if (i + 1 < argc && !strcmp(argv[i], "--interval-ms")) {
			interval_ms = strtol(argv[++i], NULL, 10);
		} else if (i + 1 < argc && !strcmp(argv[i], "--buffer-kb")) {
			buffer_kb = strtol(argv[++i], NULL, 10);
		} else if (i + 1 < argc && !strcmp(argv[i], "--tracefs")) {
			snprintf(tracefs, sizeof tracefs, "%s", argv[++i]);
		} else {
			usage(stderr);
			die("unknown argument '%s'", argv[i]);
		}
	}
	if (!scan || !raw || !metap || i >= argc || interval_ms <= 0 || buffer_kb <= 0) {
		usage(stderr);
		die("--scan, --raw, --meta and a command are needed");
	}
	char **cmd = argv + i;

	char probe[600];
	snprintf(probe, sizeof probe, "%s/instances", tracefs);
	struct stat sb;
	if (stat(probe, &sb) < 0 && mount("nodev", tracefs, "tracefs", 0, NULL) < 0)
		die("tracefs is not mounted at %s and mounting it failed: %s (root is needed)", tracefs,
		    strerror(errno));
	snprintf(inst, sizeof inst, "%s/instances/ptlab-record-%d", tracefs, (int)getpid());
	if (mkdir(inst, 0700) < 0) {
		int e = errno;
		inst[0] = 0;
		die("cannot create the tracefs instance: %s (root is needed)", strerror(e));
	}
	meta = fopen(metap, "w");
	raw_fd = open(raw, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (!meta || raw_fd < 0)
		die("cannot write the output files: %s", strerror(errno));
	fprintf(meta, "ptlab-record %d\nclock mono\n", FORMAT_VERSION);

	char num[32];
	snprintf(num, sizeof num, "%ld", buffer_kb);
	if (write_file(inst, "trace_clock", "mono") < 0 || write_file(inst, "buffer_size_kb", num) < 0)
		die("cannot configure the tracefs instance");
	write_file(inst, "options/event-fork", "1");
	write_file(inst, "options/function-fork", "0");
	char mp[700];
	snprintf(mp, sizeof mp, "%s/trace_marker", inst);
	marker_fd = open(mp, O_WRONLY | O_CLOEXEC);
	if (marker_fd < 0)
		die("cannot open %s: %s", mp, strerror(errno));

	pid_t child = fork();
	if (child < 0)
		die("fork: %s", strerror(errno));
	if (child == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		execvp(cmd[0], cmd);
		fprintf(stderr, "ptlab-record: cannot run %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	command_pid = child;
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	int st;
	if (waitpid(child, &st, 0) < 0 || !WIFSTOPPED(st))
		die("the command did not start");
	ptrace(PTRACE_SETOPTIONS, child, 0,
	       PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
		       PTRACE_O_TRACEVFORK | PTRACE_O_EXITKILL);
	fprintf(meta, "child %d\n", (int)child);
	snprintf(num, sizeof num, "%d", (int)child);
	if (write_file(inst, "set_event_pid", num) < 0)
		die("cannot set set_event_pid");
	for (size_t k = 0; k < sizeof syscalls / sizeof syscalls[0]; k++) {
		char n[64];
		snprintf(n, sizeof n, "sys_enter_%s", syscalls[k]);
		enable_event("syscalls", n, NULL);
		snprintf(n, sizeof n, "sys_exit_%s", syscalls[k]);
		enable_event("syscalls", n, NULL);
	}
	enable_event("exceptions", "page_fault_user", NULL);
	enable_event("exceptions", "page_fault_kernel", "address < 0x800000000000");
	enable_event("task", "task_newtask", NULL);
	enable_event("huge_memory", "mm_collapse_huge_page", NULL);
	fflush(meta);
	if (write_file(inst, "tracing_on", "1") < 0)
		die("cannot start tracing");
	pthread_t th;
	if (pthread_create(&th, NULL, reader, NULL) != 0)
		die("pthread_create failed");

	task_index(child, 1);
	tasks[0].seen = 1;
	ptrace(PTRACE_CONT, child, 0, 0);
	int status_code = 0;
	uint64_t next = mono_ns() + (uint64_t)interval_ms * 1000000ULL;
	for (;;) {
		pid_t w = waitpid(-1, &st, __WALL | WNOHANG);
		if (w == 0) {
			uint64_t now = mono_ns();
			if (now >= next) {
				sample_all();
				next = now + (uint64_t)interval_ms * 1000000ULL;
			}
			usleep(200);
			continue;
		}
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: every tracee is gone */
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			int ti = task_index(w, 0);
			if (ti >= 0 && tasks[ti].tgid == w)
				fprintf(meta, "exit %d %d\n", (int)w, code);
			if (w == child)
				status_code = code;
			task_drop(w);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		int ti = task_index(w, 1);
		int sig = WSTOPSIG(st);
		int event = st >> 16;
		int deliver = 0;
		if (sig == SIGTRAP && event == PTRACE_EVENT_EXEC) {
			/* After exec the tid is the tgid; other threads are gone. */
			if (ti >= 0)
				tasks[ti].tgid = w;
			snapshot(scan, w);
			sample(w, w, 0);
		} else if (sig == SIGTRAP && event == PTRACE_EVENT_EXIT) {
			if (ti >= 0)
				sample(w, tasks[ti].tgid, 1);
		} else if (sig == SIGTRAP &&
			   (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK ||
			    event == PTRACE_EVENT_VFORK)) {
			/* the new task reports its own first stop */
		} else if (sig == SIGSTOP && ti >= 0 && !tasks[ti].seen) {
			/* a new tracee's initial stop */
		} else {
			deliver = sig == SIGTRAP ? 0 : sig;
		}
		if (ti >= 0)
			tasks[ti].seen = 1;
		ptrace(PTRACE_CONT, w, 0, deliver);
	}

	write_file(inst, "tracing_on", "0");
	usleep(20000);
	stop_reader = 1;
	pthread_join(th, NULL);
	/* Lost events per CPU: overrun (overwritten) plus dropped (buffer full). */
	for (int cpu = 0; cpu < 4096; cpu++) {
		char sp[700];
		snprintf(sp, sizeof sp, "%s/per_cpu/cpu%d/stats", inst, cpu);
		FILE *f = fopen(sp, "r");
		if (!f)
			break;
		char line[256];
		unsigned long long lost = 0;
		while (fgets(line, sizeof line, f)) {
			unsigned long long v;
			if (sscanf(line, "overrun: %llu", &v) == 1 ||
			    sscanf(line, "dropped events: %llu", &v) == 1)
				lost += v;
		}
		fclose(f);
		fprintf(meta, "lost %d %llu\n", cpu, lost);
	}
	close(marker_fd);
	if (rmdir(inst) < 0)
		fprintf(stderr, "ptlab-record: could not remove %s: %s\n", inst, strerror(errno));
	fprintf(meta, "end %d\n", status_code);
	fclose(meta);
	close(raw_fd);
	return status_code;
}
