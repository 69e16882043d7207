/**
 * What scripts may hold and call: every engine class a script sees, with its whitelisted methods and
 * properties. This list is the one bindings layer from script globals to engines; lab-api.d.ts is checked
 * against it by a test, so the typings Monaco shows cannot drift from what really runs.
 */
import { Kernel } from '../engines/kernel';
import { isVmRegion, MAX_LFS_PGOFF, MmEngine, SecretFile } from '../engines/mm/index';
import { Tlb } from '../engines/mm';
import { Churn } from '../engines/mm';
import { BpfEngine, BpfMap, BpfObjectFile, BpfProgram, RingbufMap } from '../engines/bpf/index';
import { BPF_ORACLE, UBLK_ORACLE } from './oracle-bindings';
import { Ublk, UblkDev } from '../engines/ublk/index';
import type { ClassBinding } from './bridge';
import { MM_BATCH } from './batch';
import { BPF_COMPLEXITY_LIMIT_INSNS } from '../engines/bpf';
import {
  any,
  bool,
  bytes,
  bytesLike,
  count,
  either,
  finite,
  instance,
  int,
  list,
  matching,
  nul,
  obj,
  opt,
  order,
  s32,
  size,
  str,
  u32,
  type Arg,
} from '../engines/common/args';

/* The arguments each method accepts (checked by Bridge.call before the engine runs; see args.ts). */
type Spec = readonly (readonly [string, Arg])[];
/** A gfp mask: names ('GFP_KERNEL|__GFP_ZERO') or a gfp_t (unsigned int). */
const gfp = either(str, u32, "a gfp mask (a string like 'GFP_KERNEL' or an unsigned int)");
/** struct page *: a pfn, or { pfn, order } as alloc_pages() returns it. */
const pageRef = either(
  count,
  obj({ pfn: count, order: opt(order) }),
  'a page (a pfn, or { pfn, order } from alloc_pages())',
);
const region = matching(isVmRegion, 'vmalloc or execmem area');
/** set_memory_*(addr, int numpages) */
const SET_MEMORY: Spec = [
  ['target', either(region, pageRef, 'a page or a vmalloc/execmem area')],
  ['numpages', opt(int(0, 0x7fffffff))],
];
/** Lab-only replays: at most this many operations per crossing (the host cannot be interrupted inside one call). */
const MAX_LAB_OPS = 1 << 24;
/** Program.run()'s instruction budget (a model knob, default 100M): at most 2^30, about as much host time as a run's default deadline. */
const MAX_RUN_BUDGET = 1 << 30;
const tlbArray = obj({ entries: int(1, 1 << 20), ways: int(1, 1 << 20) });
const tlbConfig = obj({
  name: opt(str),
  l1_4k: tlbArray,
  l1_2m: tlbArray,
  l1_1g: either(tlbArray, nul, 'a TLB array or null'),
  stlb: tlbArray,
  stlbHolds2M: bool,
  stlb_1g: either(tlbArray, nul, 'a TLB array or null'),
});
const mapsArg = opt(obj({}));
/** An instruction record: its fields are integers (their encoded widths are checked at load, as bpf_check() reads them). */
const intField = opt(int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
const insnRecord = obj({
  code: int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  dst_reg: intField,
  src_reg: intField,
  off: intField,
  imm: intField,
});
/** BPF_PROG_LOAD attributes (the instruction records' fields are checked at load, against their encoded widths). */
const progLoadFields: Record<string, Arg> = {
  insns: opt(either(bytes, list(insnRecord, 1 << 24), 'instructions (a Uint8Array or a list of records)')),
  asm: opt(str),
  syntax: opt(str),
  prog_type: opt(str),
  prog_name: opt(str),
  maps: mapsArg,
  // log_level: bpf_verifier_log_attr_valid() refuses bits outside BPF_LOG_MASK (LEVEL1 | LEVEL2 | STATS | FIXED = 15).
  verify: opt(bool),
  log_level: opt(int(0, 15)),
  log_size: opt(u32),
  test_state_freq: opt(bool),
  prog_flags: opt(count),
  jit: opt(bool),
  license: opt(str),
  line_info: opt(list(obj({ insn: u32, file: str, line: u32, col: u32, text: str }), 1 << 24)),
};
const insnFields = obj({
  code: int(0, 0xff),
  dst_reg: int(0, 15),
  src_reg: int(0, 15),
  off: int(-0x8000, 0x7fff),
  imm: s32,
});
const fioOptions = obj({
  dev: instance(UblkDev, 'device from add_dev()'),
  rw: opt(str),
  bs: opt(size),
  iodepth: opt(u32),
  numjobs: opt(u32),
  ios: opt(count),
  runtime: opt(size),
  size: opt(size),
  offset: opt(size),
  rwmixread: opt(u32),
  verify: opt(bool),
  timeout: opt(size),
  trace_every: opt(count),
  zonemode: opt(str),
});
const addDevOptions = obj({
  nr_hw_queues: opt(int(0, 0xffff)),
  queue_depth: opt(int(0, 0xffff)),
  dev_size: opt(size),
  max_io_buf_bytes: opt(size),
  flags: opt(either(list(str, 64), int(0, Number.MAX_SAFE_INTEGER), 'UBLK_F_* names or a mask')),
  data_path: opt(str),
  bpf_prog: opt(any),
  target: opt(either(str, obj({}), "'null', 'loop', 'stripe', 'mirror', 'fault_inject', 'zoned' or a handler object")),
  nr_files: opt(u32),
  chunk: opt(size),
  privileged: opt(bool),
  dev_id: opt(int(-1, 0x7fffffff)),
  auto_buf_reg_fallback: opt(bool),
  splice_read_to_read: opt(bool),
  fetch_limit: opt(u32),
  logical_block_size: opt(u32),
  server: opt(str),
  delay_us: opt(u32),
  die_during_fetch: opt(bool),
  // struct ublk_param_discard: u32 fields, except max_discard_segments (u16)
  discard: opt(
    obj({
      max_discard_sectors: opt(u32),
      max_write_zeroes_sectors: opt(u32),
      discard_granularity: opt(u32),
      discard_alignment: opt(u32),
      max_discard_segments: opt(int(0, 0xffff)),
    }),
  ),
  // struct ublk_param_zoned: u32 fields; sizes in bytes (chunk_sectors and max_zone_append_sectors are u32 sectors)
  zoned: opt(
    obj({
      zone_size: opt(size),
      zone_capacity: opt(size),
      nr_conv: opt(u32),
      max_open_zones: opt(u32),
      max_active_zones: opt(u32),
      max_zone_append_size: opt(size),
    }),
  ),
});
/** A bio's REQ_* flag names (pread/pwrite/write_zeroes). */
const bioFlags = opt(obj({ flags: opt(list(str, 16)) }));

const MM_ARGS: Record<string, Spec> = {
  alloc_pages: [
    ['gfp', gfp],
    ['order', opt(order)],
  ],
  __free_pages: [
    ['page', pageRef],
    ['order', opt(order)],
  ],
  set_memory_ro: SET_MEMORY,
  set_memory_rw: SET_MEMORY,
  set_memory_x: SET_MEMORY,
  set_memory_nx: SET_MEMORY,
  set_memory_np: SET_MEMORY,
  set_memory_p: SET_MEMORY,
  set_memory_rox: SET_MEMORY,
  set_memory_4k: SET_MEMORY,
  set_memory_np_noalias: SET_MEMORY,
  set_direct_map_invalid_noflush: [['page', pageRef]],
  set_direct_map_default_noflush: [['page', pageRef]],
  set_direct_map_valid_noflush: [
    ['page', pageRef],
    ['nr', int(0, 0x7fffffff)],
    ['valid', bool],
  ],
  lookup_address: [['page', pageRef]],
  page_address: [['page', pageRef]],
  vmalloc: [
    ['size', size],
    ['opts', opt(obj({ flags: opt(list(str, 64)), gfp: opt(gfp) }))],
  ],
  vfree: [['r', region]],
  execmem_alloc: [['size', size]],
  execmem_free: [['r', region]],
  procfs: [['name', str]],
  tlb: [['opts', opt(obj({ cpu: opt(either(str, tlbConfig, 'a CPU name or a TlbConfig')), seed: opt(u32) }))]],
  unmapped_alloc_shrink: [['nr_to_scan', count]],
  alloc_pages_bulk: [
    ['gfp', gfp],
    ['nr_pages', int(0, MAX_LAB_OPS)],
    ['order', opt(order)],
  ],
  __free_pages_bulk: [
    ['pfns', list(count, MAX_LAB_OPS, true)],
    ['order', opt(order)],
  ],
  // Page cache and anonymous memory: at most MAX_LAB_OPS pages per crossing; a page index below MAX_LFS_FILESIZE's.
  filemap_read: [
    ['file', str],
    ['pages', int(0, MAX_LAB_OPS)],
    ['start', opt(int(0, MAX_LFS_PGOFF - 1))],
  ],
  truncate: [['file', str]],
  anon_fault: [['pages', int(0, MAX_LAB_OPS)]],
  anon_unmap: [['pages', int(0, MAX_LAB_OPS)]],
  // /proc/sys/vm/drop_caches takes 1 … 4 (proc_dointvec_minmax between SYSCTL_ONE and SYSCTL_FOUR).
  drop_caches: [['mode', opt(int(1, 4))]],
};
const BPF_ARGS: Record<string, Spec> = {
  map_create: [
    [
      'attr',
      obj({
        map_type: either(str, u32, 'a map type name or number'),
        key_size: opt(u32),
        value_size: opt(u32),
        max_entries: u32,
        map_flags: opt(u32),
        map_name: opt(str),
      }),
    ],
  ],
  prog_load: [['attr', obj({ ...progLoadFields, obj: opt(bytes), c: opt(str), filename: opt(str) })]],
  // insn_limit lowers BPF_COMPLEXITY_LIMIT_INSNS (1M, fixed in 6.18) for a lesson; it never raises it (unbounded work).
  verify: [
    [
      'src',
      either(
        str,
        obj({ ...progLoadFields, insn_limit: opt(int(0, BPF_COMPLEXITY_LIMIT_INSNS)), trace: opt(bool) }),
        'assembly text or load attributes',
      ),
    ],
  ],
  prog_test_run: [
    ['prog', instance(BpfProgram, 'Program')],
    ['attr', opt(obj({ ctx_in: opt(bytes), data_in: opt(bytes), repeat: opt(u32), cpu: opt(u32) }))],
  ],
  assemble: [
    ['src', str],
    ['opts', opt(obj({ syntax: opt(str), maps: mapsArg }))],
  ],
  disassemble: [['insns', list(insnFields, 1 << 24)]],
  obj_open: [
    ['bytes', bytes],
    ['opts', opt(obj({ name: opt(str) }))],
  ],
  compile: [['arg', obj({ c: str, filename: opt(str) })]],
};

export const CLASS_BINDINGS: readonly ClassBinding[] = [
  { name: 'Kernel', type: Kernel, methods: ['now_ns'], consts: ['mm', 'bpf', 'ublk', 'seed', 'cpus'] },
  {
    name: 'Mm',
    type: MmEngine,
    methods: [
      'alloc_pages',
      '__free_pages',
      'drain_all_pages',
      'set_memory_ro',
      'set_memory_rw',
      'set_memory_x',
      'set_memory_nx',
      'set_memory_np',
      'set_memory_p',
      'set_memory_rox',
      'set_memory_4k',
      'set_direct_map_invalid_noflush',
      'set_direct_map_default_noflush',
      'flush_tlb_kernel_range',
      'lookup_address',
      'page_address',
      'vmalloc',
      'vfree',
      'execmem_alloc',
      'execmem_free',
      'memfd_secret',
      'meminfo',
      'vmstat',
      'pagetypeinfo',
      'buddyinfo',
      'procfs',
      'stats',
      'tlb',
      'snapshot',
      'unmapped_alloc_shrink',
      'unmapped_alloc_count',
      'set_memory_np_noalias',
      'set_direct_map_valid_noflush',
      'fragmentation',
      'alloc_pages_bulk',
      '__free_pages_bulk',
      'zoneinfo',
      'filemap_read',
      'truncate',
      'anon_fault',
      'anon_unmap',
      'drop_caches',
      'kswapd_run',
      'compact',
    ],
    consts: ['policy', 'nframes', 'managed_pages', 'min_free_kbytes', 'watermark_scale_factor', 'workloads'],
    extras: MM_BATCH,
    extrasType: 'MmBatch',
    args: MM_ARGS,
  },
  {
    name: 'VmRegion',
    match: isVmRegion,
    tsType: 'VmRegion',
    methods: [],
    consts: ['kind', 'addr', 'size', 'nr_pages', 'pages', 'flags'],
    props: ['freed'],
  },
  {
    name: 'SecretFile',
    type: SecretFile,
    methods: ['fault', 'close'],
    props: ['nr_pages'],
    args: { fault: [['index', count]] },
  },
  {
    name: 'Tlb',
    type: Tlb,
    methods: ['access'],
    args: {
      access: [
        [
          'pattern',
          obj({
            type: str,
            accesses: int(0, MAX_LAB_OPS),
            start: opt(count),
            pages: opt(count),
            hotPages: opt(count),
            hotProbability: opt(finite),
            stride: opt(count),
            seed: opt(u32),
          }),
        ],
      ],
    },
  },
  { name: 'Churn', type: Churn, methods: ['run', 'release'], args: { run: [['ops', int(0, MAX_LAB_OPS)]] } },
  {
    name: 'Bpf',
    type: BpfEngine,
    methods: [
      'map_create',
      'prog_load',
      'verify',
      'prog_test_run',
      'assemble',
      'disassemble',
      'obj_open',
      'kernel_verify',
      'kernel_test_run',
      'compile',
    ],
    props: ['nr_cpus'],
    extras: BPF_ORACLE,
    extrasType: 'BpfKernelOracle',
    args: BPF_ARGS,
  },
  {
    name: 'RingbufMap',
    type: RingbufMap,
    methods: ['consume'],
    consts: ['id', 'name', 'type_name', 'max_entries'],
  },
  {
    name: 'BpfMap',
    type: BpfMap,
    methods: ['lookup', 'update', 'delete', 'entries'],
    consts: ['id', 'name', 'type_name', 'key_size', 'value_size', 'max_entries'],
    args: {
      lookup: [['key', bytesLike]],
      update: [
        ['key', bytesLike],
        ['value', bytesLike],
        ['flags', opt(count)],
      ],
      delete: [['key', bytesLike]],
    },
  },
  {
    name: 'BpfObject',
    type: BpfObjectFile,
    methods: ['load', 'set_autoload'],
    consts: ['name', 'license', 'maps'],
    props: ['progs'],
    args: {
      load: [['opts', opt(obj({ log_level: opt(int(0, 15)) }))]],
      set_autoload: [
        ['prog', str],
        ['autoload', bool],
      ],
    },
  },
  {
    name: 'Program',
    type: BpfProgram,
    methods: ['run', 'disasm'],
    props: ['jited', 'id', 'name', 'prog_type', 'verifier_log', 'source'],
    args: {
      run: [
        ['ctx', opt(bytes)],
        ['opts', opt(obj({ cpu: opt(u32), budget: opt(int(0, MAX_RUN_BUDGET)) }))],
      ],
    },
  },
  {
    name: 'Ublk',
    type: Ublk,
    methods: ['add_dev', 'fio', 'set_costs', 'calibrate', 'calibrate_report', 'uring_probe', 'get_features'],
    props: ['cost_source'],
    extras: UBLK_ORACLE,
    extrasType: 'UblkHostProbe',
    args: {
      add_dev: [['o', opt(addDevOptions)]],
      fio: [['o', fioOptions]],
      set_costs: [['over', either(str, obj({}), "'default', 'this_machine' or cost overrides")]],
      calibrate: [['probe', obj({})]], // calibrateCosts() checks each figure
    },
  },
  {
    name: 'UblkDev',
    type: UblkDev,
    methods: [
      'start_dev',
      'stop_dev',
      'del_dev',
      'info',
      'get_params',
      'get_queue_affinity',
      'update_size',
      'kill_server',
      'recover',
      'snapshot',
      'stats',
      'invariants',
      'pread',
      'pwrite',
      'get_dev_info2',
      'del_dev_async',
      'quiesce_dev',
      'try_stop_dev',
      'start_user_recovery',
      'end_user_recovery',
      'discard',
      'write_zeroes',
      'report_zones',
      'zone_mgmt',
      'zone_append',
    ],
    args: {
      // ublksrv_pid: START_DEV's / END_USER_RECOVERY's data[0], an int in the driver
      start_dev: [['o', opt(obj({ ublksrv_pid: opt(s32) }))]],
      get_queue_affinity: [['q', u32]],
      recover: [['o', opt(obj({ die_during_fetch: opt(bool) }))]],
      end_user_recovery: [['o', opt(obj({ die_during_fetch: opt(bool), ublksrv_pid: opt(s32) }))]],
      // QUIESCE_DEV's data[0] is a u64 of milliseconds (0: wait forever)
      quiesce_dev: [['timeout_ms', opt(u32)]],
      update_size: [['size', size]],
      pread: [
        ['len', int(0, 0x7ffff000)],
        ['off', count],
        ['o', bioFlags],
      ],
      pwrite: [
        ['data', bytes],
        ['off', count],
        ['o', bioFlags],
      ],
      discard: [
        ['off', count],
        ['len', int(0, 0x7ffff000)],
      ],
      write_zeroes: [
        ['off', count],
        ['len', int(0, 0x7ffff000)],
        ['o', bioFlags],
      ],
      // struct blk_zone_report / blk_zone_range: u64 sectors, u32 nr_zones
      report_zones: [['o', opt(obj({ sector: opt(count), nr_zones: opt(u32) }))]],
      zone_mgmt: [
        ['op', str],
        ['sector', count],
        ['nr_sectors', opt(count)],
      ],
      zone_append: [
        ['data', bytes],
        ['sector', count],
      ],
    },
  },
];
