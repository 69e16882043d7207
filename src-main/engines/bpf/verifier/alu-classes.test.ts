import { describe, expect, it } from 'vitest';
import { KernelError } from '../../common/errors';
import { kernelOracle } from '../../../oracle';
import { createBpf } from '../index';
import {
  ARRAY_MAP,
  alu32Variants,
  answerOf,
  belowRegionVariants,
  encodingVariants,
  kfuncArgVariants,
  modelAnswer,
  ptrOffsetVariants,
  shiftVariants,
  smallVariants,
  unaryVariants,
} from './alu-classes.fixtures';
import type { ClassVariant } from './alu-classes.fixtures';
import { modelDisagreements, recordedAnswerGaps } from './kernel-classes.fixtures';

/**
 * The verifier's ALU, shift, kfunc-argument and encoding classes against Linux 6.18 (alu-classes.fixtures.ts).
 * KERNEL holds what this machine's 6.18.44 answered for every variant (BPF_PROG_LOAD as root, RAW_TRACEPOINT):
 * `ok`, `ERRNO first error line`, or the register state printed after the instruction at log_level 2.
 */
const KERNEL: Record<string, string> = {
  // pointer offsets past BPF_MAX_VAR_OFF
  'ctx += u32': 'ok',
  'ctx -= u32': 'EINVAL ctx pointer offset -4294967295 is not allowed',
  'ctx += u32 twice': 'ok',
  'ctx += -u32': 'EINVAL value -4294967295 makes ctx pointer be out of bounds',
  'ctx -= -u32': 'EINVAL value -4294967295 makes ctx pointer be out of bounds',
  'ctx += -u32 twice': 'EINVAL value -4294967295 makes ctx pointer be out of bounds',
  'ctx += byte+268435456': 'ok',
  'ctx -= byte+268435456': 'ok',
  'ctx += byte+268435456 twice': 'EINVAL ctx pointer offset 536870912 is not allowed',
  'ctx += byte+536870000': 'ok',
  'ctx -= byte+536870000': 'ok',
  'ctx += byte+536870000 twice': 'EINVAL ctx pointer offset 1073740000 is not allowed',
  'ctx += byte+536870912': 'EINVAL value 536870912 makes ctx pointer be out of bounds',
  'ctx -= byte+536870912': 'EINVAL value 536870912 makes ctx pointer be out of bounds',
  'ctx += byte+536870912 twice': 'EINVAL value 536870912 makes ctx pointer be out of bounds',
  'ctx += byte-805306368': 'EINVAL value -805306368 makes ctx pointer be out of bounds',
  'ctx -= byte-805306368': 'EINVAL value -805306368 makes ctx pointer be out of bounds',
  'ctx += byte-805306368 twice': 'EINVAL value -805306368 makes ctx pointer be out of bounds',
  'ctx += u32<<28': 'ok',
  'ctx -= u32<<28': 'EINVAL ctx pointer offset -1152921504338411520 is not allowed',
  'ctx += u32<<28 twice': 'ok',
  'ctx += 536870911 twice': 'EINVAL ctx pointer offset 1073741822 is not allowed',
  'ctx += 536870912': 'EINVAL math between ctx pointer and 536870912 is not allowed',
  'ctx += -536870912': 'EINVAL math between ctx pointer and -536870912 is not allowed',
  'ctx -= 536870911 twice': 'EINVAL ctx pointer offset -1073741822 is not allowed',
  'ctx += -268435456 twice': 'EINVAL ctx pointer offset -536870912 is not allowed',
  'fp += u32': 'ok',
  'fp -= u32': 'EACCES R6 subtraction from stack pointer prohibited',
  'fp += u32 twice': 'ok',
  'fp += -u32': 'EINVAL value -4294967295 makes fp pointer be out of bounds',
  'fp -= -u32': 'EINVAL value -4294967295 makes fp pointer be out of bounds',
  'fp += -u32 twice': 'EINVAL value -4294967295 makes fp pointer be out of bounds',
  'fp += byte+268435456': 'ok',
  'fp -= byte+268435456': 'EACCES R6 subtraction from stack pointer prohibited',
  'fp += byte+268435456 twice': 'EINVAL fp pointer offset 536870912 is not allowed',
  'fp += byte+536870000': 'ok',
  'fp -= byte+536870000': 'EACCES R6 subtraction from stack pointer prohibited',
  'fp += byte+536870000 twice': 'EINVAL fp pointer offset 1073740000 is not allowed',
  'fp += byte+536870912': 'EINVAL value 536870912 makes fp pointer be out of bounds',
  'fp -= byte+536870912': 'EINVAL value 536870912 makes fp pointer be out of bounds',
  'fp += byte+536870912 twice': 'EINVAL value 536870912 makes fp pointer be out of bounds',
  'fp += byte-805306368': 'EINVAL value -805306368 makes fp pointer be out of bounds',
  'fp -= byte-805306368': 'EINVAL value -805306368 makes fp pointer be out of bounds',
  'fp += byte-805306368 twice': 'EINVAL value -805306368 makes fp pointer be out of bounds',
  'fp += u32<<28': 'ok',
  'fp -= u32<<28': 'EACCES R6 subtraction from stack pointer prohibited',
  'fp += u32<<28 twice': 'ok',
  'fp += 536870911 twice': 'EINVAL fp pointer offset 1073741822 is not allowed',
  'fp += 536870912': 'EINVAL math between fp pointer and 536870912 is not allowed',
  'fp += -536870912': 'EINVAL math between fp pointer and -536870912 is not allowed',
  'fp -= 536870911 twice': 'EACCES R6 subtraction from stack pointer prohibited',
  'fp += -268435456 twice': 'EINVAL fp pointer offset -536870912 is not allowed',
  'map_value += u32': 'ok',
  'map_value -= u32': 'EINVAL map_value pointer offset -4294967295 is not allowed',
  'map_value += u32 twice': 'ok',
  'map_value += -u32': 'EINVAL value -4294967295 makes map_value pointer be out of bounds',
  'map_value -= -u32': 'EINVAL value -4294967295 makes map_value pointer be out of bounds',
  'map_value += -u32 twice': 'EINVAL value -4294967295 makes map_value pointer be out of bounds',
  'map_value += byte+268435456': 'ok',
  'map_value -= byte+268435456': 'ok',
  'map_value += byte+268435456 twice': 'EINVAL map_value pointer offset 536870912 is not allowed',
  'map_value += byte+536870000': 'ok',
  'map_value -= byte+536870000': 'ok',
  'map_value += byte+536870000 twice': 'EINVAL map_value pointer offset 1073740000 is not allowed',
  'map_value += byte+536870912': 'EINVAL value 536870912 makes map_value pointer be out of bounds',
  'map_value -= byte+536870912': 'EINVAL value 536870912 makes map_value pointer be out of bounds',
  'map_value += byte+536870912 twice': 'EINVAL value 536870912 makes map_value pointer be out of bounds',
  'map_value += byte-805306368': 'EINVAL value -805306368 makes map_value pointer be out of bounds',
  'map_value -= byte-805306368': 'EINVAL value -805306368 makes map_value pointer be out of bounds',
  'map_value += byte-805306368 twice': 'EINVAL value -805306368 makes map_value pointer be out of bounds',
  'map_value += u32<<28': 'ok',
  'map_value -= u32<<28': 'EINVAL map_value pointer offset -1152921504338411520 is not allowed',
  'map_value += u32<<28 twice': 'ok',
  'map_value += 536870911 twice': 'EINVAL map_value pointer offset 1073741822 is not allowed',
  'map_value += 536870912': 'EINVAL math between map_value pointer and 536870912 is not allowed',
  'map_value += -536870912': 'EINVAL math between map_value pointer and -536870912 is not allowed',
  'map_value -= 536870911 twice': 'EINVAL map_value pointer offset -1073741822 is not allowed',
  'map_value += -268435456 twice': 'EINVAL map_value pointer offset -536870912 is not allowed',
  // shift
  'lsh32 -1': 'EINVAL invalid shift -1',
  'lsh32 0': 'ok',
  'lsh32 31': 'ok',
  'lsh32 32': 'EINVAL invalid shift 32',
  'lsh32 63': 'EINVAL invalid shift 63',
  'lsh32 64': 'EINVAL invalid shift 64',
  'lsh32 -2147483648': 'EINVAL invalid shift -2147483648',
  'lsh32 2147483647': 'EINVAL invalid shift 2147483647',
  'lsh64 -1': 'EINVAL invalid shift -1',
  'lsh64 0': 'ok',
  'lsh64 31': 'ok',
  'lsh64 32': 'ok',
  'lsh64 63': 'ok',
  'lsh64 64': 'EINVAL invalid shift 64',
  'lsh64 -2147483648': 'EINVAL invalid shift -2147483648',
  'lsh64 2147483647': 'EINVAL invalid shift 2147483647',
  'rsh32 -1': 'EINVAL invalid shift -1',
  'rsh32 0': 'ok',
  'rsh32 31': 'ok',
  'rsh32 32': 'EINVAL invalid shift 32',
  'rsh32 63': 'EINVAL invalid shift 63',
  'rsh32 64': 'EINVAL invalid shift 64',
  'rsh32 -2147483648': 'EINVAL invalid shift -2147483648',
  'rsh32 2147483647': 'EINVAL invalid shift 2147483647',
  'rsh64 -1': 'EINVAL invalid shift -1',
  'rsh64 0': 'ok',
  'rsh64 31': 'ok',
  'rsh64 32': 'ok',
  'rsh64 63': 'ok',
  'rsh64 64': 'EINVAL invalid shift 64',
  'rsh64 -2147483648': 'EINVAL invalid shift -2147483648',
  'rsh64 2147483647': 'EINVAL invalid shift 2147483647',
  'arsh32 -1': 'EINVAL invalid shift -1',
  'arsh32 0': 'ok',
  'arsh32 31': 'ok',
  'arsh32 32': 'EINVAL invalid shift 32',
  'arsh32 63': 'EINVAL invalid shift 63',
  'arsh32 64': 'EINVAL invalid shift 64',
  'arsh32 -2147483648': 'EINVAL invalid shift -2147483648',
  'arsh32 2147483647': 'EINVAL invalid shift 2147483647',
  'arsh64 -1': 'EINVAL invalid shift -1',
  'arsh64 0': 'ok',
  'arsh64 31': 'ok',
  'arsh64 32': 'ok',
  'arsh64 63': 'ok',
  'arsh64 64': 'EINVAL invalid shift 64',
  'arsh64 -2147483648': 'EINVAL invalid shift -2147483648',
  'arsh64 2147483647': 'EINVAL invalid shift 2147483647',
  // alu32
  'w6 += 3': 'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'w6 += w1 (=2)': 'R1=2 R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'w6 += w1 (=40)': 'R1=40 R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'w6 += w7':
    'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
  'w6 += w9': 'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R9=0xffffff000000000c',
  'w7 += 3': 'R7=scalar(smin=umin=smin32=umin32=3,smax=umax=smax32=umax32=10,var_off=(0x0; 0xf))',
  'w7 += w1 (=2)': 'R1=2 R7=scalar(smin=umin=smin32=umin32=2,smax=umax=smax32=umax32=9,var_off=(0x0; 0xf))',
  'w7 += w1 (=40)': 'R1=40 R7=scalar(smin=umin=smin32=umin32=40,smax=umax=smax32=umax32=47,var_off=(0x28; 0x7))',
  'w7 += w9':
    'R7=scalar(smin=umin=smin32=umin32=12,smax=umax=smax32=umax32=19,var_off=(0x0; 0x1f)) R9=0xffffff000000000c',
  'w6 -= 3': 'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'w6 -= w1 (=2)': 'R1=2 R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'w6 -= w1 (=40)': 'R1=40 R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'w6 -= w7':
    'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
  'w6 -= w9': 'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R9=0xffffff000000000c',
  'w7 -= 3': 'R7=scalar(smin=0,smax=umax=0xffffffff,smin32=-3,smax32=4,var_off=(0x0; 0xffffffff))',
  'w7 -= w1 (=2)': 'R1=2 R7=scalar(smin=0,smax=umax=0xffffffff,smin32=-2,smax32=5,var_off=(0x0; 0xffffffff))',
  'w7 -= w1 (=40)':
    'R1=40 R7=scalar(smin=umin=umin32=0xffffffd8,smax=umax=umax32=0xffffffdf,smin32=-40,smax32=-33,var_off=(0xffffffd8; 0x7))',
  'w7 -= w9':
    'R7=scalar(smin=umin=umin32=0xfffffff4,smax=umax=umax32=0xfffffffb,smin32=-12,smax32=-5,var_off=(0xfffffff0; 0xf)) R9=0xffffff000000000c',
  'w6 *= 3': 'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'w6 *= w1 (=2)': 'R1=2 R6=scalar(smin=0,smax=umax=umax32=0xfffffffe,smax32=0x7ffffffe,var_off=(0x0; 0xfffffffe))',
  'w6 *= w1 (=40)': 'R1=40 R6=scalar(smin=0,smax=umax=umax32=0xfffffff8,smax32=0x7ffffff8,var_off=(0x0; 0xfffffff8))',
  'w6 *= w7':
    'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
  'w6 *= w9':
    'R6=scalar(smin=0,smax=umax=umax32=0xfffffffc,smax32=0x7ffffffc,var_off=(0x0; 0xfffffffc)) R9=0xffffff000000000c',
  'w7 *= 3': 'R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=21,var_off=(0x0; 0x1f))',
  'w7 *= w1 (=2)': 'R1=2 R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=14,var_off=(0x0; 0xe))',
  'w7 *= w1 (=40)': 'R1=40 R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=280,var_off=(0x0; 0x1f8))',
  'w7 *= w9': 'R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=84,var_off=(0x0; 0x7c)) R9=0xffffff000000000c',
  'w6 /= 3': 'R6=scalar()',
  'w6 /= w1 (=2)': 'R1=2 R6=scalar()',
  'w6 /= w1 (=40)': 'R1=40 R6=scalar()',
  'w6 /= w7': 'R6=scalar() R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
  'w6 /= w9': 'R6=scalar() R9=0xffffff000000000c',
  'w7 /= 3': 'R7=scalar()',
  'w7 /= w1 (=2)': 'R1=2 R7=scalar()',
  'w7 /= w1 (=40)': 'R1=40 R7=scalar()',
  'w7 /= w9': 'R7=scalar() R9=0xffffff000000000c',
  'w6 |= 3': 'R6=scalar(smin=umin=umin32=3,smax=umax=0xffffffff,smin32=0x80000003,var_off=(0x3; 0xfffffffc))',
  'w6 |= w1 (=2)':
    'R1=2 R6=scalar(smin=umin=umin32=2,smax=umax=0xffffffff,smin32=0x80000002,var_off=(0x2; 0xfffffffd))',
  'w6 |= w1 (=40)':
    'R1=40 R6=scalar(smin=umin=umin32=40,smax=umax=0xffffffff,smin32=0x80000028,var_off=(0x28; 0xffffffd7))',
  'w6 |= w7':
    'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
  'w6 |= w9':
    'R6=scalar(smin=umin=umin32=12,smax=umax=0xffffffff,smin32=0x8000000c,var_off=(0xc; 0xfffffff3)) R9=0xffffff000000000c',
  'w7 |= 3': 'R7=scalar(smin=umin=smin32=umin32=3,smax=umax=smax32=umax32=7,var_off=(0x3; 0x4))',
  'w7 |= w1 (=2)': 'R1=2 R7=scalar(smin=umin=smin32=umin32=2,smax=umax=smax32=umax32=7,var_off=(0x2; 0x5))',
  'w7 |= w1 (=40)': 'R1=40 R7=scalar(smin=umin=smin32=umin32=40,smax=umax=smax32=umax32=47,var_off=(0x28; 0x7))',
  'w7 |= w9':
    'R7=scalar(smin=umin=smin32=umin32=12,smax=umax=smax32=umax32=15,var_off=(0xc; 0x3)) R9=0xffffff000000000c',
  'w6 &= 3': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=3,var_off=(0x0; 0x3))',
  'w6 &= w1 (=2)': 'R1=2 R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=2,var_off=(0x0; 0x2))',
  'w6 &= w1 (=40)': 'R1=40 R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=40,var_off=(0x0; 0x28))',
  'w6 &= w7':
    'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7)) R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
  'w6 &= w9': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=12,var_off=(0x0; 0xc)) R9=0xffffff000000000c',
  'w7 &= 3': 'R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=3,var_off=(0x0; 0x3))',
  'w7 &= w1 (=2)': 'R1=2 R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=2,var_off=(0x0; 0x2))',
  'w7 &= w1 (=40)': 'R1=40 R7=0',
  'w7 &= w9': 'R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=4,var_off=(0x0; 0x4)) R9=0xffffff000000000c',
  'w6 <<= 3': 'R6=scalar(smin=0,smax=umax=umax32=0xfffffff8,smax32=0x7ffffff8,var_off=(0x0; 0xfffffff8))',
  'w6 <<= w1 (=2)': 'R1=2 R6=scalar(smin=0,smax=umax=umax32=0xfffffffc,smax32=0x7ffffffc,var_off=(0x0; 0xfffffffc))',
  'w6 <<= w1 (=40)': 'R1=40 R6=scalar()',
  'w6 <<= w7': 'R6=scalar() R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
  'w6 <<= w9': 'R6=scalar() R9=0xffffff000000000c',
  'w7 <<= 3': 'R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=56,var_off=(0x0; 0x38))',
  'w7 <<= w1 (=2)': 'R1=2 R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=28,var_off=(0x0; 0x1c))',
  'w7 <<= w1 (=40)': 'R1=40 R7=scalar()',
  'w7 <<= w9': 'R7=scalar() R9=0xffffff000000000c',
  'w6 >>= 3': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=0x1fffffff,var_off=(0x0; 0x1fffffff))',
  'w6 >>= w1 (=2)': 'R1=2 R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=0x3fffffff,var_off=(0x0; 0x3fffffff))',
  'w6 >>= w1 (=40)': 'R1=40 R6=scalar()',
  'w6 >>= w7': 'R6=scalar() R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
  'w6 >>= w9': 'R6=scalar() R9=0xffffff000000000c',
  'w7 >>= 3': 'R7=0',
  'w7 >>= w1 (=2)': 'R1=2 R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=1,var_off=(0x0; 0x1))',
  'w7 >>= w1 (=40)': 'R1=40 R7=scalar()',
  'w7 >>= w9': 'R7=scalar() R9=0xffffff000000000c',
  'w6 %= 3': 'R6=scalar()',
  'w6 %= w1 (=2)': 'R1=2 R6=scalar()',
  'w6 %= w1 (=40)': 'R1=40 R6=scalar()',
  'w6 %= w7': 'R6=scalar() R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
  'w6 %= w9': 'R6=scalar() R9=0xffffff000000000c',
  'w7 %= 3': 'R7=scalar()',
  'w7 %= w1 (=2)': 'R1=2 R7=scalar()',
  'w7 %= w1 (=40)': 'R1=40 R7=scalar()',
  'w7 %= w9': 'R7=scalar() R9=0xffffff000000000c',
  'w6 ^= 3': 'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'w6 ^= w1 (=2)': 'R1=2 R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'w6 ^= w1 (=40)': 'R1=40 R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'w6 ^= w7':
    'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
  'w6 ^= w9': 'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R9=0xffffff000000000c',
  'w7 ^= 3': 'R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
  'w7 ^= w1 (=2)': 'R1=2 R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
  'w7 ^= w1 (=40)': 'R1=40 R7=scalar(smin=umin=smin32=umin32=40,smax=umax=smax32=umax32=47,var_off=(0x28; 0x7))',
  'w7 ^= w9':
    'R7=scalar(smin=umin=smin32=umin32=8,smax=umax=smax32=umax32=15,var_off=(0x8; 0x7)) R9=0xffffff000000000c',
  'w6 s>>= 3': 'R6=scalar(smin=0,smax=umax=0xffffffff,smin32=0xf0000000,smax32=0xfffffff,var_off=(0x0; 0xffffffff))',
  'w6 s>>= w1 (=2)':
    'R1=2 R6=scalar(smin=0,smax=umax=0xffffffff,smin32=0xe0000000,smax32=0x1fffffff,var_off=(0x0; 0xffffffff))',
  'w6 s>>= w1 (=40)': 'R1=40 R6=scalar()',
  'w6 s>>= w7': 'R6=scalar() R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
  'w6 s>>= w9': 'R6=scalar() R9=0xffffff000000000c',
  'w7 s>>= 3': 'R7=0',
  'w7 s>>= w1 (=2)': 'R1=2 R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=1,var_off=(0x0; 0x1))',
  'w7 s>>= w1 (=40)': 'R1=40 R7=scalar()',
  'w7 s>>= w9': 'R7=scalar() R9=0xffffff000000000c',
  'w6 s/= 3': 'R6=scalar()',
  'w6 s/= w1 (=2)': 'R1=2 R6=scalar()',
  'w6 s/= w1 (=40)': 'R1=40 R6=scalar()',
  'w6 s/= w7': 'R6=scalar() R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
  'w6 s/= w9': 'R6=scalar() R9=0xffffff000000000c',
  'w7 s/= 3': 'R7=scalar()',
  'w7 s/= w1 (=2)': 'R1=2 R7=scalar()',
  'w7 s/= w1 (=40)': 'R1=40 R7=scalar()',
  'w7 s/= w9': 'R7=scalar() R9=0xffffff000000000c',
  'w6 s%= 3': 'R6=scalar()',
  'w6 s%= w1 (=2)': 'R1=2 R6=scalar()',
  'w6 s%= w1 (=40)': 'R1=40 R6=scalar()',
  'w6 s%= w7': 'R6=scalar() R7=scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
  'w6 s%= w9': 'R6=scalar() R9=0xffffff000000000c',
  'w7 s%= 3': 'R7=scalar()',
  'w7 s%= w1 (=2)': 'R1=2 R7=scalar()',
  'w7 s%= w1 (=40)': 'R1=40 R7=scalar()',
  'w7 s%= w9': 'R7=scalar() R9=0xffffff000000000c',
  // unary
  'unknown: r6 = -r6': 'R6=scalar()',
  'unknown: w6 = -w6': 'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'unknown: r6 = be16 r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=0xffff,var_off=(0x0; 0xffff))',
  'unknown: r6 = be32 r6': 'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'unknown: r6 = be64 r6': 'R6=scalar()',
  'unknown: r6 = le16 r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=0xffff,var_off=(0x0; 0xffff))',
  'unknown: r6 = le32 r6': 'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'unknown: r6 = le64 r6': 'R6=scalar(id=1)',
  'unknown: r6 = bswap16 r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=0xffff,var_off=(0x0; 0xffff))',
  'unknown: r6 = bswap32 r6': 'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'unknown: r6 = bswap64 r6': 'R6=scalar()',
  'unknown: r7 = (s8)r6': 'R6=scalar(id=1) R7=scalar(smin=smin32=-128,smax=smax32=127)',
  'unknown: r7 = (s16)r6': 'R6=scalar(id=1) R7=scalar(smin=smin32=-32768,smax=smax32=32767)',
  'unknown: r7 = (s32)r6': 'R6=scalar(id=1) R7=scalar(smin=0xffffffff80000000,smax=0x7fffffff)',
  'unknown: w7 = (s8)w6':
    'R6=scalar(id=1) R7=scalar(smin=0,smax=umax=0xffffffff,smin32=-128,smax32=127,var_off=(0x0; 0xffffffff))',
  'unknown: w7 = (s16)w6':
    'R6=scalar(id=1) R7=scalar(smin=0,smax=umax=0xffffffff,smin32=-32768,smax32=32767,var_off=(0x0; 0xffffffff))',
  'unknown: w7 = w6': 'R6=scalar(id=1) R7=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'unknown: r7 = r6': 'R6=scalar(id=1) R7=scalar(id=1)',
  'unknown: r6 s/= -1': 'R6=scalar()',
  'unknown: w6 s%= -1': 'R6=scalar()',
  'unknown: r6 /= r8': 'R6=scalar() R8=0',
  'unknown: w6 %= w8': 'R6=scalar() R8=0',
  'unknown: r6 -= r6': 'R6=scalar()',
  'unknown: r6 ^= r6': 'R6=scalar()',
  'unknown: r6 *= -1': 'R6=scalar()',
  'masked: r6 = -r6':
    'R6=scalar(smin=smin32=-4080,smax=smax32=0,umax=0xfffffffffffffff0,umax32=0xfffffff0,var_off=(0x0; 0xfffffffffffffff0))',
  'masked: w6 = -w6': 'R6=scalar(smin=0,smax=umax=umax32=0xfffffff0,smin32=-4080,smax32=0,var_off=(0x0; 0xfffffff0))',
  'masked: r6 = be16 r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=0xf00f,var_off=(0x0; 0xf00f))',
  'masked: r6 = be32 r6': 'R6=scalar(smin=0,smax=umax=umax32=0xf00f0000,smax32=0x700f0000,var_off=(0x0; 0xf00f0000))',
  'masked: r6 = be64 r6':
    'R6=scalar(smax=0x700f000000000000,umax=0xf00f000000000000,smin32=0,smax32=umax32=0,var_off=(0x0; 0xf00f000000000000))',
  'masked: r6 = le16 r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0))',
  'masked: r6 = le32 r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0))',
  'masked: r6 = le64 r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0))',
  'masked: r6 = bswap16 r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=0xf00f,var_off=(0x0; 0xf00f))',
  'masked: r6 = bswap32 r6':
    'R6=scalar(smin=0,smax=umax=umax32=0xf00f0000,smax32=0x700f0000,var_off=(0x0; 0xf00f0000))',
  'masked: r6 = bswap64 r6':
    'R6=scalar(smax=0x700f000000000000,umax=0xf00f000000000000,smin32=0,smax32=umax32=0,var_off=(0x0; 0xf00f000000000000))',
  'masked: r7 = (s8)r6':
    'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0)) R7=scalar(smin=smin32=-128,smax=smax32=127)',
  'masked: r7 = (s16)r6':
    'R6=scalar(id=2,smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0)) R7=scalar(id=2,smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xfff))',
  'masked: r7 = (s32)r6':
    'R6=scalar(id=2,smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0)) R7=scalar(id=2,smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xfff))',
  'masked: w7 = (s8)w6':
    'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0)) R7=scalar(smin=0,smax=umax=0xffffffff,smin32=-128,smax32=127,var_off=(0x0; 0xffffffff))',
  'masked: w7 = (s16)w6':
    'R6=scalar(id=2,smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0)) R7=scalar(id=2,smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xfff))',
  'masked: w7 = w6':
    'R6=scalar(id=2,smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0)) R7=scalar(id=2,smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0))',
  'masked: r7 = r6':
    'R6=scalar(id=2,smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0)) R7=scalar(id=2,smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0))',
  'masked: r6 s/= -1': 'R6=scalar()',
  'masked: w6 s%= -1': 'R6=scalar()',
  'masked: r6 /= r8': 'R6=scalar() R8=0',
  'masked: w6 %= w8': 'R6=scalar() R8=0',
  'masked: r6 -= r6':
    'R6=scalar(smin=smin32=-4080,smax=smax32=4080,umax=0xfffffffffffffff0,umax32=0xfffffff0,var_off=(0x0; 0xfffffffffffffff0))',
  'masked: r6 ^= r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0))',
  'masked: r6 *= -1':
    'R6=scalar(smin=smin32=-4080,smax=smax32=0,umax=0xfffffffffffffff0,umax32=0xfffffff0,var_off=(0x0; 0xfffffffffffffff0))',
  'negative: r6 = -r6': 'R6=scalar(smin=umin=smin32=umin32=1,smax=umax=smax32=umax32=256,var_off=(0x0; 0x1ff))',
  'negative: w6 = -w6': 'R6=scalar(smin=umin=smin32=umin32=1,smax=umax=smax32=umax32=256,var_off=(0x0; 0x1ff))',
  'negative: r6 = be16 r6':
    'R6=scalar(smin=umin=smin32=umin32=255,smax=umax=smax32=umax32=0xffff,var_off=(0xff; 0xff00))',
  'negative: r6 = be32 r6':
    'R6=scalar(smin=umin=umin32=0xffffff,smax=umax=0xffffffff,smin32=0x80ffffff,var_off=(0xffffff; 0xff000000))',
  'negative: r6 = be64 r6':
    'R6=scalar(smin=0x80ffffffffffffff,umin=0xffffffffffffff,smin32=-1,smax32=-1,umin32=0xffffffff,var_off=(0xffffffffffffff; 0xff00000000000000))',
  'negative: r6 = le16 r6':
    'R6=scalar(smin=umin=smin32=umin32=0xff00,smax=umax=smax32=umax32=0xffff,var_off=(0xff00; 0xff))',
  'negative: r6 = le32 r6':
    'R6=scalar(smin=umin=umin32=0xffffff00,smax=umax=0xffffffff,smin32=-256,smax32=-1,var_off=(0xffffff00; 0xff))',
  'negative: r6 = le64 r6':
    'R6=scalar(smin=smin32=-256,smax=smax32=-1,umin=0xffffffffffffff00,umin32=0xffffff00,var_off=(0xffffffffffffff00; 0xff))',
  'negative: r6 = bswap16 r6':
    'R6=scalar(smin=umin=smin32=umin32=255,smax=umax=smax32=umax32=0xffff,var_off=(0xff; 0xff00))',
  'negative: r6 = bswap32 r6':
    'R6=scalar(smin=umin=umin32=0xffffff,smax=umax=0xffffffff,smin32=0x80ffffff,var_off=(0xffffff; 0xff000000))',
  'negative: r6 = bswap64 r6':
    'R6=scalar(smin=0x80ffffffffffffff,umin=0xffffffffffffff,smin32=-1,smax32=-1,umin32=0xffffffff,var_off=(0xffffffffffffff; 0xff00000000000000))',
  'negative: r7 = (s8)r6':
    'R6=scalar(smin=smin32=-256,smax=smax32=-1,umin=0xffffffffffffff00,umin32=0xffffff00,var_off=(0xffffffffffffff00; 0xff)) R7=scalar(smin=smin32=-128,smax=smax32=127)',
  'negative: r7 = (s16)r6':
    'R6=scalar(smin=smin32=-256,smax=smax32=-1,umin=0xffffffffffffff00,umin32=0xffffff00,var_off=(0xffffffffffffff00; 0xff)) R7=scalar(smin=smin32=-256,smax=smax32=-1,umin=0xffffffffffffff00,umin32=0xffffff00,var_off=(0xffffffffffffff00; 0xff))',
  'negative: r7 = (s32)r6':
    'R6=scalar(smin=smin32=-256,smax=smax32=-1,umin=0xffffffffffffff00,umin32=0xffffff00,var_off=(0xffffffffffffff00; 0xff)) R7=scalar(smin=smin32=-256,smax=smax32=-1,umin=0xffffffffffffff00,umin32=0xffffff00,var_off=(0xffffffffffffff00; 0xff))',
  'negative: w7 = (s8)w6':
    'R6=scalar(smin=smin32=-256,smax=smax32=-1,umin=0xffffffffffffff00,umin32=0xffffff00,var_off=(0xffffffffffffff00; 0xff)) R7=scalar(smin=0,smax=umax=0xffffffff,smin32=-128,smax32=127,var_off=(0x0; 0xffffffff))',
  'negative: w7 = (s16)w6':
    'R6=scalar(smin=smin32=-256,smax=smax32=-1,umin=0xffffffffffffff00,umin32=0xffffff00,var_off=(0xffffffffffffff00; 0xff)) R7=scalar(smin=umin=umin32=0xffffff00,smax=umax=0xffffffff,smin32=-256,smax32=-1,var_off=(0xffffff00; 0xff))',
  'negative: w7 = w6':
    'R6=scalar(smin=smin32=-256,smax=smax32=-1,umin=0xffffffffffffff00,umin32=0xffffff00,var_off=(0xffffffffffffff00; 0xff)) R7=scalar(smin=umin=umin32=0xffffff00,smax=umax=0xffffffff,smin32=-256,smax32=-1,var_off=(0xffffff00; 0xff))',
  'negative: r7 = r6':
    'R6=scalar(id=2,smin=smin32=-256,smax=smax32=-1,umin=0xffffffffffffff00,umin32=0xffffff00,var_off=(0xffffffffffffff00; 0xff)) R7=scalar(id=2,smin=smin32=-256,smax=smax32=-1,umin=0xffffffffffffff00,umin32=0xffffff00,var_off=(0xffffffffffffff00; 0xff))',
  'negative: r6 s/= -1': 'R6=scalar()',
  'negative: w6 s%= -1': 'R6=scalar()',
  'negative: r6 /= r8': 'R6=scalar() R8=0',
  'negative: w6 %= w8': 'R6=scalar() R8=0',
  'negative: r6 -= r6': 'R6=scalar(smin=smin32=-255,smax=smax32=255)',
  'negative: r6 ^= r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))',
  'negative: r6 *= -1': 'R6=scalar(smin=umin=smin32=umin32=1,smax=umax=smax32=umax32=256,var_off=(0x0; 0x1ff))',
  'small: r6 = -r6': 'R6=scalar(smin=smin32=-4,smax=smax32=3)',
  'small: w6 = -w6': 'R6=scalar(smin=0,smax=umax=0xffffffff,smin32=-4,smax32=3,var_off=(0x0; 0xffffffff))',
  'small: r6 = be16 r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=0xffff,var_off=(0x0; 0xffff))',
  'small: r6 = be32 r6': 'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'small: r6 = be64 r6': 'R6=scalar()',
  'small: r6 = le16 r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=0xffff,var_off=(0x0; 0xffff))',
  'small: r6 = le32 r6': 'R6=scalar(smin=0,smax=umax=0xffffffff,smin32=-3,smax32=4,var_off=(0x0; 0xffffffff))',
  'small: r6 = le64 r6': 'R6=scalar(smin=smin32=-3,smax=smax32=4)',
  'small: r6 = bswap16 r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=0xffff,var_off=(0x0; 0xffff))',
  'small: r6 = bswap32 r6': 'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'small: r6 = bswap64 r6': 'R6=scalar()',
  'small: r7 = (s8)r6': 'R6=scalar(smin=smin32=-3,smax=smax32=4) R7=scalar(smin=smin32=-3,smax=smax32=4)',
  'small: r7 = (s16)r6': 'R6=scalar(smin=smin32=-3,smax=smax32=4) R7=scalar(smin=smin32=-3,smax=smax32=4)',
  'small: r7 = (s32)r6': 'R6=scalar(smin=smin32=-3,smax=smax32=4) R7=scalar(smin=smin32=-3,smax=smax32=4)',
  'small: w7 = (s8)w6':
    'R6=scalar(smin=smin32=-3,smax=smax32=4) R7=scalar(smin=0,smax=umax=0xffffffff,smin32=-128,smax32=127,var_off=(0x0; 0xffffffff))',
  'small: w7 = (s16)w6':
    'R6=scalar(smin=smin32=-3,smax=smax32=4) R7=scalar(smin=0,smax=umax=0xffffffff,smin32=-32768,smax32=32767,var_off=(0x0; 0xffffffff))',
  'small: w7 = w6':
    'R6=scalar(smin=smin32=-3,smax=smax32=4) R7=scalar(smin=0,smax=umax=0xffffffff,smin32=-3,smax32=4,var_off=(0x0; 0xffffffff))',
  'small: r7 = r6': 'R6=scalar(id=2,smin=smin32=-3,smax=smax32=4) R7=scalar(id=2,smin=smin32=-3,smax=smax32=4)',
  'small: r6 s/= -1': 'R6=scalar()',
  'small: w6 s%= -1': 'R6=scalar()',
  'small: r6 /= r8': 'R6=scalar() R8=0',
  'small: w6 %= w8': 'R6=scalar() R8=0',
  'small: r6 -= r6': 'R6=scalar(smin=smin32=-7,smax=smax32=7)',
  'small: r6 ^= r6': 'R6=scalar()',
  'small: r6 *= -1': 'R6=scalar(smin=smin32=-4,smax=smax32=3)',
  'range: r6 = -r6': 'R6=scalar(smin=0xffffffffff800001,smax=smax32=0x800000,smin32=0xff800001)',
  'range: w6 = -w6':
    'R6=scalar(smin=0,smax=umax=0xffffffff,smin32=0xff800001,smax32=0x800000,var_off=(0x0; 0xffffffff))',
  'range: r6 = be16 r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=0xffff,var_off=(0x0; 0xffff))',
  'range: r6 = be32 r6': 'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'range: r6 = be64 r6': 'R6=scalar()',
  'range: r6 = le16 r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=0xffff,var_off=(0x0; 0xffff))',
  'range: r6 = le32 r6':
    'R6=scalar(smin=0,smax=umax=0xffffffff,smin32=0xff800000,smax32=0x7fffff,var_off=(0x0; 0xffffffff))',
  'range: r6 = le64 r6': 'R6=scalar(smin=0xffffffffff800000,smax=smax32=0x7fffff,smin32=0xff800000)',
  'range: r6 = bswap16 r6': 'R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=0xffff,var_off=(0x0; 0xffff))',
  'range: r6 = bswap32 r6': 'R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'range: r6 = bswap64 r6': 'R6=scalar()',
  'range: r7 = (s8)r6':
    'R6=scalar(smin=0xffffffffff800000,smax=smax32=0x7fffff,smin32=0xff800000) R7=scalar(smin=smin32=-128,smax=smax32=127)',
  'range: r7 = (s16)r6':
    'R6=scalar(smin=0xffffffffff800000,smax=smax32=0x7fffff,smin32=0xff800000) R7=scalar(smin=smin32=-32768,smax=smax32=32767)',
  'range: r7 = (s32)r6':
    'R6=scalar(smin=0xffffffffff800000,smax=smax32=0x7fffff,smin32=0xff800000) R7=scalar(smin=0xffffffffff800000,smax=smax32=0x7fffff,smin32=0xff800000)',
  'range: w7 = (s8)w6':
    'R6=scalar(smin=0xffffffffff800000,smax=smax32=0x7fffff,smin32=0xff800000) R7=scalar(smin=0,smax=umax=0xffffffff,smin32=-128,smax32=127,var_off=(0x0; 0xffffffff))',
  'range: w7 = (s16)w6':
    'R6=scalar(smin=0xffffffffff800000,smax=smax32=0x7fffff,smin32=0xff800000) R7=scalar(smin=0,smax=umax=0xffffffff,smin32=-32768,smax32=32767,var_off=(0x0; 0xffffffff))',
  'range: w7 = w6':
    'R6=scalar(smin=0xffffffffff800000,smax=smax32=0x7fffff,smin32=0xff800000) R7=scalar(smin=0,smax=umax=0xffffffff,smin32=0xff800000,smax32=0x7fffff,var_off=(0x0; 0xffffffff))',
  'range: r7 = r6':
    'R6=scalar(id=2,smin=0xffffffffff800000,smax=smax32=0x7fffff,smin32=0xff800000) R7=scalar(id=2,smin=0xffffffffff800000,smax=smax32=0x7fffff,smin32=0xff800000)',
  'range: r6 s/= -1': 'R6=scalar()',
  'range: w6 s%= -1': 'R6=scalar()',
  'range: r6 /= r8': 'R6=scalar() R8=0',
  'range: w6 %= w8': 'R6=scalar() R8=0',
  'range: r6 -= r6': 'R6=scalar(smin=0xffffffffff000001,smax=smax32=0xffffff,smin32=0xff000001)',
  'range: r6 ^= r6': 'R6=scalar()',
  'range: r6 *= -1': 'R6=scalar(smin=0xffffffffff800001,smax=smax32=0x800000,smin32=0xff800001)',
  'const: r6 = -r6': 'R6=-4660',
  'const: w6 = -w6': 'R6=0xffffedcc',
  'const: r6 = be16 r6': 'R6=13330',
  'const: r6 = be32 r6': 'R6=0x34120000',
  'const: r6 = be64 r6': 'R6=0x3412000000000000',
  'const: r6 = le16 r6': 'R6=4660',
  'const: r6 = le32 r6': 'R6=4660',
  'const: r6 = le64 r6': 'R6=4660',
  'const: r6 = bswap16 r6': 'R6=13330',
  'const: r6 = bswap32 r6': 'R6=0x34120000',
  'const: r6 = bswap64 r6': 'R6=0x3412000000000000',
  'const: r7 = (s8)r6': 'R6=4660 R7=52',
  'const: r7 = (s16)r6': 'R6=4660 R7=4660',
  'const: r7 = (s32)r6': 'R6=4660 R7=4660',
  'const: w7 = (s8)w6': 'R6=4660 R7=52',
  'const: w7 = (s16)w6': 'R6=4660 R7=4660',
  'const: w7 = w6': 'R6=4660 R7=4660',
  'const: r7 = r6': 'R6=4660 R7=4660',
  'const: r6 s/= -1': 'R6=scalar()',
  'const: w6 s%= -1': 'R6=scalar()',
  'const: r6 /= r8': 'R6=scalar() R8=0',
  'const: w6 %= w8': 'R6=scalar() R8=0',
  'const: r6 -= r6': 'R6=0',
  'const: r6 ^= r6': 'R6=0',
  'const: r6 *= -1': 'R6=-4660',
  'fp: r6 = -r6': 'R6=scalar()',
  'fp: w6 = -w6': 'R6=scalar()',
  'fp: r6 = be16 r6': 'R6=scalar()',
  'fp: r6 = be32 r6': 'R6=scalar()',
  'fp: r6 = be64 r6': 'R6=scalar()',
  'fp: r6 = le16 r6': 'R6=scalar()',
  'fp: r6 = le32 r6': 'R6=scalar()',
  'fp: r6 = le64 r6': 'R6=scalar()',
  'fp: r6 = bswap16 r6': 'R6=scalar()',
  'fp: r6 = bswap32 r6': 'R6=scalar()',
  'fp: r6 = bswap64 r6': 'R6=scalar()',
  'fp: r7 = (s8)r6': 'R6=fp-8 R7=scalar()',
  'fp: r7 = (s16)r6': 'R6=fp-8 R7=scalar()',
  'fp: r7 = (s32)r6': 'R6=fp-8 R7=scalar()',
  'fp: w7 = (s8)w6': 'R6=fp-8 R7=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'fp: w7 = (s16)w6': 'R6=fp-8 R7=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'fp: w7 = w6': 'R6=fp-8 R7=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'fp: r7 = r6': 'R6=fp-8 R7=fp-8',
  'fp: r6 s/= -1': 'EACCES R6 pointer arithmetic with /= operator prohibited',
  'fp: w6 s%= -1': 'EACCES R6 32-bit pointer arithmetic prohibited',
  'fp: r6 /= r8': 'EACCES R6 pointer arithmetic with /= operator prohibited',
  'fp: w6 %= w8': 'EACCES R6 32-bit pointer arithmetic prohibited',
  'fp: r6 -= r6': 'R6=scalar()',
  'fp: r6 ^= r6': 'EACCES R6 pointer ^= pointer prohibited',
  'fp: r6 *= -1': 'EACCES R6 pointer arithmetic with *= operator prohibited',
  'ctx: r6 = -r6': 'R6=scalar()',
  'ctx: w6 = -w6': 'R6=scalar()',
  'ctx: r6 = be16 r6': 'R6=scalar()',
  'ctx: r6 = be32 r6': 'R6=scalar()',
  'ctx: r6 = be64 r6': 'R6=scalar()',
  'ctx: r6 = le16 r6': 'R6=scalar()',
  'ctx: r6 = le32 r6': 'R6=scalar()',
  'ctx: r6 = le64 r6': 'R6=scalar()',
  'ctx: r6 = bswap16 r6': 'R6=scalar()',
  'ctx: r6 = bswap32 r6': 'R6=scalar()',
  'ctx: r6 = bswap64 r6': 'R6=scalar()',
  'ctx: r7 = (s8)r6': 'R6=ctx() R7=scalar()',
  'ctx: r7 = (s16)r6': 'R6=ctx() R7=scalar()',
  'ctx: r7 = (s32)r6': 'R6=ctx() R7=scalar()',
  'ctx: w7 = (s8)w6': 'R6=ctx() R7=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'ctx: w7 = (s16)w6': 'R6=ctx() R7=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'ctx: w7 = w6': 'R6=ctx() R7=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  'ctx: r7 = r6': 'R6=ctx() R7=ctx()',
  'ctx: r6 s/= -1': 'EACCES R6 pointer arithmetic with /= operator prohibited',
  'ctx: w6 s%= -1': 'EACCES R6 32-bit pointer arithmetic prohibited',
  'ctx: r6 /= r8': 'EACCES R6 pointer arithmetic with /= operator prohibited',
  'ctx: w6 %= w8': 'EACCES R6 32-bit pointer arithmetic prohibited',
  'ctx: r6 -= r6': 'R6=scalar()',
  'ctx: r6 ^= r6': 'EACCES R6 pointer ^= pointer prohibited',
  'ctx: r6 *= -1': 'EACCES R6 pointer arithmetic with *= operator prohibited',
  // below
  'map_value -8 then load +8': 'ok',
  'map_value -8 then store +8': 'ok',
  'map_value -8 then load +0': 'EACCES invalid access to map value, value_size=16 off=-8 size=8',
  'map_value -8 then store +0': 'EACCES invalid access to map value, value_size=16 off=-8 size=8',
  'map_value -16 then load +16': 'ok',
  'map_value -16 then store +16': 'ok',
  'map_value -1 then load +1': 'ok',
  'map_value -1 then store +1': 'ok',
  'map_value 8 then load -8': 'ok',
  'map_value 8 then store -8': 'ok',
  'map_value 20 then load -8': 'EACCES invalid access to map value, value_size=16 off=12 size=8',
  'map_value 20 then store -8': 'EACCES invalid access to map value, value_size=16 off=12 size=8',
  'map_value -8 then load +20': 'EACCES invalid access to map value, value_size=16 off=12 size=8',
  'map_value -8 then store +20': 'EACCES invalid access to map value, value_size=16 off=12 size=8',
  'map_value -24 then load +24': 'ok',
  'map_value -24 then store +24': 'ok',
  'map_value variable (r0 = -r0) then load +8':
    'EACCES R1 unbounded memory access, make sure to bounds check any such access',
  'map_value variable (r0 -= 8) then load +8':
    'EACCES R1 unbounded memory access, make sure to bounds check any such access',
  'map_value variable (r0 -= 8) then load +16':
    'EACCES R1 unbounded memory access, make sure to bounds check any such access',
  'map_value variable (r0 -= 7) then load +7':
    'EACCES R1 unbounded memory access, make sure to bounds check any such access',
  'fp -520 then store +8': 'ok',
  'fp -520 then store +16': 'ok',
  'fp 8 then store -16': 'ok',
  'fp -600 then store +100': 'EACCES misaligned stack access off 0+-600+100 size 8',
  'ctx -8 then load +8': 'EACCES negative offset ctx ptr R1 off=-8 disallowed',
  'ctx 8 then load -8': 'EACCES dereference of modified ctx ptr R1 off=8 disallowed',
  // kfunc
  'bpf_iter_num_new arg1 uninit': 'EACCES variable ? access var_off=(0x0; 0xffffffffffffffff) disallowed',
  'bpf_iter_num_new arg2 uninit': 'EINVAL R2 is not a scalar',
  'bpf_iter_num_new arg3 uninit': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_next arg1 uninit': 'EACCES variable ? access var_off=(0x0; 0xffffffffffffffff) disallowed',
  'bpf_iter_num_destroy arg1 uninit': 'EACCES variable ? access var_off=(0x0; 0xffffffffffffffff) disallowed',
  'bpf_iter_bits_new arg1 uninit': 'EACCES variable ? access var_off=(0x0; 0xffffffffffffffff) disallowed',
  'bpf_iter_bits_new arg3 uninit': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_new arg1 zero': 'EACCES Possibly NULL pointer passed to trusted arg0',
  'bpf_iter_num_new arg2 zero': 'ok',
  'bpf_iter_num_new arg3 zero': 'ok',
  'bpf_iter_num_next arg1 zero': 'EACCES Possibly NULL pointer passed to trusted arg0',
  'bpf_iter_num_destroy arg1 zero': 'EACCES Possibly NULL pointer passed to trusted arg0',
  'bpf_iter_bits_new arg1 zero': 'EACCES Possibly NULL pointer passed to trusted arg0',
  'bpf_iter_bits_new arg3 zero': 'ok',
  'bpf_iter_num_new arg1 const5': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_num_new arg2 const5': 'ok',
  'bpf_iter_num_new arg3 const5': 'ok',
  'bpf_iter_num_next arg1 const5': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_num_destroy arg1 const5': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_bits_new arg1 const5': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_bits_new arg3 const5': 'ok',
  'bpf_iter_num_new arg1 unknown': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_num_new arg2 unknown': 'ok',
  'bpf_iter_num_new arg3 unknown': 'ok',
  'bpf_iter_num_next arg1 unknown': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_num_destroy arg1 unknown': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_bits_new arg1 unknown': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_bits_new arg3 unknown': 'ok',
  'bpf_iter_num_new arg1 ctx': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_num_new arg2 ctx': 'EINVAL R2 is not a scalar',
  'bpf_iter_num_new arg3 ctx': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_next arg1 ctx': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_num_destroy arg1 ctx': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_bits_new arg1 ctx': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_bits_new arg3 ctx': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_new arg1 ctx8': 'EACCES dereference of modified ctx ptr R1 off=8 disallowed',
  'bpf_iter_num_new arg2 ctx8': 'EINVAL R2 is not a scalar',
  'bpf_iter_num_new arg3 ctx8': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_next arg1 ctx8': 'EACCES dereference of modified ctx ptr R1 off=8 disallowed',
  'bpf_iter_num_destroy arg1 ctx8': 'EACCES dereference of modified ctx ptr R1 off=8 disallowed',
  'bpf_iter_bits_new arg1 ctx8': 'EACCES dereference of modified ctx ptr R1 off=8 disallowed',
  'bpf_iter_bits_new arg3 ctx8': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_new arg1 fp8': 'EINVAL expected an initialized iter_num as arg #0',
  'bpf_iter_num_new arg2 fp8': 'EINVAL R2 is not a scalar',
  'bpf_iter_num_new arg3 fp8': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_next arg1 fp8': 'EINVAL expected an initialized iter_num as arg #0',
  'bpf_iter_num_destroy arg1 fp8': 'EINVAL expected an initialized iter_num as arg #0',
  'bpf_iter_bits_new arg1 fp8': 'EINVAL cannot pass in iter at an offset=-8',
  'bpf_iter_bits_new arg3 fp8': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_new arg1 fp4': 'EINVAL cannot pass in iter at an offset=-4',
  'bpf_iter_num_new arg2 fp4': 'EINVAL R2 is not a scalar',
  'bpf_iter_num_new arg3 fp4': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_next arg1 fp4': 'EINVAL cannot pass in iter at an offset=-4',
  'bpf_iter_num_destroy arg1 fp4': 'EINVAL cannot pass in iter at an offset=-4',
  'bpf_iter_bits_new arg1 fp4': 'EINVAL cannot pass in iter at an offset=-4',
  'bpf_iter_bits_new arg3 fp4': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_new arg1 fp0': 'EINVAL cannot pass in iter at an offset=0',
  'bpf_iter_num_new arg2 fp0': 'EINVAL R2 is not a scalar',
  'bpf_iter_num_new arg3 fp0': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_next arg1 fp0': 'EINVAL cannot pass in iter at an offset=0',
  'bpf_iter_num_destroy arg1 fp0': 'EINVAL cannot pass in iter at an offset=0',
  'bpf_iter_bits_new arg1 fp0': 'EINVAL cannot pass in iter at an offset=0',
  'bpf_iter_bits_new arg3 fp0': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_new arg1 fpvar': 'EINVAL iter has to be at a constant offset',
  'bpf_iter_num_new arg2 fpvar': 'EINVAL R2 is not a scalar',
  'bpf_iter_num_new arg3 fpvar': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_next arg1 fpvar': 'EINVAL iter has to be at a constant offset',
  'bpf_iter_num_destroy arg1 fpvar': 'EINVAL iter has to be at a constant offset',
  'bpf_iter_bits_new arg1 fpvar': 'EINVAL iter has to be at a constant offset',
  'bpf_iter_bits_new arg3 fpvar': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_new arg1 mapptr': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_num_new arg2 mapptr': 'EINVAL R2 is not a scalar',
  'bpf_iter_num_new arg3 mapptr': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_next arg1 mapptr': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_num_destroy arg1 mapptr': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_bits_new arg1 mapptr': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_bits_new arg3 mapptr': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_new arg1 mapval': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_num_new arg2 mapval': 'EINVAL R2 is not a scalar',
  'bpf_iter_num_new arg3 mapval': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_next arg1 mapval': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_num_destroy arg1 mapval': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_bits_new arg1 mapval': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_bits_new arg3 mapval': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_new arg1 mapvalnull': 'EACCES Possibly NULL pointer passed to trusted arg0',
  'bpf_iter_num_new arg2 mapvalnull': 'EINVAL R2 is not a scalar',
  'bpf_iter_num_new arg3 mapvalnull': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_next arg1 mapvalnull': 'EACCES Possibly NULL pointer passed to trusted arg0',
  'bpf_iter_num_destroy arg1 mapvalnull': 'EACCES Possibly NULL pointer passed to trusted arg0',
  'bpf_iter_bits_new arg1 mapvalnull': 'EACCES Possibly NULL pointer passed to trusted arg0',
  'bpf_iter_bits_new arg3 mapvalnull': 'EINVAL R3 is not a scalar',
  'bpf_iter_num_new ctx iterator and unset r2': 'EINVAL arg#0 expected pointer to an iterator on stack',
  'bpf_iter_num_new unset r2 and r3': 'EINVAL R2 is not a scalar',
  // encoding
  'mov64 K dst=10': 'EACCES frame pointer is read only',
  'mov32 K dst=10': 'EACCES frame pointer is read only',
  'add64 K dst=10': 'EACCES frame pointer is read only',
  'add64 X dst=10': 'EACCES frame pointer is read only',
  'neg64 dst=10': 'EACCES frame pointer is read only',
  'ldxdw dst=10': 'EACCES frame pointer is read only',
  'stdw dst=10': 'ok',
  'stxdw dst=10': 'ok',
  'jeq K dst=10': 'ok',
  'ldimm64 dst=10': 'EACCES frame pointer is read only',
  'mov64 K dst=11': 'EINVAL R11 is invalid',
  'mov32 K dst=11': 'EINVAL R11 is invalid',
  'add64 K dst=11': 'EINVAL R11 is invalid',
  'add64 X dst=11': 'EINVAL R11 is invalid',
  'neg64 dst=11': 'EINVAL R11 is invalid',
  'ldxdw dst=11': 'EINVAL R11 is invalid',
  'stdw dst=11': 'EINVAL R11 is invalid',
  'stxdw dst=11': 'EINVAL R11 is invalid',
  'jeq K dst=11': 'EINVAL R11 is invalid',
  'ldimm64 dst=11': 'EINVAL R11 is invalid',
  'mov64 K dst=15': 'EINVAL R15 is invalid',
  'mov32 K dst=15': 'EINVAL R15 is invalid',
  'add64 K dst=15': 'EINVAL R15 is invalid',
  'add64 X dst=15': 'EINVAL R15 is invalid',
  'neg64 dst=15': 'EINVAL R15 is invalid',
  'ldxdw dst=15': 'EINVAL R15 is invalid',
  'stdw dst=15': 'EINVAL R15 is invalid',
  'stxdw dst=15': 'EINVAL R15 is invalid',
  'jeq K dst=15': 'EINVAL R15 is invalid',
  'ldimm64 dst=15': 'EINVAL R15 is invalid',
  'mov64 X src=11': 'EINVAL R11 is invalid',
  'add64 X src=11': 'EINVAL R11 is invalid',
  'ldxdw src=11': 'EINVAL R11 is invalid',
  'stxdw src=11': 'EINVAL R11 is invalid',
  'jeq X src=11': 'EINVAL R11 is invalid',
  'mov64 X src=15': 'EINVAL R15 is invalid',
  'add64 X src=15': 'EINVAL R15 is invalid',
  'ldxdw src=15': 'EINVAL R15 is invalid',
  'stxdw src=15': 'EINVAL R15 is invalid',
  'jeq X src=15': 'EINVAL R15 is invalid',
  'add64 K src=1': 'EINVAL BPF_ALU uses reserved fields',
  'add64 K off=1': 'EINVAL BPF_ALU uses reserved fields',
  'sdiv64 K off=1': 'ok',
  'add64 X imm=1': 'EINVAL BPF_ALU uses reserved fields',
  'mov64 K off=1': 'EINVAL BPF_MOV uses reserved fields',
  'mov64 X off=3': 'EINVAL BPF_MOV uses reserved fields',
  'mov32 X off=32': 'EINVAL BPF_MOV uses reserved fields',
  'neg64 imm=1': 'EINVAL BPF_NEG uses reserved fields',
  'neg64 X': 'EINVAL unknown opcode 8f',
  'end imm=8': 'EINVAL BPF_END uses reserved fields',
  'bswap64 X': 'EINVAL unknown opcode df',
  'ldxdw imm=1': 'EINVAL BPF_LDX uses reserved fields',
  'ldx mode imm': 'EINVAL BPF_LDX uses reserved fields',
  'ldx memsx dw': 'EINVAL unknown opcode 99',
  'stdw src=1': 'EINVAL BPF_ST uses reserved fields',
  'stxdw imm=1': 'EINVAL BPF_STX uses reserved fields',
  'jeq K src=1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'jeq X imm=1': 'EINVAL BPF_JMP/JMP32 uses reserved fields',
  'ja imm=1': 'EINVAL BPF_JA uses reserved fields',
  'call dst=1': 'EINVAL BPF_CALL uses reserved fields',
  'exit src=1': 'EINVAL unreachable insn 2',
  'opcode 0xff': 'EINVAL unknown opcode ff',
  'jmp32 call': 'EINVAL unknown opcode 86',
  'ld abs': 'EINVAL BPF_LD_[ABS|IND] instructions not allowed for this program type',
  'may_goto imm=1': 'EINVAL invalid may_goto imm 1',
  'may_goto src=1': 'EINVAL invalid may_goto imm 0',
  'ldimm64 off=1': 'EINVAL BPF_LD_IMM64 uses reserved fields',
  'ldimm64 src=7': 'EINVAL unrecognized bpf_ld_imm64 insn',
  'ja out of range': 'EINVAL jump out of range from insn 1 to 7',
  'ja back out of range': 'EINVAL jump out of range from insn 1 to -3',
  'call pc out of range': 'EINVAL call to invalid destination',
  'unknown opcode then jump out': 'EINVAL jump out of range from insn 2 to 12',
  'kfunc btf_id 1': 'EINVAL kernel btf_id 1 is not a function',
  'kfunc btf_id 1 then jump out': 'EINVAL kernel btf_id 1 is not a function',
  'helper 9999': 'EINVAL invalid func unknown#9999',
  'call src=3': 'EINVAL BPF_CALL uses reserved fields',
  'ja into an ldimm64': 'EINVAL unreachable insn 2',
  'ldimm64 last': 'EINVAL last insn is not an exit or jmp',
  'jump into the next subprogram': 'EINVAL jump out of range from insn 3 to 1',
  'last insn not an exit': 'EINVAL last insn is not an exit or jmp',
  // small
  'fp == 0': 'ok',
  'ctx == 0': 'ok',
  'map_ptr == 0': 'ok',
  'array lookup, key 0 zeroed': 'ok',
  'array lookup, key 0 spilled': 'ok',
  'array lookup, key past max_entries': "EACCES R0 invalid mem access 'map_value_or_null'",
  'array lookup, unknown key': "EACCES R0 invalid mem access 'map_value_or_null'",
  'r6 s>>= 40 (32-bit bounds from the 64-bit ones)':
    'R1=40 R6=scalar(smin=0xffffffffff800000,smax=smax32=0x7fffff,smin32=0xff800000)',
  'tnum_mul of two ranges':
    'R8=scalar(smin=smin32=-16,smax=smax32=-1,umin=0xfffffffffffffff0,umin32=0xfffffff0,var_off=(0xfffffffffffffff0; 0xf)) R9=scalar(smin=umin=0xfffffffff4,smax=umax=0xfffffffff40,smin32=-192,smax32=-12,umin32=0xffffff40,umax32=0xfffffff4,var_off=(0xffffffff00; 0xf00000000fc))',
};

const CLASSES: [string, ClassVariant[]][] = [
  ['BPF_K shifts (LSH/RSH/ARSH x ALU/ALU64 x -1, 0, 31, 32, 63, 64, INT32_MIN, INT32_MAX)', shiftVariants()],
  [
    'ALU32 results: every op x immediate, constant register (in and out of shift range), unknown register',
    alu32Variants(),
  ],
  ['NEG, byte swaps, sign-extending moves and self-operations on scalars and pointers', unaryVariants()],
  ['pointers moved below their region by the register and back by the offset', belowRegionVariants()],
  ["kfunc arguments checked in the kernel's order (uninit, NULL, scalar, ctx, stack, map, ...)", kfuncArgVariants()],
  ['instruction encodings: registers, reserved fields, opcodes, jump and call targets', encodingVariants()],
  ['pointer compares with 0, constant-key array lookups, 32-bit bounds and tnum_mul', smallVariants()],
  ['pointer offsets past BPF_MAX_VAR_OFF: the scalar, the pointer and the result', ptrOffsetVariants()],
];

describe("the verifier classes outside checks found, with the kernel's answers recorded", () => {
  it('has a recorded answer for every variant', () => {
    expect(
      recordedAnswerGaps(
        CLASSES.flatMap(([, vs]) => vs),
        KERNEL,
      ),
    ).toEqual([]);
  });

  for (const [title, vs] of CLASSES) {
    it(`answers as Linux 6.18 does: ${title}`, () => {
      expect(modelDisagreements(vs, KERNEL, modelAnswer)).toEqual([]);
    });
  }

  it('rejects every out-of-range BPF_K shift with EINVAL "invalid shift N" and accepts the rest', () => {
    for (const v of shiftVariants()) {
      const imm = (v.prog as readonly { imm: number }[])[1]!.imm;
      const width = /^[a-z]+(32|64) /.exec(v.name)![1] === '32' ? 32 : 64;
      expect(modelAnswer(v), v.name).toBe(imm >= 0 && imm < width ? 'ok' : `EINVAL invalid shift ${imm}`);
    }
  });

  it("prints the kernel's log around a rejection made before the walk: the message and the closing line only", () => {
    const insns = [
      { code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
      { code: 0x05, dst_reg: 0, src_reg: 0, off: 5, imm: 0 },
      { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
    ];
    const r = createBpf().verify({ insns, prog_type: 'raw_tp' });
    expect(r.log).toBe(
      'jump out of range from insn 1 to 7\nprocessed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n',
    );
    expect(createBpf().verify({ insns, prog_type: 'raw_tp', log_level: 0 }).log).toBe('');
    // A load without the verifier still names the instruction.
    expect(() => createBpf().prog_load({ insns, verify: false })).toThrow(/jump out of range from insn 1 to 7/);
  });

  it('refuses instruction records whose fields do not fit struct bpf_insn, naming the instruction and the field', () => {
    const ok = { code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 };
    const exit = { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 };
    const cases: [Record<string, unknown>, string][] = [
      [{ code: 0x1b7 }, 'insn 1: code 439 does not fit u8 (0..255)'],
      [{ code: -1 }, 'insn 1: code -1 does not fit u8 (0..255)'],
      [{ dst_reg: 16 }, 'insn 1: dst_reg 16 does not fit u4 (0..15)'],
      [{ src_reg: -1 }, 'insn 1: src_reg -1 does not fit u4 (0..15)'],
      [{ off: 32768 }, 'insn 1: off 32768 does not fit s16 (-32768..32767)'],
      [{ off: -32769 }, 'insn 1: off -32769 does not fit s16 (-32768..32767)'],
      [{ imm: 0x80000000 }, 'insn 1: imm 2147483648 does not fit s32 (-2147483648..2147483647)'],
      [{ imm: 0xffffffff }, 'insn 1: imm 4294967295 does not fit s32 (-2147483648..2147483647)'],
      [{ imm: 1.5 }, 'insn 1: imm 1.5 does not fit s32 (-2147483648..2147483647)'],
      [{ imm: '5' }, 'insn 1: imm "5" does not fit s32 (-2147483648..2147483647)'],
      [{ imm: undefined }, 'insn 1: imm undefined does not fit s32 (-2147483648..2147483647)'],
    ];
    for (const [patch, msg] of cases) {
      const insns = [ok, { ...ok, ...patch }, exit] as never;
      for (const verify of [true, false]) {
        let err: unknown;
        try {
          createBpf().prog_load({ insns, verify });
        } catch (e) {
          err = e;
        }
        expect(err, msg).toBeInstanceOf(KernelError);
        expect(err, msg).toMatchObject({ errno: 'EINVAL', message: msg, detail: { insn: 1 } });
      }
      expect(createBpf().verify({ insns }).errors[0]).toMatchObject({ errno: 'EINVAL', message: msg, insn: 1 });
    }
    // The extremes fit.
    const edge = [
      { ...ok, imm: -0x80000000 },
      { ...ok, dst_reg: 9, off: -32768 },
      { ...ok, imm: 0x7fffffff, off: 32767 },
      exit,
    ];
    expect(createBpf().verify({ insns: edge }).errors[0]?.message ?? 'ok').toBe('BPF_MOV uses reserved fields');
  });

  it("assembles the offsets the kernel's printer writes and the signed ones LLVM writes", () => {
    const bpf = createBpf();
    for (const [src, off] of [
      ['(r10 -8)', -8],
      ['(r10 - 8)', -8],
      ['(r10 + -8)', -8],
      ['(r10 +8)', 8],
      ['(r10 + 8)', 8],
      ['(r10)', 0],
    ] as const) {
      expect(bpf.assemble(`r0 = *(u64 *)${src}\nexit`).insns[0]!.off, src).toBe(off);
      expect(bpf.assemble(`*(u64 *)${src} = r1\nexit`).insns[0]!.off, src).toBe(off);
    }
    expect(bpf.assemble('lock *(u64 *)(r10 + -8) += r1\nexit').insns[0]!.off).toBe(-8);
    expect(() => bpf.assemble('r0 = *(u64 *)(r10 + -40000)\nexit')).toThrow(/offset -40000 out of 16-bit range/);
  });
});

const oracle = kernelOracle();
const avail = oracle.available();
if (!avail.ok) console.log(`alu-classes: kernel comparison skipped: ${avail.why}`);

describe.skipIf(!avail.ok)('the verifier classes against the running kernel (BPF_PROG_LOAD)', () => {
  for (const [title, vs] of CLASSES) {
    it(`gives the kernel's verdict, errno and first error line (or register state): ${title}`, () => {
      const res = oracle.batch(
        vs.map((v) => ({
          prog: v.prog as string,
          opts: {
            prog_type: 'raw_tracepoint',
            log_level: v.stateOf === undefined ? 1 : 2,
            maps: { 1: { ...ARRAY_MAP } },
          },
        })),
      );
      vs.forEach((v, i) => {
        const k = res[i]!.verdict;
        // A form the oracle's allow-list keeps from the kernel (policy.ts): the recorded answer is checked offline.
        if (k.refused !== undefined) return;
        expect(modelAnswer(v), v.name).toBe(
          answerOf(v, { ok: k.ok, errno: k.errno_name, first: k.first_error, log: k.log }),
        );
      });
    });
  }
});
