/**
 * What scripts may hold and call: every engine class a script sees, with its whitelisted methods and
 * properties. This list is the one bindings layer from script globals to engines; lab-api.d.ts is checked
 * against it by a test, so the typings Monaco shows cannot drift from what really runs.
 */
import { Kernel } from '../engines/kernel';
import { isVmRegion, MmEngine, SecretFile } from '../engines/mm/index';
import { Tlb } from '../engines/mm/tlb';
import { Churn } from '../engines/mm/workload';
import { BpfEngine, BpfMap, BpfProgram, RingbufMap } from '../engines/bpf/index';
import { BPF_ORACLE, UBLK_ORACLE } from './oracle-bindings';
import { Ublk, UblkDev } from '../engines/ublk/index';
import type { ClassBinding } from './bridge';
import { MM_BATCH } from './batch';

export const CLASS_BINDINGS: readonly ClassBinding[] = [
  { name: 'Kernel', type: Kernel, methods: ['now_ns'], consts: ['mm', 'bpf', 'ublk', 'seed', 'cpus'] },
  {
    name: 'Mm',
    type: MmEngine,
    methods: [
      'alloc_pages', '__free_pages', 'drain_all_pages',
      'set_memory_ro', 'set_memory_rw', 'set_memory_x', 'set_memory_nx', 'set_memory_np', 'set_memory_p',
      'set_memory_rox', 'set_memory_4k', 'set_direct_map_invalid_noflush', 'set_direct_map_default_noflush',
      'flush_tlb_kernel_range', 'lookup_address', 'page_address',
      'vmalloc', 'vfree', 'execmem_alloc', 'execmem_free', 'memfd_secret',
      'meminfo', 'vmstat', 'pagetypeinfo', 'buddyinfo', 'procfs', 'stats', 'tlb', 'snapshot',
      'unmapped_alloc_shrink', 'unmapped_alloc_count',
      'set_memory_np_noalias', 'set_direct_map_valid_noflush', 'fragmentation',
      'alloc_pages_bulk', '__free_pages_bulk',
    ],
    consts: ['policy', 'nframes', 'managed_pages', 'workloads'],
    extras: MM_BATCH,
    extrasType: 'MmBatch',
  },
  {
    name: 'VmRegion',
    match: isVmRegion,
    tsType: 'VmRegion',
    methods: [],
    consts: ['kind', 'addr', 'size', 'nr_pages', 'pages', 'flags'],
    props: ['freed'],
  },
  { name: 'SecretFile', type: SecretFile, methods: ['fault', 'close'], props: ['nr_pages'] },
  { name: 'Tlb', type: Tlb, methods: ['access'] },
  { name: 'Churn', type: Churn, methods: ['run', 'release'] },
  {
    name: 'Bpf',
    type: BpfEngine,
    methods: ['map_create', 'prog_load', 'verify', 'prog_test_run', 'assemble', 'disassemble', 'kernel_verify', 'kernel_test_run'],
    props: ['nr_cpus'],
    extras: BPF_ORACLE,
    extrasType: 'BpfKernelOracle',
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
  },
  { name: 'Program', type: BpfProgram, methods: ['run', 'disasm'], props: ['jited', 'id', 'name', 'prog_type', 'verifier_log'] },
  {
    name: 'Ublk',
    type: Ublk,
    methods: ['add_dev', 'fio', 'set_costs', 'calibrate', 'uring_probe', 'get_features'],
    props: ['cost_source'],
    extras: UBLK_ORACLE,
    extrasType: 'UblkHostProbe',
  },
  {
    name: 'UblkDev',
    type: UblkDev,
    methods: [
      'start_dev', 'stop_dev', 'del_dev', 'info', 'get_params', 'get_queue_affinity', 'update_size',
      'kill_server', 'recover', 'snapshot', 'stats', 'invariants', 'pread', 'pwrite',
      'get_dev_info2', 'del_dev_async', 'quiesce_dev', 'try_stop_dev',
    ],
  },
];
