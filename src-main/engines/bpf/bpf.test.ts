import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { Prng } from '../common/prng';
import { BPF_EXIST, BPF_NOEXIST, RingbufMap, createBpf } from './index';
import type { BpfEngine, BpfMap, BpfProgram } from './index';

const neg = (errno: number): bigint => BigInt.asUintN(64, BigInt(-errno));

/** Loads a program twice (JIT and interpreter) and checks every run agrees. */
function load(
  k: BpfEngine,
  asm: string,
  maps: Record<string, BpfMap> = {},
): { run: (ctx?: Uint8Array, cpu?: number) => bigint; jit: BpfProgram } {
  const jit = k.prog_load({ asm, maps, verify: false });
  const interp = k.prog_load({ asm, maps, verify: false, jit: false });
  expect(jit.jited).toBe(true);
  expect(interp.jited).toBe(false);
  return {
    jit,
    run: (ctx, cpu = 0) => {
      const a = jit.run(ctx ? Uint8Array.from(ctx) : undefined, { cpu });
      const b = interp.run(ctx ? Uint8Array.from(ctx) : undefined, { cpu });
      expect(b.insns).toBe(a.insns);
      return a.retval;
    },
  };
}

/** `update(map, key=r6's u32, value=r7's u64, flags)` then r0 = result. */
const UPDATE = (flags: number): string => `
  *(u32 *)(r10 - 4) = r6
  *(u64 *)(r10 - 16) = r7
  r1 = m ll
  r2 = r10
  r2 += -4
  r3 = r10
  r3 += -16
  r4 = ${flags}
  call bpf_map_update_elem`;

describe('maps through helpers', () => {
  it('ARRAY: bounded index, NOEXIST refused, no delete, values shared with the script', () => {
    const k = createBpf();
    const m = k.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 4 });
    const upd = (key: number, flags: number): bigint =>
      load(k, `r6 = ${key}\nr7 = 99\n${UPDATE(flags)}\nexit`, { m }).run();
    expect(upd(3, 0)).toBe(0n);
    expect(upd(4, 0)).toBe(neg(7)); // E2BIG
    expect(upd(1, BPF_NOEXIST)).toBe(neg(17)); // EEXIST
    expect(upd(1, 4)).toBe(neg(22));
    expect(m.lookup(3)).toEqual(Uint8Array.from([99, 0, 0, 0, 0, 0, 0, 0]));
    m.update(2, 0x0102n);
    const get = load(
      k,
      '*(u32 *)(r10 - 4) = 2\nr1 = m ll\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nif r0 == 0 goto out\nr0 = *(u64 *)(r0 + 0)\nout:\nexit',
      { m },
    );
    expect(get.run()).toBe(0x102n);
    expect(() => m.delete(1)).toThrow(KernelError);
  });

  it('HASH: BPF_ANY/NOEXIST/EXIST, E2BIG when full, ENOENT on delete of a missing key', () => {
    const k = createBpf();
    const m = k.map_create({ map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 2 });
    const upd = (key: number, v: number, flags: number): bigint =>
      load(k, `r6 = ${key}\nr7 = ${v}\n${UPDATE(flags)}\nexit`, { m }).run();
    expect(upd(10, 1, BPF_EXIST)).toBe(neg(2));
    expect(upd(10, 1, BPF_NOEXIST)).toBe(0n);
    expect(upd(10, 2, BPF_NOEXIST)).toBe(neg(17));
    expect(upd(10, 3, BPF_EXIST)).toBe(0n);
    expect(upd(11, 4, 0)).toBe(0n);
    expect(upd(12, 5, 0)).toBe(neg(7)); // full
    expect(m.entries().map(([kk, v]) => [kk[0], v[0]])).toEqual([
      [10, 3],
      [11, 4],
    ]);
    const del = (key: number): bigint =>
      load(k, `*(u32 *)(r10 - 4) = ${key}\nr1 = m ll\nr2 = r10\nr2 += -4\ncall bpf_map_delete_elem\nexit`, { m }).run();
    expect(del(11)).toBe(0n);
    expect(del(11)).toBe(neg(2));
    expect(m.lookup(11)).toBeUndefined();
  });

  it('LRU_HASH: a full map evicts the least recently used key, and a lookup refreshes a key', () => {
    const k = createBpf();
    const m = k.map_create({ map_type: 'BPF_MAP_TYPE_LRU_HASH', key_size: 4, value_size: 4, max_entries: 2 });
    m.update(1, 1);
    m.update(2, 2);
    // The program looks key 1 up, then inserts key 3: key 2 is the least recently used.
    const p = load(
      k,
      `*(u32 *)(r10 - 4) = 1\nr1 = m ll\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nr6 = 3\nr7 = 3\n${UPDATE(0)}\nexit`,
      { m },
    );
    p.jit.run();
    expect(
      m
        .keys()
        .map((kk) => kk[0])
        .sort(),
    ).toEqual([1, 3]);
  });

  it('BPF_F_RDONLY_PROG: programs read the values but every store or update faults', () => {
    const k = createBpf();
    const m = k.map_create({
      map_type: 'BPF_MAP_TYPE_ARRAY',
      key_size: 4,
      value_size: 4,
      max_entries: 1,
      map_flags: 0x80,
    });
    m.update(0, 7);
    const look = '*(u32 *)(r10 - 4) = 0\nr1 = m ll\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\n';
    expect(load(k, `${look}r0 = *(u32 *)(r0 + 0)\nexit`, { m }).run()).toBe(7n);
    const st = k.prog_load({ asm: `${look}*(u32 *)(r0 + 0) = 1\nexit`, maps: { m }, verify: false });
    expect(() => st.run()).toThrow(/^read-only memory \(map1 values\) store at insn 6, addr 0x[0-9a-f]+, size 4$/);
    expect(() => k.prog_load({ asm: `r6 = 0\nr7 = 1\n${UPDATE(0)}\nexit`, maps: { m } }).run()).toThrow(
      'write into map forbidden',
    );
    expect(() =>
      k.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1, map_flags: 0x2 }),
    ).toThrow(KernelError);
  });

  it('PERCPU_ARRAY: each CPU sees its own copy; the syscall side sees all of them', () => {
    const k = createBpf({ nr_cpus: 2 });
    const m = k.map_create({ map_type: 'BPF_MAP_TYPE_PERCPU_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    const p = k.prog_load({
      asm: '*(u32 *)(r10 - 4) = 0\nr1 = m ll\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nr1 = 5\nlock *(u32 *)(r0 + 0) += r1\nr0 = *(u32 *)(r0 + 0)\nexit',
      maps: { m },
      verify: false,
    });
    expect(p.run(undefined, { cpu: 1 }).retval).toBe(5n);
    expect(p.run(undefined, { cpu: 1 }).retval).toBe(10n);
    expect(p.run(undefined, { cpu: 0 }).retval).toBe(5n);
    expect(m.lookup(0)).toEqual(Uint8Array.from([5, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0]));
    m.update(0, 1); // one value for every CPU
    expect(m.lookup(0)).toEqual(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]));
    m.update(0, Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]));
    expect(p.run(undefined, { cpu: 1 }).retval).toBe(8n);
  });

  it('RINGBUF: reserve/submit/discard/output reach the consumer in order; a full ring refuses', () => {
    const lines: string[] = [];
    const k = createBpf({ log: (l) => lines.push(l) });
    expect(() => k.map_create({ map_type: 'BPF_MAP_TYPE_RINGBUF', max_entries: 1000 })).toThrow(KernelError);
    const rb = k.map_create({ map_type: 'BPF_MAP_TYPE_RINGBUF', max_entries: 4096, map_name: 'events' });
    const p = load(
      k,
      `
      r1 = rb ll
      r2 = 8
      r3 = 0
      call bpf_ringbuf_reserve
      if r0 == 0 goto full
      *(u64 *)(r0 + 0) = 0x41
      r1 = r0
      r2 = 0
      call bpf_ringbuf_submit
      r1 = rb ll
      r2 = 4
      r3 = 0
      call bpf_ringbuf_reserve
      if r0 == 0 goto full
      r1 = r0
      r2 = 0
      call bpf_ringbuf_discard
      *(u32 *)(r10 - 4) = 0x42
      r1 = rb ll
      r2 = r10
      r2 += -4
      r3 = 4
      r4 = 0
      call bpf_ringbuf_output
      r1 = rb ll
      r2 = 0
      call bpf_ringbuf_query
      exit
    full:
      r0 = -1
      exit`,
      { rb },
    );
    // Each run produces 16 + 16 (discarded) + 16 bytes: the JIT's run (first) sees 48 bytes of data.
    expect(p.run()).toBe(48n);
    const once = ['ringbuf events: 41 00 00 00 00 00 00 00', 'ringbuf events: 42 00 00 00'];
    expect(lines).toEqual([...once, ...once]);
    if (!(rb instanceof RingbufMap)) throw new Error('not a ring buffer');
    const recs = rb.consume();
    expect(recs.map((r) => r.length)).toEqual([8, 4, 8, 4]);
    // 4096 bytes hold 85 runs of 48 bytes; the 86th finds no room for its first record.
    let last = 0n;
    for (let i = 0; i < 90 && last !== BigInt.asUintN(64, -1n); i++) last = p.jit.run().retval;
    expect(last).toBe(BigInt.asUintN(64, -1n));
  });
});

describe('helpers and kfuncs', () => {
  /** bpf_for(i, start, end) sum += i, via bpf_iter_num_new/next/destroy. */
  const forSum = (start: number, end: number): string => `
    r6 = 0
    r1 = r10
    r1 += -8
    r2 = ${start}
    r3 = ${end}
    call bpf_iter_num_new
  loop:
    r1 = r10
    r1 += -8
    call bpf_iter_num_next
    if r0 == 0 goto done
    r1 = *(s32 *)(r0 + 0)
    r6 += r1
    goto loop
  done:
    r1 = r10
    r1 += -8
    call bpf_iter_num_destroy
    r0 = r6
    exit`;

  it('bpf_iter_num follows iters_num.c', () => {
    const k = createBpf();
    const s = (a: number, b: number): bigint => BigInt.asIntN(64, load(k, forSum(a, b)).run());
    expect(s(0, 10)).toBe(45n); // simple_sum
    expect(s(-10, 0)).toBe(-55n); // neg_sum
    expect(s(-2147483648, -2147483646)).toBe(-2147483648n + -2147483647n); // very_neg_sum
    expect(s(2147483645, 2147483647)).toBe(2147483645n + 2147483646n); // very_big_sum
    expect(s(-3, 3)).toBe(-3n);
    for (const x of [0, -2147483648, 2147483647, -1]) expect(s(x, x)).toBe(0n); // empty ranges
    const ret = (a: number, b: number): bigint =>
      load(k, `r1 = r10\nr1 += -8\nr2 = ${a}\nr3 = ${b}\ncall bpf_iter_num_new\nexit`).run();
    expect(ret(1, 0)).toBe(0xffffffean); // -EINVAL as an int
    expect(ret(0, 8 * 1024 * 1024)).toBe(0n); // max_range
    expect(ret(-1, 8 * 1024 * 1024)).toBe(0xfffffff9n); // -E2BIG
    // overfetched_elem_cnt: [0,5) with 10 next() calls yields 5 elements (NULL is sticky); fail_elem_cnt: new(100,10) yields 0.
    const count = (a: number, b: number): bigint =>
      load(
        k,
        `r6 = 0\nr7 = 10\nr1 = r10\nr1 += -8\nr2 = ${a}\nr3 = ${b}\ncall bpf_iter_num_new\nl:\nr1 = r10\nr1 += -8\ncall bpf_iter_num_next\nif r0 == 0 goto n\nr6 += 1\nn:\nr7 -= 1\nif r7 != 0 goto l\nr0 = r6\nexit`,
      ).run();
    expect(count(0, 5)).toBe(5n);
    expect(count(100, 10)).toBe(0n);
  });

  it('bpf_loop counts iterations, stops early with i+1 and checks flags and BPF_MAX_LOOPS', () => {
    const k = createBpf();
    const prog = (n: number, stopAt: number, flags = 0): bigint =>
      load(
        k,
        `r1 = ${n}\nr2 = cb ll\nr3 = 0\nr4 = ${flags}\ncall bpf_loop\nexit\ncb:\nr0 = 0\nif r1 != ${stopAt} goto +1\nr0 = 1\nexit`,
      ).run();
    expect(prog(10, -1)).toBe(10n);
    expect(prog(10, 3)).toBe(4n);
    expect(prog(10, 3, 1)).toBe(neg(22));
    expect(prog(8 * 1024 * 1024 + 1, 0)).toBe(neg(7));
  });

  it('bpf_trace_printk writes to the console; prandom is seeded; ktime is virtual; smp_processor_id is the CPU', () => {
    const lines: string[] = [];
    const k = createBpf({ log: (l) => lines.push(l), now: () => 123456789n });
    const fmt = 'x=%d y=%llx s=%s\\n';
    const bytes = [...'x=%d y=%llx s=%s\n', '\0'].map((c) => c.charCodeAt(0));
    void fmt;
    const store = bytes.map((b, i) => `*(u8 *)(r10 - ${32 - i}) = ${b}`).join('\n');
    const p = load(
      k,
      `${store}\n*(u32 *)(r10 - 40) = 0x6b6f\nr1 = r10\nr1 += -32\nr2 = ${bytes.length}\nr3 = -5\nr4 = 255\nr5 = r10\nr5 += -40\ncall bpf_trace_printk\nexit`,
    );
    expect(p.run()).toBe(BigInt('x=-5 y=ff s=ok\n'.length));
    expect(lines[0]).toBe('x=-5 y=ff s=ok');
    expect(load(k, 'call bpf_ktime_get_ns\nexit').run()).toBe(123456789n);
    expect(load(k, 'call bpf_get_smp_processor_id\nexit').run(undefined, 3)).toBe(3n);
    const rand = (seed: number): bigint[] => {
      const kk = createBpf({ prng: new Prng(seed) });
      const pr = kk.prog_load({ asm: 'call bpf_get_prandom_u32\nexit' });
      return [pr.run().retval, pr.run().retval];
    };
    expect(rand(5)).toEqual(rand(5));
    expect(rand(5)).not.toEqual(rand(6));
    expect(rand(5)[0]! < 2n ** 32n).toBe(true);
  });

  it('bpf_probe_read_kernel copies readable memory and zeroes the destination on a fault', () => {
    const k = createBpf();
    const src = (from: string): string =>
      `r7 = r1\n*(u64 *)(r10 - 8) = -1\nr1 = r10\nr1 += -8\nr2 = 4\n${from}\ncall bpf_probe_read_kernel\nr6 = *(u64 *)(r10 - 8)\nr6 <<= 8\nr0 &= 0xff\nr0 |= r6\nexit`;
    // Reading 4 bytes of the context: the low half of the slot is replaced, r0 = 0.
    expect(load(k, src('r3 = r7')).run(Uint8Array.from([1, 2, 3, 4]))).toBe(
      (0xffffffff04030201n << 8n) & 0xffffffffffffffffn,
    );
    // From NULL: the 4 bytes are zeroed, r0 = -ERANGE (low byte 0xde): x86-64's copy_from_kernel_nofault_allowed()
    // refuses a user address (Linux 6.18 answers so).
    expect(load(k, src('r3 = 0')).run()).toBe(((0xffffffff00000000n << 8n) & 0xffffffffffffffffn) | 0xden);
    // From an address no region holds: -EFAULT (low byte 0xf2).
    expect(load(k, src('r3 = -8')).run()).toBe(((0xffffffff00000000n << 8n) & 0xffffffffffffffffn) | 0xf2n);
  });

  it('prog_test_run reports a u32 retval and a duration, and prog_load verifies by default', () => {
    const k = createBpf();
    const p = k.prog_load({
      asm: 'r0 = *(u8 *)(r1 + 1)\nr0 += r2\nr1 = 0x100000000 ll\nr0 += r1\nexit',
      prog_type: 'socket',
      verify: false,
    });
    const res = k.prog_test_run(p, { data_in: Uint8Array.from([1, 2, 3]), repeat: 3 });
    expect(res.retval).toBe(5);
    expect(res.duration).toBe(res.insns);
    expect(k.prog_load({ asm: 'r0 = 0\nexit', verify: true }).run().retval).toBe(0n);
    expect(() => k.prog_load({ asm: 'r0 = r2\nexit' })).toThrow(KernelError);
    expect(() => k.prog_load({ asm: 'r1 = nosuchmap ll\nexit' })).toThrow(/unknown label, helper or map 'nosuchmap'/);
    expect(p.disasm().split('\n')[0]).toBe('0: (71) r0 = *(u8 *)(r1 +1)');
    // Syntax auto-detection: %rN means the uBPF syntax.
    expect(k.prog_load({ asm: 'mov %r0, 3\nexit' }).run().retval).toBe(3n);
    expect(k.prog_load({ asm: 'r0 = 4\nexit' }).run().retval).toBe(4n);
    try {
      k.prog_load({
        insns: [
          { code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
          { code: 0x07, dst_reg: 0, src_reg: 0, off: 1, imm: 1 },
          { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
        ],
      });
      throw new Error('loaded');
    } catch (e) {
      expect(e).toBeInstanceOf(KernelError);
      // The verifier meets the reserved field when its walk reaches the instruction, as bpf_check() does.
      expect((e as KernelError).detail).toMatchObject({
        insn: 1,
        log:
          '0: R1=ctx() R10=fp0\n0: (b7) r0 = 0                        ; R0=0\n1: (07) r0 += 1\nBPF_ALU uses reserved fields\n' +
          'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n',
      });
    }
    try {
      k.prog_load({
        insns: [
          { code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
          { code: 0x07, dst_reg: 0, src_reg: 0, off: 1, imm: 1 },
          { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
        ],
        verify: false,
      });
      throw new Error('loaded');
    } catch (e) {
      expect((e as KernelError).detail).toEqual({ insn: 1, log: '1: (07) r0 += 1\nBPF_ALU uses reserved fields\n' });
    }
  });

  it("prog_test_run takes the kernel's repeat: a u32, 0 is one run, none for raw_tp and syscall, EINTR on a signal", () => {
    let asked = 0;
    let pending = false;
    const k = createBpf({ signal_pending: () => (asked++, pending) });
    const sock = k.prog_load({ asm: 'r0 = 7\nexit', prog_type: 'socket' });
    expect(k.prog_test_run(sock, { repeat: 0 })).toMatchObject({ retval: 7, insns: 2 });
    expect(k.prog_test_run(sock, { repeat: 5 }).retval).toBe(7);
    // bpf_test_timer_continue(): asked between repeats, not after the last.
    expect(asked).toBe(4);
    expect(() => k.prog_test_run(sock, { repeat: 2 ** 32 })).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    expect(() => k.prog_test_run(sock, { repeat: -1 })).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    // bpf_prog_test_run_raw_tp() and bpf_prog_test_run_syscall(): kattr->test.repeat must be 0.
    for (const prog_type of ['raw_tp', 'syscall']) {
      const p = k.prog_load({ asm: 'r0 = 7\nexit', prog_type });
      expect(k.prog_test_run(p, { repeat: 0 }).retval).toBe(7);
      expect(() => k.prog_test_run(p, { repeat: 1 })).toThrow(
        expect.objectContaining({ errno: 'EINVAL', message: expect.stringContaining('repeat must be 0') }),
      );
    }
    // A pending signal ends the repeats after the run in progress, with EINTR.
    pending = true;
    expect(() => k.prog_test_run(sock, { repeat: 2 ** 32 - 1 })).toThrow(
      expect.objectContaining({
        errno: 'EINTR',
        message: 'BPF_PROG_TEST_RUN: interrupted by a signal after 1 of 4294967295 repeats',
      }),
    );
  });
});
