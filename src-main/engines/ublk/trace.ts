/**
 * Per-I/O event records for the UI: submit, queue_rq, task_work, server_cqe, backend, commit, complete.
 * Sampled by I/O number (every `every`-th I/O is traced) and capped at `max` records.
 */
export type TraceKind = 'submit' | 'queue_rq' | 'task_work' | 'server_cqe' | 'backend' | 'commit' | 'complete' | 'reap';

export interface TraceRecord {
  /** I/O number (fio's submission order). */
  id: number;
  kind: TraceKind;
  q: number;
  tag: number;
  /** Virtual time, ns. */
  t: number;
}

export class TraceRecorder {
  readonly records: TraceRecord[] = [];
  dropped = 0;
  constructor(
    readonly every = 64,
    readonly max = 4096,
  ) {}

  record(kind: string, id: number, q: number, tag: number, t: number): void {
    if (id < 0 || id % this.every !== 0) return;
    if (this.records.length >= this.max) {
      this.dropped++;
      return;
    }
    this.records.push({ id, kind: kind as TraceKind, q, tag, t });
  }

  /** The records of one I/O, in time order. */
  of(id: number): TraceRecord[] {
    return this.records.filter((r) => r.id === id).sort((a, b) => a.t - b.t);
  }
}
