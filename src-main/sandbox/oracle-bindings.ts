/**
 * The running Linux kernel as an oracle, from scripts: k.bpf.kernel_verify() and k.bpf.kernel_test_run() put the
 * same program to this machine's kernel (BPF_PROG_LOAD, BPF_PROG_TEST_RUN), where it permits and the person at
 * the keyboard allowed it (the session's gate, session/kernel-calls.ts; the oracle's allow-list, oracle/policy.ts);
 * elsewhere they throw a KernelError saying why in one line (EPERM when off), and the lab goes on.
 */
import { compileBpfCSync, findClang } from '../clang/bpf-clang';
import { KernelError } from '../engines/common/errors';
import type { BpfCompileResult, BpfEngine } from '../engines/bpf/index';
import type { Ublk } from '../engines/ublk/index';
import {
  kernelOracle,
  type KernelOracle,
  type KernelTestRun,
  type KernelVerdict,
  type KernelVerifyArg,
  type UringProbe,
} from '../oracle/index';

let oracle: KernelOracle | undefined;

/**
 * How this thread's run reaches the kernel: set by the session's worker (worker-kernel.ts) to a channel to the
 * main side, which holds the permission, the oracle and the helper. Scripts cannot set it; without it every kernel
 * call fails with EPERM.
 */
export type KernelGate = (
  method: 'kernel_verify' | 'kernel_test_run' | 'bpf_compile',
  arg: unknown,
  opts?: unknown,
) => unknown;

let gate: KernelGate | undefined;

export function setKernelGate(g: KernelGate | undefined): void {
  gate = g;
}

function ask<T>(method: 'kernel_verify' | 'kernel_test_run' | 'bpf_compile', arg: unknown, opts?: unknown): T {
  // A compile asks no kernel: a run with no session (a test's sandbox) compiles here, blocking this thread.
  if (!gate && method === 'bpf_compile') return compileHere(arg) as T;
  if (!gate)
    throw new KernelError(
      'EPERM',
      `${method}: kernel calls are off: this run has no session that allows them (the app asks the person at the keyboard; the CLI takes --allow-kernel)`,
    );
  return gate(method, arg, opts) as T;
}

/** compile() without a session: the host's clang, blocking; EOPNOTSUPP saying what to install where there is none. */
function compileHere(arg: unknown): BpfCompileResult {
  const a = (arg ?? {}) as { c?: unknown; filename?: unknown };
  if (typeof a.c !== 'string') throw new KernelError('EINVAL', 'compile: give the C source as { c: string }');
  const found = findClang();
  if (!found.ok) throw new KernelError('EOPNOTSUPP', `compile: ${found.why}`);
  return compileBpfCSync(a.c, {
    ...(typeof a.filename === 'string' ? { filename: a.filename } : {}),
    clang: found.path,
  });
}

/** The typings of the oracle methods (the typings generator reads this interface for them). */
export interface BpfKernelOracle {
  /**
   * kernel_verify(src | { insns | asm, prog_type, log_level, maps }): BPF_PROG_LOAD of the program in this
   * machine's Linux kernel: its verdict, errno and verifier log (root or CAP_BPF needed).
   */
  kernel_verify(arg: KernelVerifyArg): KernelVerdict;
  /** kernel_test_run(src | {...}, { ctx_in, data_in, repeat }): BPF_PROG_TEST_RUN in this machine's kernel. */
  kernel_test_run(
    arg: KernelVerifyArg,
    opts?: { ctx_in?: Uint8Array; data_in?: Uint8Array; repeat?: number },
  ): KernelTestRun;
  /**
   * compile({ c, filename }): the C source compiled by this machine's clang (--target=bpf -O2 -g) into an object for
   * obj_open(): `{ ok, object, diagnostics }`, or `{ ok: false, why, diagnostics }` with the errors at their C lines.
   * EOPNOTSUPP saying what to install where there is no clang.
   */
  compile(arg: { c: string; filename?: string }): BpfCompileResult;
}

export const BPF_ORACLE = {
  kernel_verify(_bpf: BpfEngine, arg: unknown): KernelVerdict {
    return ask('kernel_verify', arg);
  },
  kernel_test_run(_bpf: BpfEngine, arg: unknown, opts: unknown = {}): KernelTestRun {
    return ask('kernel_test_run', arg, opts ?? {});
  },
  compile(_bpf: BpfEngine, arg: unknown): BpfCompileResult {
    return ask('bpf_compile', arg);
  },
};

/**
 * The host kernel's BTF ids of the named functions (read by name from /sys/kernel/btf/vmlinux) for
 * boot({ btf: 'host' }); or why there are none, in one line (not Linux, no CONFIG_DEBUG_INFO_BTF, KERNEL_LAB_ORACLE=off).
 */
export function hostBtfIds(names: readonly string[]): Record<string, number | undefined> | { why: string } {
  try {
    const btf = (oracle ??= kernelOracle()).btf();
    return Object.fromEntries(names.map((n) => [n, btf.funcId(n)]));
  } catch (e) {
    return { why: String((e as Error).message ?? e).split('\n')[0]! };
  }
}

let uring: UringProbe | { why: string } | undefined;

/**
 * This machine's io_uring figures (oracle/'s probe: NOPs and 4 KiB tmpfs reads, raw io_uring_setup/enter), measured
 * once per process so that every machine of a run is calibrated alike; or why there are none, in one line (not
 * Linux, no C compiler, io_uring disabled or not permitted).
 */
export function hostUringProbe(): UringProbe | { why: string } {
  if (!uring) {
    try {
      // The least of five runs of process CPU time per figure: a machine shared with other work slows a run, never
      // speeds one up.
      const o = (oracle ??= kernelOracle());
      uring = o.uringProbe({ count: 5000, batch: 32, samples: 5 });
    } catch (e) {
      uring = { why: String((e as Error).message ?? e).split('\n')[0]! };
    }
  }
  return uring;
}

/** The typings of the ublk oracle method (the typings generator reads this interface for it). */
export interface UblkHostProbe {
  /**
   * uring_probe(): this machine's cost of an io_uring NOP (alone and batched) and of a 4 KiB tmpfs read, in ns per
   * op, with the cost-model figures they imply; pass it to k.ublk.calibrate(). Throws EOPNOTSUPP saying why where
   * the host cannot be measured.
   */
  uring_probe(): UringProbe;
}

export const UBLK_ORACLE = {
  uring_probe(_ublk: Ublk): UringProbe {
    const r = hostUringProbe();
    if ('why' in r)
      throw new KernelError('EOPNOTSUPP', `uring_probe: this machine's io_uring cannot be measured here: ${r.why}`);
    return r;
  },
};
