import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeInsns } from '../engines/bpf';
import type { BpfInsn } from '../engines/bpf';
import { helperIdByName } from '../engines/bpf';
import { buildHelper, helperSourcePath, request, runHelper } from './native';
import { mapRefusal, MAX_REPEAT, POLICY_IDS, programRefusal, type PolicyRequest } from './policy';
import { BPF_PROG_TYPE } from './uapi';

const insn = (code: number, dst_reg = 0, src_reg = 0, off = 0, imm = 0): BpfInsn => ({
  code,
  dst_reg,
  src_reg,
  off,
  imm,
});
const EXIT = insn(0x95);
const R0_0 = insn(0xb7);
const call = (name: string): BpfInsn => insn(0x85, 0, 0, 0, helperIdByName(name));
const kfunc = (btfId: number): BpfInsn => insn(0x85, 0, 2, 0, btfId);
/** ld_imm64 r1 with the given src_reg and imm (two slots). */
const ldimm64 = (src: number, imm: number): BpfInsn[] => [insn(0x18, 1, src, 0, imm), insn(0, 0, 0, 0, 0)];
const prog = (...body: (BpfInsn | BpfInsn[])[]): Uint8Array => encodeInsns([...body.flat(), R0_0, EXIT]);
const type = (t: string): number => BPF_PROG_TYPE[`BPF_PROG_TYPE_${t}`]!;
const req = (t: string, run: boolean, extra: Partial<PolicyRequest> = {}): PolicyRequest => ({
  prog_type: type(t),
  run,
  maps: 0,
  ...extra,
});

describe('the kernel oracle allow-list (policy.ts)', () => {
  it('test-runs only program types whose BPF_PROG_TEST_RUN works on a private copy of caller data', () => {
    for (const t of [
      'SOCKET_FILTER',
      'SCHED_CLS',
      'SCHED_ACT',
      'CGROUP_SKB',
      'XDP',
      'FLOW_DISSECTOR',
      'RAW_TRACEPOINT',
      'SYSCALL',
    ]) {
      expect(programRefusal(prog(), req(t, true)), t).toBeUndefined();
    }
    for (const t of [
      'TRACING',
      'LSM',
      'STRUCT_OPS',
      'EXT',
      'KPROBE',
      'TRACEPOINT',
      'PERF_EVENT',
      'NETFILTER',
      'SK_LOOKUP',
      'LWT_XMIT',
      'RAW_TRACEPOINT_WRITABLE',
    ]) {
      expect(programRefusal(prog(), req(t, true)), t).toMatch(
        new RegExp(`^BPF_PROG_TYPE_${t} is not on the kernel oracle's allow-list for a test run`),
      );
    }
    expect(programRefusal(prog(), { prog_type: 99, run: true, maps: 0 })).toMatch(/^program type 99 is not on/);
  });

  it('loads kprobe, tracepoint and perf_event programs for the verdict, never for a run; never tracing, LSM or struct_ops', () => {
    for (const t of ['KPROBE', 'TRACEPOINT', 'PERF_EVENT'])
      expect(programRefusal(prog(), req(t, false)), t).toBeUndefined();
    for (const t of ['TRACING', 'LSM', 'STRUCT_OPS', 'EXT', 'CGROUP_SOCK_ADDR'])
      expect(programRefusal(prog(), req(t, false)), t).toMatch(/allow-list for a load/);
  });

  it('names the helper a test run may not call, and lets the same program load for the verdict', () => {
    for (const name of [
      'probe_read_kernel',
      'probe_read_user',
      'get_current_task',
      'get_current_pid_tgid',
      'sys_bpf',
      'kallsyms_lookup_name',
      'send_signal',
      'override_return',
      'clone_redirect',
      'sk_lookup_tcp',
      'fib_lookup',
      'ktime_get_ns',
      'get_prandom_u32',
      'snprintf',
      'loop',
      'for_each_map_elem',
      'timer_start',
      'tail_call',
      'd_path',
      'copy_from_user',
    ]) {
      const p = prog(call(name), call(name));
      expect(programRefusal(p, req('RAW_TRACEPOINT', true)), name).toBe(
        `insn 0: bpf_${name} is not on the kernel oracle's allow-list for a test run (it can read or change host state, or run unbounded)`,
      );
      expect(programRefusal(p, req('RAW_TRACEPOINT', false)), name).toBeUndefined();
    }
    for (const name of ['map_lookup_elem', 'skb_load_bytes', 'xdp_adjust_head', 'ringbuf_output', 'csum_diff'])
      expect(programRefusal(prog(call(name)), req('XDP', true)), name).toBeUndefined();
  });

  it('refuses bpf_trace_printk and bpf_probe_write_user even for a load: their protos change the host when the verifier asks', () => {
    expect(programRefusal(prog(call('trace_printk')), req('SOCKET_FILTER', false))).toMatch(
      /^insn 0: bpf_trace_printk is refused by the kernel oracle: its proto turns on the host's bpf_trace_printk trace event/,
    );
    expect(programRefusal(prog(R0_0, call('probe_write_user')), req('KPROBE', false))).toMatch(
      /^insn 1: bpf_probe_write_user is refused .* kernel log/,
    );
    expect(programRefusal(prog(call('trace_vprintk')), req('RAW_TRACEPOINT', false))).toMatch(
      /bpf_trace_vprintk is refused/,
    );
    // The project's own selftest corpus may load them (never run them).
    expect(programRefusal(prog(call('trace_printk')), req('RAW_TRACEPOINT', false, { trusted: true }))).toBeUndefined();
    expect(programRefusal(prog(call('trace_printk')), req('RAW_TRACEPOINT', true, { trusted: true }))).toMatch(
      /bpf_trace_printk is not on/,
    );
  });

  it("runs no kfunc, may_goto, bpf_loop or bpf_for_each_map_elem unless the programs are the project's own", () => {
    const withKfunc = prog(kfunc(1234));
    expect(
      programRefusal(
        withKfunc,
        req('RAW_TRACEPOINT', true, { kfuncName: (id) => (id === 1234 ? 'bpf_rdonly_cast' : undefined) }),
      ),
    ).toBe("insn 0: kfunc bpf_rdonly_cast is not on the kernel oracle's allow-list for a test run (no kfunc is)");
    expect(programRefusal(withKfunc, req('RAW_TRACEPOINT', true))).toMatch(/kfunc #1234/);
    expect(programRefusal(withKfunc, req('RAW_TRACEPOINT', false))).toBeUndefined();
    expect(programRefusal(withKfunc, req('RAW_TRACEPOINT', true, { trusted: true }))).toBeUndefined();
    const mayGoto = prog(insn(0xe5, 0, 0, 0, 0));
    expect(programRefusal(mayGoto, req('SOCKET_FILTER', true))).toMatch(/^insn 0: may_goto is not on/);
    expect(programRefusal(mayGoto, req('SOCKET_FILTER', true, { trusted: true }))).toBeUndefined();
    expect(programRefusal(prog(call('loop')), req('SYSCALL', true, { trusted: true }))).toBeUndefined();
    // Trust does not open host state.
    expect(programRefusal(prog(call('probe_read_kernel')), req('SYSCALL', true, { trusted: true }))).toMatch(
      /bpf_probe_read_kernel is not on/,
    );
    expect(programRefusal(prog(), req('TRACING', true, { trusted: true }))).toMatch(/BPF_PROG_TYPE_TRACING is not on/);
  });

  it("allows ld_imm64 of constants, subprograms and the oracle's own maps only", () => {
    expect(programRefusal(prog(ldimm64(0, 5)), req('SOCKET_FILTER', true))).toBeUndefined();
    expect(programRefusal(prog(ldimm64(4, 1)), req('SOCKET_FILTER', true))).toBeUndefined();
    expect(programRefusal(prog(ldimm64(5, 0), ldimm64(6, 1)), req('SOCKET_FILTER', true, { maps: 2 }))).toBeUndefined();
    expect(programRefusal(prog(ldimm64(5, 2)), req('SOCKET_FILTER', false, { maps: 2 }))).toBe(
      'insn 0: ld_imm64 names map index 2, but the kernel oracle created 2 map(s)',
    );
    expect(programRefusal(prog(R0_0, ldimm64(1, 3)), req('SOCKET_FILTER', false))).toMatch(
      /^insn 1: ld_imm64 names map fd 3, which is not a map the kernel oracle created/,
    );
    expect(programRefusal(prog(ldimm64(2, 3)), req('SOCKET_FILTER', false))).toMatch(/map fd 3/);
    expect(programRefusal(prog(ldimm64(3, 777)), req('RAW_TRACEPOINT', false, { trusted: true }))).toMatch(
      /^insn 0: ld_imm64 of a kernel variable \(BPF_PSEUDO_BTF_ID\) is refused/,
    );
    expect(programRefusal(prog(ldimm64(7, 0)), req('SOCKET_FILTER', false))).toMatch(/src_reg 7/);
    // The second slot of an ld_imm64 is not an instruction: a call opcode there is not a call.
    expect(
      programRefusal(
        encodeInsns([insn(0x18, 1, 0, 0, 0), insn(0x85, 0, 0, 0, helperIdByName('probe_read_kernel')), R0_0, EXIT]),
        req('SOCKET_FILTER', true),
      ),
    ).toBeUndefined();
  });

  it('caps repeat, and refuses calls of unknown kinds and ragged programs', () => {
    expect(programRefusal(prog(), req('SOCKET_FILTER', true, { repeat: MAX_REPEAT }))).toBeUndefined();
    expect(programRefusal(prog(), req('SOCKET_FILTER', true, { repeat: MAX_REPEAT + 1 }))).toBe(
      `repeat ${MAX_REPEAT + 1} is past the kernel oracle's cap of ${MAX_REPEAT}`,
    );
    expect(programRefusal(prog(insn(0x85, 0, 3, 0, 1)), req('SOCKET_FILTER', false))).toMatch(/call with src_reg 3/);
    expect(programRefusal(new Uint8Array(12), req('SOCKET_FILTER', false))).toMatch(/not a whole number/);
  });

  it('creates only plain map types within their caps', () => {
    const m = { map_type: 2, key_size: 4, value_size: 8, max_entries: 16, map_flags: 0 };
    expect(mapRefusal(m)).toBeUndefined();
    expect(mapRefusal({ ...m, map_type: 27, key_size: 0, value_size: 0, max_entries: 1 << 16 })).toBeUndefined();
    expect(mapRefusal({ ...m, map_type: 3 })).toMatch(/^map type 3 is not one the kernel oracle creates/); // prog_array: tail calls
    expect(mapRefusal({ ...m, map_type: 4 })).toMatch(/map type 4/); // perf_event_array
    expect(mapRefusal({ ...m, map_type: 12 })).toMatch(/map type 12/); // array_of_maps
    expect(mapRefusal({ ...m, max_entries: (1 << 20) + 1 })).toMatch(/max_entries 1048577 is past/);
    expect(mapRefusal({ ...m, value_size: 65536, max_entries: 1 << 12 })).toMatch(
      /bytes is past the kernel oracle's cap/,
    );
    expect(mapRefusal({ ...m, key_size: -1 })).toMatch(/key_size -1/);
    expect(mapRefusal({ ...m, map_flags: 0x8 })).toMatch(/map_flags 0x8 are not allowed/); // BPF_F_RDONLY
  });

  it("keeps the native helper's lists equal to these", () => {
    const c = readFileSync(helperSourcePath()!, 'utf8');
    const list = (name: string): number[] => {
      const m = new RegExp(`static const int ${name}\\[\\] = \\{([^}]*)\\}`).exec(c);
      expect(m, name).not.toBeNull();
      return m![1]!
        .split(',')
        .map((v) => Number(v.trim()))
        .sort((a, b) => a - b);
    };
    expect(list('load_types')).toEqual(POLICY_IDS.load_types);
    expect(list('run_types')).toEqual(POLICY_IDS.run_types);
    expect(list('run_helpers')).toEqual(POLICY_IDS.run_helpers);
    expect(list('trusted_helpers')).toEqual(POLICY_IDS.trusted_helpers);
    expect(list('load_refused_helpers')).toEqual(POLICY_IDS.load_refused_helpers);
    expect(list('map_types')).toEqual([1, 2, 5, 6, 9, 10, 11, 22, 23, 27]);
    expect(c).toContain(`#define MAX_REPEAT ${MAX_REPEAT}`);
  });
});

// The native helper's own checks come before any bpf() call: they need Linux and a C compiler, not root.
const build =
  process.platform === 'linux'
    ? buildHelper()
    : ({ ok: false, why: `the native helper needs Linux (this is ${process.platform})` } as const);
if (!build.ok) console.log(`kernel oracle: the native helper's allow-list tests skipped (${build.why})`);

describe.skipIf(!build.ok)('the native helper enforces the allow-list itself', () => {
  const load = (t: string, p: Uint8Array, trusted = false): string =>
    runHelper(['reset', request('prog_load', { type: type(t), insns: p, log_size: 0 })], undefined, trusted)[1]!.fields[
      'what'
    ] ?? 'ok';

  it('refuses program types, helpers and ld_imm64 forms outside the list with EPERM before BPF_PROG_LOAD', () => {
    const [, r] = runHelper(['reset', request('prog_load', { type: type('TRACING'), insns: prog(), log_size: 0 })]);
    expect(r).toEqual({ ok: false, fields: { errno: '1', what: 'policy_prog_type' } });
    expect(load('STRUCT_OPS', prog())).toBe('policy_prog_type');
    expect(load('LSM', prog())).toBe('policy_prog_type');
    expect(load('SOCKET_FILTER', prog(call('trace_printk')))).toBe('policy_helper');
    expect(load('SOCKET_FILTER', prog(ldimm64(3, 1)))).toBe('policy_ldimm64');
    expect(load('SOCKET_FILTER', prog(ldimm64(1, 0)))).toBe('policy_ldimm64');
    expect(load('SOCKET_FILTER', prog(ldimm64(5, 0)))).toBe('policy_map_index');
  });

  it('test-runs only a runnable program, with flags and cpu 0 and a capped repeat', () => {
    const run = (p: Uint8Array, t = 'RAW_TRACEPOINT', extra: Record<string, number> = {}): string | undefined => {
      const res = runHelper([
        'reset',
        request('prog_load', { type: type(t), insns: p, log_size: 0 }),
        request('test_run', extra),
      ]);
      return res[2]!.fields['what'];
    };
    // Refused whether or not this process may load programs: the load's own outcome does not matter.
    expect(run(prog(call('probe_read_kernel')))).toBe('policy_test_run');
    expect(run(prog(kfunc(1)))).toBe('policy_test_run');
    expect(run(prog(), 'KPROBE')).toBe('policy_test_run');
    expect(run(prog(), 'SOCKET_FILTER', { flags: 1 })).toBe('policy_test_run');
    expect(run(prog(), 'SOCKET_FILTER', { cpu: 1 })).toBe('policy_test_run');
    expect(run(prog(), 'SOCKET_FILTER', { fd: 0 })).toBe('policy_test_run');
    const [, , capped] = runHelper([
      'reset',
      request('prog_load', { type: type('SOCKET_FILTER'), insns: prog(), log_size: 0 }),
      request('test_run', { repeat: MAX_REPEAT + 1 }),
    ]);
    expect(capped!.fields['what']).toMatch(/^(policy_repeat|policy_test_run)$/); // policy_test_run where the load itself failed
  });

  it('creates only the allowed map types within their caps', () => {
    const create = (fields: Record<string, number>): string | undefined =>
      runHelper([request('map_create', { key_size: 4, value_size: 8, max_entries: 1, ...fields })])[0]!.fields['what'];
    expect(create({ type: 3 })).toBe('policy_map');
    expect(create({ type: 12 })).toBe('policy_map');
    expect(create({ type: 2, max_entries: (1 << 20) + 1 })).toBe('policy_map');
    expect(create({ type: 2, flags: 0x8 })).toBe('policy_map');
  });
});
