/** BPF_PROG_LOAD's prog_flags (include/uapi/linux/bpf.h) and bpf_prog_load()'s check of them. */
import { KernelError } from '../common/errors';

export const BPF_F = {
  STRICT_ALIGNMENT: 1 << 0,
  ANY_ALIGNMENT: 1 << 1,
  TEST_RND_HI32: 1 << 2,
  TEST_STATE_FREQ: 1 << 3,
  SLEEPABLE: 1 << 4,
  XDP_HAS_FRAGS: 1 << 5,
  XDP_DEV_BOUND_ONLY: 1 << 6,
  TEST_REG_INVARIANTS: 1 << 7,
  TOKEN_FD: 1 << 16,
} as const;
// Model: TEST_STATE_FREQ and SLEEPABLE act; the alignment, hi32, XDP and reg-invariant test flags are accepted and change nothing.
const BPF_F_KNOWN = Object.values(BPF_F).reduce((a, b) => a | b, 0);

/** bpf_prog_load(): prog_flags is a u32 of the known bits, checked before anything is loaded (EINVAL, no log). */
export function checkProgFlags(flags: number): number {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffffffff)
    throw new KernelError('EINVAL', `prog_flags ${String(flags)}: not a u32 flag mask`);
  const unknown = flags & ~BPF_F_KNOWN;
  if (unknown !== 0) {
    throw new KernelError(
      'EINVAL',
      `prog_flags ${flags}: unknown flag bits 0x${(unknown >>> 0).toString(16)} (BPF_PROG_LOAD takes BPF_F_STRICT_ALIGNMENT … BPF_F_TEST_REG_INVARIANTS, BPF_F_TOKEN_FD)`,
    );
  }
  if (flags & BPF_F.TOKEN_FD)
    throw new KernelError(
      'EINVAL',
      'prog_flags: BPF_F_TOKEN_FD names a BPF token, and the model has no bpffs to create one',
    );
  return flags;
}
