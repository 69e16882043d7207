import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../../oracle/test-util';
import { createBpf } from '../index';
import { answerOf, kernelClassDisagreements, modelDisagreements, recordedAnswerGaps } from './kernel-classes.fixtures';
import { sockCommonVariants } from './sock-common.fixtures';
import type { SockVariant } from './sock-common.fixtures';

/**
 * `__sk_buff.sk` and PTR_TO_SOCK_COMMON(_OR_NULL) against Linux 6.18 (sock-common.fixtures.ts). KERNEL holds what
 * this machine's 6.18.44 answered for every variant (BPF_PROG_LOAD as root, SOCKET_FILTER): `ok` or
 * `ERRNO first error line`.
 */
const KERNEL: Record<string, string> = {
  'load sk and return it': 'ok',
  'load sk through r6': 'ok',
  'load sk then r0 = 0': 'ok',
  'load sk into r1 and call tail_call': 'EACCES R1 type=sock_common_or_null expected=ctx',
  'ldsx s32 of sk': 'EACCES invalid bpf_context access off=168 size=4',
  'store r2 into sk': 'EACCES invalid bpf_context access off=168 size=8',
  'st 0 into sk': 'EACCES invalid bpf_context access off=168 size=8',
  'deref or_null': "EACCES R0 invalid mem access 'sock_common_or_null'",
  'jeq 0 then deref': 'ok',
  'jne 0 then deref': 'ok',
  'jne 0 then return sock_common': 'ok',
  'jeq 0 deref on the null branch': "EACCES R0 invalid mem access 'scalar'",
  'jeq 0 then the null branch is 0': 'ok',
  'jeq32 0 then deref': "EACCES R0 invalid mem access 'sock_common_or_null'",
  'jne32 0 then deref': "EACCES R0 invalid mem access 'sock_common_or_null'",
  'jeq 1 then deref': "EACCES R0 invalid mem access 'sock_common_or_null'",
  'jgt 0 then deref': "EACCES R0 invalid mem access 'sock_common_or_null'",
  'jeq r2 (0) then deref': "EACCES R0 invalid mem access 'sock_common_or_null'",
  'copy null-checked through r6': 'ok',
  'two loads, check one, deref other': "EACCES R6 invalid mem access 'sock_common_or_null'",
  'jeq or_null r6 (another sk) then deref': "EACCES R0 invalid mem access 'sock_common_or_null'",
  'jeq32 sock_common then deref': 'ok',
  'jeq 0 on sock_common, the branch is dead': 'ok',
  'ldsx s8 through or_null': "EACCES R0 invalid mem access 'sock_common_or_null'",
  'loop over branches with or_null kept': 'ok',
  'sock_common as map_update value':
    'EACCES R3 type=sock_common expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_',
  'or_null += 8': 'EACCES R0 pointer arithmetic on sock_common_or_null prohibited, null-check it first',
  'or_null += r2': 'EACCES R0 pointer arithmetic on sock_common_or_null prohibited, null-check it first',
  'or_null -= 8': 'EACCES R0 pointer arithmetic on sock_common_or_null prohibited, null-check it first',
  'r2 += or_null': 'EACCES R2 pointer arithmetic on sock_common_or_null prohibited, null-check it first',
  'or_null - or_null': 'ok',
  'or_null &= 1': 'EACCES R0 pointer arithmetic on sock_common_or_null prohibited, null-check it first',
  'or_null <<= 1': 'EACCES R0 pointer arithmetic on sock_common_or_null prohibited, null-check it first',
  'or_null neg': 'ok',
  'or_null w0 += 1': 'EACCES R0 32-bit pointer arithmetic prohibited',
  'or_null w2 = w0': 'ok',
  'sock_common += 8': 'EACCES R0 pointer arithmetic on sock_common prohibited',
  'sock_common += r2': 'EACCES R0 pointer arithmetic on sock_common prohibited',
  'sock_common &= 1': 'EACCES R0 pointer arithmetic on sock_common prohibited',
  'sock_common w0 += 1': 'EACCES R0 32-bit pointer arithmetic prohibited',
  'sock_common store r2': 'EACCES R0 cannot write into sock_common',
  'sock_common st 0': 'EACCES R0 cannot write into sock_common',
  'sock_common atomic add': 'EACCES BPF_ATOMIC stores into R0 sock_common is not allowed',
  'or_null atomic add': "EACCES R0 invalid mem access 'sock_common_or_null'",
  'or_null store r2': "EACCES R0 invalid mem access 'sock_common_or_null'",
  'sock_common ldsx s16 off 48': 'ok',
  'sock_common ldsx s32 off 4': 'ok',
  'spill and fill or_null, then check': 'ok',
  'spill, check, fill and deref': 'ok',
  'spill u32 of or_null': 'EACCES invalid size of register spill',
  'fill u32 of spilled or_null': 'EACCES invalid size of register fill',
  'store or_null into ctx cb': 'ok',
  'store or_null into ctx cb u32': 'ok',
  'store or_null into a map value': 'ok',
  'or_null as a map key':
    'EACCES R2 type=sock_common_or_null expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_',
  'sock_common as a map key':
    'EACCES R2 type=sock_common expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_',
  'or_null as tail_call ctx': 'EACCES R1 type=sock_common_or_null expected=ctx',
  'sock_common as tail_call ctx': 'EACCES R1 type=sock_common expected=ctx',
  'sock_common as probe_read_kernel dst':
    'EACCES R1 type=sock_common expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_',
  'or_null as probe_read_kernel src': 'ok',
  'sock_common load u8 off -4': 'EACCES R0 invalid sock_common access off=-4 size=1',
  'sock_common load u16 off -4': 'EACCES R0 invalid sock_common access off=-4 size=2',
  'sock_common load u32 off -4': 'EACCES R0 invalid sock_common access off=-4 size=4',
  'sock_common load u64 off -4': 'EACCES R0 invalid sock_common access off=-4 size=8',
  'sock_common load u8 off 0': 'EACCES R0 invalid sock_common access off=0 size=1',
  'sock_common load u16 off 0': 'EACCES R0 invalid sock_common access off=0 size=2',
  'sock_common load u32 off 0': 'ok',
  'sock_common load u64 off 0': 'EACCES R0 invalid sock_common access off=0 size=8',
  'sock_common load u8 off 2': 'EACCES R0 invalid sock_common access off=2 size=1',
  'sock_common load u16 off 2': 'EACCES R0 invalid sock_common access off=2 size=2',
  'sock_common load u32 off 2': 'EACCES R0 invalid sock_common access off=2 size=4',
  'sock_common load u64 off 2': 'EACCES R0 invalid sock_common access off=2 size=8',
  'sock_common load u8 off 4': 'ok',
  'sock_common load u16 off 4': 'ok',
  'sock_common load u32 off 4': 'ok',
  'sock_common load u64 off 4': 'EACCES R0 invalid sock_common access off=4 size=8',
  'sock_common load u8 off 8': 'EACCES R0 invalid sock_common access off=8 size=1',
  'sock_common load u16 off 8': 'EACCES R0 invalid sock_common access off=8 size=2',
  'sock_common load u32 off 8': 'EACCES R0 invalid sock_common access off=8 size=4',
  'sock_common load u64 off 8': 'EACCES R0 invalid sock_common access off=8 size=8',
  'sock_common load u8 off 12': 'EACCES R0 invalid sock_common access off=12 size=1',
  'sock_common load u16 off 12': 'EACCES R0 invalid sock_common access off=12 size=2',
  'sock_common load u32 off 12': 'EACCES R0 invalid sock_common access off=12 size=4',
  'sock_common load u64 off 12': 'EACCES R0 invalid sock_common access off=12 size=8',
  'sock_common load u8 off 16': 'EACCES R0 invalid sock_common access off=16 size=1',
  'sock_common load u16 off 16': 'EACCES R0 invalid sock_common access off=16 size=2',
  'sock_common load u32 off 16': 'EACCES R0 invalid sock_common access off=16 size=4',
  'sock_common load u64 off 16': 'EACCES R0 invalid sock_common access off=16 size=8',
  'sock_common load u8 off 20': 'EACCES R0 invalid sock_common access off=20 size=1',
  'sock_common load u16 off 20': 'EACCES R0 invalid sock_common access off=20 size=2',
  'sock_common load u32 off 20': 'EACCES R0 invalid sock_common access off=20 size=4',
  'sock_common load u64 off 20': 'EACCES R0 invalid sock_common access off=20 size=8',
  'sock_common load u8 off 24': 'ok',
  'sock_common load u16 off 24': 'ok',
  'sock_common load u32 off 24': 'ok',
  'sock_common load u64 off 24': 'EACCES R0 invalid sock_common access off=24 size=8',
  'sock_common load u8 off 28': 'ok',
  'sock_common load u16 off 28': 'ok',
  'sock_common load u32 off 28': 'ok',
  'sock_common load u64 off 28': 'EACCES R0 invalid sock_common access off=28 size=8',
  'sock_common load u8 off 40': 'ok',
  'sock_common load u16 off 40': 'ok',
  'sock_common load u32 off 40': 'ok',
  'sock_common load u64 off 40': 'EACCES R0 invalid sock_common access off=40 size=8',
  'sock_common load u8 off 44': 'ok',
  'sock_common load u16 off 44': 'ok',
  'sock_common load u32 off 44': 'ok',
  'sock_common load u64 off 44': 'EACCES R0 invalid sock_common access off=44 size=8',
  'sock_common load u8 off 46': 'EACCES R0 invalid sock_common access off=46 size=1',
  'sock_common load u16 off 46': 'EACCES R0 invalid sock_common access off=46 size=2',
  'sock_common load u32 off 46': 'EACCES R0 invalid sock_common access off=46 size=4',
  'sock_common load u64 off 46': 'EACCES R0 invalid sock_common access off=46 size=8',
  'sock_common load u8 off 48': 'ok',
  'sock_common load u16 off 48': 'ok',
  'sock_common load u32 off 48': 'ok',
  'sock_common load u64 off 48': 'EACCES R0 invalid sock_common access off=48 size=8',
  'sock_common load u8 off 49': 'ok',
  'sock_common load u16 off 49': 'EACCES R0 invalid sock_common access off=49 size=2',
  'sock_common load u32 off 49': 'EACCES R0 invalid sock_common access off=49 size=4',
  'sock_common load u64 off 49': 'EACCES R0 invalid sock_common access off=49 size=8',
  'sock_common load u8 off 50': 'EACCES R0 invalid sock_common access off=50 size=1',
  'sock_common load u16 off 50': 'EACCES R0 invalid sock_common access off=50 size=2',
  'sock_common load u32 off 50': 'EACCES R0 invalid sock_common access off=50 size=4',
  'sock_common load u64 off 50': 'EACCES R0 invalid sock_common access off=50 size=8',
  'sock_common load u8 off 52': 'ok',
  'sock_common load u16 off 52': 'ok',
  'sock_common load u32 off 52': 'ok',
  'sock_common load u64 off 52': 'EACCES R0 invalid sock_common access off=52 size=8',
  'sock_common load u8 off 56': 'ok',
  'sock_common load u16 off 56': 'ok',
  'sock_common load u32 off 56': 'ok',
  'sock_common load u64 off 56': 'EACCES R0 invalid sock_common access off=56 size=8',
  'sock_common load u8 off 68': 'ok',
  'sock_common load u16 off 68': 'ok',
  'sock_common load u32 off 68': 'ok',
  'sock_common load u64 off 68': 'EACCES R0 invalid sock_common access off=68 size=8',
  'sock_common load u8 off 72': 'ok',
  'sock_common load u16 off 72': 'ok',
  'sock_common load u32 off 72': 'ok',
  'sock_common load u64 off 72': 'EACCES R0 invalid sock_common access off=72 size=8',
  'sock_common load u8 off 76': 'ok',
  'sock_common load u16 off 76': 'ok',
  'sock_common load u32 off 76': 'ok',
  'sock_common load u64 off 76': 'EACCES R0 invalid sock_common access off=76 size=8',
  'sock_common load u8 off 78': 'EACCES R0 invalid sock_common access off=78 size=1',
  'sock_common load u16 off 78': 'EACCES R0 invalid sock_common access off=78 size=2',
  'sock_common load u32 off 78': 'EACCES R0 invalid sock_common access off=78 size=4',
  'sock_common load u64 off 78': 'EACCES R0 invalid sock_common access off=78 size=8',
  'sock_common load u8 off 80': 'EACCES R0 invalid sock_common access off=80 size=1',
  'sock_common load u16 off 80': 'EACCES R0 invalid sock_common access off=80 size=2',
  'sock_common load u32 off 80': 'EACCES R0 invalid sock_common access off=80 size=4',
  'sock_common load u64 off 80': 'EACCES R0 invalid sock_common access off=80 size=8',
};

function modelAnswer(v: SockVariant): string {
  const bpf = createBpf();
  if (v.map) bpf.map_create({ ...v.map });
  const r = bpf.verify({ asm: v.asm, prog_type: 'socket_filter', log_level: 1 });
  return answerOf({ ok: r.ok, errno: r.errors[0]?.errno, first: r.errors[0]?.message.split('\n')[0] });
}

const VARIANTS = sockCommonVariants();

describe("__sk_buff.sk and sock_common, with the kernel's answers recorded", () => {
  it('has a recorded answer for every variant', () => {
    expect(recordedAnswerGaps(VARIANTS, KERNEL)).toEqual([]);
  });

  it('answers as Linux 6.18 does for every variant', () => {
    expect(modelDisagreements(VARIANTS, KERNEL, modelAnswer)).toEqual([]);
  });

  it('logs the register as the kernel does at log_level 2: an id, then sock_common on the non-NULL branch', () => {
    const asm = 'r0 = *(u64 *)(r1 +168)\nr6 = r0\nif r0 != 0 goto +2\nr0 = 0\nexit\nr0 = *(u32 *)(r0 +4)\nexit';
    const r = createBpf().verify({ asm, prog_type: 'socket_filter', log_level: 2 });
    expect(r.ok).toBe(true);
    expect(r.log).toContain('; R0=sock_common_or_null(id=1) R1=ctx()');
    expect(r.log).toContain('R6=sock_common_or_null(id=1)');
    expect(r.log).toContain('from 2 to 5: R0=sock_common() R1=ctx() R6=sock_common() R10=fp0');
    // The NULL branch: both copies are the scalar 0.
    expect(r.log).toContain('2: (55) if r0 != 0x0 goto pc+2        ; R0=0');
  });

  it('refuses to run a program that loads __sk_buff.sk (EOPNOTSUPP): its run has no __sk_buff', () => {
    for (const jit of [false, true]) {
      const e = createBpf();
      const prog = e.prog_load({ asm: 'r2 = 0\nr0 = *(u64 *)(r1 +168)\nexit', prog_type: 'socket_filter', jit });
      expect(prog.sk_loads).toEqual([1]);
      expect(() => e.prog_test_run(prog, { data_in: new Uint8Array(64) })).toThrow(
        /__sk_buff\.sk \(loaded at insn 1\)/,
      );
      try {
        e.prog_test_run(prog, { data_in: new Uint8Array(64) });
      } catch (err) {
        expect((err as { errno?: string }).errno).toBe('EOPNOTSUPP');
      }
      // Other socket filters still run.
      const plain = e.prog_load({ asm: 'r0 = 7\nexit', prog_type: 'socket_filter', jit });
      expect(plain.sk_loads).toEqual([]);
      expect(e.prog_test_run(plain, { data_in: new Uint8Array(64) }).retval).toBe(7);
    }
  });
});

const { oracle, skip } = kernelForTests('__sk_buff.sk / sock_common classes against the running kernel');

describe.skipIf(skip)('__sk_buff.sk and sock_common against the running kernel (BPF_PROG_LOAD)', () => {
  it("gives the kernel's verdict, errno and first error line", () => {
    const wrong = kernelClassDisagreements(
      oracle,
      VARIANTS,
      (v) => ({
        prog: v.asm,
        opts: { prog_type: 'socket_filter', log_level: 1, ...(v.map ? { maps: { 1: { ...v.map } } } : {}) },
      }),
      KERNEL,
      modelAnswer,
    );
    expect(wrong).toEqual([]);
  });
});
