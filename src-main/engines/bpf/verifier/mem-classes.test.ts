import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../../oracle/test-util';
import { answerOf, atomicRmwVariants, modelAnswer } from './mem-classes.fixtures';
import type { MemVariant } from './mem-classes.fixtures';

/**
 * Memory-access classes against Linux 6.18 (mem-classes.fixtures.ts). KERNEL holds what this machine's 6.18.44
 * answered for every variant (BPF_PROG_LOAD as root): `ok` or `ERRNO first error line`.
 */
const KERNEL: Record<string, string> = {
  'add u32 [fp-8+0]': 'ok',
  'add u32 [fp-8+4]': 'ok',
  'add u32 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 4',
  'add u32 [map_value+0]': 'ok',
  'add u32 [map_value+4]': 'ok',
  'add u32 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 4',
  'add u32 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=4',
  'add u32 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'add u32 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'add u32 [scalar 8+4]': "EACCES R3 invalid mem access 'scalar'",
  'add u32 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 4',
  'add u32 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 4',
  'add u32 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 4',
  'add u64 [fp-8+0]': 'ok',
  'add u64 [fp-8+4]': 'EACCES misaligned stack access off 0+-8+4 size 8',
  'add u64 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 8',
  'add u64 [map_value+0]': 'ok',
  'add u64 [map_value+4]': 'EACCES misaligned value access off 0+0+4 size 8',
  'add u64 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 8',
  'add u64 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=8',
  'add u64 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'add u64 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'add u64 [scalar 8+4]': 'EACCES misaligned access off 8+0+4 size 8',
  'add u64 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 8',
  'add u64 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 8',
  'add u64 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 8',
  'or u32 [fp-8+0]': 'ok',
  'or u32 [fp-8+4]': 'ok',
  'or u32 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 4',
  'or u32 [map_value+0]': 'ok',
  'or u32 [map_value+4]': 'ok',
  'or u32 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 4',
  'or u32 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=4',
  'or u32 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'or u32 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'or u32 [scalar 8+4]': "EACCES R3 invalid mem access 'scalar'",
  'or u32 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 4',
  'or u32 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 4',
  'or u32 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 4',
  'or u64 [fp-8+0]': 'ok',
  'or u64 [fp-8+4]': 'EACCES misaligned stack access off 0+-8+4 size 8',
  'or u64 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 8',
  'or u64 [map_value+0]': 'ok',
  'or u64 [map_value+4]': 'EACCES misaligned value access off 0+0+4 size 8',
  'or u64 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 8',
  'or u64 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=8',
  'or u64 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'or u64 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'or u64 [scalar 8+4]': 'EACCES misaligned access off 8+0+4 size 8',
  'or u64 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 8',
  'or u64 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 8',
  'or u64 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 8',
  'and u32 [fp-8+0]': 'ok',
  'and u32 [fp-8+4]': 'ok',
  'and u32 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 4',
  'and u32 [map_value+0]': 'ok',
  'and u32 [map_value+4]': 'ok',
  'and u32 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 4',
  'and u32 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=4',
  'and u32 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'and u32 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'and u32 [scalar 8+4]': "EACCES R3 invalid mem access 'scalar'",
  'and u32 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 4',
  'and u32 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 4',
  'and u32 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 4',
  'and u64 [fp-8+0]': 'ok',
  'and u64 [fp-8+4]': 'EACCES misaligned stack access off 0+-8+4 size 8',
  'and u64 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 8',
  'and u64 [map_value+0]': 'ok',
  'and u64 [map_value+4]': 'EACCES misaligned value access off 0+0+4 size 8',
  'and u64 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 8',
  'and u64 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=8',
  'and u64 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'and u64 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'and u64 [scalar 8+4]': 'EACCES misaligned access off 8+0+4 size 8',
  'and u64 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 8',
  'and u64 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 8',
  'and u64 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 8',
  'xor u32 [fp-8+0]': 'ok',
  'xor u32 [fp-8+4]': 'ok',
  'xor u32 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 4',
  'xor u32 [map_value+0]': 'ok',
  'xor u32 [map_value+4]': 'ok',
  'xor u32 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 4',
  'xor u32 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=4',
  'xor u32 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'xor u32 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'xor u32 [scalar 8+4]': "EACCES R3 invalid mem access 'scalar'",
  'xor u32 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 4',
  'xor u32 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 4',
  'xor u32 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 4',
  'xor u64 [fp-8+0]': 'ok',
  'xor u64 [fp-8+4]': 'EACCES misaligned stack access off 0+-8+4 size 8',
  'xor u64 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 8',
  'xor u64 [map_value+0]': 'ok',
  'xor u64 [map_value+4]': 'EACCES misaligned value access off 0+0+4 size 8',
  'xor u64 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 8',
  'xor u64 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=8',
  'xor u64 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'xor u64 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'xor u64 [scalar 8+4]': 'EACCES misaligned access off 8+0+4 size 8',
  'xor u64 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 8',
  'xor u64 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 8',
  'xor u64 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 8',
  'fetch_add u32 [fp-8+0]': 'ok',
  'fetch_add u32 [fp-8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_add u32 [fp-8+4]': 'ok',
  'fetch_add u32 [fp-8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'fetch_add u32 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 4',
  'fetch_add u32 [fp-8-2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+-2 size 4',
  'fetch_add u32 [map_value+0]': 'ok',
  'fetch_add u32 [map_value+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_add u32 [map_value+4]': 'ok',
  'fetch_add u32 [map_value+4] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'fetch_add u32 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 4',
  'fetch_add u32 [map_value+6] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+6 size 4',
  'fetch_add u32 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=4',
  'fetch_add u32 [map_value+16] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+16 size 4',
  'fetch_add u32 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_add u32 [ctx+0] fetch into the base': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_add u32 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'fetch_add u32 [scalar 8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_add u32 [scalar 8+4]': "EACCES R3 invalid mem access 'scalar'",
  'fetch_add u32 [scalar 8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'fetch_add u32 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 4',
  'fetch_add u32 [scalar 0x7406df47+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_add u32 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 4',
  'fetch_add u32 [scalar -8+2] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+2 size 4',
  'fetch_add u32 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 4',
  'fetch_add u32 [unknown scalar+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_add u64 [fp-8+0]': 'ok',
  'fetch_add u64 [fp-8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_add u64 [fp-8+4]': 'EACCES misaligned stack access off 0+-8+4 size 8',
  'fetch_add u64 [fp-8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'fetch_add u64 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 8',
  'fetch_add u64 [fp-8-2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+-2 size 8',
  'fetch_add u64 [map_value+0]': 'ok',
  'fetch_add u64 [map_value+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_add u64 [map_value+4]': 'EACCES misaligned value access off 0+0+4 size 8',
  'fetch_add u64 [map_value+4] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'fetch_add u64 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 8',
  'fetch_add u64 [map_value+6] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+6 size 8',
  'fetch_add u64 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=8',
  'fetch_add u64 [map_value+16] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+16 size 8',
  'fetch_add u64 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_add u64 [ctx+0] fetch into the base': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_add u64 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'fetch_add u64 [scalar 8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_add u64 [scalar 8+4]': 'EACCES misaligned access off 8+0+4 size 8',
  'fetch_add u64 [scalar 8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'fetch_add u64 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 8',
  'fetch_add u64 [scalar 0x7406df47+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_add u64 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 8',
  'fetch_add u64 [scalar -8+2] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+2 size 8',
  'fetch_add u64 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 8',
  'fetch_add u64 [unknown scalar+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_or u32 [fp-8+0]': 'ok',
  'fetch_or u32 [fp-8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_or u32 [fp-8+4]': 'ok',
  'fetch_or u32 [fp-8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'fetch_or u32 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 4',
  'fetch_or u32 [fp-8-2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+-2 size 4',
  'fetch_or u32 [map_value+0]': 'ok',
  'fetch_or u32 [map_value+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_or u32 [map_value+4]': 'ok',
  'fetch_or u32 [map_value+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'fetch_or u32 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 4',
  'fetch_or u32 [map_value+6] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+6 size 4',
  'fetch_or u32 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=4',
  'fetch_or u32 [map_value+16] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+16 size 4',
  'fetch_or u32 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_or u32 [ctx+0] fetch into the base': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_or u32 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'fetch_or u32 [scalar 8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_or u32 [scalar 8+4]': "EACCES R3 invalid mem access 'scalar'",
  'fetch_or u32 [scalar 8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'fetch_or u32 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 4',
  'fetch_or u32 [scalar 0x7406df47+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_or u32 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 4',
  'fetch_or u32 [scalar -8+2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+2 size 4',
  'fetch_or u32 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 4',
  'fetch_or u32 [unknown scalar+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_or u64 [fp-8+0]': 'ok',
  'fetch_or u64 [fp-8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_or u64 [fp-8+4]': 'EACCES misaligned stack access off 0+-8+4 size 8',
  'fetch_or u64 [fp-8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'fetch_or u64 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 8',
  'fetch_or u64 [fp-8-2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+-2 size 8',
  'fetch_or u64 [map_value+0]': 'ok',
  'fetch_or u64 [map_value+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_or u64 [map_value+4]': 'EACCES misaligned value access off 0+0+4 size 8',
  'fetch_or u64 [map_value+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'fetch_or u64 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 8',
  'fetch_or u64 [map_value+6] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+6 size 8',
  'fetch_or u64 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=8',
  'fetch_or u64 [map_value+16] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+16 size 8',
  'fetch_or u64 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_or u64 [ctx+0] fetch into the base': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_or u64 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'fetch_or u64 [scalar 8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_or u64 [scalar 8+4]': 'EACCES misaligned access off 8+0+4 size 8',
  'fetch_or u64 [scalar 8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'fetch_or u64 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 8',
  'fetch_or u64 [scalar 0x7406df47+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_or u64 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 8',
  'fetch_or u64 [scalar -8+2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+2 size 8',
  'fetch_or u64 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 8',
  'fetch_or u64 [unknown scalar+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_and u32 [fp-8+0]': 'ok',
  'fetch_and u32 [fp-8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_and u32 [fp-8+4]': 'ok',
  'fetch_and u32 [fp-8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'fetch_and u32 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 4',
  'fetch_and u32 [fp-8-2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+-2 size 4',
  'fetch_and u32 [map_value+0]': 'ok',
  'fetch_and u32 [map_value+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_and u32 [map_value+4]': 'ok',
  'fetch_and u32 [map_value+4] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'fetch_and u32 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 4',
  'fetch_and u32 [map_value+6] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+6 size 4',
  'fetch_and u32 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=4',
  'fetch_and u32 [map_value+16] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+16 size 4',
  'fetch_and u32 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_and u32 [ctx+0] fetch into the base': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_and u32 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'fetch_and u32 [scalar 8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_and u32 [scalar 8+4]': "EACCES R3 invalid mem access 'scalar'",
  'fetch_and u32 [scalar 8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'fetch_and u32 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 4',
  'fetch_and u32 [scalar 0x7406df47+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_and u32 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 4',
  'fetch_and u32 [scalar -8+2] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+2 size 4',
  'fetch_and u32 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 4',
  'fetch_and u32 [unknown scalar+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_and u64 [fp-8+0]': 'ok',
  'fetch_and u64 [fp-8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_and u64 [fp-8+4]': 'EACCES misaligned stack access off 0+-8+4 size 8',
  'fetch_and u64 [fp-8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'fetch_and u64 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 8',
  'fetch_and u64 [fp-8-2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+-2 size 8',
  'fetch_and u64 [map_value+0]': 'ok',
  'fetch_and u64 [map_value+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_and u64 [map_value+4]': 'EACCES misaligned value access off 0+0+4 size 8',
  'fetch_and u64 [map_value+4] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'fetch_and u64 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 8',
  'fetch_and u64 [map_value+6] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+6 size 8',
  'fetch_and u64 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=8',
  'fetch_and u64 [map_value+16] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+16 size 8',
  'fetch_and u64 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_and u64 [ctx+0] fetch into the base': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_and u64 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'fetch_and u64 [scalar 8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_and u64 [scalar 8+4]': 'EACCES misaligned access off 8+0+4 size 8',
  'fetch_and u64 [scalar 8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'fetch_and u64 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 8',
  'fetch_and u64 [scalar 0x7406df47+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_and u64 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 8',
  'fetch_and u64 [scalar -8+2] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+2 size 8',
  'fetch_and u64 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 8',
  'fetch_and u64 [unknown scalar+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_xor u32 [fp-8+0]': 'ok',
  'fetch_xor u32 [fp-8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_xor u32 [fp-8+4]': 'ok',
  'fetch_xor u32 [fp-8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'fetch_xor u32 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 4',
  'fetch_xor u32 [fp-8-2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+-2 size 4',
  'fetch_xor u32 [map_value+0]': 'ok',
  'fetch_xor u32 [map_value+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_xor u32 [map_value+4]': 'ok',
  'fetch_xor u32 [map_value+4] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'fetch_xor u32 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 4',
  'fetch_xor u32 [map_value+6] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+6 size 4',
  'fetch_xor u32 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=4',
  'fetch_xor u32 [map_value+16] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+16 size 4',
  'fetch_xor u32 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_xor u32 [ctx+0] fetch into the base': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_xor u32 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'fetch_xor u32 [scalar 8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_xor u32 [scalar 8+4]': "EACCES R3 invalid mem access 'scalar'",
  'fetch_xor u32 [scalar 8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'fetch_xor u32 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 4',
  'fetch_xor u32 [scalar 0x7406df47+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_xor u32 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 4',
  'fetch_xor u32 [scalar -8+2] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+2 size 4',
  'fetch_xor u32 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 4',
  'fetch_xor u32 [unknown scalar+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'fetch_xor u64 [fp-8+0]': 'ok',
  'fetch_xor u64 [fp-8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_xor u64 [fp-8+4]': 'EACCES misaligned stack access off 0+-8+4 size 8',
  'fetch_xor u64 [fp-8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'fetch_xor u64 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 8',
  'fetch_xor u64 [fp-8-2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+-2 size 8',
  'fetch_xor u64 [map_value+0]': 'ok',
  'fetch_xor u64 [map_value+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_xor u64 [map_value+4]': 'EACCES misaligned value access off 0+0+4 size 8',
  'fetch_xor u64 [map_value+4] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'fetch_xor u64 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 8',
  'fetch_xor u64 [map_value+6] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+6 size 8',
  'fetch_xor u64 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=8',
  'fetch_xor u64 [map_value+16] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+16 size 8',
  'fetch_xor u64 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_xor u64 [ctx+0] fetch into the base': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'fetch_xor u64 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'fetch_xor u64 [scalar 8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_xor u64 [scalar 8+4]': 'EACCES misaligned access off 8+0+4 size 8',
  'fetch_xor u64 [scalar 8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'fetch_xor u64 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 8',
  'fetch_xor u64 [scalar 0x7406df47+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'fetch_xor u64 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 8',
  'fetch_xor u64 [scalar -8+2] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+2 size 8',
  'fetch_xor u64 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 8',
  'fetch_xor u64 [unknown scalar+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'xchg u32 [fp-8+0]': 'ok',
  'xchg u32 [fp-8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'xchg u32 [fp-8+4]': 'ok',
  'xchg u32 [fp-8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'xchg u32 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 4',
  'xchg u32 [fp-8-2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+-2 size 4',
  'xchg u32 [map_value+0]': 'ok',
  'xchg u32 [map_value+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'xchg u32 [map_value+4]': 'ok',
  'xchg u32 [map_value+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'xchg u32 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 4',
  'xchg u32 [map_value+6] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+6 size 4',
  'xchg u32 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=4',
  'xchg u32 [map_value+16] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+16 size 4',
  'xchg u32 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'xchg u32 [ctx+0] fetch into the base': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'xchg u32 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'xchg u32 [scalar 8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'xchg u32 [scalar 8+4]': "EACCES R3 invalid mem access 'scalar'",
  'xchg u32 [scalar 8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'xchg u32 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 4',
  'xchg u32 [scalar 0x7406df47+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'xchg u32 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 4',
  'xchg u32 [scalar -8+2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+2 size 4',
  'xchg u32 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 4',
  'xchg u32 [unknown scalar+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'xchg u64 [fp-8+0]': 'ok',
  'xchg u64 [fp-8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'xchg u64 [fp-8+4]': 'EACCES misaligned stack access off 0+-8+4 size 8',
  'xchg u64 [fp-8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'xchg u64 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 8',
  'xchg u64 [fp-8-2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+-2 size 8',
  'xchg u64 [map_value+0]': 'ok',
  'xchg u64 [map_value+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'xchg u64 [map_value+4]': 'EACCES misaligned value access off 0+0+4 size 8',
  'xchg u64 [map_value+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'xchg u64 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 8',
  'xchg u64 [map_value+6] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+6 size 8',
  'xchg u64 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=8',
  'xchg u64 [map_value+16] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+16 size 8',
  'xchg u64 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'xchg u64 [ctx+0] fetch into the base': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'xchg u64 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'xchg u64 [scalar 8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'xchg u64 [scalar 8+4]': 'EACCES misaligned access off 8+0+4 size 8',
  'xchg u64 [scalar 8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'xchg u64 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 8',
  'xchg u64 [scalar 0x7406df47+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'xchg u64 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 8',
  'xchg u64 [scalar -8+2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+2 size 8',
  'xchg u64 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 8',
  'xchg u64 [unknown scalar+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'cmpxchg u32 [fp-8+0]': 'ok',
  'cmpxchg u32 [fp-8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'cmpxchg u32 [fp-8+4]': 'ok',
  'cmpxchg u32 [fp-8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'cmpxchg u32 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 4',
  'cmpxchg u32 [fp-8-2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+-2 size 4',
  'cmpxchg u32 [map_value+0]': 'ok',
  'cmpxchg u32 [map_value+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'cmpxchg u32 [map_value+4]': 'ok',
  'cmpxchg u32 [map_value+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'cmpxchg u32 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 4',
  'cmpxchg u32 [map_value+6] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+6 size 4',
  'cmpxchg u32 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=4',
  'cmpxchg u32 [map_value+16] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+16 size 4',
  'cmpxchg u32 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'cmpxchg u32 [ctx+0] fetch into the base': 'EACCES BPF_ATOMIC stores into R0 ctx is not allowed',
  'cmpxchg u32 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'cmpxchg u32 [scalar 8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'cmpxchg u32 [scalar 8+4]': "EACCES R3 invalid mem access 'scalar'",
  'cmpxchg u32 [scalar 8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 4',
  'cmpxchg u32 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 4',
  'cmpxchg u32 [scalar 0x7406df47+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'cmpxchg u32 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 4',
  'cmpxchg u32 [scalar -8+2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+2 size 4',
  'cmpxchg u32 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 4',
  'cmpxchg u32 [unknown scalar+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 4',
  'cmpxchg u64 [fp-8+0]': 'ok',
  'cmpxchg u64 [fp-8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'cmpxchg u64 [fp-8+4]': 'EACCES misaligned stack access off 0+-8+4 size 8',
  'cmpxchg u64 [fp-8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'cmpxchg u64 [fp-8-2]': 'EACCES misaligned stack access off 0+-8+-2 size 8',
  'cmpxchg u64 [fp-8-2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+-2 size 8',
  'cmpxchg u64 [map_value+0]': 'ok',
  'cmpxchg u64 [map_value+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'cmpxchg u64 [map_value+4]': 'EACCES misaligned value access off 0+0+4 size 8',
  'cmpxchg u64 [map_value+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'cmpxchg u64 [map_value+6]': 'EACCES misaligned value access off 0+0+6 size 8',
  'cmpxchg u64 [map_value+6] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+6 size 8',
  'cmpxchg u64 [map_value+16]': 'EACCES invalid access to map value, value_size=16 off=16 size=8',
  'cmpxchg u64 [map_value+16] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+16 size 8',
  'cmpxchg u64 [ctx+0]': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'cmpxchg u64 [ctx+0] fetch into the base': 'EACCES BPF_ATOMIC stores into R0 ctx is not allowed',
  'cmpxchg u64 [scalar 8+0]': "EACCES R3 invalid mem access 'scalar'",
  'cmpxchg u64 [scalar 8+0] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'cmpxchg u64 [scalar 8+4]': 'EACCES misaligned access off 8+0+4 size 8',
  'cmpxchg u64 [scalar 8+4] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+4 size 8',
  'cmpxchg u64 [scalar 0x7406df47+0]': 'EACCES misaligned access off 0x7406df47+0+0 size 8',
  'cmpxchg u64 [scalar 0x7406df47+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
  'cmpxchg u64 [scalar -8+2]': 'EACCES misaligned access off 0xfffffffffffffff8+0+2 size 8',
  'cmpxchg u64 [scalar -8+2] fetch into the base': 'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+2 size 8',
  'cmpxchg u64 [unknown scalar+0]': 'EACCES misaligned access off 1911+0+0 size 8',
  'cmpxchg u64 [unknown scalar+0] fetch into the base':
    'EACCES misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8',
};

const CLASSES: [string, MemVariant[]][] = [
  ['read-modify-write atomics: op × size × base × offset × fetch into the base', atomicRmwVariants()],
];

describe("memory-access classes the fuzzer found, with the kernel's answers recorded", () => {
  it('has a recorded answer for every variant', () => {
    const names = CLASSES.flatMap(([, vs]) => vs.map((v) => v.name));
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => !(n in KERNEL))).toEqual([]);
  });

  for (const [title, vs] of CLASSES) {
    it(`answers as Linux 6.18 does: ${title}`, () => {
      const wrong = vs.filter((v) => modelAnswer(v) !== KERNEL[v.name]).map((v) => `${v.name}: ${modelAnswer(v)}`);
      expect(wrong).toEqual([]);
    });
  }
});

const { oracle, skip } = kernelForTests('memory-access classes against the running kernel');

describe.skipIf(skip)('memory-access classes against the running kernel (BPF_PROG_LOAD)', () => {
  for (const [title, vs] of CLASSES) {
    it(`gives the kernel's verdict, errno and first error line: ${title}`, () => {
      const res = oracle.batch(
        vs.map((v) => ({ prog: v.bytes, opts: { prog_type: v.prog_type, log_level: 1, maps: { 1: { ...v.map } } } })),
      );
      const wrong: string[] = [];
      vs.forEach((v, i) => {
        const k = res[i]!.verdict;
        if (k.refused !== undefined) return; // kept from the kernel by the oracle's allow-list: checked offline
        const want = answerOf({ ok: k.ok, errno: k.errno_name, first: k.first_error });
        if (want !== KERNEL[v.name]) wrong.push(`${v.name}: kernel ${want}, recorded ${KERNEL[v.name]}`);
        if (modelAnswer(v) !== want) wrong.push(`${v.name}: kernel ${want}, model ${modelAnswer(v)}`);
      });
      expect(wrong).toEqual([]);
    });
  }
});
