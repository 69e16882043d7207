/**
 * prog->aux->max_ctx_offset and the test runs that check it (check_ctx_access(), bpf_prog_test_run_syscall(),
 * bpf_prog_test_run_raw_tp()): a context shorter than the furthest byte the program reaches, or longer than the
 * type takes, is refused with EINVAL before the program runs; the model against the running kernel.
 */
import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../oracle/test-util';
import { createBpf } from './index';

const PROGS: { name: string; prog_type: 'syscall' | 'raw_tracepoint'; asm: string; max: number }[] = [
  { name: 'syscall: a u16 read at 100', prog_type: 'syscall', asm: 'r0 = *(u16 *)(r1 +100)\nexit', max: 102 },
  { name: 'syscall: a u32 write at 8', prog_type: 'syscall', asm: '*(u32 *)(r1 +8) = 7\nr0 = 0\nexit', max: 12 },
  { name: 'syscall: no context access', prog_type: 'syscall', asm: 'r0 = 5\nexit', max: 0 },
  {
    name: 'syscall: reads behind a branch never taken count',
    prog_type: 'syscall',
    asm: 'r0 = 0\nif r0 == 0 goto +1\nr0 = *(u8 *)(r1 +40)\nexit',
    max: 0,
  },
  {
    name: 'raw_tracepoint: the second argument',
    prog_type: 'raw_tracepoint',
    asm: 'r0 = *(u64 *)(r1 +8)\nexit',
    max: 16,
  },
  {
    name: 'raw_tracepoint: the twelfth argument',
    prog_type: 'raw_tracepoint',
    asm: 'r0 = *(u64 *)(r1 +88)\nexit',
    max: 96,
  },
];
const SIZES = [0, 8, 12, 16, 96, 97, 101, 102, 200, 65535, 65536];

type Answer = { ok: true; retval: number } | { ok: false; errno: string };

function model(p: (typeof PROGS)[number], size: number, jit: boolean): Answer {
  const e = createBpf();
  const prog = e.prog_load({ asm: p.asm, prog_type: p.prog_type, jit, prog_flags: p.prog_type === 'syscall' ? 8 : 0 });
  try {
    const ctx_in = Uint8Array.from({ length: size }, (_, i) => (i * 13 + 1) & 0xff);
    return { ok: true, retval: e.prog_test_run(prog, size ? { ctx_in } : {}).retval };
  } catch (err) {
    return { ok: false, errno: String((err as { errno?: string }).errno) };
  }
}

describe('max_ctx_offset in the model', () => {
  it('is one past the furthest context byte the verifier saw reached, reads and writes alike', () => {
    for (const p of PROGS) {
      const e = createBpf();
      const prog = e.prog_load({ asm: p.asm, prog_type: p.prog_type, prog_flags: p.prog_type === 'syscall' ? 8 : 0 });
      // The dead read is pruned away by the walk: it never reaches check_ctx_access(), so it does not count.
      expect(prog.max_ctx_offset, p.name).toBe(p.max);
    }
  });

  it('refuses a test run whose context is too short or too long, with the reason', () => {
    const p = PROGS[0]!;
    expect(model(p, 101, false)).toEqual({ ok: false, errno: 'EINVAL' });
    expect(model(p, 102, false)).toMatchObject({ ok: true });
    expect(model(p, 65535, true)).toMatchObject({ ok: true });
    expect(model(p, 65536, true)).toEqual({ ok: false, errno: 'EINVAL' });
    expect(model(PROGS[4]!, 97, false)).toEqual({ ok: false, errno: 'EINVAL' });
    const e = createBpf();
    const prog = e.prog_load({ asm: p.asm, prog_type: 'syscall', prog_flags: 8 });
    expect(() => e.prog_test_run(prog, { ctx_in: new Uint8Array(64) })).toThrow(
      'BPF_PROG_TEST_RUN: ctx_size_in 64 is less than max_ctx_offset 102 (the program reads or writes its context up to there)',
    );
  });
});

const { oracle, skip } = kernelForTests('context sizes of test runs against the running kernel');

describe.skipIf(skip)('context sizes of test runs against the running kernel', () => {
  it('the model refuses and runs exactly what the kernel does, with the same retval', () => {
    const wrong: string[] = [];
    let compared = 0;
    for (const p of PROGS)
      for (const size of SIZES) {
        const ctx_in = Uint8Array.from({ length: size }, (_, i) => (i * 13 + 1) & 0xff);
        const k = oracle.kernel_test_run(
          { asm: p.asm, prog_type: p.prog_type, ...(p.prog_type === 'syscall' ? { prog_flags: 8 } : {}) },
          size ? { ctx_in } : {},
        );
        if (k.verdict.refused !== undefined || !k.verdict.ok) continue;
        compared++;
        const want: Answer = k.ok ? { ok: true, retval: Number(k.retval) } : { ok: false, errno: k.errno_name };
        for (const jit of [false, true]) {
          const got = model(p, size, jit);
          if (JSON.stringify(got) !== JSON.stringify(want))
            wrong.push(
              `${p.name}, ctx ${size}, ${jit ? 'jit' : 'interp'}: kernel ${JSON.stringify(want)}, model ${JSON.stringify(got)}`,
            );
        }
      }
    console.log(`test-run context sizes: ${compared} program × size pairs compared with the running kernel`);
    expect(compared).toBeGreaterThan(PROGS.length * 4);
    expect(wrong).toEqual([]);
  });
});
