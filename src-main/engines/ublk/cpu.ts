/**
 * CPUs as resources and memory bandwidth as a shared resource. Work runs on a CPU in bursts: a burst
 * starts when the CPU is free and moves a cursor (`Ctx.t`) forward by the cost of each step; effects
 * on other parts of the machine are scheduled on the event clock at the cursor's time.
 */
import type { CostModel } from './costs';

export class Cpu {
  /** Virtual time at which the CPU's current burst ends. */
  free = 0;
  /** Total busy ns. */
  busy = 0;
  /** The context of this CPU's bursts, reused by each (a burst never outlives its event). */
  readonly burst: Ctx;
  /** `burst` is in use (a burst begun inside another on the same CPU gets its own context). */
  bursting = false;
  constructor(
    readonly id: number,
    readonly name: string,
  ) {
    this.burst = { cpu: this, t: 0 };
  }
}

/** Execution context of one burst: the CPU and the cursor time. */
export interface Ctx {
  cpu: Cpu;
  t: number;
}

let current: Ctx | null = null;

/**
 * Empties a list that is filled again soon, keeping its storage: V8 gives up an array's backing store when its
 * length is set to 0 (the next push allocates a new one), not when it is popped empty.
 */
export function clearList(a: unknown[]): void {
  while (a.length) a.pop();
}

/** The burst running now (callbacks such as a buffer release charge their work to it), or null. */
export function currentCtx(): Ctx | null {
  return current;
}

/** Forgets a burst an exception left open, so that the next run starts with none (the session's worker, between runs). */
export function clearBurst(): void {
  current = null;
}

/** Starts a burst on cpu at or after `now`. */
export function beginBurst(cpu: Cpu, now: number): Ctx {
  const t = cpu.free > now ? cpu.free : now;
  let c: Ctx;
  if (cpu.bursting) {
    c = { cpu, t };
  } else {
    c = cpu.burst;
    c.t = t;
    cpu.bursting = true;
  }
  current = c;
  return c;
}

/** Ends a burst: the CPU is busy from `start` to ctx.t. */
export function endBurst(ctx: Ctx, start: number): void {
  const cpu = ctx.cpu;
  cpu.busy += ctx.t - start;
  cpu.free = ctx.t;
  if (ctx === cpu.burst) cpu.bursting = false;
  if (current === ctx) current = null;
}

/**
 * Memory bandwidth shared by all CPUs, as 1 µs buckets each holding B_mem × 1000 bytes: a copy takes
 * the bytes from the buckets from its start time on; when they are full it stalls (its CPU stays busy).
 * Bursts are computed ahead of the clock, so buckets rather than a FIFO keep CPUs from blocking each other.
 */
export class MemBus {
  private static readonly N = 8192;
  /** Bytes used per bucket, in a ring of N buckets (a bucket id is stored beside its slot). */
  private readonly used = new Float64Array(MemBus.N);
  private readonly ids = new Float64Array(MemBus.N).fill(-1);
  /** Bytes copied through the bus (payload copies: ublk copy paths and backing page-cache copies). */
  bytes = 0;
  static readonly BUCKET_NS = 1000;
  constructor(private readonly costs: CostModel) {}

  /** Charges a copy of `bytes` on ctx's CPU at B_copy, stalled further if the bus is saturated. */
  copy(ctx: Ctx, bytes: number): void {
    if (bytes <= 0) return;
    this.bytes += bytes;
    const cap = this.costs.B_mem * MemBus.BUCKET_NS;
    let b = Math.floor(ctx.t / MemBus.BUCKET_NS);
    let left = bytes;
    let lastEnd = ctx.t;
    const used = this.used;
    const ids = this.ids;
    while (left > 0) {
      const slot = b % MemBus.N;
      if (ids[slot] !== b) {
        ids[slot] = b;
        used[slot] = 0;
      }
      const u = used[slot]!;
      const take = cap - u < left ? cap - u : left;
      if (take > 0) {
        used[slot] = u + take;
        left -= take;
        lastEnd = b * MemBus.BUCKET_NS + ((u + take) / cap) * MemBus.BUCKET_NS;
      }
      b++;
    }
    const end = ctx.t + bytes / this.costs.B_copy;
    ctx.t = end > lastEnd ? end : lastEnd;
  }
}
