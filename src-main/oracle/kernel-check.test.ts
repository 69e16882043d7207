import { describe, expect, it } from 'vitest';
import { ContractError, parseArgs, type KernelCheckRequest } from '../contract';
import { createBpf, KFUNC_BTF_ID } from '../engines/bpf';
import { encodeInsns } from '../engines/bpf';
import { kernelCheck } from './kernel-check';
import { kernelOracle, type KernelOracle } from './index';

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** The request the panel sends for a program: its instructions and our verifier's verdict and log. */
function request(asm: string, prog_type = 'socket_filter', log_level = 1): KernelCheckRequest {
  const bpf = createBpf();
  const rep = bpf.verify({ asm, prog_type, log_level });
  return {
    insns: hex(encodeInsns(bpf.assemble(asm).insns)),
    prog_type,
    log_level,
    maps: [],
    sim: { ok: rep.ok, log: rep.log, ...(rep.ok ? {} : { errno_name: rep.errors[0]!.errno }) },
  };
}

const oracle = kernelOracle();
const avail = oracle.available();
if (!avail.ok) console.log(`kernel check: tests against the running kernel skipped (${avail.why})`);

describe('kernelCheck', () => {
  it('says in one line why where the kernel cannot be asked', async () => {
    const macos = kernelOracle({ platform: 'darwin' });
    expect(await kernelCheck(request('r0 = 0\nexit'), macos)).toEqual({
      available: false,
      why: 'the kernel oracle needs Linux (this is darwin)',
    });
    const refusing: Pick<KernelOracle, 'available'> = {
      available: () => ({
        ok: false,
        why: 'loading BPF programs needs root or CAP_BPF+CAP_PERFMON (running as uid 1000)',
      }),
    };
    const r = await kernelCheck(request('r0 = 0\nexit'), refusing as KernelOracle);
    expect(r).toEqual({
      available: false,
      why: 'loading BPF programs needs root or CAP_BPF+CAP_PERFMON (running as uid 1000)',
    });
  });

  it.each([
    ['odd hex', { insns: 'b70000000000000' }],
    ['upper-case hex', { insns: 'B700000000000000' }],
    ['too many instructions', { insns: 'b700000000000000'.repeat(65_537) }],
    ['a program type that is not a name', { prog_type: '../x' }],
    ['a log level of 3', { log_level: 3 }],
    [
      'a 1 GiB array map',
      { maps: [{ fd: 1, map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 1024, max_entries: 1 << 20 }] },
    ],
    ['an extra field', { attach: 1 }],
  ])('refuses %s', (_what, change) => {
    expect(() => parseArgs('kernelCheck', [{ ...request('r0 = 0\nexit'), ...change }])).toThrow(ContractError);
  });

  describe.skipIf(!avail.ok)('on the running kernel', () => {
    it("loads with the load's own log_size: a log that overflowed here overflows there too", async () => {
      const asm = 'r1 = 1\nr2 = 2\nr3 = 3\nr4 = 4\nr5 = 5\nr0 = 0\nexit';
      const bpf = createBpf();
      const rep = bpf.verify({ asm, prog_type: 'socket_filter', log_level: 2, log_size: 128 });
      expect(rep.errors[0]?.errno).toBe('ENOSPC');
      const base = request(asm, 'socket_filter', 2);
      const small = await kernelCheck(
        { ...base, log_size: 128, sim: { ok: false, log: rep.log, errno_name: 'ENOSPC' } },
        oracle,
      );
      if (!small.available) throw new Error(small.why);
      expect(small.kernel.log_truncated).toBe(true);
      const full = await kernelCheck(base, oracle);
      if (!full.available) throw new Error(full.why);
      expect(full.kernel.log_truncated).toBeUndefined();
    });

    it("loads with the load's license: a kfunc call under MIT is refused there as here", async () => {
      const asm =
        'r1 = r10\nr1 += -8\nr2 = 0\nr3 = 3\ncall bpf_iter_num_new\nr1 = r10\nr1 += -8\ncall bpf_iter_num_destroy\nr0 = 0\nexit';
      const bpf = createBpf();
      for (const license of ['MIT', 'GPL']) {
        const rep = bpf.verify({ asm, prog_type: 'syscall', log_level: 1, license, prog_flags: 1 << 4 });
        const r = await kernelCheck(
          {
            ...request(asm, 'syscall'),
            license,
            prog_flags: 1 << 4,
            sim: { ok: rep.ok, log: rep.log, ...(rep.ok ? {} : { errno_name: rep.errors[0]!.errno }) },
          },
          oracle,
        );
        if (!r.available) throw new Error(r.why);
        expect(r.kernel.ok).toBe(license === 'GPL');
        expect(r.comparison.verdict_agree).toBe(true);
        expect(r.comparison.errno_agree).toBe(true);
        if (license === 'MIT')
          expect(r.kernel.first_error).toBe('cannot call kernel function from non-GPL compatible program');
      }
    });

    it('agrees with our verifier on an accepted program', async () => {
      const r = await kernelCheck(request('r0 = 0\nexit'), oracle);
      expect(r.available).toBe(true);
      if (!r.available) return;
      expect(r.kernel.ok).toBe(true);
      expect(r.comparison.verdict_agree).toBe(true);
    });

    it('agrees on the rejection of a read of an uninitialised register, and lines the logs up', async () => {
      const r = await kernelCheck(request('r0 = r2\nexit'), oracle);
      if (!r.available) throw new Error(r.why);
      expect(r.kernel).toMatchObject({ ok: false, errno_name: 'EACCES', first_error: 'R2 !read_ok' });
      expect(r.comparison).toMatchObject({ verdict_agree: true, errno_agree: true, first_error_agree: true });
      expect(r.comparison.rows).toContainEqual({ ours: 'R2 !read_ok', kernel: 'R2 !read_ok', agree: true });
    });

    it("compares a program's kfunc calls by name: the kernel's log shows its own BTF ids, ours the model's", async () => {
      const leak = 'r1 = r10\nr1 += -8\nr2 = 0\nr3 = 3\ncall bpf_iter_num_new\nr0 = 0\nexit';
      const r = await kernelCheck(request(leak, 'raw_tracepoint', 2), oracle);
      if (!r.available) throw new Error(r.why);
      expect(r.kernel.log).toContain(`call bpf_iter_num_new#${oracle.kfunc_id('bpf_iter_num_new')}`);
      expect(r.comparison).toMatchObject({ verdict_agree: true, errno_agree: true, first_error_agree: true });
      const call = `4: (85) call bpf_iter_num_new#${KFUNC_BTF_ID.bpf_iter_num_new}`;
      expect(r.comparison.rows.find((row) => row.ours?.startsWith(call))).toMatchObject({ agree: true });
      expect(r.comparison.rows.every((row) => row.agree)).toBe(true);
    });

    it("says why the oracle's allow-list refuses a program type, without asking the kernel", async () => {
      expect(await kernelCheck({ ...request('r0 = 0\nexit'), prog_type: 'BPF_PROG_TYPE_LSM' }, oracle)).toEqual({
        available: false,
        why: "the kernel oracle's allow-list refuses this program (EPERM): BPF_PROG_TYPE_LSM is not on the kernel oracle's allow-list for a load (allowed: SOCKET_FILTER, SCHED_CLS, SCHED_ACT, CGROUP_SKB, XDP, FLOW_DISSECTOR, RAW_TRACEPOINT, SYSCALL, KPROBE, TRACEPOINT, PERF_EVENT)",
      });
    });

    it('marks the first line where the logs part when our log is not the kernel’s', async () => {
      const req = request('r0 = r2\nexit');
      const r = await kernelCheck({ ...req, sim: { ok: true, log: 'processed 2 insns\n' } }, oracle);
      if (!r.available) throw new Error(r.why);
      expect(r.comparison.verdict_agree).toBe(false);
      expect(r.comparison.first_disagreement).toBe(0);
    });
  });
});
