/** Linux errno numbers (include/uapi/asm-generic/errno-base.h and errno.h) for the errors the engines raise. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOTTY: 25,
  ENOSPC: 28,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  EBADE: 52,
  ENODATA: 61,
  ETIME: 62,
  ENOLINK: 67,
  EPROTO: 71,
  EOVERFLOW: 75,
  EREMCHG: 78,
  EILSEQ: 84,
  ENOTSUPP: 524,
  EOPNOTSUPP: 95,
  ENOTCONN: 107,
  ETOOMANYREFS: 109,
  ETIMEDOUT: 110,
  EALREADY: 114,
  EREMOTEIO: 121,
  ECANCELED: 125,
} as const;

export type Errno = keyof typeof ERRNO;

/** An error of the simulated kernel: what the kernel would return as -errno, with a message saying why. */
export class KernelError extends Error {
  readonly errno: Errno;
  /** Extra, machine-readable detail (for instance a verifier log). */
  readonly detail?: Record<string, unknown>;

  constructor(errno: Errno, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.name = 'KernelError';
    this.errno = errno;
    if (detail) this.detail = detail;
  }

  /** The negative errno a syscall would return. */
  get code(): number {
    return -ERRNO[this.errno];
  }
}
