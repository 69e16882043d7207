/**
 * Block layer (block/blk-mq.c): a tag set with one tag space of queue_depth per hardware queue,
 * preallocated requests, ->queue_rq and batched ->queue_rqs, requeue with a delayed kick, and request
 * completion. Statuses are 0 or a negative errno (blk_status_to_errno applied up front).
 */
import type { EventClock } from './clock';
import type { CostModel } from './costs';
import { beginBurst as beginBurst_, clearList as clearList_, endBurst as endBurst_ } from './cpu';
import type { Cpu, Ctx } from './cpu';
import { REQ_OP_ZONE_APPEND, submit_bio_zoned_checks } from './zoned';
import type { ZonedLimits } from './zoned';
const beginBurst = beginBurst_;
const endBurst = endBurst_;
const clearList = clearList_;

export const REQ_OP_READ = 0;
export const REQ_OP_WRITE = 1;
export const REQ_OP_FLUSH = 2;
export const REQ_OP_DISCARD = 3;
export const REQ_OP_WRITE_ZEROES = 9;
export const SECTOR_SHIFT = 9;
/** REQ_FLAGS.REQ_FUA / REQ_PREFLUSH of ublk_cmd.ts (kept here so that blk_mq.ts does not import the ublk UAPI). */
const REQ_FUA_BIT = 1 << 4;
const REQ_PREFLUSH_BIT = 1 << 5;

/** A bio as the application submits it (O_DIRECT: `data` is the application's own pinned pages). */
export interface Bio {
  /** Identity for traces (the submitter's I/O number). */
  id: number;
  op: number;
  sector: number;
  nr_sectors: number;
  data: Uint8Array | null;
  /** bi_opf's flag bits (REQ_FLAGS of ublk_cmd.ts: REQ_FUA, REQ_FAILFAST_*, REQ_META, REQ_SWAP, REQ_NOUNMAP). */
  opf?: number | undefined;
  /** The submitting CPU (where a tag wait resumes). */
  cpu: Cpu;
  /** bio_endio: status is 0 or -errno, t the virtual time of completion. */
  end_io: (status: number, t: number, bio: Bio) => void;
  /** The submitter's private data (bi_private). */
  priv?: unknown;
  /** Set by the block layer when the bio ends. */
  status?: number;
  t_done?: number;
}

function fireEndIo(bio: Bio): void {
  bio.end_io(bio.status ?? 0, bio.t_done ?? 0, bio);
}

/** struct request, one per tag. */
export class Request {
  op = 0;
  /** cmd_flags beyond the op (the bio's REQ_* flags). */
  cmd_flags = 0;
  sector = 0;
  nr_sectors = 0;
  data: Uint8Array | null = null;
  bio: Bio | null = null;
  /** blk_mq_request_started(). */
  started = false;
  /** struct ublk_rq_data: reference count and auto-registered buffer index. */
  ref = 0;
  buf_index = -1;
  buf_ring: unknown = null;
  /** Times this request was requeued. */
  requeues = 0;
  /** Set while the tag is allocated. */
  inUse = false;
  /** Allocation generation: stale callbacks (a late buffer release) compare it. */
  gen = 0;
  /** The bio's id (for traces). */
  id = 0;
  /** eBPF proposal: the BPF program took this request (no map/unmap copy). */
  bpf = false;
  constructor(
    readonly q: number,
    readonly tag: number,
  ) {}

  get bytes(): number {
    return this.nr_sectors << SECTOR_SHIFT;
  }
}

/** The driver's blk_mq_ops. queue_rq returns 0 (BLK_STS_OK) or -errno to fail the request at once. */
export interface BlkMqOps {
  queue_rq(rq: Request, ctx: Ctx): number;
  /** ->queue_rqs: takes a plugged list, returns the requests it could not take (issued one by one). */
  queue_rqs?(list: Request[], ctx: Ctx): Request[];
}

export class TagSet {
  private readonly freeTags: number[][];
  readonly rqs: Request[][];
  private readonly waiters: Bio[][];
  /** Tags allocated and not yet freed, per hw queue (for the no-lost-tag invariant). */
  readonly inflight: number[];
  readonly stats = { requeues: 0, tag_waits: 0, eod_errors: 0 };
  /** Capacity in sectors (set_capacity). */
  capacity = 0;
  /** queue_limits.max_sectors (ublk: params.basic.max_sectors): larger bios are split (bio_split_to_limits). */
  max_sectors = Infinity;
  /** Set while the disk exists (add_disk .. del_gendisk). */
  alive = false;
  /** queue_limits of START_DEV: a volatile write cache (UBLK_ATTR_VOLATILE_CACHE), discard and write-zeroes sizes. */
  write_cache = false;
  max_discard_sectors = 0;
  max_write_zeroes_sectors = 0;
  /** BLK_FEAT_ZONED and the zone limits (null: not a zoned disk). */
  zoned: ZonedLimits | null = null;

  constructor(
    readonly nr_hw_queues: number,
    readonly queue_depth: number,
    private readonly ops: BlkMqOps,
    private readonly clock: EventClock,
    private readonly costs: CostModel,
  ) {
    this.freeTags = [];
    this.rqs = [];
    this.waiters = [];
    this.inflight = [];
    for (let q = 0; q < nr_hw_queues; q++) {
      const free: number[] = [];
      for (let t = queue_depth - 1; t >= 0; t--) free.push(t);
      this.freeTags.push(free);
      const rqs: Request[] = [];
      for (let t = 0; t < queue_depth; t++) rqs.push(new Request(q, t));
      this.rqs.push(rqs);
      this.waiters.push([]);
      this.inflight.push(0);
    }
  }

  /** blk_mq_tag_to_rq(). */
  tag_to_rq(q: number, tag: number): Request | null {
    const rq = this.rqs[q]?.[tag];
    return rq && rq.inUse ? rq : null;
  }

  /** Free tags on a hw queue. */
  free_tags(q: number): number {
    return this.freeTags[q]!.length;
  }

  /**
   * submit_bio() of a plugged batch on hw queue q, in the submitter's burst: bio_check_eod, tag
   * allocation (waiting when none is free), then ->queue_rqs (or ->queue_rq per request).
   */
  submit_bios(q: number, bios: Bio[], ctx: Ctx): void {
    // the plug list (struct blk_plug's mq_list) is reused from one submission to the next
    const list = this.plug ?? [];
    this.plug = null;
    for (let i = 0; i < bios.length; i++) {
      const bio = bios[i]!;
      if (!this.alive) {
        this.endBio(bio, -19, ctx.t); // -ENODEV: the disk is gone
        continue;
      }
      if (bio.sector + bio.nr_sectors > this.capacity) {
        this.stats.eod_errors++;
        this.endBio(bio, -5, ctx.t); // bio_check_eod: -EIO
        continue;
      }
      // submit_bio_noacct() (6.18): without a volatile write cache REQ_PREFLUSH and REQ_FUA are dropped; discard
      // and write zeroes need the disk's limits (-EOPNOTSUPP otherwise)
      if (bio.opf && !this.write_cache) bio.opf &= ~(REQ_FUA_BIT | REQ_PREFLUSH_BIT);
      if (bio.op > REQ_OP_DISCARD && bio.op !== REQ_OP_WRITE_ZEROES) {
        const st = submit_bio_zoned_checks(this.zoned, bio.op, bio.sector, bio.nr_sectors);
        if (st) {
          this.endBio(bio, st, ctx.t);
          continue;
        }
        // zone management carries no data and ZONE_APPEND was checked against its limit: neither is split
        this.queue_bio(q, bio, list);
        continue;
      }
      let limit = this.max_sectors;
      if (bio.op === REQ_OP_DISCARD || bio.op === REQ_OP_WRITE_ZEROES) {
        limit = bio.op === REQ_OP_DISCARD ? this.max_discard_sectors : this.max_write_zeroes_sectors;
        if (!limit) {
          this.endBio(bio, -95, ctx.t);
          continue;
        }
      }
      if (bio.nr_sectors > limit) for (const b of this.split(bio, limit)) this.queue_bio(q, b, list);
      else this.queue_bio(q, bio, list);
    }
    if (list.length) this.dispatch(list, ctx);
    clearList(list);
    this.plug = list;
  }

  private plug: Request[] | null = [];

  /**
   * blk_mq_alloc_request() + blk_execute_rq() of a passthrough request (REQ_OP_DRV_IN/OUT): no submit_bio checks,
   * no split; waits for a tag like a bio.
   */
  execute_rq(q: number, bio: Bio, ctx: Ctx): void {
    if (!this.alive) return this.endBio(bio, -19, ctx.t);
    const list: Request[] = [];
    this.queue_bio(q, bio, list);
    if (list.length) this.dispatch(list, ctx);
  }

  /** A tag for the bio (its request joins `list`), or a place among the tag waiters. */
  private queue_bio(q: number, bio: Bio, list: Request[]): void {
    const rq = this.get_rq(q, bio);
    if (rq) list.push(rq);
    else {
      this.waiters[q]!.push(bio);
      this.stats.tag_waits++;
    }
  }

  /**
   * bio_split_to_limits() (block/blk-merge.c, 6.18): a bio above max_sectors becomes max_sectors-sized
   * pieces, each its own request; the original bio ends when the last piece ends, with the first error.
   */
  private split(bio: Bio, max: number): Bio[] {
    const out: Bio[] = [];
    let left = 0;
    let status = 0;
    let tEnd = 0;
    const childEnd = (st: number, t: number): void => {
      if (st < 0 && status === 0) status = st;
      if (t > tEnd) tEnd = t;
      if (--left === 0) {
        bio.status = status;
        bio.t_done = tEnd;
        fireEndIo(bio);
      }
    };
    for (let s = 0; s < bio.nr_sectors; s += max) {
      const n = Math.min(max, bio.nr_sectors - s);
      const data = bio.data ? bio.data.subarray(s << SECTOR_SHIFT, (s + n) << SECTOR_SHIFT) : null;
      out.push({
        id: bio.id,
        op: bio.op,
        sector: bio.sector + s,
        nr_sectors: n,
        data,
        opf: bio.opf,
        cpu: bio.cpu,
        end_io: childEnd,
        priv: bio.priv,
      });
    }
    left = out.length;
    return out;
  }

  private get_rq(q: number, bio: Bio): Request | null {
    const tag = this.freeTags[q]!.pop();
    if (tag === undefined) return null;
    const rq = this.rqs[q]![tag]!;
    rq.inUse = true;
    rq.gen++;
    rq.id = bio.id;
    rq.bpf = false;
    rq.op = bio.op;
    rq.cmd_flags = bio.opf ?? 0;
    rq.sector = bio.sector;
    rq.nr_sectors = bio.nr_sectors;
    rq.data = bio.data;
    rq.bio = bio;
    rq.started = false;
    rq.ref = 0;
    rq.buf_index = -1;
    rq.buf_ring = null;
    rq.requeues = 0;
    this.inflight[q]!++;
    return rq;
  }

  private dispatch(list: Request[], ctx: Ctx): void {
    let rest = list;
    if (this.ops.queue_rqs && list.length > 1) rest = this.ops.queue_rqs(list, ctx);
    for (const rq of rest) {
      const st = this.ops.queue_rq(rq, ctx);
      if (st !== 0) this.end_request(rq, st, ctx.t);
    }
  }

  /** blk_mq_start_request(). */
  start_request(rq: Request): void {
    rq.started = true;
  }

  /** The requeue list: requests waiting for their delayed kick (or an earlier blk_mq_kick_requeue_list()). */
  private readonly requeued = new Set<Request>();

  /** blk_mq_requeue_request + blk_mq_delay_kick_requeue_list(delay_ms): queue_rq runs again later. */
  requeue_request(rq: Request, delay_ms: number, cpu: Cpu): void {
    rq.started = false;
    const seq = ++rq.requeues;
    this.stats.requeues++;
    this.requeued.add(rq);
    this.clock.after(delay_ms * 1e6, () => this.run_requeued(rq, seq, cpu));
  }

  /** blk_mq_kick_requeue_list(): every request on the requeue list runs queue_rq now. */
  kick_requeue_list(): void {
    for (const rq of this.requeued) {
      const seq = rq.requeues;
      const cpu = rq.bio!.cpu;
      this.clock.at(this.clock.now, () => this.run_requeued(rq, seq, cpu));
    }
  }

  private run_requeued(rq: Request, seq: number, cpu: Cpu): void {
    // already kicked, requeued again since (a newer timer owns it), or ended
    if (!this.requeued.has(rq) || rq.requeues !== seq || !rq.inUse) return;
    this.requeued.delete(rq);
    const ctx = beginBurst(cpu, this.clock.now);
    const start = ctx.t;
    const st = this.ops.queue_rq(rq, ctx);
    if (st !== 0) this.end_request(rq, st, ctx.t);
    endBurst(ctx, start);
  }

  /** blk_mq_end_request(): frees the tag and ends the bio at virtual time t; a tag waiter takes the tag. */
  end_request(rq: Request, status: number, t: number): void {
    if (!rq.inUse) throw new Error(`ublk model bug: double completion of tag ${rq.tag} on queue ${rq.q}`);
    const bio = rq.bio!;
    if (this.requeued.size) this.requeued.delete(rq);
    rq.inUse = false;
    rq.started = false;
    rq.bio = null;
    rq.data = null;
    // blk_zone_append_update_request_bio(): a zone append's bio learns the sector it was written at
    if (rq.op === REQ_OP_ZONE_APPEND && status === 0) bio.sector = rq.sector;
    this.inflight[rq.q]!--;
    this.freeTags[rq.q]!.push(rq.tag);
    this.endBio(bio, status, t);
    const w = this.waiters[rq.q]!;
    if (w.length) {
      const next = w.shift()!;
      this.clock.at(t, () => {
        const ctx = beginBurst(next.cpu, this.clock.now);
        const start = ctx.t;
        ctx.t += this.costs.t_queue_rq;
        const nrq = this.get_rq(rq.q, next);
        if (nrq) this.dispatch([nrq], ctx);
        else w.unshift(next);
        endBurst(ctx, start);
      });
    }
  }

  private endBio(bio: Bio, status: number, t: number): void {
    bio.status = status;
    bio.t_done = t;
    this.clock.at(t, fireEndIo, bio);
  }

  /** Bios waiting for a tag (all queues). */
  waiting(): number {
    let n = 0;
    for (const w of this.waiters) n += w.length;
    return n;
  }

  /** Fails every bio still waiting for a tag (del_gendisk on a dead device). */
  fail_waiters(status: number, t: number): void {
    for (const w of this.waiters) {
      for (const bio of w.splice(0)) this.endBio(bio, status, t);
    }
  }
}
