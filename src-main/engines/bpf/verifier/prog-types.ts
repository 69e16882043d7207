/**
 * Program types the verifier knows (include/linux/bpf_types.h): their context (`struct __sk_buff`, raw
 * tracepoint args, tracepoint records, `struct xdp_md`, the syscall buffer) and which helpers they may call (the
 * get_func_proto() of net/core/filter.c, kernel/trace/bpf_trace.c, kernel/bpf/syscall.c, kernel/bpf/helpers.c).
 */

import { BPF_FUNC_NAMES } from '../helper-ids';

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
  // sk: only a u64 load, which gives PTR_TO_SOCK_COMMON_OR_NULL (ctxPointerField()).
  if (off < 176 && off + size > 168) return off === 168 && size === 8;
  return size <= 4; // 4-byte fields, narrow loads allowed
}

/** struct bpf_sock (include/uapi/linux/bpf.h, 6.18): 80 bytes. */
const BPF_SOCK_SIZE = 80;

/**
 * bpf_sock_common_is_valid_access() (net/core/filter.c, 6.18), for reads (check_mem_access() refuses writes
 * first): type, protocol, mark and priority are not in sock_common; the u32 fields that allow narrow loads are
 * family, state, rx_queue_mapping, src_port and the addresses; dst_port (__be16) allows a 4-byte load or narrow
 * loads within its two bytes; bound_dev_if and anything else only a whole u32.
 */
export function sockCommonAccess(off: number, size: number): boolean {
  if (off < 0 || off >= BPF_SOCK_SIZE || off % size !== 0) return false;
  if (off >= 8 && off < 24) return false; // type .. priority
  const narrow = (field: number): boolean => size <= field;
  if (off === 4 || off === 44 || off === 72 || off === 76) return narrow(4); // family, src_port, state, rx_queue_mapping
  if ((off >= 24 && off < 44) || (off >= 52 && off < 72)) return narrow(4); // src_ip4, src_ip6, dst_ip4, dst_ip6
  if (off === 48 || off === 49) return narrow(size === 4 ? 4 : 2); // dst_port
  if (off === 50 || off === 51) return false; // dst_port's zero padding
  return size === 4;
}

/**
 * Context fields whose load gives a pointer (info->reg_type not SCALAR_VALUE): xdp_md's data, data_end and
 * data_meta; __sk_buff.sk of a socket filter. Linux 6.18 refuses a sign-extending load of them ("invalid
 * bpf_context access").
 */
export function ctxPointerField(type: ProgType, off: number): boolean {
  if (type === 'socket_filter') return off === 168;
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
  // (off 20) only for BPF_XDP_DEVMAP. data, data_end and data_meta load as packet pointers (ctxPointerField()).
  xdp: (off, size, write) => off >= 0 && off < 20 && size === 4 && off % size === 0 && !write,
  // syscall_prog_is_valid_access().
  syscall: (off, size) => off >= 0 && off < 0xffff && off % size === 0,
  // Model: the RFC's struct ublk_bpf_ctx reduced to 24 bytes (q_id, tag, op, start_sector, nr_sectors, pad), read only.
  ublk: (off, size, write) => off >= 0 && off + size <= 24 && off % size === 0 && !write,
};

/** __BPF_FUNC_MAX_ID (include/uapi/linux/bpf.h, 6.18): helper ids are 0 .. 211. */
export const BPF_FUNC_MAX_ID = 212;

// Which helper ids each program type's get_func_proto() returns a proto for (a privileged load: CAP_BPF,
// CAP_PERFMON, CAP_SYS_ADMIN; a syscall program sleepable, as it must be), as measured on Linux 6.18 by
// loading `call id` with zero arguments for every id. Helper ids are uapi and stable; the names are enum bpf_func_id's.
/** Offered to every modelled kernel type: bpf_base_func_proto() (kernel/bpf/helpers.c) with CAP_BPF and CAP_PERFMON, and the tracing and socket helpers the five protos share. */
// prettier-ignore
const BASE: readonly number[] = [
  1, 2, 3, 5, // map_lookup_elem, map_update_elem, map_delete_elem, ktime_get_ns
  6, 7, 8, 12, // trace_printk, get_prandom_u32, get_smp_processor_id, tail_call
  14, 15, 16, 17, // get_current_pid_tgid, get_current_uid_gid, get_current_comm, get_cgroup_classid
  22, 25, 35, 37, // perf_event_read, perf_event_output, get_current_task, current_task_under_cgroup
  42, 55, 80, 87, // get_numa_node_id, perf_event_read_value, get_current_cgroup_id, map_push_elem
  88, 89, 93, 94, // map_pop_elem, map_peek_elem, spin_lock, spin_unlock
  105, 106, 109, 112, // strtol, strtoul, send_signal, probe_read_user
  113, 114, 115, 117, // probe_read_kernel, probe_read_user_str, probe_read_kernel_str, send_signal_thread
  118, 120, 123, 125, // jiffies64, get_ns_current_pid_tgid, get_current_ancestor_cgroup_id, ktime_get_boot_ns
  130, 131, 132, 133, // ringbuf_output, ringbuf_reserve, ringbuf_submit, ringbuf_discard
  134, 141, 148, 149, // ringbuf_query, get_task_stack, copy_from_user, snprintf_btf
  153, 154, 156, 157, // per_cpu_ptr, this_cpu_ptr, task_storage_get, task_storage_delete
  158, 164, 165, 169, // get_current_task_btf, for_each_map_elem, snprintf, timer_init
  170, 171, 172, 175, // timer_set_callback, timer_start, timer_cancel, task_pt_regs
  176, 177, 180, 181, // get_branch_snapshot, trace_vprintk, find_vma, loop
  182, 191, 194, 195, // strncmp, copy_from_user_task, kptr_xchg, map_lookup_percpu_elem
  197, 198, 199, 200, // dynptr_from_mem, ringbuf_reserve_dynptr, ringbuf_submit_dynptr, ringbuf_discard_dynptr
  201, 202, 203, 208, // dynptr_read, dynptr_write, dynptr_data, ktime_get_tai_ns
  209, 210, 211, // user_ringbuf_drain, cgrp_storage_get, cgrp_storage_delete
];

/** socket_filter: sk_filter_func_proto() (net/core/filter.c), then bpf_sk_base_func_proto(); beyond BASE. */
// prettier-ignore
const SOCKET_FILTER: readonly number[] = [
  26, 46, 47, 68, // skb_load_bytes, get_socket_cookie, get_socket_uid, skb_load_bytes_relative
  122, 136, 137, 138, // get_netns_cookie, skc_to_tcp6_sock, skc_to_tcp_sock, skc_to_tcp_timewait_sock
  139, 140, 160, 178, // skc_to_tcp_request_sock, skc_to_udp6_sock, ktime_get_coarse_ns, skc_to_unix_sock
  196, // skc_to_mptcp_sock
];

/** raw_tracepoint: raw_tp_prog_func_proto() (kernel/trace/bpf_trace.c), then bpf_tracing_func_proto(); beyond BASE. */
// prettier-ignore
const RAW_TRACEPOINT: readonly number[] = [
  4, 27, 45, 67, // probe_read, get_stackid, probe_read_str, get_stack
  173, 174, // get_func_ip, get_attach_cookie
];

/** tracepoint: tp_prog_func_proto() (kernel/trace/bpf_trace.c), then bpf_tracing_func_proto(); beyond BASE. */
// prettier-ignore
const TRACEPOINT: readonly number[] = [
  4, 27, 45, 67, // probe_read, get_stackid, probe_read_str, get_stack
  173, 174, // get_func_ip, get_attach_cookie
];

/** xdp: xdp_func_proto() (net/core/filter.c), then bpf_sk_base_func_proto(); beyond BASE. */
// prettier-ignore
const XDP: readonly number[] = [
  23, 28, 44, 51, // redirect, csum_diff, xdp_adjust_head, redirect_map
  54, 65, 69, 84, // xdp_adjust_meta, xdp_adjust_tail, fib_lookup, sk_lookup_tcp
  85, 86, 99, 100, // sk_lookup_udp, sk_release, skc_lookup_tcp, tcp_check_syncookie
  110, 136, 137, 138, // tcp_gen_syncookie, skc_to_tcp6_sock, skc_to_tcp_sock, skc_to_tcp_timewait_sock
  139, 140, 160, 163, // skc_to_tcp_request_sock, skc_to_udp6_sock, ktime_get_coarse_ns, check_mtu
  178, 188, 189, 190, // skc_to_unix_sock, xdp_get_buff_len, xdp_load_bytes, xdp_store_bytes
  196, 204, 205, 206, // skc_to_mptcp_sock, tcp_raw_gen_syncookie_ipv4, tcp_raw_gen_syncookie_ipv6, tcp_raw_check_syncookie_ipv4
  207, // tcp_raw_check_syncookie_ipv6
];

/** syscall: syscall_prog_func_proto() (kernel/bpf/syscall.c), then tracing_prog_func_proto(); beyond BASE. */
// prettier-ignore
const SYSCALL: readonly number[] = [
  4, 27, 45, 46, // probe_read, get_stackid, probe_read_str, get_socket_cookie
  67, 107, 108, 111, // get_stack, sk_storage_get, sk_storage_delete, skb_output
  121, 136, 137, 138, // xdp_output, skc_to_tcp6_sock, skc_to_tcp_sock, skc_to_tcp_timewait_sock
  139, 140, 147, 162, // skc_to_tcp_request_sock, skc_to_udp6_sock, d_path, sock_from_file
  166, 167, 168, 173, // sys_bpf, btf_find_by_name_kind, sys_close, get_func_ip
  178, 179, 188, 196, // skc_to_unix_sock, kallsyms_lookup_name, xdp_get_buff_len, skc_to_mptcp_sock
];

const OFFERED: Record<Exclude<ProgType, 'ublk'>, ReadonlySet<number>> = {
  socket_filter: new Set([...BASE, ...SOCKET_FILTER]),
  raw_tracepoint: new Set([...BASE, ...RAW_TRACEPOINT]),
  tracepoint: new Set([...BASE, ...TRACEPOINT]),
  xdp: new Set([...BASE, ...XDP]),
  syscall: new Set([...BASE, ...SYSCALL]),
};

/** Protos whose fn->allowed() refuses a program that is not an iterator or LSM (bpf_sk_storage_tracing_allowed(), bpf_d_path_allowed()). */
const NOT_ALLOWED_IN_PROBE = new Set([107, 108, 147]); // sk_storage_get, sk_storage_delete, d_path
/** Protos with might_sleep (bpf_copy_from_user, bpf_copy_from_user_task). */
const MIGHT_SLEEP = new Set([148, 191]);

/** True when the program type's get_func_proto() offers the helper (check_helper_call() finds a proto). */
export function helperAllowed(type: ProgType, id: number): boolean {
  if (!Number.isInteger(id) || id < 0 || id >= BPF_FUNC_MAX_ID) return false;
  // Departure (the 2023 ublk RFC was never merged): a ublk program is offered what every modelled type is.
  return type === 'ublk' ? BASE.includes(id) : OFFERED[type].has(id);
}

/**
 * check_helper_call()'s checks before the arguments (kernel/bpf/verifier.c): the kernel's error line (all EINVAL)
 * for a helper id the program may not call, or undefined when the arguments are checked next. `gplRefused`: the
 * helper's proto is gpl_only and the program's license is not GPL-compatible.
 */
export function helperCallRefusal(
  type: ProgType,
  id: number,
  sleepable: boolean,
  gplRefused = false,
): string | undefined {
  if (!Number.isInteger(id) || id < 0 || id >= BPF_FUNC_MAX_ID) return `invalid func unknown#${id}`;
  if (!helperAllowed(type, id)) return `program of this type cannot use helper bpf_${BPF_FUNC_NAMES[id]}#${id}`;
  // A gpl_only proto and a license that is not GPL-compatible.
  if (gplRefused) return 'cannot call GPL-restricted function from non-GPL compatible program';
  if (NOT_ALLOWED_IN_PROBE.has(id)) return 'helper call is not allowed in probe';
  if (MIGHT_SLEEP.has(id) && !sleepable) return 'helper call might sleep in a non-sleepable prog';
  return undefined;
}
