/**
 * What the kernel oracle may load into and run in this machine's kernel (issue 22): an explicit allow-list,
 * checked on the instructions before BPF_PROG_LOAD (bpf_prog_load() in kernel/bpf/syscall.c) and again by the
 * native helper (native/kernel-oracle.c keeps the same lists; a unit test holds them equal).
 *
 * Two levels, because a load alone runs nothing:
 * - load (kernel_verify, the BPF panel's kernel check): the verifier judges the program; it is never attached or
 *   run. Refused even so: program types outside LOAD_PROG_TYPES, helpers whose mere presence changes host state at
 *   load (LOAD_REFUSED_HELPERS), ld_imm64 of a kernel variable's address (BPF_PSEUDO_BTF_ID: the verifier log
 *   would print it), map fds the oracle did not create, maps outside MAP_TYPES or their size caps.
 * - run (kernel_test_run, BPF_PROG_TEST_RUN): on top of that, only RUN_PROG_TYPES, only RUN_HELPERS, no kfunc
 *   call, no construct whose run time the verifier does not bound (bpf_loop, bpf_for_each_map_elem, may_goto,
 *   the open-coded iterators, which are kfuncs): a single run is then at most the verifier's 1M processed
 *   instructions, and a run of many repeats stops at the next repeat when the helper is killed
 *   (bpf_test_timer_continue() checks signal_pending()).
 *
 * `trusted` programs (the project's own corpora, never a script's) may in addition call kfuncs and use those
 * loop constructs in runs (they cannot reach host state either, only run long), and load the kernel selftests
 * that call bpf_trace_printk (which turns the host's trace event on, as any load of such a program does).
 */
import { BPF_FUNC_NAMES, helperIdByName } from '../engines/bpf';
import { BPF_PROG_TYPE } from './uapi';

/** A load or run the allow-list refuses (errno EPERM); the message names the type, helper or instruction. */
export class KernelPolicyError extends Error {
  readonly errno = 'EPERM';
  constructor(message: string) {
    super(message);
    this.name = 'KernelPolicyError';
  }
}

const T = (name: string): number => BPF_PROG_TYPE[`BPF_PROG_TYPE_${name}`]!;

/**
 * Program types that may be test-run, each with what BPF_PROG_TEST_RUN does for it (net/bpf/test_run.c, 6.18).
 * Every one runs on a private copy of caller data; what could reach host state is a helper, refused below.
 */
export const RUN_PROG_TYPES: Readonly<Record<string, string>> = {
  SOCKET_FILTER: 'bpf_prog_test_run_skb(): an skb built from data_in on a zeroed socket, freed after the run',
  SCHED_CLS: 'bpf_prog_test_run_skb(): the same private skb, L2 header included',
  SCHED_ACT: 'bpf_prog_test_run_skb(): the same private skb, L2 header included',
  CGROUP_SKB: 'bpf_prog_test_run_skb(): the same private skb; no cgroup is attached to or read',
  XDP: 'bpf_prog_test_run_xdp(): an xdp_buff over a copy of data_in; no frame leaves without BPF_F_TEST_XDP_LIVE_FRAMES, which the helper never sets',
  FLOW_DISSECTOR: 'bpf_prog_test_run_flow_dissector(): dissects a copy of data_in into private flow keys',
  RAW_TRACEPOINT:
    "bpf_prog_test_run_raw_tp(): the arguments are the caller's u64 array, run on the calling CPU (the helper never sets BPF_F_TEST_RUN_ON_CPU); host reads need tracing helpers, refused",
  SYSCALL:
    'bpf_prog_test_run_syscall(): the context is a copy of ctx_in, written back; host access needs bpf_sys_bpf, bpf_kallsyms_lookup_name and kfuncs, refused',
};

/** Program types that may be loaded for the verifier's verdict only: the run types, and types that are never run here. */
export const LOAD_PROG_TYPES: Readonly<Record<string, string>> = {
  ...RUN_PROG_TYPES,
  KPROBE: 'load only: a kprobe program runs when attached, which the oracle never does (no test run)',
  TRACEPOINT: 'load only: runs when attached, which the oracle never does (no test run)',
  PERF_EVENT: 'load only: runs when attached, which the oracle never does (no test run)',
};

const RUN_TYPE_NUMBERS = new Set(Object.keys(RUN_PROG_TYPES).map(T));
const LOAD_TYPE_NUMBERS = new Set(Object.keys(LOAD_PROG_TYPES).map(T));

/**
 * Helpers a test run may call: they compute on the program's own memory, its context's private copy and the
 * oracle's own maps. Not here, for instance: bpf_probe_read_* (kernel and user memory), bpf_get_current_* (the
 * host's task, pid, uid, comm, cgroup), bpf_ktime_get_* and bpf_get_prandom_u32 (host clock and entropy),
 * bpf_clone_redirect (transmits on a real device), bpf_sk_lookup_* / bpf_fib_lookup (the host's sockets and
 * routes), bpf_snprintf (%ps reads kernel memory), bpf_sys_bpf, bpf_kallsyms_lookup_name, bpf_send_signal,
 * bpf_override_return, bpf_d_path, bpf_copy_from_user, bpf_timer_* (a callback after the run), bpf_tail_call (a
 * program array), bpf_perf_event_output (a perf buffer), bpf_redirect* (per-CPU redirect state), bpf_loop and
 * bpf_for_each_map_elem (run time the verifier does not bound).
 */
export const RUN_HELPERS: readonly string[] = [
  'map_lookup_elem',
  'map_update_elem',
  'map_delete_elem',
  'map_push_elem',
  'map_pop_elem',
  'map_peek_elem',
  'ringbuf_output',
  'ringbuf_reserve',
  'ringbuf_submit',
  'ringbuf_discard',
  'ringbuf_query',
  'ringbuf_reserve_dynptr',
  'ringbuf_submit_dynptr',
  'ringbuf_discard_dynptr',
  'dynptr_from_mem',
  'dynptr_read',
  'dynptr_write',
  'dynptr_data',
  'spin_lock',
  'spin_unlock',
  'strtol',
  'strtoul',
  'strncmp',
  'skb_load_bytes',
  'skb_load_bytes_relative',
  'skb_store_bytes',
  'l3_csum_replace',
  'l4_csum_replace',
  'csum_diff',
  'csum_update',
  'csum_level',
  'skb_vlan_push',
  'skb_vlan_pop',
  'skb_change_proto',
  'skb_change_type',
  'skb_change_tail',
  'skb_change_head',
  'skb_pull_data',
  'skb_adjust_room',
  'skb_ecn_set_ce',
  'set_hash',
  'set_hash_invalid',
  'get_hash_recalc',
  'xdp_adjust_head',
  'xdp_adjust_meta',
  'xdp_adjust_tail',
  'xdp_get_buff_len',
  'xdp_load_bytes',
  'xdp_store_bytes',
];

/** Helpers whose presence alone changes host state when the program loads (the verifier asks their proto). */
export const LOAD_REFUSED_HELPERS: Readonly<Record<string, string>> = {
  trace_printk: "its proto turns on the host's bpf_trace_printk trace event (and a run writes the host's trace buffer)",
  trace_vprintk:
    "its proto turns on the host's bpf_trace_printk trace event (and a run writes the host's trace buffer)",
  probe_write_user: "its proto writes a warning to the host's kernel log",
};

/** Helpers a trusted program's run may add: loops whose length the verifier does not bound. */
const TRUSTED_RUN_HELPERS: readonly string[] = ['loop', 'for_each_map_elem'];

function ids(names: readonly string[]): Set<number> {
  return new Set(
    names.map((n) => {
      const id = helperIdByName(n);
      if (id < 0) throw new Error(`policy: no helper ${n}`);
      return id;
    }),
  );
}

const RUN_HELPER_IDS = ids(RUN_HELPERS);
const TRUSTED_HELPER_IDS = ids(TRUSTED_RUN_HELPERS);
const LOAD_REFUSED_IDS = ids(Object.keys(LOAD_REFUSED_HELPERS));

/** The helper ids of each list, for the native helper's copy (and the test that holds the two equal). */
export const POLICY_IDS = {
  run_types: [...RUN_TYPE_NUMBERS].sort((a, b) => a - b),
  load_types: [...LOAD_TYPE_NUMBERS].sort((a, b) => a - b),
  run_helpers: [...RUN_HELPER_IDS].sort((a, b) => a - b),
  trusted_helpers: [...TRUSTED_HELPER_IDS].sort((a, b) => a - b),
  load_refused_helpers: [...LOAD_REFUSED_IDS].sort((a, b) => a - b),
};

/** Map types the oracle creates (in its own helper process, freed when it exits), with their size caps. */
export const MAP_TYPES: Readonly<Record<number, string>> = {
  1: 'hash',
  2: 'array',
  5: 'percpu_hash',
  6: 'percpu_array',
  9: 'lru_hash',
  10: 'lru_percpu_hash',
  11: 'lpm_trie',
  22: 'queue',
  23: 'stack',
  27: 'ringbuf',
};
/** Caps on one map: key and value bytes, entries, and the product (what the kernel would allocate). */
export const MAP_LIMITS = { key_size: 512, value_size: 64 << 10, max_entries: 1 << 20, bytes: 64 << 20 } as const;
/** map_flags the oracle passes through: BPF_F_NO_PREALLOC, BPF_F_NO_COMMON_LRU, BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG, BPF_F_MMAPABLE. */
export const MAP_FLAGS_ALLOWED = 0x1 | 0x2 | 0x80 | 0x100 | 0x400;
/** At most this many maps per program (the helper's table). */
export const MAX_MAPS = 64;
/** BPF_PROG_TEST_RUN's repeat is capped: each repeat is at most the verifier's 1M instructions. */
export const MAX_REPEAT = 1_000_000;

/** A map the program will use, as the oracle is asked to create it. */
export interface PolicyMap {
  map_type: number;
  key_size: number;
  value_size: number;
  max_entries: number;
  map_flags: number;
}

/** Why the oracle refuses to create this map, or undefined. */
export function mapRefusal(m: PolicyMap): string | undefined {
  const name = MAP_TYPES[m.map_type];
  if (name === undefined)
    return `map type ${m.map_type} is not one the kernel oracle creates (allowed: ${Object.values(MAP_TYPES).join(', ')})`;
  for (const k of ['key_size', 'value_size', 'max_entries'] as const) {
    const v = m[k];
    if (!Number.isInteger(v) || v < 0 || v > MAP_LIMITS[k])
      return `map ${name}: ${k} ${v} is past the kernel oracle's cap of ${MAP_LIMITS[k]}`;
  }
  const bytes = m.map_type === 27 ? m.max_entries : (m.key_size + m.value_size) * m.max_entries;
  if (bytes > MAP_LIMITS.bytes)
    return `map ${name}: ${bytes} bytes is past the kernel oracle's cap of ${MAP_LIMITS.bytes}`;
  if (!Number.isInteger(m.map_flags) || m.map_flags < 0 || (m.map_flags & ~MAP_FLAGS_ALLOWED) !== 0)
    return `map ${name}: map_flags 0x${m.map_flags.toString(16)} are not allowed by the kernel oracle`;
  return undefined;
}

function typeName(t: number): string {
  return Object.entries(BPF_PROG_TYPE).find(([, v]) => v === t)?.[0] ?? `program type ${t}`;
}

/** What is being asked of the kernel. */
export interface PolicyRequest {
  prog_type: number;
  /** BPF_PROG_TEST_RUN follows the load. */
  run: boolean;
  /** The number of maps the oracle created for this program (fd_array). */
  maps: number;
  /** The kfunc a BTF id names on this kernel (kfunc calls are named in refusals). */
  kfuncName?: (btfId: number) => string | undefined;
  /** The project's own programs (loops may run long); never a script's. */
  trusted?: boolean;
  repeat?: number;
}

/**
 * Why the allow-list refuses to load (and run) these instructions, or undefined when it allows them. `bytes` are
 * the instructions as they go to the kernel (map fds already rewritten to fd_array indexes).
 */
export function programRefusal(bytes: Uint8Array, req: PolicyRequest): string | undefined {
  const types = req.run ? RUN_TYPE_NUMBERS : LOAD_TYPE_NUMBERS;
  if (!types.has(req.prog_type)) {
    const allowed = Object.keys(req.run ? RUN_PROG_TYPES : LOAD_PROG_TYPES).join(', ');
    return `${typeName(req.prog_type)} is not on the kernel oracle's allow-list for ${req.run ? 'a test run' : 'a load'} (allowed: ${allowed})`;
  }
  if (req.repeat !== undefined && (!Number.isInteger(req.repeat) || req.repeat < 0 || req.repeat > MAX_REPEAT))
    return `repeat ${req.repeat} is past the kernel oracle's cap of ${MAX_REPEAT}`;
  if (bytes.length % 8 !== 0) return `program of ${bytes.length} bytes is not a whole number of instructions`;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let p = 0, i = 0; p < bytes.length; p += 8, i++) {
    const code = bytes[p]!;
    const src = bytes[p + 1]! >> 4;
    const imm = dv.getInt32(p + 4, true);
    if (code === 0x85) {
      if (src === 0) {
        const name = `bpf_${BPF_FUNC_NAMES[imm] ?? `helper#${imm}`}`;
        if (LOAD_REFUSED_IDS.has(imm) && !req.trusted)
          return `insn ${i}: ${name} is refused by the kernel oracle: ${LOAD_REFUSED_HELPERS[BPF_FUNC_NAMES[imm]!]}`;
        if (req.run && !RUN_HELPER_IDS.has(imm) && !(req.trusted && TRUSTED_HELPER_IDS.has(imm))) {
          return `insn ${i}: ${name} is not on the kernel oracle's allow-list for a test run (it can read or change host state, or run unbounded)`;
        }
      } else if (src === 2) {
        if (req.run && !req.trusted)
          return `insn ${i}: kfunc ${req.kfuncName?.(imm) ?? `#${imm}`} is not on the kernel oracle's allow-list for a test run (no kfunc is)`;
      } else if (src !== 1) {
        return `insn ${i}: call with src_reg ${src} is not allowed by the kernel oracle`;
      }
    } else if (code === 0xe5 && req.run && !req.trusted) {
      return `insn ${i}: may_goto is not on the kernel oracle's allow-list for a test run (its loop bound is per frame)`;
    } else if (code === 0x18) {
      // ld_imm64: 0 a constant, 4 a subprogram's address (BPF_PSEUDO_FUNC), 5/6 the oracle's own maps by index.
      if (src === 5 || src === 6) {
        if (imm < 0 || imm >= req.maps)
          return `insn ${i}: ld_imm64 names map index ${imm}, but the kernel oracle created ${req.maps} map(s)`;
      } else if (src === 1 || src === 2) {
        return `insn ${i}: ld_imm64 names map fd ${imm}, which is not a map the kernel oracle created for this program (give it in maps)`;
      } else if (src === 3) {
        return `insn ${i}: ld_imm64 of a kernel variable (BPF_PSEUDO_BTF_ID) is refused by the kernel oracle: it reads kernel memory and its address would reach the log`;
      } else if (src !== 0 && src !== 4) {
        return `insn ${i}: ld_imm64 with src_reg ${src} is not allowed by the kernel oracle`;
      }
      p += 8;
      i++;
    }
  }
  return undefined;
}
