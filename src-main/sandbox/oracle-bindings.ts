/**
 * The running Linux kernel as an oracle, from scripts: k.bpf.kernel_verify() and k.bpf.kernel_test_run() put the
 * same program to this machine's kernel (BPF_PROG_LOAD, BPF_PROG_TEST_RUN), where it permits; elsewhere they
 * throw a KernelError saying why in one line, and the lab goes on.
 */
import { KernelError } from '../engines/common/errors';
import type { BpfEngine } from '../engines/bpf/index';
import { kernelOracle, type KernelOracle, type KernelTestRun, type KernelVerdict, type KernelVerifyArg } from '../oracle/index';

let oracle: KernelOracle | undefined;

function ask<T>(what: string, fn: (o: KernelOracle) => T): T {
  oracle ??= kernelOracle();
  const available = oracle.available();
  if (!available.ok) throw new KernelError('EOPNOTSUPP', `${what}: the kernel cannot be asked here: ${available.why}`);
  try {
    return fn(oracle);
  } catch (e) {
    if (e instanceof KernelError) throw e;
    const err = e as Error;
    throw new KernelError(err.name === 'OracleUnavailableError' ? 'EOPNOTSUPP' : 'EINVAL', `${what}: ${err.message}`);
  }
}

/** The typings of the oracle methods (the typings generator reads this interface for them). */
export interface BpfKernelOracle {
  /**
   * kernel_verify(src | { insns | asm, prog_type, log_level, maps }): BPF_PROG_LOAD of the program in this
   * machine's Linux kernel: its verdict, errno and verifier log (root or CAP_BPF needed).
   */
  kernel_verify(arg: KernelVerifyArg): KernelVerdict;
  /** kernel_test_run(src | {...}, { ctx_in, data_in, repeat }): BPF_PROG_TEST_RUN in this machine's kernel. */
  kernel_test_run(arg: KernelVerifyArg, opts?: { ctx_in?: Uint8Array; data_in?: Uint8Array; repeat?: number }): KernelTestRun;
}

export const BPF_ORACLE = {
  kernel_verify(_bpf: BpfEngine, arg: unknown): KernelVerdict {
    return ask('kernel_verify', (o) => o.kernel_verify(arg as KernelVerifyArg));
  },
  kernel_test_run(_bpf: BpfEngine, arg: unknown, opts: unknown = {}): KernelTestRun {
    return ask('kernel_test_run', (o) => o.kernel_test_run(arg as KernelVerifyArg, (opts ?? {}) as never));
  },
};
