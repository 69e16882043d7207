/**
 * bpf_iter_ublk_req: an open-coded BPF iterator (KF_ITER_NEW / KF_ITER_NEXT / KF_ITER_DESTROY, verified as
 * bpf_iter_num) over the in-flight requests of one ublk device: every (queue, tag) whose blk-mq tag holds a
 * struct request, in queue then tag order. Model-defined: no Linux kernel has these kfuncs. The name follows the
 * driver's own (ublk_drv.c calls its per-tag request "req": ublk_queue_rq, struct ublk_rq_data) and the kernel's
 * bpf_iter_<object> naming (bpf_iter_task, bpf_iter_css). This file links the BPF and ublk engines.
 *
 * The C view, the one place the layout is written down (little-endian, offsets in bytes):
 *
 *   struct bpf_iter_ublk_req {             // on the BPF stack, 48 bytes = 6 slots
 *           __u64 __opaque[6];
 *   } __attribute__((aligned(8)));
 *
 *   struct bpf_ublk_req {                  // what next() returns: read-only, 32 bytes
 *           __u16 q_id;                    //  0 (as struct ublk_bpf_ctx)
 *           __u16 tag;                     //  2
 *           __u32 op;                      //  4: REQ_OP_READ 0, WRITE 1, FLUSH 2, DISCARD 3, WRITE_ZEROES 9
 *           __u64 sector;                  //  8
 *           __u32 nr_sectors;              // 16
 *           __u32 io_flags;                // 20: struct ublk_io's UBLK_IO_FLAG_* (ACTIVE 0x1: the tag's FETCH or
 *                                          //     COMMIT_AND_FETCH waits for it; OWNED_BY_SRV 0x2: the server has it)
 *           __u32 state;                   // 24: BPF_UBLK_REQ_STARTED (blk_mq_start_request() done),
 *                                          //     BPF_UBLK_REQ_BPF (taken by the device's BPF program)
 *           __u32 requeues;                // 28: times the request was requeued
 *   };
 *
 *   int bpf_iter_ublk_req_new(struct bpf_iter_ublk_req *it, __u32 dev_id, __u64 flags);
 *           // -ENODEV if there is no device dev_id, -EINVAL if flags != 0; the iterator is then empty
 *   struct bpf_ublk_req *bpf_iter_ublk_req_next(struct bpf_iter_ublk_req *it);   // NULL at the end
 *   void bpf_iter_ublk_req_destroy(struct bpf_iter_ublk_req *it);
 */
import { ERRNO } from './common/errors';
import type { BpfEngine } from './bpf/index';
import { ITER_REC, ITER_WORD0, ITER_WORD1, registerOpenCodedIter } from './bpf_iter_kfuncs';
import type { Ublk } from './ublk/index';

/** Pseudo BTF ids: model-defined kfuncs, in no kernel's BTF. */
export const BPF_ITER_UBLK_REQ_ID = { new: 0x7f000201, next: 0x7f000202, destroy: 0x7f000203 } as const;
/** Stack slots of struct bpf_iter_ublk_req. */
export const BPF_ITER_UBLK_REQ_SLOTS = 6;
/** sizeof(struct bpf_ublk_req). */
export const BPF_UBLK_REQ_SIZE = 32;
/** bpf_ublk_req.state bits. */
export const BPF_UBLK_REQ_STARTED = 1;
export const BPF_UBLK_REQ_BPF = 2;

/** struct bpf_ublk_req as an object (tests). */
export interface BpfUblkReq {
  q_id: number;
  tag: number;
  op: number;
  sector: number;
  nr_sectors: number;
  io_flags: number;
  state: number;
  requeues: number;
}

// The iterator's header words (bpf_iter_kfuncs.ts): the device and the next q_id * queue_depth + tag to look
// at; the record follows at REC.
const DEV = ITER_WORD0;
const POS = ITER_WORD1;
const REC = ITER_REC;
const ITER_MAGIC = 0x75726571; // "ureq"

/** Reads a struct bpf_ublk_req back (tests). */
export function readUblkReq(b: Uint8Array): BpfUblkReq {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    q_id: dv.getUint16(0, true),
    tag: dv.getUint16(2, true),
    op: dv.getUint32(4, true),
    sector: Number(dv.getBigUint64(8, true)),
    nr_sectors: dv.getUint32(16, true),
    io_flags: dv.getUint32(20, true),
    state: dv.getUint32(24, true),
    requeues: dv.getUint32(28, true),
  };
}

/** Registers the three kfuncs with the BPF engine, over the ublk driver's devices. */
export function linkUblkReqIter(bpf: BpfEngine, ublk: Ublk): void {
  const device = (id: number) => {
    const ub = ublk.drv.devices.get(id);
    return ub && !ub.deleted ? ub : undefined;
  };
  registerOpenCodedIter(bpf, {
    type: 'ublk_req',
    ids: BPF_ITER_UBLK_REQ_ID,
    slots: BPF_ITER_UBLK_REQ_SLOTS,
    recordSize: BPF_UBLK_REQ_SIZE,
    magic: ITER_MAGIC,
    start(it, devId, flags) {
      const dev_id = devId.lo >>> 0; // a __u32: the upper half is ignored
      if ((flags.lo | flags.hi) !== 0) return -ERRNO.EINVAL;
      if (!device(dev_id)) return -ERRNO.ENODEV;
      it.setUint32(DEV, dev_id, true);
      return 0;
    },
    fill(dv) {
      const ub = device(dv.getUint32(DEV, true));
      if (!ub) return false;
      const depth = ub.tagset.queue_depth;
      const total = ub.tagset.nr_hw_queues * depth;
      for (let pos = dv.getUint32(POS, true); pos < total; pos++) {
        const q = Math.floor(pos / depth);
        const tag = pos % depth;
        const rq = ub.tagset.tag_to_rq(q, tag);
        if (!rq) continue;
        dv.setUint32(POS, pos + 1, true);
        dv.setUint16(REC + 0, q, true);
        dv.setUint16(REC + 2, tag, true);
        dv.setUint32(REC + 4, rq.op, true);
        dv.setBigUint64(REC + 8, BigInt(rq.sector), true);
        dv.setUint32(REC + 16, rq.nr_sectors, true);
        dv.setUint32(REC + 20, ub.queues[q]?.ios[tag]?.flags ?? 0, true);
        dv.setUint32(REC + 24, (rq.started ? BPF_UBLK_REQ_STARTED : 0) | (rq.bpf ? BPF_UBLK_REQ_BPF : 0), true);
        dv.setUint32(REC + 28, rq.requeues, true);
        return true;
      }
      dv.setUint32(POS, total, true);
      return false;
    },
  });
}
