/** The errnos bpf_check() returns. */
export type VerifierErrno = 'EACCES' | 'EINVAL' | 'E2BIG' | 'EFAULT' | 'ENOTSUPP' | 'ENOSPC';

/** A rejection by the verifier: the kernel's message (one or more log lines) and the errno bpf_check() returns. */
export class VerifierError extends Error {
  readonly errno: VerifierErrno;
  constructor(message: string, errno: VerifierErrno = 'EACCES') {
    super(message);
    this.errno = errno;
  }
}

/** Shorthand: throw the kernel's message with its errno. */
export function reject(message: string, errno: VerifierErrno = 'EACCES'): never {
  throw new VerifierError(message, errno);
}
