/**
 * A fio-like workload on /dev/ublkbN (O_DIRECT, libaio-style batching): numjobs application threads,
 * each on its own CPU, keep iodepth I/Os in flight; reads and writes of bs bytes at sequential or random
 * offsets; optional verify (write patterns, read them back, count mismatches). Virtual time only.
 */
import { KernelError } from '../common/errors';
import type { Prng } from '../common/prng';
import { parseSize } from '../common/size';
import type { Bio, TagSet } from './blk_mq';
import { REQ_OP_READ as REQ_OP_READ_, REQ_OP_WRITE as REQ_OP_WRITE_ } from './blk_mq';
import type { EventClock } from './clock';
import type { CostModel } from './costs';
import { beginBurst as beginBurst_, clearList as clearList_, endBurst as endBurst_ } from './cpu';
import type { Cpu } from './cpu';
import type { TraceRecorder } from './trace';
const beginBurst = beginBurst_;
const endBurst = endBurst_;
const clearList = clearList_;

// Module-local copies of imported constants: hot paths read plain bindings, not module getters.
const REQ_OP_READ = REQ_OP_READ_;
const REQ_OP_WRITE = REQ_OP_WRITE_;

export type FioRw = 'read' | 'write' | 'randread' | 'randwrite' | 'randrw' | 'rw' | 'readwrite';

export interface FioJobSpec {
  rw: FioRw;
  bs: number;
  iodepth: number;
  numjobs: number;
  /** I/Os per job (fio's number_ios). */
  ios: number;
  /** Virtual runtime in ns (0 = until ios). */
  runtime: number;
  /** Region: [offset, offset + size). */
  offset: number;
  size: number;
  rwmixread: number;
  verify: boolean;
}

export interface FioTarget {
  tagset: TagSet;
  nr_hw_queues: number;
  dev_bytes: number;
}

export interface FioPhaseStats {
  ios: number;
  reads: number;
  writes: number;
  bytes: number;
  errors: number;
  error_messages: string[];
  /** Completion latencies (first `nlat` entries valid): every `lat_stride`-th completion (see LAT_SAMPLES_MAX). */
  lat_ns: Float64Array;
  nlat: number;
  lat_stride: number;
  /** Completions seen (the sample index of the next one). */
  lat_seen: number;
  t0: number;
  t1: number;
  hung: number;
  mismatches: number;
  verified: number;
}

interface Slot {
  job: FioJob | null;
  /** The slot's bio, reused for every I/O it carries. */
  bio: Bio;
  buf: Uint8Array;
  block: number;
  op: number;
  t_submit: number;
  gen: number;
  id: number;
  /** The status io_getevents() will return for the slot's completed I/O. */
  status: number;
}

/**
 * The most bytes one slab of I/O buffers holds: a job's iodepth buffers are carved from a few large allocations (as
 * fio allocates one io buffer area per job) rather than one small allocation per slot.
 */
const BUF_SLAB_BYTES = 16 << 20;

/** Fills a block with fio-like verify data derived from (block, generation). */
export function fillPattern(buf: Uint8Array, block: number, gen: number): void {
  const w = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >> 2);
  let x = (Math.imul(block + 1, 0x9e3779b1) ^ Math.imul(gen + 1, 0x85ebca6b)) >>> 0;
  if (x === 0) x = 1;
  for (let i = 0; i < w.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    w[i] = x >>> 0;
  }
}

function checkPattern(buf: Uint8Array, block: number, gen: number, scratch: Uint8Array): boolean {
  fillPattern(scratch, block, gen);
  const a = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >> 2);
  const b = new Uint32Array(scratch.buffer, scratch.byteOffset, scratch.length >> 2);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function fioEndIo(status: number, t: number, bio: Bio): void {
  const slot = bio.priv as Slot;
  slot.job!.complete(slot, status, t);
}

/** What a phase submits next for a job: block number and op, or null when the job is done. */
interface NextIoResult {
  block: number;
  op: number;
}
type NextIo = (job: FioJob) => NextIoResult | null;

class FioJob {
  readonly slots: Slot[] = [];
  private readonly freeSlots: Slot[] = [];
  /** O_DIRECT pins per submission: one per 4 KiB page of the buffer, t_pin_page each. */
  private readonly pinPages: number;
  inflight = 0;
  submitted = 0;
  /** Completed slots in completion order (the event ring io_getevents() reads), and its spare. */
  private done: Slot[] = [];
  private doneSpare: Slot[] = [];
  /** The bios of one io_submit(), reused. */
  private readonly bios: Bio[] = [];
  state: 'idle' | 'scheduled' | 'finished' = 'idle';
  seqBlock: number;
  private readonly runFn = (): void => this.run();

  constructor(
    readonly runner: FioRunner,
    readonly idx: number,
    readonly cpu: Cpu,
    readonly hctx: number,
  ) {
    const spec = runner.spec;
    this.pinPages = Math.ceil(spec.bs / 4096);
    const perSlab = Math.max(1, Math.floor(BUF_SLAB_BYTES / spec.bs));
    let slab: Uint8Array | null = null;
    for (let i = 0; i < spec.iodepth; i++) {
      if (i % perSlab === 0) slab = new Uint8Array(Math.min(perSlab, spec.iodepth - i) * spec.bs);
      const o = (i % perSlab) * spec.bs;
      const buf = slab!.subarray(o, o + spec.bs);
      const bio: Bio = { id: 0, op: 0, sector: 0, nr_sectors: spec.bs / 512, data: buf, opf: 0, cpu, end_io: fioEndIo };
      const s: Slot = { job: this, bio, buf, block: 0, op: 0, t_submit: 0, gen: 0, id: 0, status: 0 };
      bio.priv = s;
      this.slots.push(s);
      this.freeSlots.push(s);
    }
    this.seqBlock = Math.floor((idx * runner.nblocks) / spec.numjobs);
  }

  wake(at: number): void {
    if (this.state !== 'idle') return;
    this.state = 'scheduled';
    const c = this.runner.costs;
    const t = at >= this.cpu.free ? at + c.t_wakeup : this.cpu.free;
    this.runner.clock.at(t, this.runFn);
  }

  start(): void {
    this.state = 'scheduled';
    this.runner.clock.at(Math.max(this.runner.clock.now, this.cpu.free), this.runFn);
  }

  private run(): void {
    if (this.state === 'finished') return;
    const r = this.runner;
    const c = r.costs;
    const ctx = beginBurst(this.cpu, r.clock.now);
    const start = ctx.t;
    if (this.done.length) {
      ctx.t += c.t_app_syscall; // io_getevents
      const list = this.done;
      this.done = this.doneSpare;
      for (let i = 0; i < list.length; i++) {
        const slot = list[i]!;
        ctx.t += c.t_app_complete;
        r.reap(slot, slot.status, ctx.t);
        this.inflight--;
        this.freeSlots.push(slot);
      }
      clearList(list);
      this.doneSpare = list;
    }
    const bios = this.bios;
    while (this.inflight < r.spec.iodepth && !r.stopSubmitting(ctx.t)) {
      const nx = r.next(this);
      if (!nx) break;
      const slot = this.freeSlots.pop()!;
      // O_DIRECT: blkdev_direct_IO() builds the bio with bio_iov_iter_get_pages(), which pins every user page of
      // the buffer (iov_iter_extract_pages() -> pin_user_pages_fast()); bio_release_pages() unpins them at
      // completion (6.18 block/bio.c, block/fops.c). The pin and its release are charged here, a page each.
      ctx.t += c.t_app_io + this.pinPages * c.t_pin_page;
      slot.block = nx.block;
      slot.op = nx.op;
      slot.id = r.nextId++;
      slot.gen = nx.op === REQ_OP_WRITE ? r.newGen(nx.block) : r.expectGen(nx.block);
      if (nx.op === REQ_OP_WRITE && r.spec.verify) fillPattern(slot.buf, nx.block, slot.gen);
      slot.t_submit = ctx.t;
      r.trace?.record('submit', slot.id, this.hctx, -1, ctx.t);
      this.inflight++;
      this.submitted++;
      const bio = slot.bio;
      bio.id = slot.id;
      bio.op = nx.op;
      bio.sector = (r.spec.offset + nx.block * r.spec.bs) / 512;
      bios.push(bio);
    }
    const submitted = bios.length;
    if (submitted) {
      ctx.t += c.t_app_syscall; // io_submit
      r.target.tagset.submit_bios(this.hctx, bios, ctx);
      clearList(bios);
    }
    endBurst(ctx, start);
    if (this.done.length) {
      this.state = 'scheduled';
      r.clock.at(ctx.t, this.runFn);
    } else if (this.inflight === 0 && submitted === 0) {
      this.state = 'finished';
      r.jobFinished();
    } else {
      this.state = 'idle';
    }
  }

  complete(slot: Slot, status: number, t: number): void {
    if (this.state === 'finished') return;
    slot.status = status;
    this.done.push(slot);
    this.wake(t);
  }
}

/** Runs phases of a workload over one device. */
/**
 * The most completion latencies a phase keeps (32 MiB): past it, every other one, then every fourth, ... so that a
 * long run's memory stays bounded (fio itself keeps a fixed histogram, its plat buckets; the percentiles here stay
 * nearest-rank over an evenly spaced sample).
 */
export const LAT_SAMPLES_MAX = 1 << 22;

/** Keeps one completion latency: every `lat_stride`-th, the stride doubling each time `max` samples are kept. */
export function recordLatency(st: FioPhaseStats, lat: number, max = LAT_SAMPLES_MAX): void {
  if (st.lat_seen++ % st.lat_stride !== 0) return;
  if (st.nlat === st.lat_ns.length) {
    if (st.nlat < max) {
      const g = new Float64Array(st.lat_ns.length * 2);
      g.set(st.lat_ns);
      st.lat_ns = g;
    } else {
      // Full: keep every other sample and take every other one from now on (this one is on the new stride).
      for (let i = 0; i < st.nlat >> 1; i++) st.lat_ns[i] = st.lat_ns[2 * i]!;
      st.nlat >>= 1;
      st.lat_stride *= 2;
    }
  }
  st.lat_ns[st.nlat++] = lat;
}

/** How many clock events pass between two signal checks of a fio phase. */
const SIGNAL_CHECK_EVENTS = 4096;

export class FioRunner {
  readonly nblocks: number;
  nextId = 0;
  private gens = new Map<number, number>();
  private genCounter = 0;
  /** Blocks with an I/O in flight (a bitmap over the region). */
  private busy: Uint8Array;
  private jobsLeft = 0;
  private readonly scratch: Uint8Array;
  stats!: FioPhaseStats;
  private nextFn!: NextIo;
  private deadline = Infinity;

  constructor(
    readonly spec: FioJobSpec,
    readonly target: FioTarget,
    readonly clock: EventClock,
    readonly costs: CostModel,
    readonly prng: Prng,
    readonly cpus: Cpu[],
    readonly trace: TraceRecorder | null,
    /** signal_pending() of the fio task: asked every SIGNAL_CHECK_EVENTS events; a pending signal ends fio (EINTR). */
    private readonly signalPending: () => boolean = () => false,
  ) {
    this.nblocks = Math.floor(spec.size / spec.bs);
    this.scratch = new Uint8Array(spec.bs);
    this.busy = new Uint8Array(this.nblocks);
  }

  newGen(_block: number): number {
    return ++this.genCounter;
  }
  expectGen(block: number): number {
    return this.gens.get(block) ?? -1;
  }

  stopSubmitting(t: number): boolean {
    return t >= this.deadline;
  }

  next(job: FioJob): NextIoResult | null {
    return this.nextFn(job);
  }

  /** Reused result of next() (one I/O is chosen at a time). */
  private readonly nx: NextIoResult = { block: 0, op: 0 };

  private choose(block: number, op: number): NextIoResult {
    this.nx.block = block;
    this.nx.op = op;
    return this.nx;
  }

  jobFinished(): void {
    this.jobsLeft--;
  }

  reap(slot: Slot, status: number, t: number): void {
    const st = this.stats;
    this.busy[slot.block] = 0;
    recordLatency(st, t - slot.t_submit);
    if (t > st.t1) st.t1 = t;
    this.trace?.record('reap', slot.id, -1, -1, t);
    if (status < 0) {
      st.errors++;
      if (st.error_messages.length < 8) {
        st.error_messages.push(
          `${slot.op === REQ_OP_READ ? 'read' : 'write'} at offset ${this.spec.offset + slot.block * this.spec.bs}: ${errName(status)}`,
        );
      }
      return;
    }
    st.ios++;
    st.bytes += this.spec.bs;
    if (slot.op === REQ_OP_READ) {
      st.reads++;
      if (this.spec.verify && slot.gen >= 0) {
        st.verified++;
        if (!checkPattern(slot.buf, slot.block, slot.gen, this.scratch)) st.mismatches++;
      }
    } else {
      st.writes++;
      this.gens.set(slot.block, slot.gen);
    }
  }

  /** Picks a block no other in-flight I/O touches (so verify stays well-defined). */
  private pick(job: FioJob, random: boolean): number {
    const n = this.nblocks;
    for (let tries = 0; tries < 8; tries++) {
      let b: number;
      if (random) b = this.prng.nextInt(n);
      else {
        b = job.seqBlock;
        job.seqBlock = (job.seqBlock + 1) % n;
      }
      if (!this.busy[b]) {
        this.busy[b] = 1;
        return b;
      }
    }
    for (let b = 0; b < n; b++) {
      if (!this.busy[b]) {
        this.busy[b] = 1;
        return b;
      }
    }
    return -1;
  }

  private runPhase(next: NextIo, runtime: number, timeout: number): FioPhaseStats {
    this.stats = {
      ios: 0,
      reads: 0,
      writes: 0,
      bytes: 0,
      errors: 0,
      error_messages: [],
      lat_ns: new Float64Array(1024),
      nlat: 0,
      lat_stride: 1,
      lat_seen: 0,
      t0: this.clock.now,
      t1: this.clock.now,
      hung: 0,
      mismatches: 0,
      verified: 0,
    };
    this.nextFn = next;
    this.deadline = runtime > 0 ? this.clock.now + runtime : Infinity;
    const jobs: FioJob[] = [];
    for (let j = 0; j < this.spec.numjobs; j++)
      jobs.push(new FioJob(this, j, this.cpus[j]!, j % this.target.nr_hw_queues));
    this.jobsLeft = jobs.length;
    for (const j of jobs) j.start();
    let lastProgress = this.clock.now;
    let lastIos = -1;
    let events = 0;
    this.clock.run(Infinity, () => {
      if (this.jobsLeft === 0) return true;
      // fio stops on a signal (its sig_int() handler); a run's Stop or deadline is one, so no runtime, ios or
      // timeout is unbounded work for the host.
      if (++events % SIGNAL_CHECK_EVENTS === 0 && this.signalPending()) {
        throw new KernelError(
          'EINTR',
          `fio: interrupted by a signal after ${this.stats.ios} I/Os and ${((this.clock.now - this.stats.t0) / 1e6).toFixed(3)} ms of virtual time`,
        );
      }
      const done = this.stats.ios + this.stats.errors;
      if (done !== lastIos) {
        lastIos = done;
        lastProgress = this.clock.now;
      }
      return this.clock.now - lastProgress > timeout;
    });
    for (const j of jobs) {
      if (j.state !== 'finished') {
        this.stats.hung += j.inflight;
        j.state = 'finished';
      }
    }
    if (this.stats.hung) {
      this.stats.errors += this.stats.hung;
      this.stats.error_messages.push(
        `${this.stats.hung} I/O(s) never completed within ${timeout / 1e6} ms of virtual time (ETIMEDOUT): the target did not complete them`,
      );
    }
    return this.stats;
  }

  /** The measured workload. */
  main(timeout: number): FioPhaseStats {
    const spec = this.spec;
    const random = spec.rw.startsWith('rand');
    const mixed = spec.rw === 'randrw' || spec.rw === 'rw' || spec.rw === 'readwrite';
    const writes = spec.rw === 'write' || spec.rw === 'randwrite';
    return this.runPhase(
      (job) => {
        if (spec.runtime === 0 && job.submitted >= spec.ios) return null;
        let op = writes ? REQ_OP_WRITE : REQ_OP_READ;
        if (mixed) op = this.prng.nextInt(100) < spec.rwmixread ? REQ_OP_READ : REQ_OP_WRITE;
        const b = this.pick(job, random);
        if (b < 0) return null;
        return this.choose(b, op);
      },
      spec.runtime,
      timeout,
    );
  }

  /** Writes every block of the region once (verify of read workloads). */
  prefill(timeout: number): FioPhaseStats {
    let next = 0;
    return this.runPhase(
      () => {
        while (next < this.nblocks && this.busy[next]) next++;
        if (next >= this.nblocks) return null;
        this.busy[next] = 1;
        return this.choose(next++, REQ_OP_WRITE);
      },
      0,
      timeout,
    );
  }

  /** Reads back every block written so far and checks its pattern. */
  readback(timeout: number): FioPhaseStats {
    const blocks = [...this.gens.keys()].sort((a, b) => a - b);
    let i = 0;
    return this.runPhase(
      () => {
        if (i >= blocks.length) return null;
        const b = blocks[i++]!;
        this.busy[b] = 1;
        return this.choose(b, REQ_OP_READ);
      },
      0,
      timeout,
    );
  }
}

const ERRNAMES: Record<number, string> = {
  [-5]: 'EIO',
  [-19]: 'ENODEV',
  [-28]: 'ENOSPC',
  [-95]: 'EOPNOTSUPP',
  [-110]: 'ETIMEDOUT',
  [-12]: 'ENOMEM',
  [-11]: 'EAGAIN',
  [-121]: 'EREMOTEIO',
};

export function errName(status: number): string {
  return `${ERRNAMES[status] ?? 'errno'} (${status})`;
}

/** Parses and validates fio options against the device. */
export function parseFioSpec(o: Record<string, unknown>, dev_bytes: number, logical_bs: number): FioJobSpec {
  const rw = (o.rw ?? 'randread') as FioRw;
  if (!['read', 'write', 'randread', 'randwrite', 'randrw', 'rw', 'readwrite'].includes(rw))
    throw new KernelError('EINVAL', `fio: unknown rw '${String(rw)}'`);
  const bs = parseSize(o.bs ?? '4k', 'bs');
  if (bs === 0 || bs % logical_bs !== 0)
    throw new KernelError(
      'EINVAL',
      `fio: bs ${bs} is not a multiple of the logical block size ${logical_bs} (O_DIRECT)`,
    );
  const iodepth = Number(o.iodepth ?? 1);
  if (!Number.isInteger(iodepth) || iodepth < 1)
    throw new KernelError('EINVAL', `fio: iodepth must be a positive integer`);
  if (iodepth > 32768)
    throw new KernelError('EINVAL', `io_uring_setup: iodepth ${iodepth} exceeds IORING_MAX_ENTRIES (32768)`);
  const numjobs = Number(o.numjobs ?? 1);
  if (!Number.isInteger(numjobs) || numjobs < 1 || numjobs > 64)
    throw new KernelError('EINVAL', `fio: numjobs must be 1..64`);
  const runtime = o.runtime === undefined ? 0 : parseDuration(o.runtime);
  const ios = o.ios === undefined ? (runtime ? 0 : 4096) : Number(o.ios);
  if (!Number.isInteger(ios) || ios < 0) throw new KernelError('EINVAL', 'fio: ios must be a non-negative integer');
  const offset = parseSize(o.offset ?? 0, 'offset');
  if (offset % logical_bs !== 0)
    throw new KernelError('EINVAL', `fio: offset ${offset} is not aligned to ${logical_bs}`);
  const size = o.size === undefined ? Math.max(0, dev_bytes - offset) : parseSize(o.size, 'size');
  if (size < bs) throw new KernelError('EINVAL', `fio: size ${size} is smaller than bs ${bs}`);
  const rwmixread = Number(o.rwmixread ?? 50);
  if (!(rwmixread >= 0 && rwmixread <= 100)) throw new KernelError('EINVAL', 'fio: rwmixread must be 0..100');
  return { rw, bs, iodepth, numjobs, ios, runtime, offset, size, rwmixread, verify: !!o.verify };
}

/** '10ms', '2s', '500us', '100ns' or ns as a number. */
export function parseDuration(v: unknown): number {
  if (typeof v === 'number' && v >= 0) return v;
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)?\s*$/.exec(v) : null;
  if (!m) throw new KernelError('EINVAL', `fio: cannot parse duration '${String(v)}' (use '10ms', '1s', ...)`);
  const mul = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 }[(m[2] ?? 's') as 'ns' | 'us' | 'µs' | 'ms' | 's'];
  return Math.round(Number(m[1]) * mul);
}
