/*
 * Kernel Lab's native helper for the kernel oracle (issue 10): the few syscalls Node cannot make.
 *
 * Built on first use by src-main/oracle/native.ts with the system's C compiler (cc -O2, this single file,
 * libc headers only: the kernel UAPI layouts it needs are declared below so that no kernel headers are needed).
 *
 * Protocol: one request per line on stdin, one response per line on stdout, in order.
 *   request:  <command> key=value key=value ...      values are decimal integers or lowercase hex byte strings
 *   response: ok key=value ...  |  err errno=<n> what=<word> [key=value ...]
 * Byte strings (programs, logs, data, text) are always hex, so a response is exactly one line.
 *
 * Commands:
 *   hello                                                   -> ok proto=1 euid=N
 *   reset                                                   -> ok   (closes this session's maps and program)
 *   map_create type= key_size= value_size= max_entries= flags=    -> ok fd=N index=I
 *   map_update key=hex value=hex flags=                     -> ok   (BPF_MAP_UPDATE_ELEM on the last created map)
 *   map_lookup index=I key=hex                              -> ok value=hex | err errno= what=map_lookup
 *                  (BPF_MAP_LOOKUP_ELEM on map I of this session: a hash, array, LRU hash or LPM trie, so the
 *                   value is value_size bytes; read after a test run to see what the program wrote)
 *   prog_load type= insns=hex log_level= log_size= flags= attach= name=hex use_maps=0|1
 *                                                           -> ok fd=N log=hex true_size=N truncated=0|1 | err errno= what=prog_load log=hex ...
 *                  (truncated=1: the log overflowed log_size; the verdict is then that of a second load without a log)
 *                  (use_maps=1 passes the maps created since the last reset as fd_array, in creation order, then
 *                   -1 up to index 32767;
 *                   a session holds one program: loading another closes the previous one)
 *   test_run repeat= ctx_in=hex data_in=hex data_size_out= ctx_size_out=   (the program last loaded; see the allow-list)
 *                                                           -> ok retval=N duration=N data_out=hex ctx_out=hex ctx_after=hex
 *   close fd=                                               -> ok
 *   secret_probe pages=N                                    -> ok before=hex touched=hex after=hex pfns=hex
 *                  (pfns: the pages' frame numbers from /proc/self/pagemap, hex text separated by spaces, for at
 *                   most 4096 pages; 0 where the kernel hides them without CAP_SYS_ADMIN)
 *   uring_probe op=nop|read count=N batch=N                 -> ok ns_per_op=N ops=N  (process CPU time)
 *   pread_probe count=N                                     -> ok ns_per_op=N ops=N  (process CPU time)
 *
 * Arguments: --parent=PID (the helper dies with SIGKILL when that parent does: PR_SET_PDEATHSIG; it exits at once
 * if the parent is already gone) and --trusted (the project's own programs, never a script's).
 *
 * The allow-list (src-main/oracle/policy.ts checks it first and names what it refuses; this is the second line,
 * should a bug let a program past it; a unit test holds the lists below equal to policy.ts's):
 *   prog_load: the program type must be in load_types; no helper of load_refused_helpers (but --trusted); ld_imm64 only of a
 *              constant, a subprogram (BPF_PSEUDO_FUNC) or a map this helper created (BPF_PSEUDO_MAP_IDX[_VALUE]
 *              below nmaps): never a host fd (BPF_PSEUDO_MAP_FD/VALUE) or a kernel variable (BPF_PSEUDO_BTF_ID).
 *   test_run:  only the last program loaded, only if its type is in run_types, every helper it calls is in
 *              run_helpers, and it has no kfunc call and no may_goto (--trusted: kfuncs, may_goto and
 *              trusted_helpers too); flags and cpu are always 0 (no BPF_F_TEST_RUN_ON_CPU, no
 *              BPF_F_TEST_XDP_LIVE_FRAMES); repeat at most MAX_REPEAT.
 *   map_create: only map_types, within the size caps, with allowed flags.
 * A refusal answers `err errno=1 what=policy_<what>`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#ifndef __NR_bpf
#if defined(__x86_64__)
#define __NR_bpf 321
#elif defined(__aarch64__)
#define __NR_bpf 280
#endif
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif
#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif
#ifndef __NR_memfd_create
#if defined(__x86_64__)
#define __NR_memfd_create 319
#elif defined(__aarch64__)
#define __NR_memfd_create 279
#endif
#endif

/* ---- UAPI layouts (include/uapi/linux/bpf.h, io_uring.h), declared here so only libc headers are needed ---- */

enum { BPF_MAP_CREATE_CMD = 0, BPF_MAP_LOOKUP_ELEM_CMD = 1, BPF_MAP_UPDATE_ELEM_CMD = 2, BPF_PROG_LOAD_CMD = 5, BPF_PROG_TEST_RUN_CMD = 10, BPF_OBJ_GET_INFO_BY_FD_CMD = 15 };

struct map_create_attr {
	uint32_t map_type, key_size, value_size, max_entries, map_flags, inner_map_fd, numa_node;
	char map_name[16];
};

struct map_elem_attr {
	uint32_t map_fd, pad;
	uint64_t key, value, flags;
};

struct prog_load_attr {
	uint32_t prog_type, insn_cnt;
	uint64_t insns, license;
	uint32_t log_level, log_size;
	uint64_t log_buf;
	uint32_t kern_version, prog_flags;
	char prog_name[16];
	uint32_t prog_ifindex, expected_attach_type, prog_btf_fd, func_info_rec_size;
	uint64_t func_info;
	uint32_t func_info_cnt, line_info_rec_size;
	uint64_t line_info;
	uint32_t line_info_cnt, attach_btf_id, attach_prog_fd, core_relo_cnt;
	uint64_t fd_array, core_relos;
	uint32_t core_relo_rec_size, log_true_size;
};

struct test_run_attr {
	uint32_t prog_fd, retval, data_size_in, data_size_out;
	uint64_t data_in, data_out;
	uint32_t repeat, duration, ctx_size_in, ctx_size_out;
	uint64_t ctx_in, ctx_out;
	uint32_t flags, cpu, batch_size;
};

union bpf_attr_buf {
	struct map_create_attr map;
	struct map_elem_attr elem;
	struct prog_load_attr load;
	struct test_run_attr test;
	unsigned char pad[256]; /* the kernel accepts a larger attr whose tail is zero */
};

_Static_assert(sizeof(struct prog_load_attr) == 144, "prog_load_attr layout");
_Static_assert(sizeof(struct test_run_attr) == 80, "test_run_attr layout");

struct sqring_offsets { uint32_t head, tail, ring_mask, ring_entries, flags, dropped, array, resv1; uint64_t user_addr; };
struct cqring_offsets { uint32_t head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1; uint64_t user_addr; };
struct uring_params {
	uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3];
	struct sqring_offsets sq_off;
	struct cqring_offsets cq_off;
};
struct uring_sqe {
	uint8_t opcode, flags;
	uint16_t ioprio;
	int32_t fd;
	uint64_t off, addr;
	uint32_t len, rw_flags;
	uint64_t user_data;
	uint16_t buf_index, personality;
	int32_t splice_fd_in;
	uint64_t addr3, pad2;
};
struct uring_cqe { uint64_t user_data; int32_t res; uint32_t flags; };
_Static_assert(sizeof(struct uring_params) == 120, "io_uring_params layout");
_Static_assert(sizeof(struct uring_sqe) == 64, "io_uring_sqe layout");

#define IORING_OFF_SQ_RING 0ULL
#define IORING_OFF_CQ_RING 0x8000000ULL
#define IORING_OFF_SQES 0x10000000ULL
#define IORING_FEAT_SINGLE_MMAP (1U << 0)
#define IORING_ENTER_GETEVENTS (1U << 0)
#define IORING_OP_NOP 0
#define IORING_OP_READ 22

/* ---- request parsing ---- */

#define MAX_ARGS 32
struct arg { char *key; char *val; };
static struct arg args[MAX_ARGS];
static int nargs;

static const char *arg_str(const char *key)
{
	for (int i = 0; i < nargs; i++)
		if (strcmp(args[i].key, key) == 0)
			return args[i].val;
	return NULL;
}

static long long arg_int(const char *key, long long dflt)
{
	const char *v = arg_str(key);
	return v && *v ? strtoll(v, NULL, 0) : dflt;
}

/* Decodes the hex value of key into a fresh buffer (NULL, len 0 when absent); -1 on bad hex. */
static int arg_hex(const char *key, unsigned char **out, size_t *len)
{
	const char *v = arg_str(key);
	*out = NULL;
	*len = 0;
	if (!v || !*v)
		return 0;
	size_t n = strlen(v);
	if (n % 2)
		return -1;
	unsigned char *b = malloc(n / 2 + 1);
	if (!b)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned hi, lo;
		char c1 = v[2 * i], c2 = v[2 * i + 1];
		hi = c1 >= '0' && c1 <= '9' ? (unsigned)(c1 - '0') : c1 >= 'a' && c1 <= 'f' ? (unsigned)(c1 - 'a' + 10) : 99;
		lo = c2 >= '0' && c2 <= '9' ? (unsigned)(c2 - '0') : c2 >= 'a' && c2 <= 'f' ? (unsigned)(c2 - 'a' + 10) : 99;
		if (hi > 15 || lo > 15) {
			free(b);
			return -1;
		}
		b[i] = (unsigned char)(hi << 4 | lo);
	}
	*out = b;
	*len = n / 2;
	return 0;
}

static void put_hex(const char *key, const void *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = data;
	printf(" %s=", key);
	for (size_t i = 0; i < len; i++) {
		putchar(digits[p[i] >> 4]);
		putchar(digits[p[i] & 15]);
	}
}

static void reply_err(int err, const char *what)
{
	printf("err errno=%d what=%s\n", err, what);
}

static long sys_bpf(int cmd, union bpf_attr_buf *attr)
{
#ifdef __NR_bpf
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
#else
	(void)cmd;
	(void)attr;
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * CPU time of this process (every thread, io-wq workers included): what the probes time. Unlike wall time it does
 * not count the time other tasks on a loaded machine run instead of us.
 */
static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- the allow-list (policy.ts) ---- */

static const int load_types[] = { 1, 2, 3, 4, 5, 6, 7, 8, 17, 22, 31 };
static const int run_types[] = { 1, 3, 4, 6, 8, 17, 22, 31 };
static const int run_helpers[] = { 1, 2, 3, 9, 10, 11, 18, 19, 26, 28, 31, 32, 34, 38, 39, 40, 41, 43, 44, 48, 50, 54,
				   65, 68, 87, 88, 89, 93, 94, 97, 105, 106, 130, 131, 132, 133, 134, 135, 182, 188,
				   189, 190, 197, 198, 199, 200, 201, 202, 203 };
static const int trusted_helpers[] = { 164, 181 };
static const int load_refused_helpers[] = { 6, 36, 177 };
static const int map_types[] = { 1, 2, 5, 6, 9, 10, 11, 22, 23, 27 };
#define MAX_REPEAT 1000000
#define MAP_KEY_MAX 512
#define MAP_VALUE_MAX (64 << 10)
#define MAP_ENTRIES_MAX (1 << 20)
#define MAP_BYTES_MAX (64ULL << 20)
#define MAP_FLAGS_ALLOWED (0x1 | 0x2 | 0x80 | 0x100 | 0x400)
#define EPERM_POLICY 1

static int trusted;

#define IN(list, v) in_list(list, (int)(sizeof(list) / sizeof((list)[0])), v)
static int in_list(const int *list, int n, int v)
{
	for (int i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

/* ---- BPF ---- */

#define MAX_MAPS 64
/* The fd_array: the maps in creation order, then -1 (no fd) up to the largest index an instruction can name (a
 * kfunc call's s16 off), so an index past the maps reads "no fd" whatever ran before, not a stale or stray value. */
#define FD_ARRAY_SLOTS 32768
static int map_fds[FD_ARRAY_SLOTS];
static int nmaps;
/* Type, key_size and value_size of each map of map_fds, for map_lookup. */
static uint32_t map_type_of[MAX_MAPS], map_key_size[MAX_MAPS], map_value_size[MAX_MAPS];
static int prog_fd = -1;
/* Whether the loaded program may be test-run (run_types, run_helpers, no kfunc, no may_goto). */
static int prog_runnable;

static void cmd_reset(void)
{
	for (int i = 0; i < nmaps; i++) {
		if (map_fds[i] >= 0)
			close(map_fds[i]);
		map_fds[i] = -1;
	}
	nmaps = 0;
	if (prog_fd >= 0)
		close(prog_fd);
	prog_fd = -1;
	prog_runnable = 0;
	printf("ok\n");
}

static void cmd_map_create(void)
{
	union bpf_attr_buf a;
	memset(&a, 0, sizeof(a));
	a.map.map_type = (uint32_t)arg_int("type", 2);
	a.map.key_size = (uint32_t)arg_int("key_size", 4);
	a.map.value_size = (uint32_t)arg_int("value_size", 8);
	a.map.max_entries = (uint32_t)arg_int("max_entries", 1);
	a.map.map_flags = (uint32_t)arg_int("flags", 0);
	uint64_t bytes = a.map.map_type == 27 ? a.map.max_entries : ((uint64_t)a.map.key_size + a.map.value_size) * a.map.max_entries;
	if (!IN(map_types, (int)a.map.map_type) || a.map.key_size > MAP_KEY_MAX || a.map.value_size > MAP_VALUE_MAX ||
	    a.map.max_entries > MAP_ENTRIES_MAX || bytes > MAP_BYTES_MAX || (a.map.map_flags & ~(uint32_t)MAP_FLAGS_ALLOWED)) {
		reply_err(EPERM_POLICY, "policy_map");
		return;
	}
	if (nmaps >= MAX_MAPS) {
		reply_err(EMFILE, "map_create");
		return;
	}
	long fd = sys_bpf(BPF_MAP_CREATE_CMD, &a);
	if (fd < 0) {
		reply_err(errno, "map_create");
		return;
	}
	map_type_of[nmaps] = a.map.map_type;
	map_key_size[nmaps] = a.map.key_size;
	map_value_size[nmaps] = a.map.value_size;
	map_fds[nmaps++] = (int)fd;
	printf("ok fd=%ld index=%d\n", fd, nmaps - 1);
}

/* Maps whose BPF_MAP_LOOKUP_ELEM value is value_size bytes: hash, array, LRU hash, LPM trie (not the per-CPU ones,
 * whose value is one per possible CPU, nor queue, stack or ring buffer, which have no key). */
static const int lookup_types[] = { 1, 2, 9, 11 };

static void cmd_map_lookup(void)
{
	long long index = arg_int("index", -1);
	unsigned char *key;
	size_t key_len;
	if (index < 0 || index >= nmaps || map_fds[index] < 0) {
		reply_err(EBADF, "map_lookup");
		return;
	}
	if (!IN(lookup_types, (int)map_type_of[index])) {
		reply_err(EINVAL, "map_lookup");
		return;
	}
	if (arg_hex("key", &key, &key_len) < 0 || key_len != map_key_size[index]) {
		free(key);
		reply_err(EINVAL, "map_lookup");
		return;
	}
	unsigned char *value = calloc(1, map_value_size[index] + 1);
	if (!value) {
		free(key);
		reply_err(ENOMEM, "map_lookup");
		return;
	}
	union bpf_attr_buf a;
	memset(&a, 0, sizeof(a));
	a.elem.map_fd = (uint32_t)map_fds[index];
	a.elem.key = (uint64_t)(uintptr_t)key;
	a.elem.value = (uint64_t)(uintptr_t)value;
	if (sys_bpf(BPF_MAP_LOOKUP_ELEM_CMD, &a) < 0) {
		reply_err(errno, "map_lookup");
	} else {
		printf("ok");
		put_hex("value", value, map_value_size[index]);
		printf("\n");
	}
	free(key);
	free(value);
}

/* Per-CPU maps: hash, array, LRU hash. */
static const int percpu_types[] = { 5, 6, 10 };

/* The number of possible CPUs, from /sys/devices/system/cpu/possible ("0-N" or "0"), as libbpf counts them;
 * 0 when it cannot be read. */
static int possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	int lo = 0, hi = -1, n = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%d-%d", &lo, &hi) == 2)
		n = hi - lo + 1;
	else if (lo == 0)
		n = 1;
	fclose(f);
	return n > 0 ? n : 0;
}

static void cmd_map_update(void)
{
	unsigned char *key, *value;
	size_t key_len, value_len;
	if (nmaps == 0 || map_fds[nmaps - 1] < 0) {
		reply_err(EBADF, "map_update");
		return;
	}
	if (arg_hex("key", &key, &key_len) < 0 || arg_hex("value", &value, &value_len) < 0) {
		free(key);
		reply_err(EINVAL, "bad_hex");
		return;
	}
	/* BPF_MAP_UPDATE_ELEM reads key_size and value_size bytes (a per-CPU map's value: round_up(value_size, 8) per
	 * possible CPU, as libbpf sizes it): shorter buffers would let the kernel read past them. */
	size_t want = map_value_size[nmaps - 1];
	if (IN(percpu_types, (int)map_type_of[nmaps - 1])) {
		int cpus = possible_cpus();
		want = cpus > 0 ? ((want + 7) & ~(size_t)7) * (size_t)cpus : 0;
	}
	if (key_len != map_key_size[nmaps - 1] || want == 0 || value_len != want) {
		free(key);
		free(value);
		reply_err(EINVAL, "map_update");
		return;
	}
	union bpf_attr_buf a;
	memset(&a, 0, sizeof(a));
	a.elem.map_fd = (uint32_t)map_fds[nmaps - 1];
	a.elem.key = (uint64_t)(uintptr_t)key;
	a.elem.value = (uint64_t)(uintptr_t)value;
	a.elem.flags = (uint64_t)arg_int("flags", 0);
	if (sys_bpf(BPF_MAP_UPDATE_ELEM_CMD, &a) < 0)
		reply_err(errno, "map_update");
	else
		printf("ok\n");
	free(key);
	free(value);
}

/*
 * Checks a program against the allow-list before BPF_PROG_LOAD: returns NULL when it may load (and sets
 * *runnable when it may also be test-run), else the word of the refusal.
 */
static const char *check_prog(int type, const unsigned char *insns, size_t len, int *runnable)
{
	*runnable = IN(run_types, type);
	if (!IN(load_types, type))
		return "policy_prog_type";
	if (len % 8)
		return "policy_insns";
	for (size_t p = 0; p < len; p += 8) {
		uint8_t code = insns[p], src = insns[p + 1] >> 4;
		int32_t imm;
		memcpy(&imm, insns + p + 4, 4);
		if (code == 0x85) {
			if (src == 0) {
				if (!trusted && IN(load_refused_helpers, imm))
					return "policy_helper";
				if (!IN(run_helpers, imm) && !(trusted && IN(trusted_helpers, imm)))
					*runnable = 0;
			} else if (src == 2) {
				if (!trusted)
					*runnable = 0;
			} else if (src != 1) {
				return "policy_call";
			}
		} else if (code == 0xe5) {
			if (!trusted)
				*runnable = 0;
		} else if (code == 0x18) {
			if (src == 5 || src == 6) {
				if (imm < 0 || imm >= nmaps)
					return "policy_map_index";
			} else if (src != 0 && src != 4) {
				return "policy_ldimm64"; /* a host fd (1, 2), a kernel variable (3), anything newer */
			}
			p += 8;
		}
	}
	return NULL;
}

static void cmd_prog_load(void)
{
	unsigned char *insns, *name, *lic;
	size_t insns_len, name_len, lic_len;
	if (arg_hex("insns", &insns, &insns_len) < 0 || arg_hex("name", &name, &name_len) < 0 ||
	    arg_hex("license", &lic, &lic_len) < 0) {
		free(insns);
		free(name);
		reply_err(EINVAL, "bad_hex");
		return;
	}
	/* The program's license string (default "GPL"): kfuncs and gpl_only helpers need a GPL-compatible one. */
	char license[128] = "GPL";
	if (lic) {
		size_t n = lic_len < sizeof(license) - 1 ? lic_len : sizeof(license) - 1;
		memcpy(license, lic, n);
		license[n] = 0;
		free(lic);
	}
	long long log_size = arg_int("log_size", 16 << 20);
	if (log_size < 0 || log_size > (16 << 20))
		log_size = 16 << 20;
	char *log = log_size ? calloc(1, (size_t)log_size) : NULL;
	if (log_size && !log) {
		free(insns);
		free(name);
		reply_err(ENOMEM, "log_alloc");
		return;
	}
	if (prog_fd >= 0)
		close(prog_fd);
	prog_fd = -1;
	prog_runnable = 0;
	int runnable = 0;
	const char *refused = check_prog((int)arg_int("type", 1), insns, insns_len, &runnable);
	if (refused) {
		free(insns);
		free(name);
		free(log);
		reply_err(EPERM_POLICY, refused);
		return;
	}
	union bpf_attr_buf a;
	memset(&a, 0, sizeof(a));
	a.load.prog_type = (uint32_t)arg_int("type", 1);
	a.load.insn_cnt = (uint32_t)(insns_len / 8);
	a.load.insns = (uint64_t)(uintptr_t)insns;
	a.load.license = (uint64_t)(uintptr_t)license;
	a.load.log_level = log ? (uint32_t)arg_int("log_level", 1) : 0;
	a.load.log_size = (uint32_t)log_size;
	a.load.log_buf = (uint64_t)(uintptr_t)log;
	a.load.prog_flags = (uint32_t)arg_int("flags", 0);
	a.load.expected_attach_type = (uint32_t)arg_int("attach", 0);
	if (name)
		memcpy(a.load.prog_name, name, name_len < 15 ? name_len : 15);
	if (arg_int("use_maps", 0) && nmaps)
		a.load.fd_array = (uint64_t)(uintptr_t)map_fds;
	long fd = sys_bpf(BPF_PROG_LOAD_CMD, &a);
	int err = errno;
	uint32_t true_size = a.load.log_true_size;
	int truncated = fd < 0 && err == ENOSPC && log && true_size > (uint32_t)log_size;
	if (truncated) {
		/* The log did not fit (the verifier then fails the load with ENOSPC): load again without a log for the
		 * verdict, and keep the tail of the log the first attempt wrote. */
		a.load.log_level = 0;
		a.load.log_size = 0;
		a.load.log_buf = 0;
		a.load.log_true_size = 0;
		fd = sys_bpf(BPF_PROG_LOAD_CMD, &a);
		err = errno;
	}
	if (fd >= 0) {
		prog_fd = (int)fd;
		prog_runnable = runnable;
	}
	size_t log_len = log ? strnlen(log, (size_t)log_size) : 0;
	if (fd < 0)
		printf("err errno=%d what=prog_load true_size=%u truncated=%d", err, true_size, truncated);
	else
		printf("ok fd=%ld true_size=%u truncated=%d", fd, true_size, truncated);
	if (fd >= 0 && arg_int("jited_len", 0)) {
		/* BPF_OBJ_GET_INFO_BY_FD: struct bpf_prog_info's jited_prog_len (offset 16) and xlated_prog_len (20). */
		unsigned char info[256];
		memset(info, 0, sizeof(info));
		union bpf_attr_buf g;
		memset(&g, 0, sizeof(g));
		uint32_t *gi = (uint32_t *)(void *)&g;
		gi[0] = (uint32_t)fd;
		gi[1] = (uint32_t)sizeof(info);
		uint64_t ptr = (uint64_t)(uintptr_t)info;
		memcpy((unsigned char *)&g + 8, &ptr, 8);
		if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD_CMD, &g) == 0) {
			uint32_t jl, xl;
			memcpy(&jl, info + 16, 4);
			memcpy(&xl, info + 20, 4);
			printf(" jited_len=%u xlated_len=%u", jl, xl);
		}
	}
	put_hex("log", log, log_len);
	putchar('\n');
	free(log);
	free(insns);
	free(name);
}

static void cmd_test_run(void)
{
	unsigned char *ctx_in, *data_in;
	size_t ctx_len, data_len;
	long long repeat = arg_int("repeat", 0);
	if (prog_fd < 0 || !prog_runnable || arg_str("fd") || arg_int("flags", 0) || arg_int("cpu", 0)) {
		reply_err(EPERM_POLICY, "policy_test_run");
		return;
	}
	if (repeat < 0 || repeat > MAX_REPEAT) {
		reply_err(EPERM_POLICY, "policy_repeat");
		return;
	}
	if (arg_hex("ctx_in", &ctx_in, &ctx_len) < 0 || arg_hex("data_in", &data_in, &data_len) < 0) {
		free(ctx_in);
		reply_err(EINVAL, "bad_hex");
		return;
	}
	uint32_t data_size_out = (uint32_t)arg_int("data_size_out", (long long)data_len);
	uint32_t ctx_size_out = (uint32_t)arg_int("ctx_size_out", 0);
	unsigned char *data_out = data_size_out ? calloc(1, data_size_out) : NULL;
	unsigned char *ctx_out = ctx_size_out ? calloc(1, ctx_size_out) : NULL;
	union bpf_attr_buf a;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)prog_fd;
	a.test.repeat = (uint32_t)repeat; /* flags and cpu stay 0 */
	a.test.data_in = (uint64_t)(uintptr_t)data_in;
	a.test.data_size_in = (uint32_t)data_len;
	a.test.data_out = (uint64_t)(uintptr_t)data_out;
	a.test.data_size_out = data_out ? data_size_out : 0;
	a.test.ctx_in = (uint64_t)(uintptr_t)ctx_in;
	a.test.ctx_size_in = (uint32_t)ctx_len;
	a.test.ctx_out = (uint64_t)(uintptr_t)ctx_out;
	a.test.ctx_size_out = ctx_out ? ctx_size_out : 0;
	long r = sys_bpf(BPF_PROG_TEST_RUN_CMD, &a);
	if (r < 0) {
		reply_err(errno, "test_run");
	} else {
		printf("ok retval=%u duration=%u", a.test.retval, a.test.duration);
		put_hex("data_out", data_out, data_out ? (a.test.data_size_out < data_size_out ? a.test.data_size_out : data_size_out) : 0);
		put_hex("ctx_out", ctx_out, ctx_out ? (a.test.ctx_size_out < ctx_size_out ? a.test.ctx_size_out : ctx_size_out) : 0);
		put_hex("ctx_after", ctx_in, ctx_len); /* BPF_PROG_TYPE_SYSCALL writes the context back into ctx_in */
		putchar('\n');
	}
	free(ctx_in);
	free(data_in);
	free(data_out);
	free(ctx_out);
}

static void cmd_close(void)
{
	int fd = (int)arg_int("fd", -1);
	if (fd < 3 || close(fd) < 0) {
		reply_err(fd < 3 ? EBADF : errno, "close");
		return;
	}
	for (int i = 0; i < nmaps; i++)
		if (map_fds[i] == fd)
			map_fds[i] = -1;
	if (fd == prog_fd)
		prog_fd = -1;
	printf("ok\n");
}

/* ---- direct map: memfd_secret ---- */

/* Reads /proc/meminfo's DirectMap lines and /proc/vmstat's direct_map_ lines into buf. */
static size_t snapshot_direct_map(char *buf, size_t cap)
{
	static const char *const files[] = { "/proc/meminfo", "/proc/vmstat" };
	static const char *const prefixes[] = { "DirectMap", "direct_map_" };
	size_t used = 0;
	char line[256];
	for (int f = 0; f < 2; f++) {
		FILE *fp = fopen(files[f], "r");
		if (!fp)
			continue;
		while (fgets(line, sizeof(line), fp)) {
			size_t l = strlen(line);
			if (strncmp(line, prefixes[f], strlen(prefixes[f])) == 0 && used + l < cap) {
				memcpy(buf + used, line, l);
				used += l;
			}
		}
		fclose(fp);
	}
	return used;
}

static void cmd_secret_probe(void)
{
	long long pages = arg_int("pages", 1);
	long psz = sysconf(_SC_PAGESIZE);
	if (pages < 1 || pages > 65536) {
		reply_err(EINVAL, "pages");
		return;
	}
	char before[4096], touched[4096], after[4096];
	size_t nb = snapshot_direct_map(before, sizeof(before));
	int fd = (int)syscall(__NR_memfd_secret, 0);
	if (fd < 0) {
		reply_err(errno, "memfd_secret");
		return;
	}
	size_t len = (size_t)pages * (size_t)psz;
	if (ftruncate(fd, (off_t)len) < 0) {
		reply_err(errno, "ftruncate");
		close(fd);
		return;
	}
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		reply_err(errno, "mmap");
		close(fd);
		return;
	}
	for (long long i = 0; i < pages; i++)
		((volatile unsigned char *)p)[i * psz] = (unsigned char)(i + 1);
	size_t nt = snapshot_direct_map(touched, sizeof(touched));
	/* The pages' frame numbers (pagemap bits 0-54), read after the counters so that reading them splits nothing. */
	static char pfns[4096 * 17];
	size_t np = 0;
	int pm = open("/proc/self/pagemap", O_RDONLY);
	for (long long i = 0; pm >= 0 && i < pages && i < 4096; i++) {
		uint64_t e = 0;
		off_t off = (off_t)(((uintptr_t)p / (uintptr_t)psz + (uintptr_t)i) * sizeof(e));
		if (pread(pm, &e, sizeof(e), off) != (ssize_t)sizeof(e))
			e = 0;
		np += (size_t)snprintf(pfns + np, sizeof(pfns) - np, "%s%llx", i ? " " : "", (unsigned long long)(e & ((1ULL << 55) - 1)));
	}
	if (pm >= 0)
		close(pm);
	munmap(p, len);
	close(fd);
	size_t na = snapshot_direct_map(after, sizeof(after));
	printf("ok pages=%lld page_size=%ld", pages, psz);
	put_hex("before", before, nb);
	put_hex("touched", touched, nt);
	put_hex("after", after, na);
	put_hex("pfns", pfns, np);
	putchar('\n');
}

/* ---- io_uring ---- */

struct ring {
	int fd;
	void *sq_ptr, *cq_ptr;
	size_t sq_sz, cq_sz, sqes_sz;
	struct uring_sqe *sqes;
	uint32_t *sq_head, *sq_tail, *sq_mask, *sq_array;
	uint32_t *cq_head, *cq_tail, *cq_mask;
	struct uring_cqe *cqes;
};

static int ring_setup(struct ring *r, unsigned entries)
{
	struct uring_params p;
	memset(&p, 0, sizeof(p));
	memset(r, 0, sizeof(*r));
	r->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
	if (r->fd < 0)
		return -1;
	r->sq_sz = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
	r->cq_sz = p.cq_off.cqes + p.cq_entries * sizeof(struct uring_cqe);
	int single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
	if (single && r->cq_sz > r->sq_sz)
		r->sq_sz = r->cq_sz;
	r->sq_ptr = mmap(NULL, r->sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	if (r->sq_ptr == MAP_FAILED)
		return -1;
	r->cq_ptr = single ? r->sq_ptr
			   : mmap(NULL, r->cq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	if (r->cq_ptr == MAP_FAILED)
		return -1;
	r->sqes_sz = p.sq_entries * sizeof(struct uring_sqe);
	r->sqes = mmap(NULL, r->sqes_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		return -1;
	char *sq = r->sq_ptr, *cq = r->cq_ptr;
	r->sq_head = (uint32_t *)(sq + p.sq_off.head);
	r->sq_tail = (uint32_t *)(sq + p.sq_off.tail);
	r->sq_mask = (uint32_t *)(sq + p.sq_off.ring_mask);
	r->sq_array = (uint32_t *)(sq + p.sq_off.array);
	r->cq_head = (uint32_t *)(cq + p.cq_off.head);
	r->cq_tail = (uint32_t *)(cq + p.cq_off.tail);
	r->cq_mask = (uint32_t *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

static void ring_close(struct ring *r)
{
	if (r->sqes && r->sqes != MAP_FAILED)
		munmap(r->sqes, r->sqes_sz);
	if (r->cq_ptr && r->cq_ptr != MAP_FAILED && r->cq_ptr != r->sq_ptr)
		munmap(r->cq_ptr, r->cq_sz);
	if (r->sq_ptr && r->sq_ptr != MAP_FAILED)
		munmap(r->sq_ptr, r->sq_sz);
	if (r->fd >= 0)
		close(r->fd);
}

/* Queues one SQE (the ring is never full: at most `batch` <= entries are in flight). */
static void ring_queue(struct ring *r, uint8_t op, int fd, void *buf, uint32_t len, uint64_t off, uint64_t tag)
{
	uint32_t tail = *r->sq_tail;
	uint32_t idx = tail & *r->sq_mask;
	struct uring_sqe *e = &r->sqes[idx];
	memset(e, 0, sizeof(*e));
	e->opcode = op;
	e->fd = fd;
	e->addr = (uint64_t)(uintptr_t)buf;
	e->len = len;
	e->off = off;
	e->user_data = tag;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

/* Reaps every available CQE; returns the count, or -1 (errno set) on a failed one. */
static int ring_reap(struct ring *r, uint32_t expect_res)
{
	int n = 0;
	uint32_t head = *r->cq_head;
	uint32_t tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
	int bad = 0;
	while (head != tail) {
		struct uring_cqe *c = &r->cqes[head & *r->cq_mask];
		if (c->res < 0) {
			errno = -c->res;
			bad = 1;
		} else if ((uint32_t)c->res != expect_res) {
			errno = EIO;
			bad = 1;
		}
		head++;
		n++;
	}
	__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
	return bad ? -1 : n;
}

static void cmd_uring_probe(void)
{
	const char *op = arg_str("op");
	int is_read = op && strcmp(op, "read") == 0;
	long long count = arg_int("count", 10000);
	long long batch = arg_int("batch", 1);
	if (count < 1 || count > 100000000 || batch < 1 || batch > 256) {
		reply_err(EINVAL, "args");
		return;
	}
	int file = -1;
	void *buf = NULL;
	const uint32_t blk = 4096;
	const uint32_t nblk = 256; /* a 1 MiB tmpfs file, read 4 KiB at a time round-robin */
	if (is_read) {
		file = (int)syscall(__NR_memfd_create, "kernel-lab-uring", 0); /* memfd: a shmem (tmpfs) file */
		if (file < 0) {
			reply_err(errno, "memfd_create");
			return;
		}
		if (ftruncate(file, (off_t)blk * nblk) < 0 || posix_memalign(&buf, 4096, (size_t)blk * (size_t)batch) != 0) {
			reply_err(errno ? errno : ENOMEM, "tmpfs_file");
			close(file);
			return;
		}
		memset(buf, 0x5a, blk);
		for (uint32_t i = 0; i < nblk; i++)
			if (pwrite(file, buf, blk, (off_t)i * blk) != (ssize_t)blk) {
				reply_err(errno, "pwrite");
				close(file);
				free(buf);
				return;
			}
	}
	struct ring r;
	if (ring_setup(&r, 256) < 0) {
		reply_err(errno, "io_uring_setup");
		ring_close(&r);
		if (file >= 0)
			close(file);
		free(buf);
		return;
	}
	long long done = 0;
	uint64_t t0 = 0;
	int err = 0;
	/* one warm-up round, then the timed rounds */
	for (int pass = 0; pass < 2 && !err; pass++) {
		long long total = pass == 0 ? (count < 64 ? count : 64) : count;
		if (pass == 1)
			t0 = cpu_ns();
		done = 0;
		while (done < total) {
			long long n = total - done < batch ? total - done : batch;
			for (long long i = 0; i < n; i++) {
				uint64_t k = (uint64_t)(done + i);
				if (is_read)
					ring_queue(&r, IORING_OP_READ, file, (char *)buf + i * blk, blk, (k % nblk) * blk, k);
				else
					ring_queue(&r, IORING_OP_NOP, -1, NULL, 0, 0, k);
			}
			long got = syscall(__NR_io_uring_enter, r.fd, (unsigned)n, (unsigned)n, IORING_ENTER_GETEVENTS, NULL, 0);
			if (got < 0) {
				err = errno;
				break;
			}
			long long reaped = 0;
			while (reaped < n) {
				int c = ring_reap(&r, is_read ? blk : 0);
				if (c < 0) {
					err = errno;
					break;
				}
				reaped += c;
				if (reaped < n && syscall(__NR_io_uring_enter, r.fd, 0, (unsigned)(n - reaped), IORING_ENTER_GETEVENTS, NULL, 0) < 0) {
					err = errno;
					break;
				}
			}
			if (err)
				break;
			done += n;
		}
	}
	uint64_t t1 = cpu_ns();
	ring_close(&r);
	if (file >= 0)
		close(file);
	free(buf);
	if (err) {
		reply_err(err, is_read ? "io_uring_read" : "io_uring_nop");
		return;
	}
	printf("ok ns_per_op=%.1f ops=%lld batch=%lld\n", (double)(t1 - t0) / (double)count, count, batch);
}

/* The same 4 KiB tmpfs read with pread(2), for comparison. */
static void cmd_pread_probe(void)
{
	long long count = arg_int("count", 10000);
	const uint32_t blk = 4096, nblk = 256;
	if (count < 1 || count > 100000000) {
		reply_err(EINVAL, "args");
		return;
	}
	int file = (int)syscall(__NR_memfd_create, "kernel-lab-pread", 0);
	if (file < 0) {
		reply_err(errno, "memfd_create");
		return;
	}
	static char buf[4096];
	memset(buf, 0x5a, sizeof(buf));
	for (uint32_t i = 0; i < nblk; i++)
		if (pwrite(file, buf, blk, (off_t)i * blk) != (ssize_t)blk) {
			reply_err(errno, "pwrite");
			close(file);
			return;
		}
	uint64_t t0 = cpu_ns();
	for (long long i = 0; i < count; i++)
		if (pread(file, buf, blk, (off_t)((uint64_t)i % nblk) * blk) != (ssize_t)blk) {
			reply_err(errno, "pread");
			close(file);
			return;
		}
	uint64_t t1 = cpu_ns();
	close(file);
	printf("ok ns_per_op=%.1f ops=%lld\n", (double)(t1 - t0) / (double)count, count);
}

/* ---- main loop ---- */

int main(int argc, char **argv)
{
	long parent = 0;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--parent=", 9) == 0)
			parent = strtol(argv[i] + 9, NULL, 10);
		else if (strcmp(argv[i], "--trusted") == 0)
			trusted = 1;
	}
	/* Die with the process that asked (a stopped run, a terminated worker, a killed app): a test run in the kernel
	 * ends at its next repeat on SIGKILL. The parent may have gone before prctl(): then exit at once. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || (parent > 0 && getppid() != (pid_t)parent))
		return 1;
	for (int i = 0; i < FD_ARRAY_SLOTS; i++)
		map_fds[i] = -1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		char *save = NULL;
		char *cmd = strtok_r(line, " ", &save);
		nargs = 0;
		for (char *tok; nargs < MAX_ARGS && (tok = strtok_r(NULL, " ", &save));) {
			char *eq = strchr(tok, '=');
			if (!eq)
				continue;
			*eq = 0;
			args[nargs].key = tok;
			args[nargs].val = eq + 1;
			nargs++;
		}
		errno = 0;
		if (!cmd)
			continue;
		else if (strcmp(cmd, "hello") == 0)
			printf("ok proto=1 euid=%d\n", (int)geteuid());
		else if (strcmp(cmd, "reset") == 0)
			cmd_reset();
		else if (strcmp(cmd, "map_create") == 0)
			cmd_map_create();
		else if (strcmp(cmd, "map_update") == 0)
			cmd_map_update();
		else if (strcmp(cmd, "map_lookup") == 0)
			cmd_map_lookup();
		else if (strcmp(cmd, "prog_load") == 0)
			cmd_prog_load();
		else if (strcmp(cmd, "test_run") == 0)
			cmd_test_run();
		else if (strcmp(cmd, "close") == 0)
			cmd_close();
		else if (strcmp(cmd, "secret_probe") == 0)
			cmd_secret_probe();
		else if (strcmp(cmd, "uring_probe") == 0)
			cmd_uring_probe();
		else if (strcmp(cmd, "pread_probe") == 0)
			cmd_pread_probe();
		else
			reply_err(ENOSYS, "unknown_command");
		fflush(stdout);
	}
	free(line);
	return 0;
}
