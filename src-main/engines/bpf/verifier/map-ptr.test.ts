import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../../oracle/test-util';
import { kernelClassDisagreements, recordedAnswerGaps } from './kernel-classes.fixtures';
import { MAP_BTF_STRUCT, MAP_STRUCTS, btfStructAccess } from '../map_btf';
import { modelAnswer } from './helper-args.fixtures';
import type { HelperVariant } from './helper-args.fixtures';
import { mapPtrVariants } from './map-ptr.fixtures';

/**
 * Accesses through a map pointer against Linux 6.18 (map-ptr.fixtures.ts). KERNEL holds what this machine's
 * 6.18.44 answered for every variant (BPF_PROG_LOAD as root, RAW_TRACEPOINT): `ok` or `ERRNO first error line`.
 */
const KERNEL: Record<string, string> = {
  'array load size 1 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'array ldsx size 1 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'array store size 1 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'array st size 1 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'array load size 2 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'array ldsx size 2 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'array store size 2 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'array st size 2 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'array load size 4 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'array ldsx size 4 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'array store size 4 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'array st size 4 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'array load size 8 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'array store size 8 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'array st size 8 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'array load size 1 off -1': 'EACCES R1 is bpf_array invalid negative access: off=-1',
  'array load size 2 off -1': 'EACCES R1 is bpf_array invalid negative access: off=-1',
  'array load size 4 off -1': 'EACCES R1 is bpf_array invalid negative access: off=-1',
  'array load size 8 off -1': 'EACCES R1 is bpf_array invalid negative access: off=-1',
  'array load size 1 off 0': 'ok',
  'array ldsx size 1 off 0': 'ok',
  'array store size 1 off 0': 'EACCES only read from bpf_array is supported',
  'array st size 1 off 0': 'EACCES only read from bpf_array is supported',
  'array load size 2 off 0': 'ok',
  'array ldsx size 2 off 0': 'ok',
  'array store size 2 off 0': 'EACCES only read from bpf_array is supported',
  'array st size 2 off 0': 'EACCES only read from bpf_array is supported',
  'array load size 4 off 0': 'ok',
  'array ldsx size 4 off 0': 'ok',
  'array store size 4 off 0': 'EACCES only read from bpf_array is supported',
  'array st size 4 off 0': 'EACCES only read from bpf_array is supported',
  'array load size 8 off 0': 'ok',
  'array store size 8 off 0': 'EACCES only read from bpf_array is supported',
  'array st size 8 off 0': 'EACCES only read from bpf_array is supported',
  'array load size 1 off 30': 'ok',
  'array load size 2 off 30': 'ok',
  'array load size 4 off 30':
    'EACCES access beyond the end of member sha (mend:32) in struct bpf_map with off 30 size 4',
  'array load size 8 off 30':
    'EACCES access beyond the end of member sha (mend:32) in struct bpf_map with off 30 size 8',
  'array load size 1 off 32': 'ok',
  'array load size 2 off 32': 'ok',
  'array load size 4 off 32': 'ok',
  'array load size 8 off 32':
    'EACCES access beyond the end of member excl (mend:36) in struct bpf_map with off 32 size 8',
  'array load size 1 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'array load size 2 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'array load size 4 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'array load size 8 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'array load size 1 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 1',
  'array ldsx size 1 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 1',
  'array store size 1 off 40': 'EACCES only read from bpf_array is supported',
  'array st size 1 off 40': 'EACCES only read from bpf_array is supported',
  'array load size 2 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 2',
  'array ldsx size 2 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 2',
  'array store size 2 off 40': 'EACCES only read from bpf_array is supported',
  'array st size 2 off 40': 'EACCES only read from bpf_array is supported',
  'array load size 4 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 4',
  'array ldsx size 4 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 4',
  'array store size 4 off 40': 'EACCES only read from bpf_array is supported',
  'array st size 4 off 40': 'EACCES only read from bpf_array is supported',
  'array load size 8 off 40': 'ok',
  'array store size 8 off 40': 'EACCES only read from bpf_array is supported',
  'array st size 8 off 40': 'EACCES only read from bpf_array is supported',
  'array load size 1 off 44': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 1',
  'array load size 2 off 44': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 2',
  'array load size 4 off 44': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 4',
  'array load size 8 off 44': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 8',
  'array load size 1 off 48':
    'EACCES cannot access ptr member inner_map_meta with moff 48 in struct bpf_map with off 48 size 1',
  'array load size 2 off 48':
    'EACCES cannot access ptr member inner_map_meta with moff 48 in struct bpf_map with off 48 size 2',
  'array load size 4 off 48':
    'EACCES cannot access ptr member inner_map_meta with moff 48 in struct bpf_map with off 48 size 4',
  'array load size 8 off 48': 'ok',
  'array load size 1 off 64': 'ok',
  'array ldsx size 1 off 64': 'ok',
  'array store size 1 off 64': 'EACCES only read from bpf_array is supported',
  'array st size 1 off 64': 'EACCES only read from bpf_array is supported',
  'array load size 2 off 64': 'ok',
  'array ldsx size 2 off 64': 'ok',
  'array store size 2 off 64': 'EACCES only read from bpf_array is supported',
  'array st size 2 off 64': 'EACCES only read from bpf_array is supported',
  'array load size 4 off 64': 'ok',
  'array ldsx size 4 off 64': 'ok',
  'array store size 4 off 64': 'EACCES only read from bpf_array is supported',
  'array st size 4 off 64': 'EACCES only read from bpf_array is supported',
  'array load size 8 off 64':
    'EACCES access beyond the end of member map_type (mend:68) in struct bpf_map with off 64 size 8',
  'array store size 8 off 64': 'EACCES only read from bpf_array is supported',
  'array st size 8 off 64': 'EACCES only read from bpf_array is supported',
  'array load size 1 off 66': 'ok',
  'array load size 2 off 66': 'ok',
  'array load size 4 off 66':
    'EACCES access beyond the end of member map_type (mend:68) in struct bpf_map with off 66 size 4',
  'array load size 8 off 66':
    'EACCES access beyond the end of member map_type (mend:68) in struct bpf_map with off 66 size 8',
  'array load size 1 off 80': 'ok',
  'array load size 2 off 80': 'ok',
  'array load size 4 off 80': 'ok',
  'array load size 8 off 80': 'ok',
  'array load size 1 off 104': 'ok',
  'array load size 2 off 104': 'ok',
  'array load size 4 off 104': 'ok',
  'array load size 8 off 104':
    'EACCES access beyond the end of member numa_node (mend:108) in struct bpf_map with off 104 size 8',
  'array load size 1 off 136': 'ok',
  'array load size 2 off 136': 'ok',
  'array load size 4 off 136': 'ok',
  'array load size 8 off 136': 'ok',
  'array load size 1 off 148': 'ok',
  'array load size 2 off 148': 'ok',
  'array load size 4 off 148': 'ok',
  'array load size 8 off 148':
    'EACCES access beyond the end of member name (mend:152) in struct bpf_map with off 148 size 8',
  'array load size 1 off 152': 'ok',
  'array load size 2 off 152': 'ok',
  'array load size 4 off 152': 'ok',
  'array load size 8 off 152': 'ok',
  'array load size 1 off 184': 'ok',
  'array load size 2 off 184': 'ok',
  'array load size 4 off 184': 'ok',
  'array load size 8 off 184': 'ok',
  'array load size 1 off 200': 'ok',
  'array load size 2 off 200': 'ok',
  'array load size 4 off 200': 'ok',
  'array load size 8 off 200': 'ok',
  'array load size 1 off 232': 'ok',
  'array load size 2 off 232': 'ok',
  'array load size 4 off 232': 'ok',
  'array load size 8 off 232': 'ok',
  'array load size 1 off 256': 'ok',
  'array load size 2 off 256':
    'EACCES access beyond the end of member bypass_spec_v1 (mend:257) in struct bpf_map with off 256 size 2',
  'array load size 4 off 256':
    'EACCES access beyond the end of member bypass_spec_v1 (mend:257) in struct bpf_map with off 256 size 4',
  'array load size 8 off 256':
    'EACCES access beyond the end of member bypass_spec_v1 (mend:257) in struct bpf_map with off 256 size 8',
  'array load size 1 off 260': 'ok',
  'array load size 2 off 260':
    'EACCES access beyond the end of member free_after_rcu_gp (mend:261) in struct bpf_map with off 260 size 2',
  'array load size 4 off 260':
    'EACCES access beyond the end of member free_after_rcu_gp (mend:261) in struct bpf_map with off 260 size 4',
  'array load size 8 off 260':
    'EACCES access beyond the end of member free_after_rcu_gp (mend:261) in struct bpf_map with off 260 size 8',
  'array load size 1 off 272':
    'EACCES cannot access ptr member elem_count with moff 272 in struct bpf_map with off 272 size 1',
  'array load size 2 off 272':
    'EACCES cannot access ptr member elem_count with moff 272 in struct bpf_map with off 272 size 2',
  'array load size 4 off 272':
    'EACCES cannot access ptr member elem_count with moff 272 in struct bpf_map with off 272 size 4',
  'array load size 8 off 272': 'ok',
  'array load size 1 off 288':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 288 size 1',
  'array load size 2 off 288':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 288 size 2',
  'array load size 4 off 288':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 288 size 4',
  'array load size 8 off 288': 'ok',
  'array load size 1 off 292':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 292 size 1',
  'array load size 2 off 292':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 292 size 2',
  'array load size 4 off 292':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 292 size 4',
  'array load size 8 off 292': 'EACCES access beyond struct bpf_map at off 292 size 8',
  'array load size 1 off 296': 'ok',
  'array ldsx size 1 off 296': 'ok',
  'array store size 1 off 296': 'EACCES only read from bpf_array is supported',
  'array st size 1 off 296': 'EACCES only read from bpf_array is supported',
  'array load size 2 off 296': 'ok',
  'array ldsx size 2 off 296': 'ok',
  'array store size 2 off 296': 'EACCES only read from bpf_array is supported',
  'array st size 2 off 296': 'EACCES only read from bpf_array is supported',
  'array load size 4 off 296': 'ok',
  'array ldsx size 4 off 296': 'ok',
  'array store size 4 off 296': 'EACCES only read from bpf_array is supported',
  'array st size 4 off 296': 'EACCES only read from bpf_array is supported',
  'array load size 8 off 296':
    'EACCES access beyond the end of member elem_size (mend:300) in struct bpf_array with off 296 size 8',
  'array store size 8 off 296': 'EACCES only read from bpf_array is supported',
  'array st size 8 off 296': 'EACCES only read from bpf_array is supported',
  'array load size 1 off 300': 'ok',
  'array load size 2 off 300': 'ok',
  'array load size 4 off 300': 'ok',
  'array load size 8 off 300':
    'EACCES access beyond the end of member index_mask (mend:304) in struct bpf_array with off 300 size 8',
  'array load size 1 off 304':
    'EACCES cannot access ptr member aux with moff 304 in struct bpf_array with off 304 size 1',
  'array load size 2 off 304':
    'EACCES cannot access ptr member aux with moff 304 in struct bpf_array with off 304 size 2',
  'array load size 4 off 304':
    'EACCES cannot access ptr member aux with moff 304 in struct bpf_array with off 304 size 4',
  'array load size 8 off 304': 'ok',
  'array load size 1 off 308':
    'EACCES cannot access ptr member aux with moff 304 in struct bpf_array with off 308 size 1',
  'array load size 2 off 308':
    'EACCES cannot access ptr member aux with moff 304 in struct bpf_array with off 308 size 2',
  'array load size 4 off 308':
    'EACCES cannot access ptr member aux with moff 304 in struct bpf_array with off 308 size 4',
  'array load size 8 off 308': 'EACCES access beyond struct bpf_array at off 308 size 8',
  'array load size 1 off 312': 'EACCES access beyond struct bpf_array at off 312 size 1',
  'array load size 2 off 312': 'EACCES access beyond struct bpf_array at off 312 size 2',
  'array load size 4 off 312': 'EACCES access beyond struct bpf_array at off 312 size 4',
  'array load size 8 off 312': 'EACCES access beyond struct bpf_array at off 312 size 8',
  'array load size 1 off 456': 'EACCES access beyond struct bpf_array at off 456 size 1',
  'array load size 2 off 456': 'EACCES access beyond struct bpf_array at off 456 size 2',
  'array load size 4 off 456': 'EACCES access beyond struct bpf_array at off 456 size 4',
  'array load size 8 off 456': 'EACCES access beyond struct bpf_array at off 456 size 8',
  'array load size 1 off 512': 'EACCES access beyond struct bpf_array at off 512 size 1',
  'array load size 2 off 512': 'EACCES access beyond struct bpf_array at off 512 size 2',
  'array load size 4 off 512': 'EACCES access beyond struct bpf_array at off 512 size 4',
  'array load size 8 off 512': 'EACCES access beyond struct bpf_array at off 512 size 8',
  'array load size 1 off 776': 'EACCES access beyond struct bpf_array at off 776 size 1',
  'array load size 2 off 776': 'EACCES access beyond struct bpf_array at off 776 size 2',
  'array load size 4 off 776': 'EACCES access beyond struct bpf_array at off 776 size 4',
  'array load size 8 off 776': 'EACCES access beyond struct bpf_array at off 776 size 8',
  'array load size 1 off 780': 'EACCES access beyond struct bpf_array at off 780 size 1',
  'array load size 2 off 780': 'EACCES access beyond struct bpf_array at off 780 size 2',
  'array load size 4 off 780': 'EACCES access beyond struct bpf_array at off 780 size 4',
  'array load size 8 off 780': 'EACCES access beyond struct bpf_array at off 780 size 8',
  'array load size 1 off 784': 'EACCES access beyond struct bpf_array at off 784 size 1',
  'array load size 2 off 784': 'EACCES access beyond struct bpf_array at off 784 size 2',
  'array load size 4 off 784': 'EACCES access beyond struct bpf_array at off 784 size 4',
  'array load size 8 off 784': 'EACCES access beyond struct bpf_array at off 784 size 8',
  'array load size 1 off 796': 'EACCES access beyond struct bpf_array at off 796 size 1',
  'array load size 2 off 796': 'EACCES access beyond struct bpf_array at off 796 size 2',
  'array load size 4 off 796': 'EACCES access beyond struct bpf_array at off 796 size 4',
  'array load size 8 off 796': 'EACCES access beyond struct bpf_array at off 796 size 8',
  'array load size 1 off 800': 'EACCES access beyond struct bpf_array at off 800 size 1',
  'array load size 2 off 800': 'EACCES access beyond struct bpf_array at off 800 size 2',
  'array load size 4 off 800': 'EACCES access beyond struct bpf_array at off 800 size 4',
  'array load size 8 off 800': 'EACCES access beyond struct bpf_array at off 800 size 8',
  'array load size 1 off 832': 'EACCES access beyond struct bpf_array at off 832 size 1',
  'array load size 2 off 832': 'EACCES access beyond struct bpf_array at off 832 size 2',
  'array load size 4 off 832': 'EACCES access beyond struct bpf_array at off 832 size 4',
  'array load size 8 off 832': 'EACCES access beyond struct bpf_array at off 832 size 8',
  'percpu_array load size 1 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'percpu_array ldsx size 1 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'percpu_array store size 1 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'percpu_array st size 1 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'percpu_array load size 2 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'percpu_array ldsx size 2 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'percpu_array store size 2 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'percpu_array st size 2 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'percpu_array load size 4 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'percpu_array ldsx size 4 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'percpu_array store size 4 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'percpu_array st size 4 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'percpu_array load size 8 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'percpu_array store size 8 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'percpu_array st size 8 off -8': 'EACCES R1 is bpf_array invalid negative access: off=-8',
  'percpu_array load size 1 off -1': 'EACCES R1 is bpf_array invalid negative access: off=-1',
  'percpu_array load size 2 off -1': 'EACCES R1 is bpf_array invalid negative access: off=-1',
  'percpu_array load size 4 off -1': 'EACCES R1 is bpf_array invalid negative access: off=-1',
  'percpu_array load size 8 off -1': 'EACCES R1 is bpf_array invalid negative access: off=-1',
  'percpu_array load size 1 off 0': 'ok',
  'percpu_array ldsx size 1 off 0': 'ok',
  'percpu_array store size 1 off 0': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 1 off 0': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 2 off 0': 'ok',
  'percpu_array ldsx size 2 off 0': 'ok',
  'percpu_array store size 2 off 0': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 2 off 0': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 4 off 0': 'ok',
  'percpu_array ldsx size 4 off 0': 'ok',
  'percpu_array store size 4 off 0': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 4 off 0': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 8 off 0': 'ok',
  'percpu_array store size 8 off 0': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 8 off 0': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 1 off 30': 'ok',
  'percpu_array load size 2 off 30': 'ok',
  'percpu_array load size 4 off 30':
    'EACCES access beyond the end of member sha (mend:32) in struct bpf_map with off 30 size 4',
  'percpu_array load size 8 off 30':
    'EACCES access beyond the end of member sha (mend:32) in struct bpf_map with off 30 size 8',
  'percpu_array load size 1 off 32': 'ok',
  'percpu_array load size 2 off 32': 'ok',
  'percpu_array load size 4 off 32': 'ok',
  'percpu_array load size 8 off 32':
    'EACCES access beyond the end of member excl (mend:36) in struct bpf_map with off 32 size 8',
  'percpu_array load size 1 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'percpu_array load size 2 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'percpu_array load size 4 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'percpu_array load size 8 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'percpu_array load size 1 off 40':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 1',
  'percpu_array ldsx size 1 off 40':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 1',
  'percpu_array store size 1 off 40': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 1 off 40': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 2 off 40':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 2',
  'percpu_array ldsx size 2 off 40':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 2',
  'percpu_array store size 2 off 40': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 2 off 40': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 4 off 40':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 4',
  'percpu_array ldsx size 4 off 40':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 4',
  'percpu_array store size 4 off 40': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 4 off 40': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 8 off 40': 'ok',
  'percpu_array store size 8 off 40': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 8 off 40': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 1 off 44':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 1',
  'percpu_array load size 2 off 44':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 2',
  'percpu_array load size 4 off 44':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 4',
  'percpu_array load size 8 off 44':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 8',
  'percpu_array load size 1 off 48':
    'EACCES cannot access ptr member inner_map_meta with moff 48 in struct bpf_map with off 48 size 1',
  'percpu_array load size 2 off 48':
    'EACCES cannot access ptr member inner_map_meta with moff 48 in struct bpf_map with off 48 size 2',
  'percpu_array load size 4 off 48':
    'EACCES cannot access ptr member inner_map_meta with moff 48 in struct bpf_map with off 48 size 4',
  'percpu_array load size 8 off 48': 'ok',
  'percpu_array load size 1 off 64': 'ok',
  'percpu_array ldsx size 1 off 64': 'ok',
  'percpu_array store size 1 off 64': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 1 off 64': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 2 off 64': 'ok',
  'percpu_array ldsx size 2 off 64': 'ok',
  'percpu_array store size 2 off 64': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 2 off 64': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 4 off 64': 'ok',
  'percpu_array ldsx size 4 off 64': 'ok',
  'percpu_array store size 4 off 64': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 4 off 64': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 8 off 64':
    'EACCES access beyond the end of member map_type (mend:68) in struct bpf_map with off 64 size 8',
  'percpu_array store size 8 off 64': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 8 off 64': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 1 off 66': 'ok',
  'percpu_array load size 2 off 66': 'ok',
  'percpu_array load size 4 off 66':
    'EACCES access beyond the end of member map_type (mend:68) in struct bpf_map with off 66 size 4',
  'percpu_array load size 8 off 66':
    'EACCES access beyond the end of member map_type (mend:68) in struct bpf_map with off 66 size 8',
  'percpu_array load size 1 off 80': 'ok',
  'percpu_array load size 2 off 80': 'ok',
  'percpu_array load size 4 off 80': 'ok',
  'percpu_array load size 8 off 80': 'ok',
  'percpu_array load size 1 off 104': 'ok',
  'percpu_array load size 2 off 104': 'ok',
  'percpu_array load size 4 off 104': 'ok',
  'percpu_array load size 8 off 104':
    'EACCES access beyond the end of member numa_node (mend:108) in struct bpf_map with off 104 size 8',
  'percpu_array load size 1 off 136': 'ok',
  'percpu_array load size 2 off 136': 'ok',
  'percpu_array load size 4 off 136': 'ok',
  'percpu_array load size 8 off 136': 'ok',
  'percpu_array load size 1 off 148': 'ok',
  'percpu_array load size 2 off 148': 'ok',
  'percpu_array load size 4 off 148': 'ok',
  'percpu_array load size 8 off 148':
    'EACCES access beyond the end of member name (mend:152) in struct bpf_map with off 148 size 8',
  'percpu_array load size 1 off 152': 'ok',
  'percpu_array load size 2 off 152': 'ok',
  'percpu_array load size 4 off 152': 'ok',
  'percpu_array load size 8 off 152': 'ok',
  'percpu_array load size 1 off 184': 'ok',
  'percpu_array load size 2 off 184': 'ok',
  'percpu_array load size 4 off 184': 'ok',
  'percpu_array load size 8 off 184': 'ok',
  'percpu_array load size 1 off 200': 'ok',
  'percpu_array load size 2 off 200': 'ok',
  'percpu_array load size 4 off 200': 'ok',
  'percpu_array load size 8 off 200': 'ok',
  'percpu_array load size 1 off 232': 'ok',
  'percpu_array load size 2 off 232': 'ok',
  'percpu_array load size 4 off 232': 'ok',
  'percpu_array load size 8 off 232': 'ok',
  'percpu_array load size 1 off 256': 'ok',
  'percpu_array load size 2 off 256':
    'EACCES access beyond the end of member bypass_spec_v1 (mend:257) in struct bpf_map with off 256 size 2',
  'percpu_array load size 4 off 256':
    'EACCES access beyond the end of member bypass_spec_v1 (mend:257) in struct bpf_map with off 256 size 4',
  'percpu_array load size 8 off 256':
    'EACCES access beyond the end of member bypass_spec_v1 (mend:257) in struct bpf_map with off 256 size 8',
  'percpu_array load size 1 off 260': 'ok',
  'percpu_array load size 2 off 260':
    'EACCES access beyond the end of member free_after_rcu_gp (mend:261) in struct bpf_map with off 260 size 2',
  'percpu_array load size 4 off 260':
    'EACCES access beyond the end of member free_after_rcu_gp (mend:261) in struct bpf_map with off 260 size 4',
  'percpu_array load size 8 off 260':
    'EACCES access beyond the end of member free_after_rcu_gp (mend:261) in struct bpf_map with off 260 size 8',
  'percpu_array load size 1 off 272':
    'EACCES cannot access ptr member elem_count with moff 272 in struct bpf_map with off 272 size 1',
  'percpu_array load size 2 off 272':
    'EACCES cannot access ptr member elem_count with moff 272 in struct bpf_map with off 272 size 2',
  'percpu_array load size 4 off 272':
    'EACCES cannot access ptr member elem_count with moff 272 in struct bpf_map with off 272 size 4',
  'percpu_array load size 8 off 272': 'ok',
  'percpu_array load size 1 off 288':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 288 size 1',
  'percpu_array load size 2 off 288':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 288 size 2',
  'percpu_array load size 4 off 288':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 288 size 4',
  'percpu_array load size 8 off 288': 'ok',
  'percpu_array load size 1 off 292':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 292 size 1',
  'percpu_array load size 2 off 292':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 292 size 2',
  'percpu_array load size 4 off 292':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 292 size 4',
  'percpu_array load size 8 off 292': 'EACCES access beyond struct bpf_map at off 292 size 8',
  'percpu_array load size 1 off 296': 'ok',
  'percpu_array ldsx size 1 off 296': 'ok',
  'percpu_array store size 1 off 296': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 1 off 296': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 2 off 296': 'ok',
  'percpu_array ldsx size 2 off 296': 'ok',
  'percpu_array store size 2 off 296': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 2 off 296': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 4 off 296': 'ok',
  'percpu_array ldsx size 4 off 296': 'ok',
  'percpu_array store size 4 off 296': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 4 off 296': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 8 off 296':
    'EACCES access beyond the end of member elem_size (mend:300) in struct bpf_array with off 296 size 8',
  'percpu_array store size 8 off 296': 'EACCES only read from bpf_array is supported',
  'percpu_array st size 8 off 296': 'EACCES only read from bpf_array is supported',
  'percpu_array load size 1 off 300': 'ok',
  'percpu_array load size 2 off 300': 'ok',
  'percpu_array load size 4 off 300': 'ok',
  'percpu_array load size 8 off 300':
    'EACCES access beyond the end of member index_mask (mend:304) in struct bpf_array with off 300 size 8',
  'percpu_array load size 1 off 304':
    'EACCES cannot access ptr member aux with moff 304 in struct bpf_array with off 304 size 1',
  'percpu_array load size 2 off 304':
    'EACCES cannot access ptr member aux with moff 304 in struct bpf_array with off 304 size 2',
  'percpu_array load size 4 off 304':
    'EACCES cannot access ptr member aux with moff 304 in struct bpf_array with off 304 size 4',
  'percpu_array load size 8 off 304': 'ok',
  'percpu_array load size 1 off 308':
    'EACCES cannot access ptr member aux with moff 304 in struct bpf_array with off 308 size 1',
  'percpu_array load size 2 off 308':
    'EACCES cannot access ptr member aux with moff 304 in struct bpf_array with off 308 size 2',
  'percpu_array load size 4 off 308':
    'EACCES cannot access ptr member aux with moff 304 in struct bpf_array with off 308 size 4',
  'percpu_array load size 8 off 308': 'EACCES access beyond struct bpf_array at off 308 size 8',
  'percpu_array load size 1 off 312': 'EACCES access beyond struct bpf_array at off 312 size 1',
  'percpu_array load size 2 off 312': 'EACCES access beyond struct bpf_array at off 312 size 2',
  'percpu_array load size 4 off 312': 'EACCES access beyond struct bpf_array at off 312 size 4',
  'percpu_array load size 8 off 312': 'EACCES access beyond struct bpf_array at off 312 size 8',
  'percpu_array load size 1 off 456': 'EACCES access beyond struct bpf_array at off 456 size 1',
  'percpu_array load size 2 off 456': 'EACCES access beyond struct bpf_array at off 456 size 2',
  'percpu_array load size 4 off 456': 'EACCES access beyond struct bpf_array at off 456 size 4',
  'percpu_array load size 8 off 456': 'EACCES access beyond struct bpf_array at off 456 size 8',
  'percpu_array load size 1 off 512': 'EACCES access beyond struct bpf_array at off 512 size 1',
  'percpu_array load size 2 off 512': 'EACCES access beyond struct bpf_array at off 512 size 2',
  'percpu_array load size 4 off 512': 'EACCES access beyond struct bpf_array at off 512 size 4',
  'percpu_array load size 8 off 512': 'EACCES access beyond struct bpf_array at off 512 size 8',
  'percpu_array load size 1 off 776': 'EACCES access beyond struct bpf_array at off 776 size 1',
  'percpu_array load size 2 off 776': 'EACCES access beyond struct bpf_array at off 776 size 2',
  'percpu_array load size 4 off 776': 'EACCES access beyond struct bpf_array at off 776 size 4',
  'percpu_array load size 8 off 776': 'EACCES access beyond struct bpf_array at off 776 size 8',
  'percpu_array load size 1 off 780': 'EACCES access beyond struct bpf_array at off 780 size 1',
  'percpu_array load size 2 off 780': 'EACCES access beyond struct bpf_array at off 780 size 2',
  'percpu_array load size 4 off 780': 'EACCES access beyond struct bpf_array at off 780 size 4',
  'percpu_array load size 8 off 780': 'EACCES access beyond struct bpf_array at off 780 size 8',
  'percpu_array load size 1 off 784': 'EACCES access beyond struct bpf_array at off 784 size 1',
  'percpu_array load size 2 off 784': 'EACCES access beyond struct bpf_array at off 784 size 2',
  'percpu_array load size 4 off 784': 'EACCES access beyond struct bpf_array at off 784 size 4',
  'percpu_array load size 8 off 784': 'EACCES access beyond struct bpf_array at off 784 size 8',
  'percpu_array load size 1 off 796': 'EACCES access beyond struct bpf_array at off 796 size 1',
  'percpu_array load size 2 off 796': 'EACCES access beyond struct bpf_array at off 796 size 2',
  'percpu_array load size 4 off 796': 'EACCES access beyond struct bpf_array at off 796 size 4',
  'percpu_array load size 8 off 796': 'EACCES access beyond struct bpf_array at off 796 size 8',
  'percpu_array load size 1 off 800': 'EACCES access beyond struct bpf_array at off 800 size 1',
  'percpu_array load size 2 off 800': 'EACCES access beyond struct bpf_array at off 800 size 2',
  'percpu_array load size 4 off 800': 'EACCES access beyond struct bpf_array at off 800 size 4',
  'percpu_array load size 8 off 800': 'EACCES access beyond struct bpf_array at off 800 size 8',
  'percpu_array load size 1 off 832': 'EACCES access beyond struct bpf_array at off 832 size 1',
  'percpu_array load size 2 off 832': 'EACCES access beyond struct bpf_array at off 832 size 2',
  'percpu_array load size 4 off 832': 'EACCES access beyond struct bpf_array at off 832 size 4',
  'percpu_array load size 8 off 832': 'EACCES access beyond struct bpf_array at off 832 size 8',
  'hash load size 1 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'hash ldsx size 1 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'hash store size 1 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'hash st size 1 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'hash load size 2 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'hash ldsx size 2 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'hash store size 2 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'hash st size 2 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'hash load size 4 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'hash ldsx size 4 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'hash store size 4 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'hash st size 4 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'hash load size 8 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'hash store size 8 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'hash st size 8 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'hash load size 1 off -1': 'EACCES R1 is bpf_htab invalid negative access: off=-1',
  'hash load size 2 off -1': 'EACCES R1 is bpf_htab invalid negative access: off=-1',
  'hash load size 4 off -1': 'EACCES R1 is bpf_htab invalid negative access: off=-1',
  'hash load size 8 off -1': 'EACCES R1 is bpf_htab invalid negative access: off=-1',
  'hash load size 1 off 0': 'ok',
  'hash ldsx size 1 off 0': 'ok',
  'hash store size 1 off 0': 'EACCES only read from bpf_htab is supported',
  'hash st size 1 off 0': 'EACCES only read from bpf_htab is supported',
  'hash load size 2 off 0': 'ok',
  'hash ldsx size 2 off 0': 'ok',
  'hash store size 2 off 0': 'EACCES only read from bpf_htab is supported',
  'hash st size 2 off 0': 'EACCES only read from bpf_htab is supported',
  'hash load size 4 off 0': 'ok',
  'hash ldsx size 4 off 0': 'ok',
  'hash store size 4 off 0': 'EACCES only read from bpf_htab is supported',
  'hash st size 4 off 0': 'EACCES only read from bpf_htab is supported',
  'hash load size 8 off 0': 'ok',
  'hash store size 8 off 0': 'EACCES only read from bpf_htab is supported',
  'hash st size 8 off 0': 'EACCES only read from bpf_htab is supported',
  'hash load size 1 off 30': 'ok',
  'hash load size 2 off 30': 'ok',
  'hash load size 4 off 30':
    'EACCES access beyond the end of member sha (mend:32) in struct bpf_map with off 30 size 4',
  'hash load size 8 off 30':
    'EACCES access beyond the end of member sha (mend:32) in struct bpf_map with off 30 size 8',
  'hash load size 1 off 32': 'ok',
  'hash load size 2 off 32': 'ok',
  'hash load size 4 off 32': 'ok',
  'hash load size 8 off 32':
    'EACCES access beyond the end of member excl (mend:36) in struct bpf_map with off 32 size 8',
  'hash load size 1 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'hash load size 2 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'hash load size 4 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'hash load size 8 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'hash load size 1 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 1',
  'hash ldsx size 1 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 1',
  'hash store size 1 off 40': 'EACCES only read from bpf_htab is supported',
  'hash st size 1 off 40': 'EACCES only read from bpf_htab is supported',
  'hash load size 2 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 2',
  'hash ldsx size 2 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 2',
  'hash store size 2 off 40': 'EACCES only read from bpf_htab is supported',
  'hash st size 2 off 40': 'EACCES only read from bpf_htab is supported',
  'hash load size 4 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 4',
  'hash ldsx size 4 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 4',
  'hash store size 4 off 40': 'EACCES only read from bpf_htab is supported',
  'hash st size 4 off 40': 'EACCES only read from bpf_htab is supported',
  'hash load size 8 off 40': 'ok',
  'hash store size 8 off 40': 'EACCES only read from bpf_htab is supported',
  'hash st size 8 off 40': 'EACCES only read from bpf_htab is supported',
  'hash load size 1 off 44': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 1',
  'hash load size 2 off 44': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 2',
  'hash load size 4 off 44': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 4',
  'hash load size 8 off 44': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 8',
  'hash load size 1 off 48':
    'EACCES cannot access ptr member inner_map_meta with moff 48 in struct bpf_map with off 48 size 1',
  'hash load size 2 off 48':
    'EACCES cannot access ptr member inner_map_meta with moff 48 in struct bpf_map with off 48 size 2',
  'hash load size 4 off 48':
    'EACCES cannot access ptr member inner_map_meta with moff 48 in struct bpf_map with off 48 size 4',
  'hash load size 8 off 48': 'ok',
  'hash load size 1 off 64': 'ok',
  'hash ldsx size 1 off 64': 'ok',
  'hash store size 1 off 64': 'EACCES only read from bpf_htab is supported',
  'hash st size 1 off 64': 'EACCES only read from bpf_htab is supported',
  'hash load size 2 off 64': 'ok',
  'hash ldsx size 2 off 64': 'ok',
  'hash store size 2 off 64': 'EACCES only read from bpf_htab is supported',
  'hash st size 2 off 64': 'EACCES only read from bpf_htab is supported',
  'hash load size 4 off 64': 'ok',
  'hash ldsx size 4 off 64': 'ok',
  'hash store size 4 off 64': 'EACCES only read from bpf_htab is supported',
  'hash st size 4 off 64': 'EACCES only read from bpf_htab is supported',
  'hash load size 8 off 64':
    'EACCES access beyond the end of member map_type (mend:68) in struct bpf_map with off 64 size 8',
  'hash store size 8 off 64': 'EACCES only read from bpf_htab is supported',
  'hash st size 8 off 64': 'EACCES only read from bpf_htab is supported',
  'hash load size 1 off 66': 'ok',
  'hash load size 2 off 66': 'ok',
  'hash load size 4 off 66':
    'EACCES access beyond the end of member map_type (mend:68) in struct bpf_map with off 66 size 4',
  'hash load size 8 off 66':
    'EACCES access beyond the end of member map_type (mend:68) in struct bpf_map with off 66 size 8',
  'hash load size 1 off 80': 'ok',
  'hash load size 2 off 80': 'ok',
  'hash load size 4 off 80': 'ok',
  'hash load size 8 off 80': 'ok',
  'hash load size 1 off 104': 'ok',
  'hash load size 2 off 104': 'ok',
  'hash load size 4 off 104': 'ok',
  'hash load size 8 off 104':
    'EACCES access beyond the end of member numa_node (mend:108) in struct bpf_map with off 104 size 8',
  'hash load size 1 off 136': 'ok',
  'hash load size 2 off 136': 'ok',
  'hash load size 4 off 136': 'ok',
  'hash load size 8 off 136': 'ok',
  'hash load size 1 off 148': 'ok',
  'hash load size 2 off 148': 'ok',
  'hash load size 4 off 148': 'ok',
  'hash load size 8 off 148':
    'EACCES access beyond the end of member name (mend:152) in struct bpf_map with off 148 size 8',
  'hash load size 1 off 152': 'ok',
  'hash load size 2 off 152': 'ok',
  'hash load size 4 off 152': 'ok',
  'hash load size 8 off 152': 'ok',
  'hash load size 1 off 184': 'ok',
  'hash load size 2 off 184': 'ok',
  'hash load size 4 off 184': 'ok',
  'hash load size 8 off 184': 'ok',
  'hash load size 1 off 200': 'ok',
  'hash load size 2 off 200': 'ok',
  'hash load size 4 off 200': 'ok',
  'hash load size 8 off 200': 'ok',
  'hash load size 1 off 232': 'ok',
  'hash load size 2 off 232': 'ok',
  'hash load size 4 off 232': 'ok',
  'hash load size 8 off 232': 'ok',
  'hash load size 1 off 256': 'ok',
  'hash load size 2 off 256':
    'EACCES access beyond the end of member bypass_spec_v1 (mend:257) in struct bpf_map with off 256 size 2',
  'hash load size 4 off 256':
    'EACCES access beyond the end of member bypass_spec_v1 (mend:257) in struct bpf_map with off 256 size 4',
  'hash load size 8 off 256':
    'EACCES access beyond the end of member bypass_spec_v1 (mend:257) in struct bpf_map with off 256 size 8',
  'hash load size 1 off 260': 'ok',
  'hash load size 2 off 260':
    'EACCES access beyond the end of member free_after_rcu_gp (mend:261) in struct bpf_map with off 260 size 2',
  'hash load size 4 off 260':
    'EACCES access beyond the end of member free_after_rcu_gp (mend:261) in struct bpf_map with off 260 size 4',
  'hash load size 8 off 260':
    'EACCES access beyond the end of member free_after_rcu_gp (mend:261) in struct bpf_map with off 260 size 8',
  'hash load size 1 off 272':
    'EACCES cannot access ptr member elem_count with moff 272 in struct bpf_map with off 272 size 1',
  'hash load size 2 off 272':
    'EACCES cannot access ptr member elem_count with moff 272 in struct bpf_map with off 272 size 2',
  'hash load size 4 off 272':
    'EACCES cannot access ptr member elem_count with moff 272 in struct bpf_map with off 272 size 4',
  'hash load size 8 off 272': 'ok',
  'hash load size 1 off 288':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 288 size 1',
  'hash load size 2 off 288':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 288 size 2',
  'hash load size 4 off 288':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 288 size 4',
  'hash load size 8 off 288': 'ok',
  'hash load size 1 off 292':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 292 size 1',
  'hash load size 2 off 292':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 292 size 2',
  'hash load size 4 off 292':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 292 size 4',
  'hash load size 8 off 292': 'EACCES access beyond struct bpf_map at off 292 size 8',
  'hash load size 1 off 296':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 0 size 1',
  'hash ldsx size 1 off 296':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 0 size 1',
  'hash store size 1 off 296': 'EACCES only read from bpf_htab is supported',
  'hash st size 1 off 296': 'EACCES only read from bpf_htab is supported',
  'hash load size 2 off 296':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 0 size 2',
  'hash ldsx size 2 off 296':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 0 size 2',
  'hash store size 2 off 296': 'EACCES only read from bpf_htab is supported',
  'hash st size 2 off 296': 'EACCES only read from bpf_htab is supported',
  'hash load size 4 off 296':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 0 size 4',
  'hash ldsx size 4 off 296':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 0 size 4',
  'hash store size 4 off 296': 'EACCES only read from bpf_htab is supported',
  'hash st size 4 off 296': 'EACCES only read from bpf_htab is supported',
  'hash load size 8 off 296': 'ok',
  'hash store size 8 off 296': 'EACCES only read from bpf_htab is supported',
  'hash st size 8 off 296': 'EACCES only read from bpf_htab is supported',
  'hash load size 1 off 300':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 4 size 1',
  'hash load size 2 off 300':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 4 size 2',
  'hash load size 4 off 300':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 4 size 4',
  'hash load size 8 off 300':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 4 size 8',
  'hash load size 1 off 304':
    'EACCES cannot access ptr member cache with moff 8 in struct bpf_mem_alloc with off 8 size 1',
  'hash load size 2 off 304':
    'EACCES cannot access ptr member cache with moff 8 in struct bpf_mem_alloc with off 8 size 2',
  'hash load size 4 off 304':
    'EACCES cannot access ptr member cache with moff 8 in struct bpf_mem_alloc with off 8 size 4',
  'hash load size 8 off 304': 'ok',
  'hash load size 1 off 308':
    'EACCES cannot access ptr member cache with moff 8 in struct bpf_mem_alloc with off 12 size 1',
  'hash load size 2 off 308':
    'EACCES cannot access ptr member cache with moff 8 in struct bpf_mem_alloc with off 12 size 2',
  'hash load size 4 off 308':
    'EACCES cannot access ptr member cache with moff 8 in struct bpf_mem_alloc with off 12 size 4',
  'hash load size 8 off 308':
    'EACCES cannot access ptr member cache with moff 8 in struct bpf_mem_alloc with off 12 size 8',
  'hash load size 1 off 312':
    'EACCES cannot access ptr member objcg with moff 16 in struct bpf_mem_alloc with off 16 size 1',
  'hash load size 2 off 312':
    'EACCES cannot access ptr member objcg with moff 16 in struct bpf_mem_alloc with off 16 size 2',
  'hash load size 4 off 312':
    'EACCES cannot access ptr member objcg with moff 16 in struct bpf_mem_alloc with off 16 size 4',
  'hash load size 8 off 312': 'ok',
  'hash load size 1 off 456':
    'EACCES cannot access ptr member buckets with moff 456 in struct bpf_htab with off 456 size 1',
  'hash load size 2 off 456':
    'EACCES cannot access ptr member buckets with moff 456 in struct bpf_htab with off 456 size 2',
  'hash load size 4 off 456':
    'EACCES cannot access ptr member buckets with moff 456 in struct bpf_htab with off 456 size 4',
  'hash load size 8 off 456': 'ok',
  'hash load size 1 off 512':
    'EACCES cannot access ptr member freelist with moff 0 in struct pcpu_freelist with off 0 size 1',
  'hash load size 2 off 512':
    'EACCES cannot access ptr member freelist with moff 0 in struct pcpu_freelist with off 0 size 2',
  'hash load size 4 off 512':
    'EACCES cannot access ptr member freelist with moff 0 in struct pcpu_freelist with off 0 size 4',
  'hash load size 8 off 512': 'ok',
  'hash load size 1 off 776': 'ok',
  'hash load size 2 off 776': 'ok',
  'hash load size 4 off 776': 'ok',
  'hash load size 8 off 776': 'EACCES access beyond struct (anon) at off 0 size 8',
  'hash load size 1 off 780': 'ok',
  'hash load size 2 off 780':
    'EACCES access beyond the end of member use_percpu_counter (mend:781) in struct bpf_htab with off 780 size 2',
  'hash load size 4 off 780':
    'EACCES access beyond the end of member use_percpu_counter (mend:781) in struct bpf_htab with off 780 size 4',
  'hash load size 8 off 780':
    'EACCES access beyond the end of member use_percpu_counter (mend:781) in struct bpf_htab with off 780 size 8',
  'hash load size 1 off 784': 'ok',
  'hash load size 2 off 784': 'ok',
  'hash load size 4 off 784': 'ok',
  'hash load size 8 off 784':
    'EACCES access beyond the end of member n_buckets (mend:788) in struct bpf_htab with off 784 size 8',
  'hash load size 1 off 796': "EINVAL struct bpf_htab doesn't have field at offset 796",
  'hash load size 2 off 796': "EINVAL struct bpf_htab doesn't have field at offset 796",
  'hash load size 4 off 796': "EINVAL struct bpf_htab doesn't have field at offset 796",
  'hash load size 8 off 796': "EINVAL struct bpf_htab doesn't have field at offset 796",
  'hash load size 1 off 800': "EINVAL struct bpf_htab doesn't have field at offset 800",
  'hash load size 2 off 800': "EINVAL struct bpf_htab doesn't have field at offset 800",
  'hash load size 4 off 800': "EINVAL struct bpf_htab doesn't have field at offset 800",
  'hash load size 8 off 800': "EINVAL struct bpf_htab doesn't have field at offset 800",
  'hash load size 1 off 832': 'EACCES access beyond struct bpf_htab at off 832 size 1',
  'hash load size 2 off 832': 'EACCES access beyond struct bpf_htab at off 832 size 2',
  'hash load size 4 off 832': 'EACCES access beyond struct bpf_htab at off 832 size 4',
  'hash load size 8 off 832': 'EACCES access beyond struct bpf_htab at off 832 size 8',
  'lru_hash load size 1 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'lru_hash ldsx size 1 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'lru_hash store size 1 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'lru_hash st size 1 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'lru_hash load size 2 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'lru_hash ldsx size 2 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'lru_hash store size 2 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'lru_hash st size 2 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'lru_hash load size 4 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'lru_hash ldsx size 4 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'lru_hash store size 4 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'lru_hash st size 4 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'lru_hash load size 8 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'lru_hash store size 8 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'lru_hash st size 8 off -8': 'EACCES R1 is bpf_htab invalid negative access: off=-8',
  'lru_hash load size 1 off -1': 'EACCES R1 is bpf_htab invalid negative access: off=-1',
  'lru_hash load size 2 off -1': 'EACCES R1 is bpf_htab invalid negative access: off=-1',
  'lru_hash load size 4 off -1': 'EACCES R1 is bpf_htab invalid negative access: off=-1',
  'lru_hash load size 8 off -1': 'EACCES R1 is bpf_htab invalid negative access: off=-1',
  'lru_hash load size 1 off 0': 'ok',
  'lru_hash ldsx size 1 off 0': 'ok',
  'lru_hash store size 1 off 0': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 1 off 0': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 2 off 0': 'ok',
  'lru_hash ldsx size 2 off 0': 'ok',
  'lru_hash store size 2 off 0': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 2 off 0': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 4 off 0': 'ok',
  'lru_hash ldsx size 4 off 0': 'ok',
  'lru_hash store size 4 off 0': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 4 off 0': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 8 off 0': 'ok',
  'lru_hash store size 8 off 0': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 8 off 0': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 1 off 30': 'ok',
  'lru_hash load size 2 off 30': 'ok',
  'lru_hash load size 4 off 30':
    'EACCES access beyond the end of member sha (mend:32) in struct bpf_map with off 30 size 4',
  'lru_hash load size 8 off 30':
    'EACCES access beyond the end of member sha (mend:32) in struct bpf_map with off 30 size 8',
  'lru_hash load size 1 off 32': 'ok',
  'lru_hash load size 2 off 32': 'ok',
  'lru_hash load size 4 off 32': 'ok',
  'lru_hash load size 8 off 32':
    'EACCES access beyond the end of member excl (mend:36) in struct bpf_map with off 32 size 8',
  'lru_hash load size 1 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'lru_hash load size 2 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'lru_hash load size 4 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'lru_hash load size 8 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'lru_hash load size 1 off 40':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 1',
  'lru_hash ldsx size 1 off 40':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 1',
  'lru_hash store size 1 off 40': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 1 off 40': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 2 off 40':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 2',
  'lru_hash ldsx size 2 off 40':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 2',
  'lru_hash store size 2 off 40': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 2 off 40': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 4 off 40':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 4',
  'lru_hash ldsx size 4 off 40':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 4',
  'lru_hash store size 4 off 40': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 4 off 40': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 8 off 40': 'ok',
  'lru_hash store size 8 off 40': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 8 off 40': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 1 off 44':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 1',
  'lru_hash load size 2 off 44':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 2',
  'lru_hash load size 4 off 44':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 4',
  'lru_hash load size 8 off 44':
    'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 8',
  'lru_hash load size 1 off 48':
    'EACCES cannot access ptr member inner_map_meta with moff 48 in struct bpf_map with off 48 size 1',
  'lru_hash load size 2 off 48':
    'EACCES cannot access ptr member inner_map_meta with moff 48 in struct bpf_map with off 48 size 2',
  'lru_hash load size 4 off 48':
    'EACCES cannot access ptr member inner_map_meta with moff 48 in struct bpf_map with off 48 size 4',
  'lru_hash load size 8 off 48': 'ok',
  'lru_hash load size 1 off 64': 'ok',
  'lru_hash ldsx size 1 off 64': 'ok',
  'lru_hash store size 1 off 64': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 1 off 64': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 2 off 64': 'ok',
  'lru_hash ldsx size 2 off 64': 'ok',
  'lru_hash store size 2 off 64': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 2 off 64': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 4 off 64': 'ok',
  'lru_hash ldsx size 4 off 64': 'ok',
  'lru_hash store size 4 off 64': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 4 off 64': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 8 off 64':
    'EACCES access beyond the end of member map_type (mend:68) in struct bpf_map with off 64 size 8',
  'lru_hash store size 8 off 64': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 8 off 64': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 1 off 66': 'ok',
  'lru_hash load size 2 off 66': 'ok',
  'lru_hash load size 4 off 66':
    'EACCES access beyond the end of member map_type (mend:68) in struct bpf_map with off 66 size 4',
  'lru_hash load size 8 off 66':
    'EACCES access beyond the end of member map_type (mend:68) in struct bpf_map with off 66 size 8',
  'lru_hash load size 1 off 80': 'ok',
  'lru_hash load size 2 off 80': 'ok',
  'lru_hash load size 4 off 80': 'ok',
  'lru_hash load size 8 off 80': 'ok',
  'lru_hash load size 1 off 104': 'ok',
  'lru_hash load size 2 off 104': 'ok',
  'lru_hash load size 4 off 104': 'ok',
  'lru_hash load size 8 off 104':
    'EACCES access beyond the end of member numa_node (mend:108) in struct bpf_map with off 104 size 8',
  'lru_hash load size 1 off 136': 'ok',
  'lru_hash load size 2 off 136': 'ok',
  'lru_hash load size 4 off 136': 'ok',
  'lru_hash load size 8 off 136': 'ok',
  'lru_hash load size 1 off 148': 'ok',
  'lru_hash load size 2 off 148': 'ok',
  'lru_hash load size 4 off 148': 'ok',
  'lru_hash load size 8 off 148':
    'EACCES access beyond the end of member name (mend:152) in struct bpf_map with off 148 size 8',
  'lru_hash load size 1 off 152': 'ok',
  'lru_hash load size 2 off 152': 'ok',
  'lru_hash load size 4 off 152': 'ok',
  'lru_hash load size 8 off 152': 'ok',
  'lru_hash load size 1 off 184': 'ok',
  'lru_hash load size 2 off 184': 'ok',
  'lru_hash load size 4 off 184': 'ok',
  'lru_hash load size 8 off 184': 'ok',
  'lru_hash load size 1 off 200': 'ok',
  'lru_hash load size 2 off 200': 'ok',
  'lru_hash load size 4 off 200': 'ok',
  'lru_hash load size 8 off 200': 'ok',
  'lru_hash load size 1 off 232': 'ok',
  'lru_hash load size 2 off 232': 'ok',
  'lru_hash load size 4 off 232': 'ok',
  'lru_hash load size 8 off 232': 'ok',
  'lru_hash load size 1 off 256': 'ok',
  'lru_hash load size 2 off 256':
    'EACCES access beyond the end of member bypass_spec_v1 (mend:257) in struct bpf_map with off 256 size 2',
  'lru_hash load size 4 off 256':
    'EACCES access beyond the end of member bypass_spec_v1 (mend:257) in struct bpf_map with off 256 size 4',
  'lru_hash load size 8 off 256':
    'EACCES access beyond the end of member bypass_spec_v1 (mend:257) in struct bpf_map with off 256 size 8',
  'lru_hash load size 1 off 260': 'ok',
  'lru_hash load size 2 off 260':
    'EACCES access beyond the end of member free_after_rcu_gp (mend:261) in struct bpf_map with off 260 size 2',
  'lru_hash load size 4 off 260':
    'EACCES access beyond the end of member free_after_rcu_gp (mend:261) in struct bpf_map with off 260 size 4',
  'lru_hash load size 8 off 260':
    'EACCES access beyond the end of member free_after_rcu_gp (mend:261) in struct bpf_map with off 260 size 8',
  'lru_hash load size 1 off 272':
    'EACCES cannot access ptr member elem_count with moff 272 in struct bpf_map with off 272 size 1',
  'lru_hash load size 2 off 272':
    'EACCES cannot access ptr member elem_count with moff 272 in struct bpf_map with off 272 size 2',
  'lru_hash load size 4 off 272':
    'EACCES cannot access ptr member elem_count with moff 272 in struct bpf_map with off 272 size 4',
  'lru_hash load size 8 off 272': 'ok',
  'lru_hash load size 1 off 288':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 288 size 1',
  'lru_hash load size 2 off 288':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 288 size 2',
  'lru_hash load size 4 off 288':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 288 size 4',
  'lru_hash load size 8 off 288': 'ok',
  'lru_hash load size 1 off 292':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 292 size 1',
  'lru_hash load size 2 off 292':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 292 size 2',
  'lru_hash load size 4 off 292':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 292 size 4',
  'lru_hash load size 8 off 292': 'EACCES access beyond struct bpf_map at off 292 size 8',
  'lru_hash load size 1 off 296':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 0 size 1',
  'lru_hash ldsx size 1 off 296':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 0 size 1',
  'lru_hash store size 1 off 296': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 1 off 296': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 2 off 296':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 0 size 2',
  'lru_hash ldsx size 2 off 296':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 0 size 2',
  'lru_hash store size 2 off 296': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 2 off 296': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 4 off 296':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 0 size 4',
  'lru_hash ldsx size 4 off 296':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 0 size 4',
  'lru_hash store size 4 off 296': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 4 off 296': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 8 off 296': 'ok',
  'lru_hash store size 8 off 296': 'EACCES only read from bpf_htab is supported',
  'lru_hash st size 8 off 296': 'EACCES only read from bpf_htab is supported',
  'lru_hash load size 1 off 300':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 4 size 1',
  'lru_hash load size 2 off 300':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 4 size 2',
  'lru_hash load size 4 off 300':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 4 size 4',
  'lru_hash load size 8 off 300':
    'EACCES cannot access ptr member caches with moff 0 in struct bpf_mem_alloc with off 4 size 8',
  'lru_hash load size 1 off 304':
    'EACCES cannot access ptr member cache with moff 8 in struct bpf_mem_alloc with off 8 size 1',
  'lru_hash load size 2 off 304':
    'EACCES cannot access ptr member cache with moff 8 in struct bpf_mem_alloc with off 8 size 2',
  'lru_hash load size 4 off 304':
    'EACCES cannot access ptr member cache with moff 8 in struct bpf_mem_alloc with off 8 size 4',
  'lru_hash load size 8 off 304': 'ok',
  'lru_hash load size 1 off 308':
    'EACCES cannot access ptr member cache with moff 8 in struct bpf_mem_alloc with off 12 size 1',
  'lru_hash load size 2 off 308':
    'EACCES cannot access ptr member cache with moff 8 in struct bpf_mem_alloc with off 12 size 2',
  'lru_hash load size 4 off 308':
    'EACCES cannot access ptr member cache with moff 8 in struct bpf_mem_alloc with off 12 size 4',
  'lru_hash load size 8 off 308':
    'EACCES cannot access ptr member cache with moff 8 in struct bpf_mem_alloc with off 12 size 8',
  'lru_hash load size 1 off 312':
    'EACCES cannot access ptr member objcg with moff 16 in struct bpf_mem_alloc with off 16 size 1',
  'lru_hash load size 2 off 312':
    'EACCES cannot access ptr member objcg with moff 16 in struct bpf_mem_alloc with off 16 size 2',
  'lru_hash load size 4 off 312':
    'EACCES cannot access ptr member objcg with moff 16 in struct bpf_mem_alloc with off 16 size 4',
  'lru_hash load size 8 off 312': 'ok',
  'lru_hash load size 1 off 456':
    'EACCES cannot access ptr member buckets with moff 456 in struct bpf_htab with off 456 size 1',
  'lru_hash load size 2 off 456':
    'EACCES cannot access ptr member buckets with moff 456 in struct bpf_htab with off 456 size 2',
  'lru_hash load size 4 off 456':
    'EACCES cannot access ptr member buckets with moff 456 in struct bpf_htab with off 456 size 4',
  'lru_hash load size 8 off 456': 'ok',
  'lru_hash load size 1 off 512':
    'EACCES cannot access ptr member freelist with moff 0 in struct pcpu_freelist with off 0 size 1',
  'lru_hash load size 2 off 512':
    'EACCES cannot access ptr member freelist with moff 0 in struct pcpu_freelist with off 0 size 2',
  'lru_hash load size 4 off 512':
    'EACCES cannot access ptr member freelist with moff 0 in struct pcpu_freelist with off 0 size 4',
  'lru_hash load size 8 off 512': 'ok',
  'lru_hash load size 1 off 776': 'ok',
  'lru_hash load size 2 off 776': 'ok',
  'lru_hash load size 4 off 776': 'ok',
  'lru_hash load size 8 off 776': 'EACCES access beyond struct (anon) at off 0 size 8',
  'lru_hash load size 1 off 780': 'ok',
  'lru_hash load size 2 off 780':
    'EACCES access beyond the end of member use_percpu_counter (mend:781) in struct bpf_htab with off 780 size 2',
  'lru_hash load size 4 off 780':
    'EACCES access beyond the end of member use_percpu_counter (mend:781) in struct bpf_htab with off 780 size 4',
  'lru_hash load size 8 off 780':
    'EACCES access beyond the end of member use_percpu_counter (mend:781) in struct bpf_htab with off 780 size 8',
  'lru_hash load size 1 off 784': 'ok',
  'lru_hash load size 2 off 784': 'ok',
  'lru_hash load size 4 off 784': 'ok',
  'lru_hash load size 8 off 784':
    'EACCES access beyond the end of member n_buckets (mend:788) in struct bpf_htab with off 784 size 8',
  'lru_hash load size 1 off 796': "EINVAL struct bpf_htab doesn't have field at offset 796",
  'lru_hash load size 2 off 796': "EINVAL struct bpf_htab doesn't have field at offset 796",
  'lru_hash load size 4 off 796': "EINVAL struct bpf_htab doesn't have field at offset 796",
  'lru_hash load size 8 off 796': "EINVAL struct bpf_htab doesn't have field at offset 796",
  'lru_hash load size 1 off 800': "EINVAL struct bpf_htab doesn't have field at offset 800",
  'lru_hash load size 2 off 800': "EINVAL struct bpf_htab doesn't have field at offset 800",
  'lru_hash load size 4 off 800': "EINVAL struct bpf_htab doesn't have field at offset 800",
  'lru_hash load size 8 off 800': "EINVAL struct bpf_htab doesn't have field at offset 800",
  'lru_hash load size 1 off 832': 'EACCES access beyond struct bpf_htab at off 832 size 1',
  'lru_hash load size 2 off 832': 'EACCES access beyond struct bpf_htab at off 832 size 2',
  'lru_hash load size 4 off 832': 'EACCES access beyond struct bpf_htab at off 832 size 4',
  'lru_hash load size 8 off 832': 'EACCES access beyond struct bpf_htab at off 832 size 8',
  'ringbuf load size 1 off -8': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-8',
  'ringbuf ldsx size 1 off -8': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-8',
  'ringbuf store size 1 off -8': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-8',
  'ringbuf st size 1 off -8': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-8',
  'ringbuf load size 2 off -8': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-8',
  'ringbuf ldsx size 2 off -8': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-8',
  'ringbuf store size 2 off -8': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-8',
  'ringbuf st size 2 off -8': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-8',
  'ringbuf load size 4 off -8': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-8',
  'ringbuf ldsx size 4 off -8': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-8',
  'ringbuf store size 4 off -8': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-8',
  'ringbuf st size 4 off -8': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-8',
  'ringbuf load size 8 off -8': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-8',
  'ringbuf store size 8 off -8': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-8',
  'ringbuf st size 8 off -8': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-8',
  'ringbuf load size 1 off -1': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-1',
  'ringbuf load size 2 off -1': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-1',
  'ringbuf load size 4 off -1': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-1',
  'ringbuf load size 8 off -1': 'EACCES R1 is bpf_ringbuf_map invalid negative access: off=-1',
  'ringbuf load size 1 off 0': 'ok',
  'ringbuf ldsx size 1 off 0': 'ok',
  'ringbuf store size 1 off 0': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 1 off 0': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 2 off 0': 'ok',
  'ringbuf ldsx size 2 off 0': 'ok',
  'ringbuf store size 2 off 0': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 2 off 0': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 4 off 0': 'ok',
  'ringbuf ldsx size 4 off 0': 'ok',
  'ringbuf store size 4 off 0': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 4 off 0': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 8 off 0': 'ok',
  'ringbuf store size 8 off 0': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 8 off 0': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 1 off 30': 'ok',
  'ringbuf load size 2 off 30': 'ok',
  'ringbuf load size 4 off 30':
    'EACCES access beyond the end of member sha (mend:32) in struct bpf_map with off 30 size 4',
  'ringbuf load size 8 off 30':
    'EACCES access beyond the end of member sha (mend:32) in struct bpf_map with off 30 size 8',
  'ringbuf load size 1 off 32': 'ok',
  'ringbuf load size 2 off 32': 'ok',
  'ringbuf load size 4 off 32': 'ok',
  'ringbuf load size 8 off 32':
    'EACCES access beyond the end of member excl (mend:36) in struct bpf_map with off 32 size 8',
  'ringbuf load size 1 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'ringbuf load size 2 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'ringbuf load size 4 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'ringbuf load size 8 off 36': "EINVAL struct bpf_map doesn't have field at offset 36",
  'ringbuf load size 1 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 1',
  'ringbuf ldsx size 1 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 1',
  'ringbuf store size 1 off 40': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 1 off 40': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 2 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 2',
  'ringbuf ldsx size 2 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 2',
  'ringbuf store size 2 off 40': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 2 off 40': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 4 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 4',
  'ringbuf ldsx size 4 off 40': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 40 size 4',
  'ringbuf store size 4 off 40': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 4 off 40': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 8 off 40': 'ok',
  'ringbuf store size 8 off 40': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 8 off 40': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 1 off 44': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 1',
  'ringbuf load size 2 off 44': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 2',
  'ringbuf load size 4 off 44': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 4',
  'ringbuf load size 8 off 44': 'EACCES cannot access ptr member ops with moff 40 in struct bpf_map with off 44 size 8',
  'ringbuf load size 1 off 48':
    'EACCES cannot access ptr member inner_map_meta with moff 48 in struct bpf_map with off 48 size 1',
  'ringbuf load size 2 off 48':
    'EACCES cannot access ptr member inner_map_meta with moff 48 in struct bpf_map with off 48 size 2',
  'ringbuf load size 4 off 48':
    'EACCES cannot access ptr member inner_map_meta with moff 48 in struct bpf_map with off 48 size 4',
  'ringbuf load size 8 off 48': 'ok',
  'ringbuf load size 1 off 64': 'ok',
  'ringbuf ldsx size 1 off 64': 'ok',
  'ringbuf store size 1 off 64': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 1 off 64': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 2 off 64': 'ok',
  'ringbuf ldsx size 2 off 64': 'ok',
  'ringbuf store size 2 off 64': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 2 off 64': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 4 off 64': 'ok',
  'ringbuf ldsx size 4 off 64': 'ok',
  'ringbuf store size 4 off 64': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 4 off 64': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 8 off 64':
    'EACCES access beyond the end of member map_type (mend:68) in struct bpf_map with off 64 size 8',
  'ringbuf store size 8 off 64': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 8 off 64': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 1 off 66': 'ok',
  'ringbuf load size 2 off 66': 'ok',
  'ringbuf load size 4 off 66':
    'EACCES access beyond the end of member map_type (mend:68) in struct bpf_map with off 66 size 4',
  'ringbuf load size 8 off 66':
    'EACCES access beyond the end of member map_type (mend:68) in struct bpf_map with off 66 size 8',
  'ringbuf load size 1 off 80': 'ok',
  'ringbuf load size 2 off 80': 'ok',
  'ringbuf load size 4 off 80': 'ok',
  'ringbuf load size 8 off 80': 'ok',
  'ringbuf load size 1 off 104': 'ok',
  'ringbuf load size 2 off 104': 'ok',
  'ringbuf load size 4 off 104': 'ok',
  'ringbuf load size 8 off 104':
    'EACCES access beyond the end of member numa_node (mend:108) in struct bpf_map with off 104 size 8',
  'ringbuf load size 1 off 136': 'ok',
  'ringbuf load size 2 off 136': 'ok',
  'ringbuf load size 4 off 136': 'ok',
  'ringbuf load size 8 off 136': 'ok',
  'ringbuf load size 1 off 148': 'ok',
  'ringbuf load size 2 off 148': 'ok',
  'ringbuf load size 4 off 148': 'ok',
  'ringbuf load size 8 off 148':
    'EACCES access beyond the end of member name (mend:152) in struct bpf_map with off 148 size 8',
  'ringbuf load size 1 off 152': 'ok',
  'ringbuf load size 2 off 152': 'ok',
  'ringbuf load size 4 off 152': 'ok',
  'ringbuf load size 8 off 152': 'ok',
  'ringbuf load size 1 off 184': 'ok',
  'ringbuf load size 2 off 184': 'ok',
  'ringbuf load size 4 off 184': 'ok',
  'ringbuf load size 8 off 184': 'ok',
  'ringbuf load size 1 off 200': 'ok',
  'ringbuf load size 2 off 200': 'ok',
  'ringbuf load size 4 off 200': 'ok',
  'ringbuf load size 8 off 200': 'ok',
  'ringbuf load size 1 off 232': 'ok',
  'ringbuf load size 2 off 232': 'ok',
  'ringbuf load size 4 off 232': 'ok',
  'ringbuf load size 8 off 232': 'ok',
  'ringbuf load size 1 off 256': 'ok',
  'ringbuf load size 2 off 256':
    'EACCES access beyond the end of member bypass_spec_v1 (mend:257) in struct bpf_map with off 256 size 2',
  'ringbuf load size 4 off 256':
    'EACCES access beyond the end of member bypass_spec_v1 (mend:257) in struct bpf_map with off 256 size 4',
  'ringbuf load size 8 off 256':
    'EACCES access beyond the end of member bypass_spec_v1 (mend:257) in struct bpf_map with off 256 size 8',
  'ringbuf load size 1 off 260': 'ok',
  'ringbuf load size 2 off 260':
    'EACCES access beyond the end of member free_after_rcu_gp (mend:261) in struct bpf_map with off 260 size 2',
  'ringbuf load size 4 off 260':
    'EACCES access beyond the end of member free_after_rcu_gp (mend:261) in struct bpf_map with off 260 size 4',
  'ringbuf load size 8 off 260':
    'EACCES access beyond the end of member free_after_rcu_gp (mend:261) in struct bpf_map with off 260 size 8',
  'ringbuf load size 1 off 272':
    'EACCES cannot access ptr member elem_count with moff 272 in struct bpf_map with off 272 size 1',
  'ringbuf load size 2 off 272':
    'EACCES cannot access ptr member elem_count with moff 272 in struct bpf_map with off 272 size 2',
  'ringbuf load size 4 off 272':
    'EACCES cannot access ptr member elem_count with moff 272 in struct bpf_map with off 272 size 4',
  'ringbuf load size 8 off 272': 'ok',
  'ringbuf load size 1 off 288':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 288 size 1',
  'ringbuf load size 2 off 288':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 288 size 2',
  'ringbuf load size 4 off 288':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 288 size 4',
  'ringbuf load size 8 off 288': 'ok',
  'ringbuf load size 1 off 292':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 292 size 1',
  'ringbuf load size 2 off 292':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 292 size 2',
  'ringbuf load size 4 off 292':
    'EACCES cannot access ptr member excl_prog_sha with moff 288 in struct bpf_map with off 292 size 4',
  'ringbuf load size 8 off 292': 'EACCES access beyond struct bpf_map at off 292 size 8',
  'ringbuf load size 1 off 296':
    'EACCES cannot access ptr member rb with moff 296 in struct bpf_ringbuf_map with off 296 size 1',
  'ringbuf ldsx size 1 off 296':
    'EACCES cannot access ptr member rb with moff 296 in struct bpf_ringbuf_map with off 296 size 1',
  'ringbuf store size 1 off 296': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 1 off 296': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 2 off 296':
    'EACCES cannot access ptr member rb with moff 296 in struct bpf_ringbuf_map with off 296 size 2',
  'ringbuf ldsx size 2 off 296':
    'EACCES cannot access ptr member rb with moff 296 in struct bpf_ringbuf_map with off 296 size 2',
  'ringbuf store size 2 off 296': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 2 off 296': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 4 off 296':
    'EACCES cannot access ptr member rb with moff 296 in struct bpf_ringbuf_map with off 296 size 4',
  'ringbuf ldsx size 4 off 296':
    'EACCES cannot access ptr member rb with moff 296 in struct bpf_ringbuf_map with off 296 size 4',
  'ringbuf store size 4 off 296': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 4 off 296': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 8 off 296': 'ok',
  'ringbuf store size 8 off 296': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf st size 8 off 296': 'EACCES only read from bpf_ringbuf_map is supported',
  'ringbuf load size 1 off 300':
    'EACCES cannot access ptr member rb with moff 296 in struct bpf_ringbuf_map with off 300 size 1',
  'ringbuf load size 2 off 300':
    'EACCES cannot access ptr member rb with moff 296 in struct bpf_ringbuf_map with off 300 size 2',
  'ringbuf load size 4 off 300':
    'EACCES cannot access ptr member rb with moff 296 in struct bpf_ringbuf_map with off 300 size 4',
  'ringbuf load size 8 off 300': 'EACCES access beyond struct bpf_ringbuf_map at off 300 size 8',
  'ringbuf load size 1 off 304': 'EACCES access beyond struct bpf_ringbuf_map at off 304 size 1',
  'ringbuf load size 2 off 304': 'EACCES access beyond struct bpf_ringbuf_map at off 304 size 2',
  'ringbuf load size 4 off 304': 'EACCES access beyond struct bpf_ringbuf_map at off 304 size 4',
  'ringbuf load size 8 off 304': 'EACCES access beyond struct bpf_ringbuf_map at off 304 size 8',
  'ringbuf load size 1 off 308': 'EACCES access beyond struct bpf_ringbuf_map at off 308 size 1',
  'ringbuf load size 2 off 308': 'EACCES access beyond struct bpf_ringbuf_map at off 308 size 2',
  'ringbuf load size 4 off 308': 'EACCES access beyond struct bpf_ringbuf_map at off 308 size 4',
  'ringbuf load size 8 off 308': 'EACCES access beyond struct bpf_ringbuf_map at off 308 size 8',
  'ringbuf load size 1 off 312': 'EACCES access beyond struct bpf_ringbuf_map at off 312 size 1',
  'ringbuf load size 2 off 312': 'EACCES access beyond struct bpf_ringbuf_map at off 312 size 2',
  'ringbuf load size 4 off 312': 'EACCES access beyond struct bpf_ringbuf_map at off 312 size 4',
  'ringbuf load size 8 off 312': 'EACCES access beyond struct bpf_ringbuf_map at off 312 size 8',
  'ringbuf load size 1 off 456': 'EACCES access beyond struct bpf_ringbuf_map at off 456 size 1',
  'ringbuf load size 2 off 456': 'EACCES access beyond struct bpf_ringbuf_map at off 456 size 2',
  'ringbuf load size 4 off 456': 'EACCES access beyond struct bpf_ringbuf_map at off 456 size 4',
  'ringbuf load size 8 off 456': 'EACCES access beyond struct bpf_ringbuf_map at off 456 size 8',
  'ringbuf load size 1 off 512': 'EACCES access beyond struct bpf_ringbuf_map at off 512 size 1',
  'ringbuf load size 2 off 512': 'EACCES access beyond struct bpf_ringbuf_map at off 512 size 2',
  'ringbuf load size 4 off 512': 'EACCES access beyond struct bpf_ringbuf_map at off 512 size 4',
  'ringbuf load size 8 off 512': 'EACCES access beyond struct bpf_ringbuf_map at off 512 size 8',
  'ringbuf load size 1 off 776': 'EACCES access beyond struct bpf_ringbuf_map at off 776 size 1',
  'ringbuf load size 2 off 776': 'EACCES access beyond struct bpf_ringbuf_map at off 776 size 2',
  'ringbuf load size 4 off 776': 'EACCES access beyond struct bpf_ringbuf_map at off 776 size 4',
  'ringbuf load size 8 off 776': 'EACCES access beyond struct bpf_ringbuf_map at off 776 size 8',
  'ringbuf load size 1 off 780': 'EACCES access beyond struct bpf_ringbuf_map at off 780 size 1',
  'ringbuf load size 2 off 780': 'EACCES access beyond struct bpf_ringbuf_map at off 780 size 2',
  'ringbuf load size 4 off 780': 'EACCES access beyond struct bpf_ringbuf_map at off 780 size 4',
  'ringbuf load size 8 off 780': 'EACCES access beyond struct bpf_ringbuf_map at off 780 size 8',
  'ringbuf load size 1 off 784': 'EACCES access beyond struct bpf_ringbuf_map at off 784 size 1',
  'ringbuf load size 2 off 784': 'EACCES access beyond struct bpf_ringbuf_map at off 784 size 2',
  'ringbuf load size 4 off 784': 'EACCES access beyond struct bpf_ringbuf_map at off 784 size 4',
  'ringbuf load size 8 off 784': 'EACCES access beyond struct bpf_ringbuf_map at off 784 size 8',
  'ringbuf load size 1 off 796': 'EACCES access beyond struct bpf_ringbuf_map at off 796 size 1',
  'ringbuf load size 2 off 796': 'EACCES access beyond struct bpf_ringbuf_map at off 796 size 2',
  'ringbuf load size 4 off 796': 'EACCES access beyond struct bpf_ringbuf_map at off 796 size 4',
  'ringbuf load size 8 off 796': 'EACCES access beyond struct bpf_ringbuf_map at off 796 size 8',
  'ringbuf load size 1 off 800': 'EACCES access beyond struct bpf_ringbuf_map at off 800 size 1',
  'ringbuf load size 2 off 800': 'EACCES access beyond struct bpf_ringbuf_map at off 800 size 2',
  'ringbuf load size 4 off 800': 'EACCES access beyond struct bpf_ringbuf_map at off 800 size 4',
  'ringbuf load size 8 off 800': 'EACCES access beyond struct bpf_ringbuf_map at off 800 size 8',
  'ringbuf load size 1 off 832': 'EACCES access beyond struct bpf_ringbuf_map at off 832 size 1',
  'ringbuf load size 2 off 832': 'EACCES access beyond struct bpf_ringbuf_map at off 832 size 2',
  'ringbuf load size 4 off 832': 'EACCES access beyond struct bpf_ringbuf_map at off 832 size 4',
  'ringbuf load size 8 off 832': 'EACCES access beyond struct bpf_ringbuf_map at off 832 size 8',
  'array u8 +256 as a stack index': 'ok',
  'array s8 +256 as a stack index':
    'EACCES invalid variable-offset read from stack R3 var_off=(0x0; 0xffffffffffffffff) off=-512 size=1',
  'array u32 +64 as a stack index': 'EACCES invalid unbounded variable-offset read from stack R3',
  'array u64 +80 as a stack index':
    'EINVAL math between fp pointer and register with unbounded min value is not allowed',
  'percpu_array u8 +256 as a stack index': 'ok',
  'percpu_array s8 +256 as a stack index':
    'EACCES invalid variable-offset read from stack R3 var_off=(0x0; 0xffffffffffffffff) off=-512 size=1',
  'percpu_array u32 +64 as a stack index': 'EACCES invalid unbounded variable-offset read from stack R3',
  'percpu_array u64 +80 as a stack index':
    'EINVAL math between fp pointer and register with unbounded min value is not allowed',
  'hash u8 +256 as a stack index': 'ok',
  'hash s8 +256 as a stack index':
    'EACCES invalid variable-offset read from stack R3 var_off=(0x0; 0xffffffffffffffff) off=-512 size=1',
  'hash u32 +64 as a stack index': 'EACCES invalid unbounded variable-offset read from stack R3',
  'hash u64 +80 as a stack index':
    'EINVAL math between fp pointer and register with unbounded min value is not allowed',
  'lru_hash u8 +256 as a stack index': 'ok',
  'lru_hash s8 +256 as a stack index':
    'EACCES invalid variable-offset read from stack R3 var_off=(0x0; 0xffffffffffffffff) off=-512 size=1',
  'lru_hash u32 +64 as a stack index': 'EACCES invalid unbounded variable-offset read from stack R3',
  'lru_hash u64 +80 as a stack index':
    'EINVAL math between fp pointer and register with unbounded min value is not allowed',
  'ringbuf u8 +256 as a stack index': 'ok',
  'ringbuf s8 +256 as a stack index':
    'EACCES invalid variable-offset read from stack R3 var_off=(0x0; 0xffffffffffffffff) off=-512 size=1',
  'ringbuf u32 +64 as a stack index': 'EACCES invalid unbounded variable-offset read from stack R3',
  'ringbuf u64 +80 as a stack index':
    'EINVAL math between fp pointer and register with unbounded min value is not allowed',
};

/**
 * A load of a pointer field gives the kernel a PTR_TO_BTF_ID register; the model has no such register (its
 * departure from 6.18, see verifier.ts) and refuses the load instead. Which variants those are follows from the
 * model's layouts, not from a list.
 */
function loadsPointerField(v: HelperVariant): boolean {
  const m = /^\S+ (load|ldsx) size (\d+) off (-?\d+)$/.exec(v.name);
  if (!m || Number(m[3]) < 0) return false;
  return btfStructAccess(MAP_STRUCTS[MAP_BTF_STRUCT[v.map.map_type]]!, Number(m[3]), Number(m[2])).k === 'ptr';
}

const VARIANTS = mapPtrVariants();

describe("map_ptr accesses, with the kernel's answers recorded", () => {
  it('has a recorded answer for every variant', () => {
    expect(recordedAnswerGaps(VARIANTS, KERNEL)).toEqual([]);
  });

  it('answers as Linux 6.18 does for every scalar field, error and store', () => {
    const wrong = VARIANTS.filter((v) => !loadsPointerField(v) && modelAnswer(v) !== KERNEL[v.name]).map(
      (v) => `${v.name}: ${modelAnswer(v)}`,
    );
    expect(wrong).toEqual([]);
  });

  it('refuses a pointer-field load that Linux 6.18 accepts (no PTR_TO_BTF_ID in the model)', () => {
    const ptr = VARIANTS.filter(loadsPointerField);
    expect(ptr.length).toBeGreaterThan(0);
    expect(ptr.filter((v) => KERNEL[v.name] !== 'ok').map((v) => v.name)).toEqual([]);
    expect(ptr.filter((v) => modelAnswer(v) !== "EACCES R1 invalid mem access 'map_ptr'").map((v) => v.name)).toEqual(
      [],
    );
  });
});

const { oracle, skip } = kernelForTests('map_ptr access classes against the running kernel');

describe.skipIf(skip)('map_ptr accesses against the running kernel (BPF_PROG_LOAD)', () => {
  it("gives the kernel's verdict, errno and first error line", () => {
    // Variants the oracle's allow-list keeps from the kernel are checked offline, against the recorded answers.
    const wrong = kernelClassDisagreements(
      oracle,
      VARIANTS,
      (v) => ({ prog: v.asm, opts: { prog_type: 'raw_tracepoint', log_level: 1, maps: { 1: { ...v.map } } } }),
      KERNEL,
      modelAnswer,
      (v) => !loadsPointerField(v),
    );
    expect(wrong).toEqual([]);
  });
});
