/**
 * Helper prototypes against Linux 6.18 (helper-protos.fixtures.ts): the tracing base set and every helper the
 * differential fuzz reaches, on the five fuzzed program types, with good and bad arguments and licenses. KERNEL
 * holds what this machine's 6.18 answered (BPF_PROG_LOAD as root; a syscall program sleepable): `ok` or
 * `ERRNO first error line`. The run-time side (the interpreter and the JIT) is tested on simulated memory.
 */
import { describe, expect, it } from 'vitest';
import { KernelError } from '../../common/errors';
import { kernelForTests } from '../../../oracle/test-util';
import { CURRENT_TASK, CURRENT_TASK_ADDR } from '../helpers';
import { createBpf } from '../index';
import { BPF_F } from '../prog_flags';
import { kernelClassDisagreements, modelDisagreements, recordedAnswerGaps } from './kernel-classes.fixtures';
import { protoJob, protoModelAnswer, protoVariants } from './helper-protos.fixtures';

// prettier-ignore
const KERNEL: Record<string, string> = {
  "socket_filter get_current_task": "ok",
  "socket_filter get_current_pid_tgid": "ok",
  "socket_filter get_current_uid_gid": "ok",
  "socket_filter get_current_comm fp-16 16": "ok",
  "socket_filter probe_read_user fp-8 0": "ok",
  "socket_filter probe_read_kernel map_ptr": "EACCES R1 type=map_ptr expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "socket_filter probe_read_user_str fp-8 8": "ok",
  "socket_filter probe_read_kernel_str fp-8 -1": "EACCES R2 min value is negative, either use unsigned or 'var &= const'",
  "socket_filter perf_event_output hash": "EINVAL cannot pass map_type 1 into func bpf_perf_event_output#25",
  "socket_filter perf_event_output r4 null": "EACCES R4 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "socket_filter perf_event_output r1 scalar": "EACCES R1 type=scalar expected=ctx",
  "socket_filter tail_call hash": "EINVAL expected prog array map for tail callprocessed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
  "socket_filter tail_call r2 scalar": "EACCES R2 type=scalar expected=map_ptr",
  "socket_filter send_signal": "ok",
  "socket_filter send_signal_thread": "ok",
  "socket_filter cgrp_storage_get hash null": "EINVAL cannot pass map_type 1 into func bpf_cgrp_storage_get#210",
  "socket_filter cgrp_storage_get r3 scalar": "EACCES R3 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "socket_filter cgrp_storage_get r2 fp": "EACCES R2 type=fp expected=ptr_, trusted_ptr_, rcu_ptr_",
  "socket_filter cgrp_storage_delete hash null": "EINVAL cannot pass map_type 1 into func bpf_cgrp_storage_delete#211",
  "socket_filter cgrp_storage_delete r2 scalar": "EACCES R2 type=scalar expected=ptr_, trusted_ptr_, rcu_ptr_",
  "socket_filter cgrp_storage_delete r2 ctx": "EACCES R2 type=ctx expected=ptr_, trusted_ptr_, rcu_ptr_",
  "socket_filter get_current_task MIT": "EINVAL cannot call GPL-restricted function from non-GPL compatible program",
  "socket_filter probe_read_kernel MIT": "EINVAL cannot call GPL-restricted function from non-GPL compatible program",
  "socket_filter get_current_pid_tgid MIT": "ok",
  "raw_tracepoint get_current_task": "ok",
  "raw_tracepoint get_current_pid_tgid": "ok",
  "raw_tracepoint get_current_uid_gid": "ok",
  "raw_tracepoint get_current_comm fp-16 16": "ok",
  "raw_tracepoint probe_read ctx": "EACCES R1 type=ctx expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "raw_tracepoint probe_read scalar": "EACCES R1 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "raw_tracepoint probe_read fp-8 8": "ok",
  "raw_tracepoint probe_read fp-8 16": "EINVAL invalid write to stack R1 off=-8 size=16",
  "raw_tracepoint probe_read_str fp-16 16": "ok",
  "raw_tracepoint probe_read_user fp-8 0": "ok",
  "raw_tracepoint probe_read_kernel map_ptr": "EACCES R1 type=map_ptr expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "raw_tracepoint probe_read_user_str fp-8 8": "ok",
  "raw_tracepoint probe_read_kernel_str fp-8 -1": "EACCES R2 min value is negative, either use unsigned or 'var &= const'",
  "raw_tracepoint perf_event_output hash": "EINVAL cannot pass map_type 1 into func bpf_perf_event_output#25",
  "raw_tracepoint perf_event_output r4 null": "EACCES R4 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "raw_tracepoint perf_event_output r1 scalar": "EACCES R1 type=scalar expected=ctx",
  "raw_tracepoint tail_call hash": "EINVAL expected prog array map for tail callprocessed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
  "raw_tracepoint tail_call r2 scalar": "EACCES R2 type=scalar expected=map_ptr",
  "raw_tracepoint get_stackid hash": "EINVAL cannot pass map_type 1 into func bpf_get_stackid#27",
  "raw_tracepoint get_stack fp-16 16": "ok",
  "raw_tracepoint get_stack r2 ctx": "EACCES R2 type=ctx expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "raw_tracepoint send_signal": "ok",
  "raw_tracepoint send_signal_thread": "ok",
  "raw_tracepoint cgrp_storage_get hash null": "EINVAL cannot pass map_type 1 into func bpf_cgrp_storage_get#210",
  "raw_tracepoint cgrp_storage_get r3 scalar": "EACCES R3 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "raw_tracepoint cgrp_storage_get r2 fp": "EACCES R2 type=fp expected=ptr_, trusted_ptr_, rcu_ptr_",
  "raw_tracepoint cgrp_storage_delete hash null": "EINVAL cannot pass map_type 1 into func bpf_cgrp_storage_delete#211",
  "raw_tracepoint cgrp_storage_delete r2 scalar": "EACCES R2 type=scalar expected=ptr_, trusted_ptr_, rcu_ptr_",
  "raw_tracepoint cgrp_storage_delete r2 ctx": "EACCES R2 type=ctx expected=ptr_, trusted_ptr_, rcu_ptr_",
  "raw_tracepoint get_current_task MIT": "EINVAL cannot call GPL-restricted function from non-GPL compatible program",
  "raw_tracepoint probe_read_kernel MIT": "EINVAL cannot call GPL-restricted function from non-GPL compatible program",
  "raw_tracepoint get_current_pid_tgid MIT": "ok",
  "tracepoint get_current_task": "ok",
  "tracepoint get_current_pid_tgid": "ok",
  "tracepoint get_current_uid_gid": "ok",
  "tracepoint get_current_comm fp-16 16": "ok",
  "tracepoint probe_read ctx": "EACCES R1 type=ctx expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "tracepoint probe_read scalar": "EACCES R1 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "tracepoint probe_read fp-8 8": "ok",
  "tracepoint probe_read fp-8 16": "EINVAL invalid write to stack R1 off=-8 size=16",
  "tracepoint probe_read_str fp-16 16": "ok",
  "tracepoint probe_read_user fp-8 0": "ok",
  "tracepoint probe_read_kernel map_ptr": "EACCES R1 type=map_ptr expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "tracepoint probe_read_user_str fp-8 8": "ok",
  "tracepoint probe_read_kernel_str fp-8 -1": "EACCES R2 min value is negative, either use unsigned or 'var &= const'",
  "tracepoint perf_event_output hash": "EINVAL cannot pass map_type 1 into func bpf_perf_event_output#25",
  "tracepoint perf_event_output r4 null": "EACCES R4 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "tracepoint perf_event_output r1 scalar": "EACCES R1 type=scalar expected=ctx",
  "tracepoint tail_call hash": "EINVAL expected prog array map for tail callprocessed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
  "tracepoint tail_call r2 scalar": "EACCES R2 type=scalar expected=map_ptr",
  "tracepoint get_stackid hash": "EINVAL cannot pass map_type 1 into func bpf_get_stackid#27",
  "tracepoint get_stack fp-16 16": "ok",
  "tracepoint get_stack r2 ctx": "EACCES R2 type=ctx expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "tracepoint send_signal": "ok",
  "tracepoint send_signal_thread": "ok",
  "tracepoint cgrp_storage_get hash null": "EINVAL cannot pass map_type 1 into func bpf_cgrp_storage_get#210",
  "tracepoint cgrp_storage_get r3 scalar": "EACCES R3 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "tracepoint cgrp_storage_get r2 fp": "EACCES R2 type=fp expected=ptr_, trusted_ptr_, rcu_ptr_",
  "tracepoint cgrp_storage_delete hash null": "EINVAL cannot pass map_type 1 into func bpf_cgrp_storage_delete#211",
  "tracepoint cgrp_storage_delete r2 scalar": "EACCES R2 type=scalar expected=ptr_, trusted_ptr_, rcu_ptr_",
  "tracepoint cgrp_storage_delete r2 ctx": "EACCES R2 type=ctx expected=ptr_, trusted_ptr_, rcu_ptr_",
  "tracepoint get_current_task MIT": "EINVAL cannot call GPL-restricted function from non-GPL compatible program",
  "tracepoint probe_read_kernel MIT": "EINVAL cannot call GPL-restricted function from non-GPL compatible program",
  "tracepoint get_current_pid_tgid MIT": "ok",
  "xdp get_current_task": "ok",
  "xdp get_current_pid_tgid": "ok",
  "xdp get_current_uid_gid": "ok",
  "xdp get_current_comm fp-16 16": "ok",
  "xdp probe_read_user fp-8 0": "ok",
  "xdp probe_read_kernel map_ptr": "EACCES R1 type=map_ptr expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "xdp probe_read_user_str fp-8 8": "ok",
  "xdp probe_read_kernel_str fp-8 -1": "EACCES R2 min value is negative, either use unsigned or 'var &= const'",
  "xdp perf_event_output hash": "EINVAL cannot pass map_type 1 into func bpf_perf_event_output#25",
  "xdp perf_event_output r4 null": "EACCES R4 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "xdp perf_event_output r1 scalar": "EACCES R1 type=scalar expected=ctx",
  "xdp tail_call hash": "EINVAL expected prog array map for tail callprocessed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
  "xdp tail_call r2 scalar": "EACCES R2 type=scalar expected=map_ptr",
  "xdp send_signal": "ok",
  "xdp send_signal_thread": "ok",
  "xdp cgrp_storage_get hash null": "EINVAL cannot pass map_type 1 into func bpf_cgrp_storage_get#210",
  "xdp cgrp_storage_get r3 scalar": "EACCES R3 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "xdp cgrp_storage_get r2 fp": "EACCES R2 type=fp expected=ptr_, trusted_ptr_, rcu_ptr_",
  "xdp cgrp_storage_delete hash null": "EINVAL cannot pass map_type 1 into func bpf_cgrp_storage_delete#211",
  "xdp cgrp_storage_delete r2 scalar": "EACCES R2 type=scalar expected=ptr_, trusted_ptr_, rcu_ptr_",
  "xdp cgrp_storage_delete r2 ctx": "EACCES R2 type=ctx expected=ptr_, trusted_ptr_, rcu_ptr_",
  "xdp get_current_task MIT": "EINVAL cannot call GPL-restricted function from non-GPL compatible program",
  "xdp probe_read_kernel MIT": "EINVAL cannot call GPL-restricted function from non-GPL compatible program",
  "xdp get_current_pid_tgid MIT": "ok",
  "syscall get_current_task": "ok",
  "syscall get_current_pid_tgid": "ok",
  "syscall get_current_uid_gid": "ok",
  "syscall get_current_comm fp-16 16": "ok",
  "syscall probe_read ctx": "EACCES R1 type=ctx expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "syscall probe_read scalar": "EACCES R1 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "syscall probe_read fp-8 8": "ok",
  "syscall probe_read fp-8 16": "EINVAL invalid write to stack R1 off=-8 size=16",
  "syscall probe_read_str fp-16 16": "ok",
  "syscall probe_read_user fp-8 0": "ok",
  "syscall probe_read_kernel map_ptr": "EACCES R1 type=map_ptr expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "syscall probe_read_user_str fp-8 8": "ok",
  "syscall probe_read_kernel_str fp-8 -1": "EACCES R2 min value is negative, either use unsigned or 'var &= const'",
  "syscall perf_event_output hash": "EINVAL cannot pass map_type 1 into func bpf_perf_event_output#25",
  "syscall perf_event_output r4 null": "EACCES R4 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "syscall perf_event_output r1 scalar": "EACCES R1 type=scalar expected=ctx",
  "syscall tail_call hash": "EINVAL expected prog array map for tail callprocessed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
  "syscall tail_call r2 scalar": "EACCES R2 type=scalar expected=map_ptr",
  "syscall get_stackid hash": "EINVAL cannot pass map_type 1 into func bpf_get_stackid#27",
  "syscall get_stack fp-16 16": "ok",
  "syscall get_stack r2 ctx": "EACCES R2 type=ctx expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "syscall send_signal": "ok",
  "syscall send_signal_thread": "ok",
  "syscall cgrp_storage_get hash null": "EINVAL cannot pass map_type 1 into func bpf_cgrp_storage_get#210",
  "syscall cgrp_storage_get r3 scalar": "EACCES R3 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_",
  "syscall cgrp_storage_get r2 fp": "EACCES R2 type=fp expected=ptr_, trusted_ptr_, rcu_ptr_",
  "syscall cgrp_storage_delete hash null": "EINVAL cannot pass map_type 1 into func bpf_cgrp_storage_delete#211",
  "syscall cgrp_storage_delete r2 scalar": "EACCES R2 type=scalar expected=ptr_, trusted_ptr_, rcu_ptr_",
  "syscall cgrp_storage_delete r2 ctx": "EACCES R2 type=ctx expected=ptr_, trusted_ptr_, rcu_ptr_",
  "syscall get_current_task MIT": "EINVAL cannot call GPL-restricted function from non-GPL compatible program",
  "syscall probe_read_kernel MIT": "EINVAL cannot call GPL-restricted function from non-GPL compatible program",
  "syscall get_current_pid_tgid MIT": "ok",
};

describe('helper prototypes (struct bpf_func_proto) as check_helper_call() applies them', () => {
  const vs = protoVariants();
  it('has a recorded answer for every variant', () => {
    expect(recordedAnswerGaps(vs, KERNEL)).toEqual([]);
  });

  it('answers as Linux 6.18 did: arguments, map types, gpl_only, on every program type', () => {
    expect(modelDisagreements(vs, KERNEL, protoModelAnswer)).toEqual([]);
  });
});

const { oracle, skip } = kernelForTests('helper prototypes against the running kernel');

describe.skipIf(skip)('helper prototypes against the running kernel', () => {
  it("gives the kernel's verdict, errno and first error line", () => {
    expect(kernelClassDisagreements(oracle, protoVariants(), protoJob, KERNEL, protoModelAnswer)).toEqual([]);
  });
});

/** Runs `asm` as a sleepable syscall program in the interpreter and the JIT (they must agree): r0 as a u32. */
function run(asm: string): number {
  const out = [false, true].map((jit) => {
    const e = createBpf({ jit });
    const p = e.prog_load({ asm, prog_type: 'syscall', prog_flags: BPF_F.SLEEPABLE });
    return e.prog_test_run(p, { ctx_in: new Uint8Array(16) }).retval >>> 0;
  });
  expect(out[0]).toBe(out[1]);
  return out[0]!;
}

/** The KernelError a run throws (the same in the interpreter and the JIT). */
function runError(asm: string): string {
  const out = [false, true].map((jit) => {
    const e = createBpf({ jit });
    const p = e.prog_load({ asm, prog_type: 'syscall', prog_flags: BPF_F.SLEEPABLE });
    try {
      e.prog_test_run(p, { ctx_in: new Uint8Array(16) });
      return 'no error';
    } catch (err) {
      if (!(err instanceof KernelError)) throw err;
      return `${err.errno} ${err.message}`;
    }
  });
  expect(out[0]).toBe(out[1]);
  return out[0]!;
}

const u32 = (v: number | bigint): number => Number(BigInt.asUintN(32, BigInt(v)));
/** *(u64 *)(r10 -8) = -1, then dst = fp-8, size 8, src = `src`; r0 = the helper's value + the u64 left at fp-8. */
const readInto = (id: number, src: string, size = 8): string =>
  `*(u64 *)(r10 -8) = -1\nr1 = r10\nr1 += -8\nr2 = ${size}\n${src}\ncall ${id}\nr6 = r0\nr0 = *(u64 *)(r10 -8)\nr0 += r6\nexit`;

describe('run-time semantics of the helpers the model now accepts', () => {
  it('current task: pid/tgid, uid/gid, comm and task address of the simulated task, deterministic', () => {
    expect(run('call 14\nexit')).toBe(CURRENT_TASK.pid);
    expect(run('call 14\nr0 >>= 32\nexit')).toBe(CURRENT_TASK.tgid);
    expect(run('call 15\nexit')).toBe(CURRENT_TASK.uid);
    expect(run('call 15\nr0 >>= 32\nexit')).toBe(CURRENT_TASK.gid);
    // strscpy_pad(): "kern" in the first word; a 3-byte buffer gets "ke" and a NUL.
    expect(run('r1 = r10\nr1 += -16\nr2 = 16\ncall 16\nr0 = *(u32 *)(r10 -16)\nexit')).toBe(0x6e72656b);
    expect(run('*(u32 *)(r10 -4) = -1\nr1 = r10\nr1 += -4\nr2 = 3\ncall 16\nr0 = *(u32 *)(r10 -4)\nexit')).toBe(
      0xff00656b,
    );
    expect(run('call 35\nexit')).toBe(u32(CURRENT_TASK_ADDR));
    expect(run('call 35\nr0 >>= 32\nexit')).toBe(u32(CURRENT_TASK_ADDR >> 32n));
  });

  it('probe_read family: a copy of model memory, or the error with the destination zeroed', () => {
    const src = '*(u64 *)(r10 -16) = 0x11223344\nr3 = r10\nr3 += -16';
    // compat, kernel: the copy and 0.
    expect(run(readInto(4, src))).toBe(0x11223344);
    expect(run(readInto(113, src))).toBe(0x11223344);
    // A user address (NULL): compat and user read fault (-EFAULT); a kernel read refuses it (-ERANGE, x86-64).
    expect(run(readInto(4, 'r3 = 0'))).toBe(u32(-14));
    expect(run(readInto(112, 'r3 = 0'))).toBe(u32(-14));
    expect(run(readInto(113, 'r3 = 0'))).toBe(u32(-34));
    // A user read of a kernel address faults; a size of 0 at a user address copies nothing.
    expect(run(readInto(112, 'r3 = r10\nr3 += -16'))).toBe(u32(-14));
    expect(run(readInto(112, 'r3 = 0', 0))).toBe(u32(-1));
    // Past the end of a region: -EFAULT, zeroed (a departure: Linux reads the kernel stack above the frame).
    expect(run(readInto(113, 'r3 = r10\nr3 += -4'))).toBe(u32(-14));
  });

  it('probe_read str variants: the length with the NUL, or size with the last byte made NUL', () => {
    const str = '*(u64 *)(r10 -16) = 0x636261\nr3 = r10\nr3 += -16'; // "abc\0"
    // "abc\0" -> 4, fp-8 = "abc\0" then the -1 bytes left (the str helpers do not pad).
    expect(run(readInto(115, str))).toBe(u32(0xffffffff00636261n + 4n));
    expect(run(readInto(45, str))).toBe(u32(0xffffffff00636261n + 4n));
    // size 2: "a\0", returns 2.
    expect(run(readInto(115, str, 2))).toBe(u32(0xffffffffffff0061n + 2n));
    // size 0: nothing, 0.
    expect(run(readInto(115, str, 0))).toBe(u32(-1));
    // A user string: -EFAULT, zeroed.
    expect(run(readInto(114, 'r3 = 0'))).toBe(u32(-14));
  });

  it('refuses what it cannot model with a KernelError naming the helper', () => {
    expect(runError('call 35\nr3 = r0\nr1 = r10\nr1 += -8\nr2 = 8\ncall 113\nexit')).toMatch(
      /^EOPNOTSUPP bpf_probe_read_kernel: a read of the current task_struct/,
    );
    expect(runError('r1 = 9\ncall 109\nexit')).toBe(
      'EOPNOTSUPP bpf_send_signal#109 at insn 1: the model does not run this helper',
    );
    expect(runError('r2 = r10\nr2 += -16\nr3 = 16\nr4 = 0\ncall 67\nexit').split(' ').slice(0, 2)).toEqual([
      'EOPNOTSUPP',
      'bpf_get_stack#67',
    ]);
  });
});
