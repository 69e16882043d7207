import { describe, expect, it } from 'vitest';
import { createBpf, KFUNC_BTF_ID, KFUNC_NAMES, type KfuncName } from '../engines/bpf';
import { kernelOracle } from './index';
import { hostNrCpuIds } from './fuzz/runner';

const oracle = kernelOracle();
const avail = oracle.available();
if (!avail.ok) console.log(`kernel oracle: BPF tests skipped (${avail.why})`);

/** bpf_for-style sum over [0, 3) with the open-coded iterator: 0 + 1 + 2. */
const ITER_SUM = `
  r1 = r10
  r1 += -8
  r2 = 0
  r3 = 3
  call bpf_iter_num_new
  r6 = 0
loop:
  r1 = r10
  r1 += -8
  call bpf_iter_num_next
  if r0 == 0 goto done
  r7 = *(u32 *)(r0 + 0)
  r6 += r7
  goto loop
done:
  r1 = r10
  r1 += -8
  call bpf_iter_num_destroy
  r0 = r6
  exit`;

/** A socket filter's test run needs at least an Ethernet header of packet data. */
const PACKET = new Uint8Array(64);

describe.skipIf(!avail.ok)('the running kernel', () => {
  it('loads r0 = 42; exit as a socket filter and test-runs it to 42', () => {
    const res = oracle.testRun('r0 = 42\nexit', { prog_type: 'socket_filter', data_in: PACKET, repeat: 10 });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.retval).toBe(42n);
    expect(res.verdict).toMatchObject({ ok: true, errno: 0, processed: 2 });
    expect(res.verdict.log).toBe(
      'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n',
    );
    expect(res.data_out).toEqual(PACKET);
  });

  it('rejects a read of uninitialised r2 with EACCES and `R2 !read_ok`', () => {
    const v = oracle.verify('r0 = r2\nexit', { prog_type: 'socket_filter' });
    expect(v).toMatchObject({ ok: false, errno: 13, errno_name: 'EACCES', first_error: 'R2 !read_ok' });
    expect(v.log.split('\n').slice(0, 3)).toEqual(['0: R1=ctx() R10=fp0', '0: (bf) r0 = r2', 'R2 !read_ok']);
  });

  it('keeps the verdict when the log overflows its buffer (ENOSPC), marking the log truncated', () => {
    const v = oracle.verify('r0 = r2\nexit', { prog_type: 'socket_filter', log_size: 32 });
    expect(v).toMatchObject({ ok: false, errno_name: 'EACCES', log_truncated: true });
    expect(v.log.length).toBeLessThan(32);
    expect(oracle.verify('r0 = 1\nexit', { log_size: 16 })).toMatchObject({ ok: true, log_truncated: true });
  });

  it('rejects `l: goto l` as an infinite loop', () => {
    const v = oracle.verify('l: goto l', { prog_type: 'socket_filter' });
    expect(v).toMatchObject({
      ok: false,
      errno: 22,
      errno_name: 'EINVAL',
      first_error: 'infinite loop detected at insn 0',
    });
    expect(v.log).toContain('\ncur state: R1=ctx() R10=fp0\nold state: R1=ctx() R10=fp0\n');
  });

  it('accepts the bpf_iter_num loop (kfuncs by BTF id) and runs it to 0 + 1 + 2', () => {
    // A script's run may call no kfunc (an iterator's loop is not bounded by the verifier): the allow-list keeps
    // the load, refuses the run; the project's own programs may run it.
    expect(oracle.testRun(ITER_SUM, { prog_type: 'socket_filter', data_in: PACKET })).toMatchObject({
      ok: false,
      errno_name: 'EPERM',
      verdict: { ok: true },
    });
    const res = kernelOracle({ trustedPrograms: true }).testRun(ITER_SUM, {
      prog_type: 'socket_filter',
      data_in: PACKET,
    });
    expect(res.ok && res.retval).toBe(3n);
    // The same program through our interpreter.
    const bpf = createBpf({ jit: false });
    expect(bpf.prog_load({ asm: ITER_SUM, verify: false }).run().retval).toBe(3n);
  });

  it('refuses the iterator that is never destroyed with the 6.18 reference-leak message', () => {
    const v = oracle.verify(ITER_SUM.replace('call bpf_iter_num_destroy', 'r0 = 0'), { prog_type: 'socket_filter' });
    expect(v).toMatchObject({ ok: false, errno_name: 'EINVAL', first_error: 'Unreleased reference id=1 alloc_insn=4' });
    expect(v.log).toContain(
      'Unreleased reference id=1 alloc_insn=4\nBPF_EXIT instruction in main prog would lead to reference leak\n',
    );
    expect(v.log).toContain(`call bpf_iter_num_new#${oracle.kfunc_id('bpf_iter_num_new')}`);
  });

  it('creates the array map a lookup needs and reads its zeroed value', () => {
    const prog = `
      r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:7]
      call bpf_map_lookup_elem
      if r0 == 0 goto out
      r0 = *(u64 *)(r0 + 0)
      r0 += 5
    out:
      exit`;
    const res = oracle.testRun(prog, {
      data_in: PACKET,
      maps: { 7: { map_type: 'array', key_size: 4, value_size: 8, max_entries: 1 } },
    });
    expect(res.ok && res.retval).toBe(5n);
    // A hash map with a stored element: BPF_MAP_UPDATE_ELEM before the load.
    const key = new Uint8Array(4);
    const value = Uint8Array.of(37, 0, 0, 0, 0, 0, 0, 0);
    const hashed = oracle.testRun(prog, {
      data_in: PACKET,
      maps: { 7: { map_type: 'hash', key_size: 4, value_size: 8, max_entries: 4, entries: [[key, value]] } },
    });
    expect(hashed.ok && hashed.retval).toBe(42n);
    const empty = oracle.testRun(prog, {
      data_in: PACKET,
      maps: { 7: { map_type: 'hash', key_size: 4, value_size: 8, max_entries: 4 } },
    });
    expect(empty.ok && empty.retval).toBe(0n); // lookup miss: r0 = NULL is returned
    // An element shorter (or longer) than the map's key_size / value_size never reaches BPF_MAP_UPDATE_ELEM,
    // which would read past the helper's buffer: EINVAL from the helper.
    for (const [k, v] of [
      [new Uint8Array(2), value],
      [key, value.subarray(0, 4)],
      [key, new Uint8Array(16)],
    ] as const) {
      const bad = oracle.testRun(prog, {
        data_in: PACKET,
        maps: { 7: { map_type: 'hash', key_size: 4, value_size: 8, max_entries: 4, entries: [[k, v]] } },
      });
      expect(bad).toMatchObject({ ok: false, errno_name: 'EINVAL', why: expect.stringContaining('map_update') });
    }
    // A per-CPU map's value is round_up(value_size, 8) bytes per possible CPU, as libbpf sizes it.
    const cpus = hostNrCpuIds() ?? 1;
    const percpu = (n: number): ReturnType<typeof oracle.testRun> =>
      oracle.testRun(prog, {
        data_in: PACKET,
        maps: {
          7: {
            map_type: 'percpu_hash',
            key_size: 4,
            value_size: 4,
            max_entries: 4,
            entries: [[key, new Uint8Array(n)]],
          },
        },
      });
    expect(percpu(4)).toMatchObject({ ok: false, errno_name: 'EINVAL' });
    expect(percpu(8 * cpus).verdict).toBeDefined();
    expect(JSON.stringify(percpu(8 * cpus))).not.toContain('map_update');
    // Without the map the ld_imm64 names fd 7, a host fd: the allow-list refuses it before the kernel sees it.
    expect(oracle.verify(prog)).toMatchObject({
      ok: false,
      errno_name: 'EPERM',
      refused: expect.stringContaining('map fd 7'),
    });
  });

  it('reads back what a test run wrote into its maps (read_after keys, BPF_MAP_LOOKUP_ELEM)', () => {
    // value[0] += 5 in an array map and in a hash map (a miss writes nothing).
    const prog = `
      r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:7]
      call bpf_map_lookup_elem
      if r0 == 0 goto out
      r1 = *(u64 *)(r0 + 0)
      r1 += 5
      *(u64 *)(r0 + 0) = r1
    out:
      r0 = 0
      exit`;
    const k0 = new Uint8Array(4);
    const k1 = Uint8Array.of(1, 0, 0, 0);
    const array = oracle.testRun(prog, {
      data_in: PACKET,
      maps: {
        7: {
          map_type: 'array',
          key_size: 4,
          value_size: 8,
          max_entries: 2,
          entries: [[k0, Uint8Array.of(37, 0, 0, 0, 0, 0, 0, 0)]],
          read_after: [k0, k1],
        },
      },
    });
    expect(array.ok && array.maps_after[7]!.map((v) => v && [...v])).toEqual([
      [42, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0],
    ]);
    const hash = oracle.testRun(prog, {
      data_in: PACKET,
      maps: { 7: { map_type: 'hash', key_size: 4, value_size: 8, max_entries: 4, read_after: [k0] } },
    });
    expect(hash.ok && hash.maps_after[7]).toEqual([undefined]); // no element: ENOENT
    // A key of the wrong size is refused by the helper (EINVAL), and the run reports it.
    const bad = oracle.testRun(prog, {
      data_in: PACKET,
      maps: { 7: { map_type: 'array', key_size: 4, value_size: 8, max_entries: 1, read_after: [new Uint8Array(2)] } },
    });
    expect(bad.ok ? 'ok' : bad.why).toBe('map_lookup failed: EINVAL (22)');
  });

  it('runs a SYSCALL program on its context and hands the written-back context out', () => {
    const res = oracle.testRun('r0 = *(u32 *)(r1 + 0)\nr2 = 7\n*(u32 *)(r1 + 4) = r2\nexit', {
      prog_type: 'syscall',
      ctx_in: Uint8Array.of(1, 2, 3, 4, 0, 0, 0, 0),
    });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.retval).toBe(0x04030201n);
    expect([...res.ctx_after]).toEqual([1, 2, 3, 4, 7, 0, 0, 0]);
  });

  it('says in one line when a test run is refused', () => {
    const res = oracle.testRun('r0 = 0\nexit', { prog_type: 'socket_filter' }); // no packet data
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.why).toBe('test_run failed: EINVAL (22)');
  });
});

describe.skipIf(!avail.ok)('the async entry points', () => {
  it('give the same answers without blocking', async () => {
    const [run, v] = await Promise.all([
      oracle.testRunAsync('r0 = 7\nexit', { data_in: PACKET }),
      oracle.verifyAsync('r0 = r2\nexit'),
    ]);
    expect(run.ok && run.retval).toBe(7n);
    expect(v.first_error).toBe('R2 !read_ok');
  });
});

describe.skipIf(!avail.ok)('assembly syntaxes', () => {
  it('takes the uBPF syntax too (auto-detected), as k.bpf.verify does', () => {
    const res = oracle.testRun('mov %r0, 0x2a\nexit', { prog_type: 'socket', data_in: PACKET });
    expect(res.ok && res.retval).toBe(42n);
  });
});

describe.skipIf(!avail.ok)('the scripting shape', () => {
  it('kernel_verify / kernel_test_run take src or { asm | insns, prog_type, log_level }', () => {
    expect(oracle.kernel_verify('r0 = r3\nexit').first_error).toBe('R3 !read_ok');
    expect(
      oracle.kernel_verify({ asm: 'r0 = 1\nexit', prog_type: 'BPF_PROG_TYPE_RAW_TRACEPOINT', log_level: 2 }),
    ).toMatchObject({ ok: true, errno: 0 });
    const run = oracle.kernel_test_run(
      {
        insns: [
          { code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 9 },
          { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
        ],
        prog_type: 'socket',
      },
      { data_in: PACKET, repeat: 2 },
    );
    expect(run.ok && run.retval).toBe(9n);
    expect(() => oracle.kernel_verify({ prog_type: 'socket' })).toThrow('kernel_verify: give insns or asm');
  });
});

describe.skipIf(!avail.ok)(
  "the allow-list (issue 22): what the oracle refuses never reaches this machine's kernel",
  () => {
    it('refuses a SYSCALL program calling bpf_sys_bpf, a tracing program and a kernel variable with EPERM, naming them', () => {
      expect(() =>
        oracle.kernel_test_run({ asm: 'r1 = 0\nr2 = 0\nr3 = 0\ncall bpf_sys_bpf\nr0 = 0\nexit', prog_type: 'syscall' }),
      ).toThrow(
        expect.objectContaining({
          name: 'KernelPolicyError',
          errno: 'EPERM',
          message: expect.stringContaining('insn 3: bpf_sys_bpf is not on the kernel oracle'),
        }),
      );
      expect(() => oracle.kernel_verify({ asm: 'r0 = 0\nexit', prog_type: 'BPF_PROG_TYPE_TRACING' })).toThrow(
        /^BPF_PROG_TYPE_TRACING is not on the kernel oracle's allow-list for a load/,
      );
      const ksym = [
        { code: 0x18, dst_reg: 1, src_reg: 3, off: 0, imm: oracle.btf().findByNameKind('jiffies', 14) ?? 1 },
        { code: 0, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
        { code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
        { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
      ];
      expect(oracle.verify(ksym, { prog_type: 'raw_tp' })).toMatchObject({
        ok: false,
        errno_name: 'EPERM',
        log: '',
        refused: expect.stringContaining('BPF_PSEUDO_BTF_ID'),
      });
    });

    it('loads a kprobe program reading kernel memory for the verdict, and refuses to run it', () => {
      const prog = 'r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\ncall bpf_probe_read_kernel\nr0 = 0\nexit';
      expect(oracle.kernel_verify({ asm: prog, prog_type: 'kprobe' })).toMatchObject({ ok: true });
      expect(oracle.testRun(prog, { prog_type: 'raw_tp' })).toMatchObject({
        ok: false,
        errno_name: 'EPERM',
        verdict: { ok: true },
        refused: expect.stringContaining('bpf_probe_read_kernel'),
      });
      expect(() =>
        oracle.kernel_test_run({ asm: 'r0 = 0\nexit', prog_type: 'socket' }, { data_in: PACKET, repeat: 2_000_000 }),
      ).toThrow(/repeat 2000000 is past the kernel oracle's cap/);
      const entry = [new Uint8Array(4), new Uint8Array(8)] as const;
      const maps = { 7: { map_type: 'hash', key_size: 4, value_size: 8, max_entries: 1, entries: [entry, entry] } };
      expect(oracle.verify('r0 = 0\nexit', { maps })).toMatchObject({
        errno_name: 'EPERM',
        refused: '2 entries to store in a map of max_entries 1',
      });
      expect(
        oracle.verify('r0 = 0\nexit', {
          maps: { 7: { map_type: 'prog_array', key_size: 4, value_size: 4, max_entries: 1 } },
        }).refused,
      ).toMatch(/^map type 3 is not one/);
    });
  },
);

describe.skipIf(!avail.ok)('kfuncs our engine does not model', () => {
  it('resolves them by name from this kernel BTF when assembling', () => {
    // bpf_preempt_disable/enable exist in 6.18 (kernel/bpf/helpers.c); our engine has no such kfuncs.
    const v = oracle.verify('call bpf_preempt_disable\ncall bpf_preempt_enable\nr0 = 0\nexit', { prog_type: 'raw_tp' });
    expect([...createBpf().kfuncs.values()].map((k) => k.name)).not.toContain('bpf_preempt_disable');
    expect(v).toMatchObject({ ok: true, errno: 0, processed: 4 }); // an unresolved call would be refused
  });

  it("maps the model's kfunc ids to this kernel's by name; an engine given this kernel's ids (btf: 'host') uses them", () => {
    const host = Object.fromEntries(KFUNC_NAMES.map((n) => [n, oracle.kfunc_id(n)!])) as Record<KfuncName, number>;
    for (const n of KFUNC_NAMES) expect(oracle.btf().isKfunc(n), n).toBe(true);
    const hostEngine = createBpf({ kfunc_ids: host });
    for (const n of KFUNC_NAMES) expect(hostEngine.kfuncs.get(host[n])?.name, n).toBe(n);
    const asm =
      'r1 = r10\nr1 += -8\nr2 = 0\nr3 = 3\ncall bpf_iter_num_new\nr1 = r10\nr1 += -8\ncall bpf_iter_num_destroy\nr0 = 0\nexit';
    // The model's ids are patched by name; this kernel's go as they are.
    const model = createBpf().assemble(asm).insns;
    expect(model[4]!.imm).toBe(KFUNC_BTF_ID.bpf_iter_num_new);
    const own = hostEngine.assemble(asm).insns;
    expect(own[4]!.imm).toBe(host.bpf_iter_num_new);
    const [a, b] = oracle.batch([
      { prog: model, opts: { prog_type: 'raw_tp', log_level: 2 } },
      { prog: own, opts: { prog_type: 'raw_tp', log_level: 2 } },
    ]);
    expect(a!.verdict.ok && b!.verdict.ok).toBe(true);
    expect(a!.verdict.log).toBe(b!.verdict.log);
    expect(a!.verdict.log).toContain(`call bpf_iter_num_new#${host.bpf_iter_num_new}`);
  });
});
