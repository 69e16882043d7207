/**
 * Helper prototypes (struct bpf_func_proto: argument and return types, gpl_only) and kfunc flags
 * (KF_ITER_NEW/NEXT/DESTROY) for the helpers and kfuncs the engine implements, as in kernel/bpf/helpers.c,
 * ringbuf.c, bpf_iter.c, bpf_cgrp_storage.c, kernel/trace/bpf_trace.c and net/core/filter.c (Linux 6.18).
 */

/** enum bpf_arg_type (the subset used). */
export type ArgType =
  | 'anything'
  | 'const_map_ptr'
  | 'map_key'
  | 'map_value'
  | 'mem'
  | 'mem_rdonly'
  | 'uninit_mem'
  | 'const_size'
  | 'const_size_or_zero'
  | 'func'
  | 'stack_or_null'
  | 'alloc_mem'
  | 'const_alloc_size_or_zero'
  | 'ctx'
  // ARG_PTR_TO_BTF_ID_OR_NULL (arg_btf_id: struct cgroup); ARG_PTR_TO_MAP_VALUE | PTR_MAYBE_NULL.
  | 'btf_id_or_null'
  | 'map_value_or_null';

/** enum bpf_return_type (the subset used). */
export type RetType = 'integer' | 'void' | 'map_value_or_null' | 'ringbuf_mem_or_null';

/** struct bpf_func_proto. */
export interface HelperProto {
  ret: RetType;
  args: ArgType[];
  /** Releases the reference of this argument (OBJ_RELEASE). */
  release?: number;
  /** Calls a callback from the func argument (bpf_loop). */
  callback?: 'loop';
  /**
   * A helper the model does not implement: `args` are its leading arguments, checked as Linux checks them so that a
   * wrong one gives the kernel's first error; past them the call is refused (a departure from 6.18).
   */
  unimplemented?: true;
  /** gpl_only: a program whose license is not GPL-compatible may not call it. */
  gpl_only?: true;
  /**
   * check_map_func_compatibility(): the map type its map argument must have (every other map type is refused with
   * `cannot pass map_type`).
   */
  mapType?: string;
  /** bpf_func_proto.pkt_access: its memory arguments may be packet pointers (may_access_direct_pkt_data()). */
  pkt_access?: true;
}

/** Prototypes by enum bpf_func_id. */
export const HELPER_PROTOS: ReadonlyMap<number, HelperProto> = new Map<number, HelperProto>([
  [1, { ret: 'map_value_or_null', args: ['const_map_ptr', 'map_key'], pkt_access: true }],
  [2, { ret: 'integer', args: ['const_map_ptr', 'map_key', 'map_value', 'anything'], pkt_access: true }],
  [3, { ret: 'integer', args: ['const_map_ptr', 'map_key'], pkt_access: true }],
  // bpf_probe_read (the compat one: user below TASK_SIZE, kernel above), bpf_probe_read_str.
  [4, { ret: 'integer', args: ['uninit_mem', 'const_size_or_zero', 'anything'], gpl_only: true }],
  [45, { ret: 'integer', args: ['uninit_mem', 'const_size_or_zero', 'anything'], gpl_only: true }],
  [5, { ret: 'integer', args: [] }],
  [6, { ret: 'integer', args: ['mem_rdonly', 'const_size'], gpl_only: true }],
  [7, { ret: 'integer', args: [] }],
  [8, { ret: 'integer', args: [] }],
  // bpf_tail_call: a BPF_MAP_TYPE_PROG_ARRAY (record_func_key()), which the model does not create.
  [12, { ret: 'integer', args: ['ctx', 'const_map_ptr', 'anything'] }],
  [14, { ret: 'integer', args: [] }],
  [15, { ret: 'integer', args: [] }],
  [16, { ret: 'integer', args: ['uninit_mem', 'const_size'] }],
  // bpf_perf_event_output and its skb / xdp / raw_tp variants (one prototype): a BPF_MAP_TYPE_PERF_EVENT_ARRAY.
  [
    25,
    {
      ret: 'integer',
      args: ['ctx', 'const_map_ptr', 'anything', 'mem_rdonly', 'const_size_or_zero'],
      gpl_only: true,
      mapType: 'BPF_MAP_TYPE_PERF_EVENT_ARRAY',
    },
  ],
  // bpf_get_stackid (and its raw_tp variant): a BPF_MAP_TYPE_STACK_TRACE.
  [
    27,
    { ret: 'integer', args: ['ctx', 'const_map_ptr', 'anything'], gpl_only: true, mapType: 'BPF_MAP_TYPE_STACK_TRACE' },
  ],
  [35, { ret: 'integer', args: [], gpl_only: true }],
  // bpf_get_stack (and its raw_tp variant, whose buffer is ARG_PTR_TO_UNINIT_MEM too in 6.18).
  [67, { ret: 'integer', args: ['ctx', 'uninit_mem', 'const_size_or_zero', 'anything'], gpl_only: true }],
  [109, { ret: 'integer', args: ['anything'] }],
  [112, { ret: 'integer', args: ['uninit_mem', 'const_size_or_zero', 'anything'], gpl_only: true }],
  [113, { ret: 'integer', args: ['uninit_mem', 'const_size_or_zero', 'anything'], gpl_only: true }],
  [114, { ret: 'integer', args: ['uninit_mem', 'const_size_or_zero', 'anything'], gpl_only: true }],
  [115, { ret: 'integer', args: ['uninit_mem', 'const_size_or_zero', 'anything'], gpl_only: true }],
  [117, { ret: 'integer', args: ['anything'] }],
  [125, { ret: 'integer', args: [] }],
  // bpf_cgrp_storage_get/delete: a BPF_MAP_TYPE_CGRP_STORAGE (not created by the model) and a struct cgroup or NULL.
  [
    210,
    {
      ret: 'map_value_or_null',
      args: ['const_map_ptr', 'btf_id_or_null', 'map_value_or_null', 'anything'],
      mapType: 'BPF_MAP_TYPE_CGRP_STORAGE',
    },
  ],
  [211, { ret: 'integer', args: ['const_map_ptr', 'btf_id_or_null'], mapType: 'BPF_MAP_TYPE_CGRP_STORAGE' }],
  [130, { ret: 'integer', args: ['const_map_ptr', 'mem_rdonly', 'const_size_or_zero', 'anything'] }],
  [131, { ret: 'ringbuf_mem_or_null', args: ['const_map_ptr', 'const_alloc_size_or_zero', 'anything'] }],
  [132, { ret: 'void', args: ['alloc_mem', 'anything'], release: 1 }],
  [133, { ret: 'void', args: ['alloc_mem', 'anything'], release: 1 }],
  [134, { ret: 'integer', args: ['const_map_ptr', 'anything'] }],
  [181, { ret: 'integer', args: ['anything', 'func', 'stack_or_null', 'anything'], callback: 'loop' }],
]);

/** A kfunc's verifier view: iterator role and the iterator type, the size of the returned memory. */
export interface KfuncProto {
  iter?: 'new' | 'next' | 'destroy';
  /** Iterator type name without the bpf_iter_ prefix (num, bits, ...). */
  iterType?: string;
  /** Stack slots of struct bpf_iter_<type>. */
  iterSlots?: number;
  /** Number of scalar arguments after the iterator pointer (new). */
  scalarArgs?: number;
  /** The argument after the iterator that is not checked at all (the kernel's `__ign` suffix), 0-based. */
  ignoredArg?: number;
  /** Size of the memory next() returns (read-only). */
  retMemSize?: number;
}

/**
 * kfuncs by name: the bpf_iter_<type>_{new,next,destroy} pattern. `registered` is the kfunc's BpfHelper.proto:
 * a kfunc registered by another engine gives there its iterator's slot count, next()'s record size and new()'s
 * scalar arguments (the kernel reads them from BTF: the struct's size, the return type's size).
 */
export function kfuncProto(name: string, registered?: Record<string, unknown>): KfuncProto | undefined {
  const m = /^bpf_iter_(\w+)_(new|next|destroy)$/.exec(name);
  if (!m) return undefined;
  const type = m[1]!;
  const num = (k: keyof KfuncProto): number | undefined => {
    const v = registered?.[k];
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
  };
  const slots = num('iterSlots') ?? (type === 'bits' ? 2 : 1);
  const p: KfuncProto = { iter: m[2] as 'new' | 'next' | 'destroy', iterType: type, iterSlots: slots };
  if (m[2] === 'new') p.scalarArgs = num('scalarArgs') ?? 2;
  // bpf_iter_bits_new(it, const u64 *unsafe_ptr__ign, u32 nr_words): the pointer is not checked.
  if (m[2] === 'new' && type === 'bits' && !registered) p.ignoredArg = 0;
  if (m[2] === 'next') p.retMemSize = num('retMemSize') ?? (type === 'num' || type === 'bits' ? 4 : 8);
  return p;
}
