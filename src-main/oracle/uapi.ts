/**
 * The include/uapi/linux/bpf.h numbers the oracle sends to the kernel, and errno names for what it returns.
 */
import { ERRNO } from '../engines/common/errors';

/** enum bpf_prog_type. */
export const BPF_PROG_TYPE: Readonly<Record<string, number>> = {
  BPF_PROG_TYPE_UNSPEC: 0,
  BPF_PROG_TYPE_SOCKET_FILTER: 1,
  BPF_PROG_TYPE_KPROBE: 2,
  BPF_PROG_TYPE_SCHED_CLS: 3,
  BPF_PROG_TYPE_SCHED_ACT: 4,
  BPF_PROG_TYPE_TRACEPOINT: 5,
  BPF_PROG_TYPE_XDP: 6,
  BPF_PROG_TYPE_PERF_EVENT: 7,
  BPF_PROG_TYPE_CGROUP_SKB: 8,
  BPF_PROG_TYPE_CGROUP_SOCK: 9,
  BPF_PROG_TYPE_LWT_IN: 10,
  BPF_PROG_TYPE_LWT_OUT: 11,
  BPF_PROG_TYPE_LWT_XMIT: 12,
  BPF_PROG_TYPE_SOCK_OPS: 13,
  BPF_PROG_TYPE_SK_SKB: 14,
  BPF_PROG_TYPE_CGROUP_DEVICE: 15,
  BPF_PROG_TYPE_SK_MSG: 16,
  BPF_PROG_TYPE_RAW_TRACEPOINT: 17,
  BPF_PROG_TYPE_CGROUP_SOCK_ADDR: 18,
  BPF_PROG_TYPE_LWT_SEG6LOCAL: 19,
  BPF_PROG_TYPE_LIRC_MODE2: 20,
  BPF_PROG_TYPE_SK_REUSEPORT: 21,
  BPF_PROG_TYPE_FLOW_DISSECTOR: 22,
  BPF_PROG_TYPE_CGROUP_SYSCTL: 23,
  BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE: 24,
  BPF_PROG_TYPE_CGROUP_SOCKOPT: 25,
  BPF_PROG_TYPE_TRACING: 26,
  BPF_PROG_TYPE_STRUCT_OPS: 27,
  BPF_PROG_TYPE_EXT: 28,
  BPF_PROG_TYPE_LSM: 29,
  BPF_PROG_TYPE_SK_LOOKUP: 30,
  BPF_PROG_TYPE_SYSCALL: 31,
  BPF_PROG_TYPE_NETFILTER: 32,
};

/** enum bpf_map_type (the ones a program under test is likely to need). */
export const BPF_MAP_TYPE: Readonly<Record<string, number>> = {
  BPF_MAP_TYPE_HASH: 1,
  BPF_MAP_TYPE_ARRAY: 2,
  BPF_MAP_TYPE_PROG_ARRAY: 3,
  BPF_MAP_TYPE_PERF_EVENT_ARRAY: 4,
  BPF_MAP_TYPE_PERCPU_HASH: 5,
  BPF_MAP_TYPE_PERCPU_ARRAY: 6,
  BPF_MAP_TYPE_STACK_TRACE: 7,
  BPF_MAP_TYPE_CGROUP_ARRAY: 8,
  BPF_MAP_TYPE_LRU_HASH: 9,
  BPF_MAP_TYPE_LRU_PERCPU_HASH: 10,
  BPF_MAP_TYPE_LPM_TRIE: 11,
  BPF_MAP_TYPE_QUEUE: 22,
  BPF_MAP_TYPE_STACK: 23,
  BPF_MAP_TYPE_RINGBUF: 27,
};

/** ld_imm64 src_reg values (BPF_PSEUDO_MAP_FD ... BPF_PSEUDO_MAP_IDX_VALUE) and BPF_PSEUDO_KFUNC_CALL. */
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;
export const BPF_PSEUDO_KFUNC_CALL = 2;

/** libbpf section names (tools/lib/bpf/libbpf.c section_defs) for the program types a lab loads. */
const SECTION_PROG_TYPE: Readonly<Record<string, string>> = {
  socket: 'SOCKET_FILTER',
  kprobe: 'KPROBE',
  uprobe: 'KPROBE',
  tc: 'SCHED_CLS',
  classifier: 'SCHED_CLS',
  action: 'SCHED_ACT',
  tracepoint: 'TRACEPOINT',
  tp: 'TRACEPOINT',
  raw_tp: 'RAW_TRACEPOINT',
  raw_tracepoint: 'RAW_TRACEPOINT',
  xdp: 'XDP',
  perf_event: 'PERF_EVENT',
  cgroup_skb: 'CGROUP_SKB',
  sk_skb: 'SK_SKB',
  sk_msg: 'SK_MSG',
  flow_dissector: 'FLOW_DISSECTOR',
  syscall: 'SYSCALL',
};

/** Resolves `socket_filter`, a libbpf section name (`raw_tp`), `BPF_PROG_TYPE_SOCKET_FILTER` or a number. */
export function progTypeNumber(t: string | number | undefined, dflt = 1): number {
  const alias = typeof t === 'string' ? SECTION_PROG_TYPE[t.toLowerCase()] : undefined;
  return enumNumber(BPF_PROG_TYPE, 'BPF_PROG_TYPE_', alias ?? t, dflt, 'program type');
}

/** Resolves `array`, `BPF_MAP_TYPE_ARRAY` or a number to enum bpf_map_type. */
export function mapTypeNumber(t: string | number | undefined): number {
  return enumNumber(BPF_MAP_TYPE, 'BPF_MAP_TYPE_', t, 2, 'map type');
}

function enumNumber(
  table: Readonly<Record<string, number>>,
  prefix: string,
  t: string | number | undefined,
  dflt: number,
  what: string,
): number {
  if (t === undefined) return dflt;
  if (typeof t === 'number') return t;
  const key = t.toUpperCase().startsWith(prefix) ? t.toUpperCase() : prefix + t.toUpperCase();
  const n = table[key];
  if (n === undefined) throw new Error(`unknown ${what} ${t}`);
  return n;
}

const ERRNO_NAME = new Map<number, string>(Object.entries(ERRNO).map(([k, v]) => [v, k]));
ERRNO_NAME.set(95, 'EOPNOTSUPP');
ERRNO_NAME.set(24, 'EMFILE');
ERRNO_NAME.set(18, 'EXDEV');
ERRNO_NAME.set(71, 'EPROTO'); // bpf_check(): fd_array misuse ("fd_idx without fd_array is invalid")

/** `EACCES` for 13, `errno 77` for numbers without a name here. */
export function errnoName(n: number): string {
  return n === 0 ? '' : (ERRNO_NAME.get(n) ?? `errno ${n}`);
}
