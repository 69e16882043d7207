/** The errnos bpf_check() returns. */
export type VerifierErrno = 'EACCES' | 'EINVAL' | 'E2BIG' | 'EFAULT' | 'ENOTSUPP' | 'ENOSPC';

/** A rejection by the verifier: the kernel's message (one or more log lines) and the errno bpf_check() returns. */
export class VerifierError extends Error {
  readonly errno: VerifierErrno;
  /** What the log has after the message: a newline, or nothing where the kernel's verbose() call has none. */
  readonly eol: string;
  constructor(message: string, errno: VerifierErrno = 'EACCES', eol = '\n') {
    super(message);
    this.errno = errno;
    this.eol = eol;
  }
}

/** Shorthand: throw the kernel's message with its errno. */
export function reject(message: string, errno: VerifierErrno = 'EACCES', eol = '\n'): never {
  throw new VerifierError(message, errno, eol);
}
