/**
 * The verifier's log buffer (struct bpf_verifier_log, kernel/bpf/log.c): appended to as instructions are
 * processed, cut back to a saved position when log_level 1 drops a finished path (bpf_vlog_reset()). Kept as a
 * list of pieces so that appending, measuring and cutting cost what they append or cut, not the whole log
 * (one flat string re-sliced at every pop made long verifications quadratic). No size limit: the model keeps
 * the whole log where the kernel's user buffer may fill (ENOSPC).
 */
export class VerifierLog {
  private parts: string[] = [];
  /** Characters in the log (the kernel's log->end_pos). */
  len = 0;

  append(s: string): void {
    if (!s) return;
    this.parts.push(s);
    this.len += s.length;
  }

  /** bpf_vlog_reset(): back to `n` characters. */
  truncate(n: number): void {
    const parts = this.parts;
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

  /** The length of the last line, its newline included (the whole log when it holds one line). */
  lastLineLen(): number {
    const parts = this.parts;
    let count = 0;
    for (let i = parts.length - 1; i >= 0; i--) {
      const p = parts[i]!;
      // The log's own last character is not searched: it is the line's newline.
      const from = i === parts.length - 1 ? p.length - 2 : p.length - 1;
      const j = from >= 0 ? p.lastIndexOf('\n', from) : -1;
      if (j >= 0) return count + p.length - j - 1;
      count += p.length;
    }
    return this.len;
  }

  clear(): void {
    this.parts = [];
    this.len = 0;
  }

  toString(): string {
    if (this.parts.length > 1) this.parts = [this.parts.join('')];
    return this.parts[0] ?? '';
  }
}
