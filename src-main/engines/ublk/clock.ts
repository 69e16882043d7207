/**
 * The virtual-nanosecond event clock: a binary heap of callbacks ordered by (time, insertion order),
 * so equal-time events run in the order they were scheduled. Deterministic by construction.
 */
export class EventClock {
  /** Current virtual time in ns. */
  now = 0;
  private times: number[] = [];
  private seqs: number[] = [];
  private fns: ((arg: unknown) => void)[] = [];
  private args: unknown[] = [];
  private seq = 0;
  /** Events run so far. */
  events = 0;

  /** Schedules fn(arg) at absolute virtual time t (never before now). */
  at<A>(t: number, fn: (arg: A) => void, arg?: A): void {
    if (t < this.now) t = this.now;
    const times = this.times;
    const seqs = this.seqs;
    const fns = this.fns;
    const args = this.args;
    let i = times.length;
    const s = this.seq++;
    times.push(t);
    seqs.push(s);
    fns.push(fn as (arg: unknown) => void);
    args.push(arg);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (times[p]! < t || (times[p] === t && seqs[p]! < s)) break;
      times[i] = times[p]!;
      seqs[i] = seqs[p]!;
      fns[i] = fns[p]!;
      args[i] = args[p];
      i = p;
    }
    times[i] = t;
    seqs[i] = s;
    fns[i] = fn as (arg: unknown) => void;
    args[i] = arg;
  }

  /** Schedules fn dt ns from now. */
  after(dt: number, fn: (arg: undefined) => void): void {
    this.at(this.now + dt, fn);
  }

  get pending(): number {
    return this.times.length;
  }

  /** Time of the next event, or Infinity. */
  peek(): number {
    return this.times.length ? this.times[0]! : Infinity;
  }

  /** Runs one event; false when none is left. */
  step(): boolean {
    const times = this.times;
    const n = times.length;
    if (n === 0) return false;
    const seqs = this.seqs;
    const fns = this.fns;
    const args = this.args;
    const t0 = times[0]!;
    const f0 = fns[0]!;
    const a0 = args[0];
    const lt = times.pop()!;
    const ls = seqs.pop()!;
    const lf = fns.pop()!;
    const la = args.pop();
    const m = n - 1;
    if (m > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= m) break;
        const r = c + 1;
        if (r < m && (times[r]! < times[c]! || (times[r] === times[c] && seqs[r]! < seqs[c]!))) c = r;
        if (lt < times[c]! || (lt === times[c] && ls < seqs[c]!)) break;
        times[i] = times[c]!;
        seqs[i] = seqs[c]!;
        fns[i] = fns[c]!;
        args[i] = args[c];
        i = c;
      }
      times[i] = lt;
      seqs[i] = ls;
      fns[i] = lf;
      args[i] = la;
    }
    this.now = t0;
    this.events++;
    f0(a0);
    return true;
  }

  /** Runs events until none is left, the time limit is passed, or `stop()` returns true. */
  run(until = Infinity, stop?: () => boolean): void {
    while (this.times.length && this.times[0]! <= until) {
      this.step();
      if (stop && stop()) return;
    }
    if (until !== Infinity && this.now < until && !(stop && stop())) this.now = until;
  }
}
