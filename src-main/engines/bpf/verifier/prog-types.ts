/**
 * Program types the verifier knows (include/linux/bpf_types.h): their context (`struct __sk_buff`, raw
 * tracepoint args, tracepoint records, `struct xdp_md`, the syscall buffer) and which helpers they may call.
 */

/** The program types modelled, by the kernel's short name. */
export type ProgType = 'socket_filter' | 'raw_tracepoint' | 'tracepoint' | 'xdp' | 'syscall' | 'ublk';

const ALIASES: Record<string, ProgType> = {
  socket_filter: 'socket_filter',
  socket: 'socket_filter',
  BPF_PROG_TYPE_SOCKET_FILTER: 'socket_filter',
  raw_tp: 'raw_tracepoint',
  raw_tracepoint: 'raw_tracepoint',
  BPF_PROG_TYPE_RAW_TRACEPOINT: 'raw_tracepoint',
  tp: 'tracepoint',
  tracepoint: 'tracepoint',
  BPF_PROG_TYPE_TRACEPOINT: 'tracepoint',
  xdp: 'xdp',
  BPF_PROG_TYPE_XDP: 'xdp',
  syscall: 'syscall',
  BPF_PROG_TYPE_SYSCALL: 'syscall',
  // The 2023 RFC's type (never merged; no section name of libbpf): the ublk eBPF data path.
  ublk: 'ublk',
  BPF_PROG_TYPE_UBLK: 'ublk',
};

/** Normalises an enum name (`BPF_PROG_TYPE_XDP`) or a libbpf section name (`xdp`, `raw_tp`). */
export function progTypeOf(name: string | undefined): ProgType | undefined {
  if (name === undefined) return 'raw_tracepoint';
  return ALIASES[name] ?? ALIASES[name.replace(/^\?/, '').split('/')[0]!];
}

/** Result of is_valid_access(): allowed or not. */
export type CtxAccess = (off: number, size: number, write: boolean) => boolean;

/** __sk_buff fields a socket filter may not touch (sk_filter_is_valid_access()). */
const SKB_DENY: [number, number][] = [
  [72, 76], // tc_classid
  [76, 80], // data
  [80, 84], // data_end
  [140, 144], // data_meta
  [144, 152], // flow_keys
  [88, 140], // family .. local_port
  [152, 160], // tstamp
  [160, 164], // wire_len
  // Departure from 6.18: `sk` (a u64 load gives PTR_TO_SOCK_COMMON_OR_NULL) is refused; the model has no socket pointers.
  [168, 176], // sk
  [180, 184], // tstamp_type and the padding after it
  [184, 192], // hwtstamp
];
const SKB_SIZE = 192;

function skbAccess(off: number, size: number, write: boolean): boolean {
  if (off < 0 || off >= SKB_SIZE || off % size !== 0) return false;
  if (SKB_DENY.some(([a, b]) => off < b && off + size > a)) return false;
  const isCb = off >= 48 && off < 68;
  if (write) return isCb && off + size <= 68;
  if (isCb) return off + size <= 68;
  return size <= 4; // 4-byte fields, narrow loads allowed
}

/**
 * Context fields whose load gives a pointer (info->reg_type not SCALAR_VALUE): xdp_md's data, data_end and
 * data_meta. Linux 6.18 refuses a sign-extending load of them ("invalid bpf_context access").
 */
export function ctxPointerField(type: ProgType, off: number): boolean {
  return type === 'xdp' && (off === 0 || off === 4 || off === 8);
}

/** The context checks per program type (the *_is_valid_access() functions). */
export const CTX_ACCESS: Record<ProgType, CtxAccess> = {
  socket_filter: skbAccess,
  // bpf_tracing_ctx_access(): u64 args, read only.
  raw_tracepoint: (off, size, write) => off >= 0 && off < 8 * 12 && !write && off % size === 0,
  // tp_prog_is_valid_access(): past the common header pointer, up to PERF_MAX_TRACE_SIZE. Its `off < sizeof(void *)`
  // compares unsigned, so a negative offset passes it (and `off >= PERF_MAX_TRACE_SIZE`): Linux 6.18 accepts them.
  tracepoint: (off, size, write) => !(off >= 0 && off < 8) && off < 8192 && !write && off % size === 0,
  // xdp_is_valid_access() / __is_valid_xdp_access(): struct xdp_md, u32 loads only (no narrow loads); egress_ifindex
  // (off 20) only for BPF_XDP_DEVMAP. Departure: data/data_end load as scalars (no packet pointers yet).
  xdp: (off, size, write) => off >= 0 && off < 20 && size === 4 && off % size === 0 && !write,
  // syscall_prog_is_valid_access().
  syscall: (off, size) => off >= 0 && off < 0xffff && off % size === 0,
  // Model: the RFC's struct ublk_bpf_ctx reduced to 24 bytes (q_id, tag, op, start_sector, nr_sectors, pad), read only.
  ublk: (off, size, write) => off >= 0 && off + size <= 24 && off % size === 0 && !write,
};

/** Helper ids allowed for every modelled type as a privileged loader (bpf_base_func_proto() with CAP_BPF+CAP_PERFMON). */
export function helperAllowed(type: ProgType, id: number): boolean {
  void type;
  return id !== 0;
}
