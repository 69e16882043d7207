/**
 * The verifier's log buffer (struct bpf_verifier_log, kernel/bpf/log.c): appended to as instructions are
 * processed, cut back to a saved position when log_level 1 drops a finished path (bpf_vlog_reset()), and, like
 * the kernel's default rotating mode, keeping only the last log_size - 1 characters when it outgrows the user's
 * buffer; bpf_vlog_finalize() then fails the load with ENOSPC, whatever the verdict (as Linux 6.18 does).
 * Kept as a list of pieces so that appending, measuring and cutting cost what they append or cut, not the whole
 * log (one flat string re-sliced at every pop made long verifications quadratic).
 */

/** libbpf's BPF_LOG_BUF_SIZE (UINT32_MAX >> 8): the log buffer a load gets unless it asks for another size. */
export const BPF_LOG_BUF_SIZE = 16 * 1024 * 1024 - 1;

export class VerifierLog {
  private parts: string[] = [];
  /** Index of the first kept piece (pieces before it were rotated out). */
  private head = 0;
  /** Absolute position of the first kept character (the kernel's log->start_pos). */
  private start = 0;
  /** Characters ever written less those cut back (the kernel's log->end_pos). */
  len = 0;
  /** Characters kept at most: the buffer's size less the terminating NUL. */
  private readonly cap: number;
  /** The most characters the log ever held, its NUL included (the kernel's log->len_max, log_true_size). */
  trueSize = 0;

  constructor(readonly logSize = BPF_LOG_BUF_SIZE) {
    this.cap = Math.max(0, logSize - 1);
  }

  append(s: string): void {
    if (!s) return;
    this.parts.push(s);
    this.len += s.length;
    if (this.len + 1 > this.trueSize) this.trueSize = this.len + 1;
    if (this.len - this.start > this.cap) this.rotate();
  }

  /** bpf_vlog_finalize()'s ENOSPC: the log once outgrew its buffer (a log_size of 0 is no buffer at all). */
  overflowed(): boolean {
    return this.logSize > 0 && this.trueSize > this.logSize;
  }

  /** Drops the oldest characters until the kept part fits the buffer. */
  private rotate(): void {
    const parts = this.parts;
    while (this.len - this.start > this.cap) {
      const first = parts[this.head]!;
      const excess = this.len - this.start - this.cap;
      if (first.length <= excess) {
        this.start += first.length;
        parts[this.head++] = '';
      } else {
        parts[this.head] = first.slice(excess);
        this.start += excess;
      }
    }
    if (this.head > 1024 && this.head * 2 > parts.length) {
      this.parts = parts.slice(this.head);
      this.head = 0;
    }
  }

  /** bpf_vlog_reset(): back to `n` characters (as positions count from the log's beginning). */
  truncate(n: number): void {
    const parts = this.parts;
    if (n <= this.start) {
      this.parts = [];
      this.head = 0;
      this.start = Math.min(this.start, n);
      this.len = n;
      return;
    }
    while (this.len > n) {
      const last = parts[parts.length - 1]!;
      if (this.len - last.length >= n) {
        parts.pop();
        this.len -= last.length;
      } else {
        parts[parts.length - 1] = last.slice(0, last.length - (this.len - n));
        this.len = n;
      }
    }
  }

  /** The length of the last line, its newline included (all that is kept when it holds one line). */
  lastLineLen(): number {
    const parts = this.parts;
    let count = 0;
    for (let i = parts.length - 1; i >= this.head; i--) {
      const p = parts[i]!;
      // The log's own last character is not searched: it is the line's newline.
      const from = i === parts.length - 1 ? p.length - 2 : p.length - 1;
      const j = from >= 0 ? p.lastIndexOf('\n', from) : -1;
      if (j >= 0) return count + p.length - j - 1;
      count += p.length;
    }
    return this.len - this.start;
  }

  /** The log emptied for the closing line of an accepted program at level 1 (what it held still counted). */
  clear(): void {
    this.parts = [];
    this.head = 0;
    this.start = 0;
    this.len = 0;
  }

  toString(): string {
    if (this.parts.length - this.head > 1 || this.head > 0) {
      this.parts = [this.parts.slice(this.head).join('')];
      this.head = 0;
    }
    return this.parts[0] ?? '';
  }
}
