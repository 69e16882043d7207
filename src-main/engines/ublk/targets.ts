/**
 * ublk server targets: how one request maps onto backend I/O. null (no backend), loop (one backing
 * file), stripe and mirror (fan-out over several backing files, as kublk's stripe target), and a target
 * written in the script (an object whose handlers are called per request).
 */
import { KernelError } from '../common/errors';
import type { BackingFile } from './backing';

/** One backend op of a request: fixed-file index (1.. ; 0 is /dev/ublkcN), file offset, length, offset in the request. */
export interface BackendOp {
  file: number;
  off: number;
  len: number;
  buf_off: number;
  /**
   * A vectored op (kublk's stripe: READV/WRITEV): the pieces of the request, as (offset in the request, length)
   * pairs, that the file range [off, off + len) is read into or written from, in order.
   */
  iov?: number[];
}

/** What a script target's handler sees of one request. `data` is null where the server cannot see the data (zero-copy paths). */
export interface ScriptIo {
  q_id: number;
  tag: number;
  op:
    | 'read'
    | 'write'
    | 'flush'
    | 'discard'
    | 'write_zeroes'
    | 'zone_append'
    | 'report_zones'
    | 'zone_open'
    | 'zone_close'
    | 'zone_finish'
    | 'zone_reset'
    | 'zone_reset_all';
  offset: number;
  len: number;
  data: Uint8Array | null;
  /** The request's UBLK_IO_F_* flags from iod->op_flags (ublk_req_build_flags(), e.g. UBLK_IO_F_FAILFAST_DEV). */
  flags: string[];
  /** Completes the request with a byte count or -errno (call once). */
  done(res: number): void;
  /** UBLK_IO_OP_REPORT_ZONES: iod->nr_zones, the entries wanted from `offset` on (struct blk_zone, 64 bytes each). */
  nr_zones?: number;
  /** UBLK_IO_OP_ZONE_APPEND: the handler sets the sector it wrote at; the commit carries it as zone_append_lba. */
  zone_append_lba?: number;
}

/** A target written in the script: handlers return the result, or call io.done() themselves. */
export interface TargetHandler {
  name?: string;
  read?(io: ScriptIo): number | void;
  write?(io: ScriptIo): number | void;
  flush?(io: ScriptIo): number | void;
  /** UBLK_IO_OP_DISCARD (needs add_dev's `discard` limits); without it the server answers -EOPNOTSUPP. */
  discard?(io: ScriptIo): number | void;
  /** UBLK_IO_OP_WRITE_ZEROES (UBLK_IO_F_NOUNMAP in io.flags: keep the blocks allocated). */
  write_zeroes?(io: ScriptIo): number | void;
  /** UBLK_IO_OP_ZONE_APPEND (UBLK_F_ZONED): write at the zone's write pointer, set io.zone_append_lba. */
  zone_append?(io: ScriptIo): number | void;
  /** UBLK_IO_OP_REPORT_ZONES (UBLK_F_ZONED): fill io.data with io.nr_zones struct blk_zone entries, return the bytes. */
  report_zones?(io: ScriptIo): number | void;
  /** UBLK_IO_OP_ZONE_OPEN/CLOSE/FINISH/RESET/RESET_ALL (io.op names which); without it the server answers -EOPNOTSUPP. */
  zone_mgmt?(io: ScriptIo): number | void;
}

export type TargetKind = 'null' | 'loop' | 'stripe' | 'mirror' | 'script' | 'fault_inject' | 'zoned';

export interface Target {
  readonly kind: TargetKind;
  readonly files: BackingFile[];
  readonly handler: TargetHandler | null;
  /** Backend ops for a READ (write=false) or WRITE of [off, off+len), one per contiguous piece of the request. */
  map(write: boolean, off: number, len: number, tag: number): BackendOp[];
  /**
   * kublk's own SQEs where they differ from map(): stripe issues one READV/WRITEV per backing file, its pieces of the
   * request as iovecs (selftests/ublk/stripe.c, stripe_queue_tgt_rw_io()).
   */
  mapv?(write: boolean, off: number, len: number, tag: number): BackendOp[];
  /** fault_inject: the completion delay and whether the next server dies while fetching. */
  fault?: FaultInjectOpts;
}

/** kublk's fault_inject options (selftests/ublk/fault_inject.c: --delay_us, --die_during_fetch). */
export interface FaultInjectOpts {
  delay_ns: number;
  die_during_fetch: boolean;
}

/**
 * kublk's fault_inject target: a null target that completes each I/O (nr_sectors << 9) when an io_uring
 * timeout of delay_us (count 1) fires; with die_during_fetch the server SIGKILLs itself before fetching tag 1.
 */
export function faultInjectTarget(fault: FaultInjectOpts): Target {
  return { kind: 'fault_inject', files: [], handler: null, map: () => [], fault };
}

/** Options of the striped/mirrored targets. */
export interface FanoutOpts {
  nr_files: number;
  chunk: number;
}

export function nullTarget(): Target {
  return { kind: 'null', files: [], handler: null, map: () => [] };
}

export function loopTarget(file: BackingFile): Target {
  return { kind: 'loop', files: [file], handler: null, map: (_w, off, len) => [{ file: 1, off, len, buf_off: 0 }] };
}

/** RAID-0 over nr files with `chunk`-byte chunks: a request splits at chunk boundaries. */
export function stripeTarget(files: BackingFile[], chunk: number): Target {
  if (files.length < 2) throw new KernelError('EINVAL', 'stripe target needs at least 2 backing files');
  if (chunk < 4096 || (chunk & (chunk - 1)) !== 0)
    throw new KernelError('EINVAL', 'stripe chunk must be a power of two >= 4K');
  const k = files.length;
  return {
    kind: 'stripe',
    files,
    handler: null,
    map(_w, off, len) {
      const ops: BackendOp[] = [];
      let done = 0;
      while (done < len) {
        const p = off + done;
        const ci = Math.floor(p / chunk);
        const within = p - ci * chunk;
        const n = Math.min(chunk - within, len - done);
        const fileOff = Math.floor(ci / k) * chunk + within;
        const file = 1 + (ci % k);
        const last = ops[ops.length - 1];
        if (last && last.file === file && last.off + last.len === fileOff) last.len += n;
        else ops.push({ file, off: fileOff, len: n, buf_off: done });
        done += n;
      }
      return ops;
    },
    mapv(write, off, len, tag) {
      // calculate_stripe_array(): chunk i of the request goes to slot i % nr_files; a slot's chunks are all of one
      // file and contiguous in it, so each slot is one vectored op whose iovecs are the chunks' places in the buffer
      const pieces = this.map(write, off, len, tag);
      const slots: BackendOp[] = [];
      pieces.forEach((p, i) => {
        const s = slots[i % k];
        if (!s) slots.push({ file: p.file, off: p.off, len: p.len, buf_off: p.buf_off, iov: [p.buf_off, p.len] });
        else {
          s.len += p.len;
          s.iov!.push(p.buf_off, p.len);
        }
      });
      return slots;
    },
  };
}

/** RAID-1 over nr files: writes go to every file, reads to one (chosen by tag). */
export function mirrorTarget(files: BackingFile[]): Target {
  if (files.length < 2) throw new KernelError('EINVAL', 'mirror target needs at least 2 backing files');
  return {
    kind: 'mirror',
    files,
    handler: null,
    map(write, off, len, tag) {
      if (!write) return [{ file: 1 + (tag % files.length), off, len, buf_off: 0 }];
      return files.map((_f, i) => ({ file: 1 + i, off, len, buf_off: 0 }));
    },
  };
}

export function scriptTarget(handler: TargetHandler): Target {
  if (!handler || typeof handler !== 'object')
    throw new KernelError('EINVAL', 'target handler must be an object with read/write handlers');
  return { kind: 'script', files: [], handler, map: () => [] };
}
