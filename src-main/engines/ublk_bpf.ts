/**
 * The ublk eBPF data path (the 2023 RFC's BPF_PROG_TYPE_UBLK, never merged) run by the BPF engine: a program
 * loaded with k.bpf.prog_load() runs at ->queue_rq with the 24-byte `struct ublk_bpf_ctx` as its context and
 * queues backing I/O through the kfunc bpf_ublk_queue_sqe(ctx, sqe). This file links the two engines; neither
 * knows the other.
 */
import { ERRNO } from './common/errors';
import type { BpfEngine, BpfProgram } from './bpf/index';
import {
  decodeUblkBpfSqe,
  encodeUblkBpfCtx,
  UBLK_BPF_SQE_SIZE,
  type UblkBpfCtx,
  type UblkBpfKfuncs,
  type UblkBpfProgram,
} from './ublk/index';

/** The kfunc's pseudo BTF id: model-defined, as the RFC's kfunc is in no kernel's BTF. */
export const BPF_UBLK_QUEUE_SQE_ID = 0x7f000001;
/** The program type's name (the RFC's). */
export const BPF_PROG_TYPE_UBLK = 'BPF_PROG_TYPE_UBLK';

/** Registers bpf_ublk_queue_sqe with the BPF engine; returns the adapter that runs BPF programs for ublk. */
export function linkUblkBpf(bpf: BpfEngine): (prog: BpfProgram) => UblkBpfProgram {
  let current: { ctx: UblkBpfCtx; kfuncs: UblkBpfKfuncs } | undefined;
  bpf.register_kfunc({
    id: BPF_UBLK_QUEUE_SQE_ID,
    name: 'bpf_ublk_queue_sqe',
    proto: { args: ['PTR_TO_CTX', `PTR_TO_MEM(${UBLK_BPF_SQE_SIZE})`], ret: 'int', prog_types: [BPF_PROG_TYPE_UBLK] },
    fn: (vm, r) => {
      const ret = (v: number): void => {
        r[0] = v | 0;
        r[1] = v < 0 ? -1 : 0;
      };
      // r1 = ctx (the request's), r2 = the SQE in program memory.
      const sqe = vm.bytes(r[5]!, r[4]!, UBLK_BPF_SQE_SIZE);
      if (!current) return ret(-ERRNO.EINVAL);
      if (!sqe) return ret(-ERRNO.EFAULT);
      ret(current.kfuncs.bpf_ublk_queue_sqe(current.ctx, decodeUblkBpfSqe(sqe)));
    },
  });
  return (prog) => ({
    name: prog.name || `bpf prog ${prog.id}`,
    // Loaded through bpf_check() (prog_load without `verify: false`): the verifier left its log.
    verified: prog.verifier_log !== undefined,
    source: prog,
    run(ctx, kfuncs) {
      current = { ctx, kfuncs };
      try {
        return Number(BigInt.asIntN(32, prog.run(encodeUblkBpfCtx(ctx)).retval));
      } finally {
        current = undefined;
      }
    },
  });
}
