/**
 * Load-acquire / store-release (BPF_ATOMIC imm BPF_LOAD_ACQ 0x100, BPF_STORE_REL 0x110, since 6.15): the verifier's
 * check_atomic_load() / check_atomic_store(), the disassembly (kernel/bpf/disasm.c), the interpreter and the JIT,
 * against Linux 6.18's recorded answers and, where it can be asked, the running kernel.
 */
import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../../oracle/test-util';
import { printBpfInsn } from '../disasm';
import { createBpf } from '../index';
import { decodeInsns } from '../isa';
import { BPF_F } from '../prog_flags';
import { acqRelCases, acqRelRegCases } from './acq-rel.fixtures';

/** Linux 6.18 (x86-64, syscall program, 16-byte zeroed ctx): `ok <u32 r0 of BPF_PROG_TEST_RUN>` or `<errno> <first line>`. */
const KERNEL: Record<string, string> = {
  'load_acquire size=1 base=fp off=-16': 'ok 0xfb',
  'load_acquire size=1 base=fp off=-8': 'ok 0x67',
  'load_acquire size=1 base=fp off=-7': 'ok 0x45',
  'load_acquire size=1 base=fp off=-4': 'ok 0x0',
  'load_acquire size=1 base=fp off=0': 'EACCES invalid read from stack R3 off=0 size=1',
  'load_acquire size=1 base=fp off=1': 'EACCES invalid read from stack R3 off=1 size=1',
  'load_acquire size=1 base=fp off=4': 'EACCES invalid read from stack R3 off=4 size=1',
  'load_acquire size=1 base=ctx off=0': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=1 base=ctx off=1': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=1 base=ctx off=4': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=1 base=ctx off=7': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=1 base=ctx off=8': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=1 base=ctx off=16': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=1 base=scalar off=0': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=1 base=scalar off=1': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=1 base=scalar off=4': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=1 base=scalar off=7': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=1 base=scalar off=8': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=1 base=scalar off=16': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=1 base=unset off=0': 'EACCES R5 !read_ok',
  'load_acquire size=1 base=unset off=1': 'EACCES R5 !read_ok',
  'load_acquire size=1 base=unset off=4': 'EACCES R5 !read_ok',
  'load_acquire size=1 base=unset off=7': 'EACCES R5 !read_ok',
  'load_acquire size=1 base=unset off=8': 'EACCES R5 !read_ok',
  'load_acquire size=1 base=unset off=16': 'EACCES R5 !read_ok',
  'store_release size=1 base=fp off=-16': 'ok 0x1234567',
  'store_release size=1 base=fp off=-8': 'ok 0x1234544',
  'store_release size=1 base=fp off=-7': 'ok 0x1234467',
  'store_release size=1 base=fp off=-4': 'ok 0x1234567',
  'store_release size=1 base=fp off=0': 'EACCES invalid write to stack R3 off=0 size=1',
  'store_release size=1 base=fp off=1': 'EACCES invalid write to stack R3 off=1 size=1',
  'store_release size=1 base=fp off=4': 'EACCES invalid write to stack R3 off=4 size=1',
  'store_release size=1 base=ctx off=0': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=1 base=ctx off=1': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=1 base=ctx off=4': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=1 base=ctx off=7': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=1 base=ctx off=8': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=1 base=ctx off=16': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=1 base=scalar off=0': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=1 base=scalar off=1': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=1 base=scalar off=4': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=1 base=scalar off=7': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=1 base=scalar off=8': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=1 base=scalar off=16': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=1 base=unset off=0': 'EACCES R5 !read_ok',
  'store_release size=1 base=unset off=1': 'EACCES R5 !read_ok',
  'store_release size=1 base=unset off=4': 'EACCES R5 !read_ok',
  'store_release size=1 base=unset off=7': 'EACCES R5 !read_ok',
  'store_release size=1 base=unset off=8': 'EACCES R5 !read_ok',
  'store_release size=1 base=unset off=16': 'EACCES R5 !read_ok',
  'load_acquire size=2 base=fp off=-16': 'ok 0xfffb',
  'load_acquire size=2 base=fp off=-8': 'ok 0x4567',
  'load_acquire size=2 base=fp off=-7': 'EACCES misaligned stack access off 0+0+-7 size 2',
  'load_acquire size=2 base=fp off=-4': 'ok 0x0',
  'load_acquire size=2 base=fp off=0': 'EACCES invalid read from stack R3 off=0 size=2',
  'load_acquire size=2 base=fp off=1': 'EACCES misaligned stack access off 0+0+1 size 2',
  'load_acquire size=2 base=fp off=4': 'EACCES invalid read from stack R3 off=4 size=2',
  'load_acquire size=2 base=ctx off=0': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=2 base=ctx off=1': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=2 base=ctx off=4': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=2 base=ctx off=7': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=2 base=ctx off=8': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=2 base=ctx off=16': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=2 base=scalar off=0': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=2 base=scalar off=1': 'EACCES misaligned access off 8+0+1 size 2',
  'load_acquire size=2 base=scalar off=4': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=2 base=scalar off=7': 'EACCES misaligned access off 8+0+7 size 2',
  'load_acquire size=2 base=scalar off=8': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=2 base=scalar off=16': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=2 base=unset off=0': 'EACCES R5 !read_ok',
  'load_acquire size=2 base=unset off=1': 'EACCES R5 !read_ok',
  'load_acquire size=2 base=unset off=4': 'EACCES R5 !read_ok',
  'load_acquire size=2 base=unset off=7': 'EACCES R5 !read_ok',
  'load_acquire size=2 base=unset off=8': 'EACCES R5 !read_ok',
  'load_acquire size=2 base=unset off=16': 'EACCES R5 !read_ok',
  'store_release size=2 base=fp off=-16': 'ok 0x1234567',
  'store_release size=2 base=fp off=-8': 'ok 0x1233344',
  'store_release size=2 base=fp off=-7': 'EACCES misaligned stack access off 0+0+-7 size 2',
  'store_release size=2 base=fp off=-4': 'ok 0x1234567',
  'store_release size=2 base=fp off=0': 'EACCES invalid write to stack R3 off=0 size=2',
  'store_release size=2 base=fp off=1': 'EACCES misaligned stack access off 0+0+1 size 2',
  'store_release size=2 base=fp off=4': 'EACCES invalid write to stack R3 off=4 size=2',
  'store_release size=2 base=ctx off=0': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=2 base=ctx off=1': 'EACCES misaligned context access off 0+0+1 size 2',
  'store_release size=2 base=ctx off=4': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=2 base=ctx off=7': 'EACCES misaligned context access off 0+0+7 size 2',
  'store_release size=2 base=ctx off=8': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=2 base=ctx off=16': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=2 base=scalar off=0': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=2 base=scalar off=1': 'EACCES misaligned access off 8+0+1 size 2',
  'store_release size=2 base=scalar off=4': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=2 base=scalar off=7': 'EACCES misaligned access off 8+0+7 size 2',
  'store_release size=2 base=scalar off=8': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=2 base=scalar off=16': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=2 base=unset off=0': 'EACCES R5 !read_ok',
  'store_release size=2 base=unset off=1': 'EACCES R5 !read_ok',
  'store_release size=2 base=unset off=4': 'EACCES R5 !read_ok',
  'store_release size=2 base=unset off=7': 'EACCES R5 !read_ok',
  'store_release size=2 base=unset off=8': 'EACCES R5 !read_ok',
  'store_release size=2 base=unset off=16': 'EACCES R5 !read_ok',
  'load_acquire size=4 base=fp off=-16': 'ok 0xfffffffb',
  'load_acquire size=4 base=fp off=-8': 'ok 0x1234567',
  'load_acquire size=4 base=fp off=-7': 'EACCES misaligned stack access off 0+0+-7 size 4',
  'load_acquire size=4 base=fp off=-4': 'ok 0x0',
  'load_acquire size=4 base=fp off=0': 'EACCES invalid read from stack R3 off=0 size=4',
  'load_acquire size=4 base=fp off=1': 'EACCES misaligned stack access off 0+0+1 size 4',
  'load_acquire size=4 base=fp off=4': 'EACCES invalid read from stack R3 off=4 size=4',
  'load_acquire size=4 base=ctx off=0': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=4 base=ctx off=1': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=4 base=ctx off=4': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=4 base=ctx off=7': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=4 base=ctx off=8': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=4 base=ctx off=16': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=4 base=scalar off=0': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=4 base=scalar off=1': 'EACCES misaligned access off 8+0+1 size 4',
  'load_acquire size=4 base=scalar off=4': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=4 base=scalar off=7': 'EACCES misaligned access off 8+0+7 size 4',
  'load_acquire size=4 base=scalar off=8': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=4 base=scalar off=16': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=4 base=unset off=0': 'EACCES R5 !read_ok',
  'load_acquire size=4 base=unset off=1': 'EACCES R5 !read_ok',
  'load_acquire size=4 base=unset off=4': 'EACCES R5 !read_ok',
  'load_acquire size=4 base=unset off=7': 'EACCES R5 !read_ok',
  'load_acquire size=4 base=unset off=8': 'EACCES R5 !read_ok',
  'load_acquire size=4 base=unset off=16': 'EACCES R5 !read_ok',
  'store_release size=4 base=fp off=-16': 'ok 0x1234567',
  'store_release size=4 base=fp off=-8': 'ok 0x3344',
  'store_release size=4 base=fp off=-7': 'EACCES misaligned stack access off 0+0+-7 size 4',
  'store_release size=4 base=fp off=-4': 'ok 0x1234567',
  'store_release size=4 base=fp off=0': 'EACCES invalid write to stack R3 off=0 size=4',
  'store_release size=4 base=fp off=1': 'EACCES misaligned stack access off 0+0+1 size 4',
  'store_release size=4 base=fp off=4': 'EACCES invalid write to stack R3 off=4 size=4',
  'store_release size=4 base=ctx off=0': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=4 base=ctx off=1': 'EACCES misaligned context access off 0+0+1 size 4',
  'store_release size=4 base=ctx off=4': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=4 base=ctx off=7': 'EACCES misaligned context access off 0+0+7 size 4',
  'store_release size=4 base=ctx off=8': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=4 base=ctx off=16': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=4 base=scalar off=0': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=4 base=scalar off=1': 'EACCES misaligned access off 8+0+1 size 4',
  'store_release size=4 base=scalar off=4': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=4 base=scalar off=7': 'EACCES misaligned access off 8+0+7 size 4',
  'store_release size=4 base=scalar off=8': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=4 base=scalar off=16': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=4 base=unset off=0': 'EACCES R5 !read_ok',
  'store_release size=4 base=unset off=1': 'EACCES R5 !read_ok',
  'store_release size=4 base=unset off=4': 'EACCES R5 !read_ok',
  'store_release size=4 base=unset off=7': 'EACCES R5 !read_ok',
  'store_release size=4 base=unset off=8': 'EACCES R5 !read_ok',
  'store_release size=4 base=unset off=16': 'EACCES R5 !read_ok',
  'load_acquire size=8 base=fp off=-16': 'ok 0xfffffffb',
  'load_acquire size=8 base=fp off=-8': 'ok 0x1234567',
  'load_acquire size=8 base=fp off=-7': 'EACCES misaligned stack access off 0+0+-7 size 8',
  'load_acquire size=8 base=fp off=-4': 'EACCES misaligned stack access off 0+0+-4 size 8',
  'load_acquire size=8 base=fp off=0': 'EACCES invalid read from stack R3 off=0 size=8',
  'load_acquire size=8 base=fp off=1': 'EACCES misaligned stack access off 0+0+1 size 8',
  'load_acquire size=8 base=fp off=4': 'EACCES misaligned stack access off 0+0+4 size 8',
  'load_acquire size=8 base=ctx off=0': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=8 base=ctx off=1': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=8 base=ctx off=4': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=8 base=ctx off=7': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=8 base=ctx off=8': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=8 base=ctx off=16': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=8 base=scalar off=0': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=8 base=scalar off=1': 'EACCES misaligned access off 8+0+1 size 8',
  'load_acquire size=8 base=scalar off=4': 'EACCES misaligned access off 8+0+4 size 8',
  'load_acquire size=8 base=scalar off=7': 'EACCES misaligned access off 8+0+7 size 8',
  'load_acquire size=8 base=scalar off=8': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=8 base=scalar off=16': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=8 base=unset off=0': 'EACCES R5 !read_ok',
  'load_acquire size=8 base=unset off=1': 'EACCES R5 !read_ok',
  'load_acquire size=8 base=unset off=4': 'EACCES R5 !read_ok',
  'load_acquire size=8 base=unset off=7': 'EACCES R5 !read_ok',
  'load_acquire size=8 base=unset off=8': 'EACCES R5 !read_ok',
  'load_acquire size=8 base=unset off=16': 'EACCES R5 !read_ok',
  'store_release size=8 base=fp off=-16': 'ok 0x1234567',
  'store_release size=8 base=fp off=-8': 'ok 0x3344',
  'store_release size=8 base=fp off=-7': 'EACCES misaligned stack access off 0+0+-7 size 8',
  'store_release size=8 base=fp off=-4': 'EACCES misaligned stack access off 0+0+-4 size 8',
  'store_release size=8 base=fp off=0': 'EACCES invalid write to stack R3 off=0 size=8',
  'store_release size=8 base=fp off=1': 'EACCES misaligned stack access off 0+0+1 size 8',
  'store_release size=8 base=fp off=4': 'EACCES misaligned stack access off 0+0+4 size 8',
  'store_release size=8 base=ctx off=0': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=8 base=ctx off=1': 'EACCES misaligned context access off 0+0+1 size 8',
  'store_release size=8 base=ctx off=4': 'EACCES misaligned context access off 0+0+4 size 8',
  'store_release size=8 base=ctx off=7': 'EACCES misaligned context access off 0+0+7 size 8',
  'store_release size=8 base=ctx off=8': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=8 base=ctx off=16': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=8 base=scalar off=0': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=8 base=scalar off=1': 'EACCES misaligned access off 8+0+1 size 8',
  'store_release size=8 base=scalar off=4': 'EACCES misaligned access off 8+0+4 size 8',
  'store_release size=8 base=scalar off=7': 'EACCES misaligned access off 8+0+7 size 8',
  'store_release size=8 base=scalar off=8': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=8 base=scalar off=16': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=8 base=unset off=0': 'EACCES R5 !read_ok',
  'store_release size=8 base=unset off=1': 'EACCES R5 !read_ok',
  'store_release size=8 base=unset off=4': 'EACCES R5 !read_ok',
  'store_release size=8 base=unset off=7': 'EACCES R5 !read_ok',
  'store_release size=8 base=unset off=8': 'EACCES R5 !read_ok',
  'store_release size=8 base=unset off=16': 'EACCES R5 !read_ok',
};

/** Linux 6.18, the same program type: register numbers (R10, R11, R15, a load into its own base). */
const KERNEL_REGS: Record<string, string> = {
  'load_acquire size=1 base=ctx addr=r3 other=r3 off=0': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=1 base=ctx addr=r3 other=r3 off=1': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=1 base=ctx addr=r3 other=r10 off=0': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=1 base=ctx addr=r3 other=r10 off=1': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=1 base=ctx addr=r3 other=r11 off=0': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=1 base=ctx addr=r3 other=r11 off=1': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=1 base=ctx addr=r3 other=r15 off=0': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=1 base=ctx addr=r3 other=r15 off=1': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=1 base=ctx addr=r11 other=r2 off=0': 'EINVAL R11 is invalid',
  'load_acquire size=1 base=ctx addr=r11 other=r2 off=1': 'EINVAL R11 is invalid',
  'load_acquire size=1 base=ctx addr=r15 other=r2 off=0': 'EINVAL R15 is invalid',
  'load_acquire size=1 base=ctx addr=r15 other=r2 off=1': 'EINVAL R15 is invalid',
  'load_acquire size=1 base=ctx addr=r10 other=r2 off=0': 'EACCES invalid read from stack R10 off=0 size=1',
  'load_acquire size=1 base=ctx addr=r10 other=r2 off=1': 'EACCES invalid read from stack R10 off=1 size=1',
  'load_acquire size=1 base=fp addr=r3 other=r3 off=-8': 'ok 0x0',
  'load_acquire size=1 base=fp addr=r3 other=r3 off=-7': 'ok 0x0',
  'load_acquire size=1 base=fp addr=r3 other=r10 off=-8': 'EACCES frame pointer is read only',
  'load_acquire size=1 base=fp addr=r3 other=r10 off=-7': 'EACCES frame pointer is read only',
  'load_acquire size=1 base=fp addr=r3 other=r11 off=-8': 'EINVAL R11 is invalid',
  'load_acquire size=1 base=fp addr=r3 other=r11 off=-7': 'EINVAL R11 is invalid',
  'load_acquire size=1 base=fp addr=r3 other=r15 off=-8': 'EINVAL R15 is invalid',
  'load_acquire size=1 base=fp addr=r3 other=r15 off=-7': 'EINVAL R15 is invalid',
  'load_acquire size=1 base=fp addr=r11 other=r2 off=-8': 'EINVAL R11 is invalid',
  'load_acquire size=1 base=fp addr=r11 other=r2 off=-7': 'EINVAL R11 is invalid',
  'load_acquire size=1 base=fp addr=r15 other=r2 off=-8': 'EINVAL R15 is invalid',
  'load_acquire size=1 base=fp addr=r15 other=r2 off=-7': 'EINVAL R15 is invalid',
  'load_acquire size=1 base=fp addr=r10 other=r2 off=-8': 'ok 0x0',
  'load_acquire size=1 base=fp addr=r10 other=r2 off=-7': 'ok 0x0',
  'load_acquire size=1 base=scalar addr=r3 other=r3 off=0': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=1 base=scalar addr=r3 other=r3 off=1': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=1 base=scalar addr=r3 other=r10 off=0': 'EACCES frame pointer is read only',
  'load_acquire size=1 base=scalar addr=r3 other=r10 off=1': 'EACCES frame pointer is read only',
  'load_acquire size=1 base=scalar addr=r3 other=r11 off=0': 'EINVAL R11 is invalid',
  'load_acquire size=1 base=scalar addr=r3 other=r11 off=1': 'EINVAL R11 is invalid',
  'load_acquire size=1 base=scalar addr=r3 other=r15 off=0': 'EINVAL R15 is invalid',
  'load_acquire size=1 base=scalar addr=r3 other=r15 off=1': 'EINVAL R15 is invalid',
  'load_acquire size=1 base=scalar addr=r11 other=r2 off=0': 'EINVAL R11 is invalid',
  'load_acquire size=1 base=scalar addr=r11 other=r2 off=1': 'EINVAL R11 is invalid',
  'load_acquire size=1 base=scalar addr=r15 other=r2 off=0': 'EINVAL R15 is invalid',
  'load_acquire size=1 base=scalar addr=r15 other=r2 off=1': 'EINVAL R15 is invalid',
  'load_acquire size=1 base=scalar addr=r10 other=r2 off=0': 'EACCES invalid read from stack R10 off=0 size=1',
  'load_acquire size=1 base=scalar addr=r10 other=r2 off=1': 'EACCES invalid read from stack R10 off=1 size=1',
  'store_release size=1 base=ctx addr=r3 other=r3 off=0': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=1 base=ctx addr=r3 other=r3 off=1': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=1 base=ctx addr=r3 other=r10 off=0': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=1 base=ctx addr=r3 other=r10 off=1': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=1 base=ctx addr=r3 other=r11 off=0': 'EINVAL R11 is invalid',
  'store_release size=1 base=ctx addr=r3 other=r11 off=1': 'EINVAL R11 is invalid',
  'store_release size=1 base=ctx addr=r3 other=r15 off=0': 'EINVAL R15 is invalid',
  'store_release size=1 base=ctx addr=r3 other=r15 off=1': 'EINVAL R15 is invalid',
  'store_release size=1 base=ctx addr=r11 other=r2 off=0': 'EINVAL R11 is invalid',
  'store_release size=1 base=ctx addr=r11 other=r2 off=1': 'EINVAL R11 is invalid',
  'store_release size=1 base=ctx addr=r15 other=r2 off=0': 'EINVAL R15 is invalid',
  'store_release size=1 base=ctx addr=r15 other=r2 off=1': 'EINVAL R15 is invalid',
  'store_release size=1 base=ctx addr=r10 other=r2 off=0': 'EACCES invalid write to stack R10 off=0 size=1',
  'store_release size=1 base=ctx addr=r10 other=r2 off=1': 'EACCES invalid write to stack R10 off=1 size=1',
  'store_release size=1 base=fp addr=r3 other=r3 off=-8': 'EACCES invalid size of register spill',
  'store_release size=1 base=fp addr=r3 other=r3 off=-7': 'EACCES invalid size of register spill',
  'store_release size=1 base=fp addr=r3 other=r10 off=-8': 'EACCES invalid size of register spill',
  'store_release size=1 base=fp addr=r3 other=r10 off=-7': 'EACCES invalid size of register spill',
  'store_release size=1 base=fp addr=r3 other=r11 off=-8': 'EINVAL R11 is invalid',
  'store_release size=1 base=fp addr=r3 other=r11 off=-7': 'EINVAL R11 is invalid',
  'store_release size=1 base=fp addr=r3 other=r15 off=-8': 'EINVAL R15 is invalid',
  'store_release size=1 base=fp addr=r3 other=r15 off=-7': 'EINVAL R15 is invalid',
  'store_release size=1 base=fp addr=r11 other=r2 off=-8': 'EINVAL R11 is invalid',
  'store_release size=1 base=fp addr=r11 other=r2 off=-7': 'EINVAL R11 is invalid',
  'store_release size=1 base=fp addr=r15 other=r2 off=-8': 'EINVAL R15 is invalid',
  'store_release size=1 base=fp addr=r15 other=r2 off=-7': 'EINVAL R15 is invalid',
  'store_release size=1 base=fp addr=r10 other=r2 off=-8': 'ok 0x0',
  'store_release size=1 base=fp addr=r10 other=r2 off=-7': 'ok 0x0',
  'store_release size=1 base=scalar addr=r3 other=r3 off=0': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=1 base=scalar addr=r3 other=r3 off=1': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=1 base=scalar addr=r3 other=r10 off=0': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=1 base=scalar addr=r3 other=r10 off=1': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=1 base=scalar addr=r3 other=r11 off=0': 'EINVAL R11 is invalid',
  'store_release size=1 base=scalar addr=r3 other=r11 off=1': 'EINVAL R11 is invalid',
  'store_release size=1 base=scalar addr=r3 other=r15 off=0': 'EINVAL R15 is invalid',
  'store_release size=1 base=scalar addr=r3 other=r15 off=1': 'EINVAL R15 is invalid',
  'store_release size=1 base=scalar addr=r11 other=r2 off=0': 'EINVAL R11 is invalid',
  'store_release size=1 base=scalar addr=r11 other=r2 off=1': 'EINVAL R11 is invalid',
  'store_release size=1 base=scalar addr=r15 other=r2 off=0': 'EINVAL R15 is invalid',
  'store_release size=1 base=scalar addr=r15 other=r2 off=1': 'EINVAL R15 is invalid',
  'store_release size=1 base=scalar addr=r10 other=r2 off=0': 'EACCES invalid write to stack R10 off=0 size=1',
  'store_release size=1 base=scalar addr=r10 other=r2 off=1': 'EACCES invalid write to stack R10 off=1 size=1',
  'load_acquire size=8 base=ctx addr=r3 other=r3 off=0': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=8 base=ctx addr=r3 other=r3 off=1': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=8 base=ctx addr=r3 other=r10 off=0': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=8 base=ctx addr=r3 other=r10 off=1': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=8 base=ctx addr=r3 other=r11 off=0': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=8 base=ctx addr=r3 other=r11 off=1': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=8 base=ctx addr=r3 other=r15 off=0': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=8 base=ctx addr=r3 other=r15 off=1': 'EACCES BPF_ATOMIC loads from R3 ctx is not allowed',
  'load_acquire size=8 base=ctx addr=r11 other=r2 off=0': 'EINVAL R11 is invalid',
  'load_acquire size=8 base=ctx addr=r11 other=r2 off=1': 'EINVAL R11 is invalid',
  'load_acquire size=8 base=ctx addr=r15 other=r2 off=0': 'EINVAL R15 is invalid',
  'load_acquire size=8 base=ctx addr=r15 other=r2 off=1': 'EINVAL R15 is invalid',
  'load_acquire size=8 base=ctx addr=r10 other=r2 off=0': 'EACCES invalid read from stack R10 off=0 size=8',
  'load_acquire size=8 base=ctx addr=r10 other=r2 off=1': 'EACCES misaligned stack access off 0+0+1 size 8',
  'load_acquire size=8 base=fp addr=r3 other=r3 off=-8': 'ok 0x0',
  'load_acquire size=8 base=fp addr=r3 other=r3 off=-7': 'EACCES misaligned stack access off 0+0+-7 size 8',
  'load_acquire size=8 base=fp addr=r3 other=r10 off=-8': 'EACCES frame pointer is read only',
  'load_acquire size=8 base=fp addr=r3 other=r10 off=-7': 'EACCES frame pointer is read only',
  'load_acquire size=8 base=fp addr=r3 other=r11 off=-8': 'EINVAL R11 is invalid',
  'load_acquire size=8 base=fp addr=r3 other=r11 off=-7': 'EINVAL R11 is invalid',
  'load_acquire size=8 base=fp addr=r3 other=r15 off=-8': 'EINVAL R15 is invalid',
  'load_acquire size=8 base=fp addr=r3 other=r15 off=-7': 'EINVAL R15 is invalid',
  'load_acquire size=8 base=fp addr=r11 other=r2 off=-8': 'EINVAL R11 is invalid',
  'load_acquire size=8 base=fp addr=r11 other=r2 off=-7': 'EINVAL R11 is invalid',
  'load_acquire size=8 base=fp addr=r15 other=r2 off=-8': 'EINVAL R15 is invalid',
  'load_acquire size=8 base=fp addr=r15 other=r2 off=-7': 'EINVAL R15 is invalid',
  'load_acquire size=8 base=fp addr=r10 other=r2 off=-8': 'ok 0x0',
  'load_acquire size=8 base=fp addr=r10 other=r2 off=-7': 'EACCES misaligned stack access off 0+0+-7 size 8',
  'load_acquire size=8 base=scalar addr=r3 other=r3 off=0': "EACCES R3 invalid mem access 'scalar'",
  'load_acquire size=8 base=scalar addr=r3 other=r3 off=1': 'EACCES misaligned access off 0+0+1 size 8',
  'load_acquire size=8 base=scalar addr=r3 other=r10 off=0': 'EACCES frame pointer is read only',
  'load_acquire size=8 base=scalar addr=r3 other=r10 off=1': 'EACCES frame pointer is read only',
  'load_acquire size=8 base=scalar addr=r3 other=r11 off=0': 'EINVAL R11 is invalid',
  'load_acquire size=8 base=scalar addr=r3 other=r11 off=1': 'EINVAL R11 is invalid',
  'load_acquire size=8 base=scalar addr=r3 other=r15 off=0': 'EINVAL R15 is invalid',
  'load_acquire size=8 base=scalar addr=r3 other=r15 off=1': 'EINVAL R15 is invalid',
  'load_acquire size=8 base=scalar addr=r11 other=r2 off=0': 'EINVAL R11 is invalid',
  'load_acquire size=8 base=scalar addr=r11 other=r2 off=1': 'EINVAL R11 is invalid',
  'load_acquire size=8 base=scalar addr=r15 other=r2 off=0': 'EINVAL R15 is invalid',
  'load_acquire size=8 base=scalar addr=r15 other=r2 off=1': 'EINVAL R15 is invalid',
  'load_acquire size=8 base=scalar addr=r10 other=r2 off=0': 'EACCES invalid read from stack R10 off=0 size=8',
  'load_acquire size=8 base=scalar addr=r10 other=r2 off=1': 'EACCES misaligned stack access off 0+0+1 size 8',
  'store_release size=8 base=ctx addr=r3 other=r3 off=0': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=8 base=ctx addr=r3 other=r3 off=1': 'EACCES misaligned context access off 0+0+1 size 8',
  'store_release size=8 base=ctx addr=r3 other=r10 off=0': 'EACCES BPF_ATOMIC stores into R3 ctx is not allowed',
  'store_release size=8 base=ctx addr=r3 other=r10 off=1': 'EACCES misaligned context access off 0+0+1 size 8',
  'store_release size=8 base=ctx addr=r3 other=r11 off=0': 'EINVAL R11 is invalid',
  'store_release size=8 base=ctx addr=r3 other=r11 off=1': 'EINVAL R11 is invalid',
  'store_release size=8 base=ctx addr=r3 other=r15 off=0': 'EINVAL R15 is invalid',
  'store_release size=8 base=ctx addr=r3 other=r15 off=1': 'EINVAL R15 is invalid',
  'store_release size=8 base=ctx addr=r11 other=r2 off=0': 'EINVAL R11 is invalid',
  'store_release size=8 base=ctx addr=r11 other=r2 off=1': 'EINVAL R11 is invalid',
  'store_release size=8 base=ctx addr=r15 other=r2 off=0': 'EINVAL R15 is invalid',
  'store_release size=8 base=ctx addr=r15 other=r2 off=1': 'EINVAL R15 is invalid',
  'store_release size=8 base=ctx addr=r10 other=r2 off=0': 'EACCES invalid write to stack R10 off=0 size=8',
  'store_release size=8 base=ctx addr=r10 other=r2 off=1': 'EACCES misaligned stack access off 0+0+1 size 8',
  'store_release size=8 base=fp addr=r3 other=r3 off=-8': 'ok 0x0',
  'store_release size=8 base=fp addr=r3 other=r3 off=-7': 'EACCES misaligned stack access off 0+0+-7 size 8',
  'store_release size=8 base=fp addr=r3 other=r10 off=-8': 'ok 0x0',
  'store_release size=8 base=fp addr=r3 other=r10 off=-7': 'EACCES misaligned stack access off 0+0+-7 size 8',
  'store_release size=8 base=fp addr=r3 other=r11 off=-8': 'EINVAL R11 is invalid',
  'store_release size=8 base=fp addr=r3 other=r11 off=-7': 'EINVAL R11 is invalid',
  'store_release size=8 base=fp addr=r3 other=r15 off=-8': 'EINVAL R15 is invalid',
  'store_release size=8 base=fp addr=r3 other=r15 off=-7': 'EINVAL R15 is invalid',
  'store_release size=8 base=fp addr=r11 other=r2 off=-8': 'EINVAL R11 is invalid',
  'store_release size=8 base=fp addr=r11 other=r2 off=-7': 'EINVAL R11 is invalid',
  'store_release size=8 base=fp addr=r15 other=r2 off=-8': 'EINVAL R15 is invalid',
  'store_release size=8 base=fp addr=r15 other=r2 off=-7': 'EINVAL R15 is invalid',
  'store_release size=8 base=fp addr=r10 other=r2 off=-8': 'ok 0x0',
  'store_release size=8 base=fp addr=r10 other=r2 off=-7': 'EACCES misaligned stack access off 0+0+-7 size 8',
  'store_release size=8 base=scalar addr=r3 other=r3 off=0': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=8 base=scalar addr=r3 other=r3 off=1': 'EACCES misaligned access off 0+0+1 size 8',
  'store_release size=8 base=scalar addr=r3 other=r10 off=0': "EACCES R3 invalid mem access 'scalar'",
  'store_release size=8 base=scalar addr=r3 other=r10 off=1': 'EACCES misaligned access off 0+0+1 size 8',
  'store_release size=8 base=scalar addr=r3 other=r11 off=0': 'EINVAL R11 is invalid',
  'store_release size=8 base=scalar addr=r3 other=r11 off=1': 'EINVAL R11 is invalid',
  'store_release size=8 base=scalar addr=r3 other=r15 off=0': 'EINVAL R15 is invalid',
  'store_release size=8 base=scalar addr=r3 other=r15 off=1': 'EINVAL R15 is invalid',
  'store_release size=8 base=scalar addr=r11 other=r2 off=0': 'EINVAL R11 is invalid',
  'store_release size=8 base=scalar addr=r11 other=r2 off=1': 'EINVAL R11 is invalid',
  'store_release size=8 base=scalar addr=r15 other=r2 off=0': 'EINVAL R15 is invalid',
  'store_release size=8 base=scalar addr=r15 other=r2 off=1': 'EINVAL R15 is invalid',
  'store_release size=8 base=scalar addr=r10 other=r2 off=0': 'EACCES invalid write to stack R10 off=0 size=8',
  'store_release size=8 base=scalar addr=r10 other=r2 off=1': 'EACCES misaligned stack access off 0+0+1 size 8',
};

function model(bytes: Uint8Array): string {
  const v = createBpf().verify({ insns: bytes, prog_type: 'syscall', log_level: 1, prog_flags: BPF_F.SLEEPABLE });
  if (!v.ok) return `${v.errors[0]?.errno} ${v.errors[0]?.message}`;
  const rs = [false, true].map((jit) => {
    const e = createBpf({ jit });
    const p = e.prog_load({ insns: bytes, prog_type: 'syscall', verify: false, prog_flags: BPF_F.SLEEPABLE });
    return `0x${(e.prog_test_run(p, { ctx_in: new Uint8Array(16) }).retval >>> 0).toString(16)}`;
  });
  return rs[0] === rs[1] ? `ok ${rs[0]}` : `ok interpreter ${rs[0]} jit ${rs[1]}`;
}

describe('load-acquire / store-release against Linux 6.18 recorded answers', () => {
  it('every size through the stack, ctx, a scalar, an unset register: verdict, errno, first line, r0 of both engines', () => {
    const cases = acqRelCases();
    expect(cases.length).toBe(Object.keys(KERNEL).length);
    const wrong = cases
      .filter((c) => model(c.bytes) !== KERNEL[c.name])
      .map((c) => `${c.name}: ${model(c.bytes)} (kernel ${KERNEL[c.name]})`);
    expect(wrong).toEqual([]);
  });

  it('checks the registers as check_atomic_load() / check_store_reg() do: the source type first, then R11+', () => {
    const cases = acqRelRegCases();
    expect(cases.length).toBe(Object.keys(KERNEL_REGS).length);
    const wrong = cases
      .filter((c) => model(c.bytes) !== KERNEL_REGS[c.name])
      .map((c) => `${c.name}: ${model(c.bytes)} (kernel ${KERNEL_REGS[c.name]})`);
    expect(wrong).toEqual([]);
  });

  it('disassembles them as the kernel’s verifier log does', () => {
    const [la, sr] = decodeInsns(
      Uint8Array.from([0xd3, 0xa2, 0xf8, 0xff, 0, 1, 0, 0, 0xdb, 0x2a, 0xf0, 0xff, 0x10, 1, 0, 0]),
    );
    expect(printBpfInsn(la!)).toBe('(d3) r2 = load_acquire((u8 *)(r10 -8))');
    expect(printBpfInsn(sr!)).toBe('(db) store_release((u64 *)(r10 -16), r2)');
  });

  it('refuses B/H read-modify-write atomics and unknown atomic opcodes with the kernel’s messages', () => {
    const v = (hex: string): string => {
      const r = createBpf().verify({
        insns: Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16))),
        prog_type: 'syscall',
        prog_flags: BPF_F.SLEEPABLE,
      });
      return `${r.errors[0]?.errno} ${r.errors[0]?.message}`;
    };
    // (d3) lock *(u8 *)(r10 +0) += r2 ; exit
    expect(v('d32a0000000000009500000000000000')).toBe('EINVAL invalid atomic operand size');
    // imm 0x101 on a u8: check_atomic()'s default case prints the whole imm
    expect(v('d32a0000010100009500000000000000')).toBe('EINVAL BPF_ATOMIC uses invalid atomic opcode 101');
  });
});

const { oracle, skip } = kernelForTests('load-acquire / store-release against the running kernel');

describe.skipIf(skip)('load-acquire / store-release against the running kernel', () => {
  it('the recorded answers are the running kernel’s, the model agrees, and so does the level-2 disassembly', () => {
    const cases = [...acqRelCases(), ...acqRelRegCases()];
    const recorded = { ...KERNEL, ...KERNEL_REGS };
    const res = oracle.batch(
      cases.map((c) => ({
        prog: c.bytes,
        opts: { prog_type: 'syscall', log_level: 1, ctx_in: new Uint8Array(16) },
        run: true,
      })),
    );
    const wrong: string[] = [];
    cases.forEach((c, i) => {
      const r = res[i]!;
      const k = r.verdict.ok
        ? `ok ${r.ok ? `0x${(r.retval & 0xffffffffn).toString(16)}` : r.why}`
        : `${r.verdict.errno_name} ${r.verdict.first_error}`;
      if (k !== recorded[c.name]) wrong.push(`${c.name}: kernel now ${k}, recorded ${recorded[c.name]}`);
      if (model(c.bytes) !== k) wrong.push(`${c.name}: kernel ${k} | model ${model(c.bytes)}`);
    });
    expect(wrong).toEqual([]);
    const ok = cases.find((c) => c.name === 'store_release size=2 base=fp off=-8')!;
    const kl = oracle.verify(ok.bytes, { prog_type: 'syscall', log_level: 2 }).log;
    const ml = createBpf().verify({
      insns: ok.bytes,
      prog_type: 'syscall',
      log_level: 2,
      prog_flags: BPF_F.SLEEPABLE,
    }).log;
    const line = (log: string): string | undefined => /^4: \(cb\) [^;]*/m.exec(log)?.[0].trim();
    expect(line(ml)).toBe(line(kl));
    expect(line(kl)).toBe('4: (cb) store_release((u16 *)(r3 -8), r2)');
  });
});
