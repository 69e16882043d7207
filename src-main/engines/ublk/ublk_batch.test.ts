/**
 * UBLK_F_BATCH_IO's exact answers, command by command and errno by errno, against mainline's
 * drivers/block/ublk_drv.c (after 6.18: torvalds/linux 08677040a911). Each test names the driver function it follows.
 */
import { describe, it, expect } from 'vitest';
import { REQ_OP_READ, REQ_OP_WRITE } from './blk_mq';
import { Cpu } from './cpu';
import type { Ctx } from './cpu';
import {
  IORING_CQE_BUFFER_SHIFT,
  IORING_CQE_F_BUFFER,
  IORING_CQE_F_MORE,
  IORING_OP_URING_CMD,
  IORING_URING_CMD_MULTISHOT,
  IOSQE_BUFFER_SELECT,
  IOSQE_FIXED_FILE,
  IoUring,
} from './io_uring';
import type { Cqe } from './io_uring';
import { createUblk } from './index';
import {
  UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK,
  UBLK_BATCH_F_HAS_BUF_ADDR,
  UBLK_BATCH_F_HAS_ZONE_LBA,
  UBLK_F,
  UBLK_IO_COMMIT_AND_FETCH_REQ,
  UBLK_IO_COMMIT_IO_CMDS,
  UBLK_IO_FETCH_IO_CMDS,
  UBLK_IO_FETCH_REQ,
  UBLK_IO_PREP_IO_CMDS,
  UBLK_IO_REGISTER_IO_BUF,
  UBLK_IO_RES_ABORT,
  UBLK_IO_UNREGISTER_IO_BUF,
} from './ublk_cmd';
import {
  UBLK_CMD_BATCH_TMP_BUF_SZ,
  ublk_batch_elem_bytes,
  ublk_batch_encode,
  ublk_batch_queue,
  ublk_batch_tag_state,
  ublk_validate_batch_fetch_cmd,
} from './ublk_batch';
import type { UblkBatchElem, UblkBatchIo } from './ublk_batch';
import { UserMem } from './user_mem';

const EINVAL = -22;
const EBUSY = -16;
const EFAULT = -14;
const E2BIG = -7;
const ENODEV = -19;
const EOPNOTSUPP = -95;
const ENOBUFS = -105;

/** A BATCH_IO device served by hand from one ring with provided-buffer group 0 (`nbufs` buffers of depth tags). */
function manual(flags: string[] = [], depth = 4, nbufs = 2) {
  const k = createUblk();
  const d = k.add_dev({ nr_hw_queues: 1, queue_depth: depth, dev_size: '1M', flags: ['UBLK_F_BATCH_IO', ...flags] });
  const ub = d.ub;
  const mm = new UserMem();
  ub.mm = mm;
  ub.ch_open(1);
  const ring = new IoUring(64, 0, k.costs, k.clock);
  const task = { name: 'srv', exiting: false };
  k.drv.markPrivileged(task);
  ring.task = Object.assign({ wake: () => {} }, { ublkTask: task });
  ring.register_files([ub.chdev]);
  ring.register_buffers_sparse(depth);
  const bufs: Uint8Array[] = [];
  for (let i = 0; i < nbufs; i++) bufs.push(new Uint8Array(depth * 2));
  if (nbufs) ring.register_pbuf_ring(0, bufs);
  const ctx: Ctx = { cpu: new Cpu(9, 'srv'), t: 0 };
  const bufVa = Array.from({ length: depth }, () => mm.alloc(4096));
  const reap = (): Cqe[] => {
    const out: Cqe[] = [];
    let c;
    while ((c = ring.pop_cqe())) out.push(c);
    return out;
  };
  /** One batch command; its CQEs (none: it stays pending). */
  const cmd = (
    op: number,
    hdr: Partial<UblkBatchIo>,
    elems: UblkBatchElem[] | Uint8Array | null,
    o: { mshot?: boolean; bsel?: boolean; ud?: number } = {},
  ): Cqe[] => {
    const f = hdr.flags ?? 0;
    const h: UblkBatchIo = {
      q_id: 0,
      flags: f,
      nr_elem: Array.isArray(elems) ? elems.length : 0,
      elem_bytes: ublk_batch_elem_bytes(f),
      ...hdr,
    };
    const addr = elems === null ? null : Array.isArray(elems) ? ublk_batch_encode(f, elems) : elems;
    Object.assign(ring.get_sqe()!, {
      opcode: IORING_OP_URING_CMD,
      flags: IOSQE_FIXED_FILE | ((o.bsel ?? o.mshot) ? IOSQE_BUFFER_SELECT : 0),
      fd: 0,
      cmd_op: op,
      cmd: h,
      addr,
      uring_cmd_flags: o.mshot ? IORING_URING_CMD_MULTISHOT : 0,
      buf_index: 0,
      user_data: o.ud ?? 7,
    });
    ring.submit(ctx);
    return reap();
  };
  const res = (c: Cqe[]): number => (c.length ? c[0]!.res : NaN);
  const copy =
    (ub.flags & (UBLK_F.UBLK_F_USER_COPY | UBLK_F.UBLK_F_SUPPORT_ZERO_COPY | UBLK_F.UBLK_F_AUTO_BUF_REG)) === 0;
  const bflags = copy ? UBLK_BATCH_F_HAS_BUF_ADDR : 0;
  const el = (tag: number, result = 0): UblkBatchElem => ({ tag, buf_index: tag, result, buf_addr: bufVa[tag] });
  const prepAll = (): number =>
    res(
      cmd(
        UBLK_IO_PREP_IO_CMDS,
        { flags: bflags },
        Array.from({ length: depth }, (_, t) => el(t)),
      ),
    );
  const fetch = (ud = 50): Cqe[] => cmd(UBLK_IO_FETCH_IO_CMDS, { elem_bytes: 2 }, null, { mshot: true, ud });
  const ends: number[] = [];
  const app = new Cpu(8, 'app');
  /** Bios through blk-mq (one plug: ublk_batch_queue_rqs), the dispatch task_work run; the CQEs it posted. */
  const submit = (ops: number[]): Cqe[] => {
    ub.tagset.submit_bios(
      0,
      ops.map((op, i) => ({
        id: i,
        op,
        sector: i * 8,
        nr_sectors: 8,
        data: new Uint8Array(4096).fill(5 + i),
        cpu: app,
        end_io: (st: number) => ends.push(st),
      })),
      { cpu: app, t: k.clock.now },
    );
    k.clock.run();
    ring.run_task_work(ctx);
    return reap();
  };
  const tagsOf = (c: Cqe): number[] => {
    const bid = c.flags >>> IORING_CQE_BUFFER_SHIFT;
    const v = new DataView(bufs[bid]!.buffer);
    return Array.from({ length: c.res / 2 }, (_, i) => v.getUint16(i * 2, true));
  };
  /** The end_io statuses so far (completions are delivered by the clock). */
  const ended = (): number[] => {
    k.clock.run();
    return ends;
  };
  return { k, d, ub, mm, ring, ctx, cmd, res, prepAll, fetch, submit, tagsOf, el, bflags, ended, bufVa, reap };
}

describe('ADD_DEV and GET_FEATURES with UBLK_F_BATCH_IO (ublk_ctrl_add_dev, ublk_ctrl_get_features; after 6.18)', () => {
  it('keeps BATCH_IO and clears PER_IO_DAEMON and NEED_GET_DATA', () => {
    const k = createUblk();
    const f = k.add_dev({ flags: ['UBLK_F_BATCH_IO', 'UBLK_F_NEED_GET_DATA'] }).ub.flags;
    expect(f & UBLK_F.UBLK_F_BATCH_IO).toBeTruthy();
    expect(f & UBLK_F.UBLK_F_PER_IO_DAEMON).toBe(0);
    expect(f & UBLK_F.UBLK_F_NEED_GET_DATA).toBe(0);
    expect(k.add_dev({}).ub.flags & UBLK_F.UBLK_F_PER_IO_DAEMON).toBeTruthy();
    expect(k.drv.ublk_ctrl_get_features() & UBLK_F.UBLK_F_BATCH_IO).toBeTruthy();
  });
});

describe('ublk_check_batch_cmd(): the checks of PREP_IO_CMDS and COMMIT_IO_CMDS, in order', () => {
  it('q_id before nr_elem, nr_elem (-E2BIG) before the flags, then ublk_check_batch_cmd_flags()', () => {
    const m = manual();
    const big = Array.from({ length: 5 }, (_, t) => m.el(t % 4));
    expect(m.res(m.cmd(UBLK_IO_PREP_IO_CMDS, { q_id: 1, flags: UBLK_BATCH_F_HAS_ZONE_LBA }, big))).toBe(EINVAL);
    expect(m.res(m.cmd(UBLK_IO_PREP_IO_CMDS, { flags: UBLK_BATCH_F_HAS_ZONE_LBA }, big))).toBe(E2BIG);
    expect(m.res(m.cmd(UBLK_IO_COMMIT_IO_CMDS, { flags: UBLK_BATCH_F_HAS_ZONE_LBA }, [m.el(0)]))).toBe(EINVAL); // not zoned
    expect(m.res(m.cmd(UBLK_IO_PREP_IO_CMDS, { flags: UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK }, [m.el(0)]))).toBe(EINVAL); // no AUTO_BUF_REG
    expect(m.res(m.cmd(UBLK_IO_PREP_IO_CMDS, { flags: 1 << 3 }, [m.el(0)]))).toBe(EINVAL); // outside UBLK_BATCH_F_ALL
    expect(m.res(m.cmd(UBLK_IO_PREP_IO_CMDS, { flags: UBLK_BATCH_F_HAS_BUF_ADDR, elem_bytes: 8 }, [m.el(0)]))).toBe(
      EINVAL,
    ); // 16 expected
    expect(m.ub.queues[0]!.nr_io_ready).toBe(0);
  });

  it('HAS_BUF_ADDR only where the driver copies; FALLBACK with HAS_BUF_ADDR is refused', () => {
    const u = manual(['UBLK_F_USER_COPY']);
    expect(u.res(u.cmd(UBLK_IO_PREP_IO_CMDS, { flags: UBLK_BATCH_F_HAS_BUF_ADDR }, [u.el(0)]))).toBe(EINVAL);
    const a = manual(['UBLK_F_AUTO_BUF_REG']);
    expect(
      a.res(
        a.cmd(UBLK_IO_PREP_IO_CMDS, { flags: UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK | UBLK_BATCH_F_HAS_BUF_ADDR }, [
          a.el(0),
        ]),
      ),
    ).toBe(EINVAL);
    expect(a.res(a.cmd(UBLK_IO_PREP_IO_CMDS, { flags: UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK }, [a.el(0)]))).toBe(0);
  });
});

describe('PREP_IO_CMDS (ublk_handle_batch_prep_cmd, ublk_batch_prep_io, ublk_walk_cmd_buf)', () => {
  it('prepares every tag in one command; START_DEV then completes', () => {
    const m = manual();
    expect(m.prepAll()).toBe(0);
    expect(m.ub.queues[0]!.nr_io_ready).toBe(4);
    m.k.drv.ublk_ctrl_start_dev(m.ub, 1);
    expect(m.ub.dev_info.state).toBe(1);
    expect(ublk_batch_tag_state(m.ub.queues[0]!, 2)).toBe('prepared');
  });

  it('copy mode needs a buffer address (ublk_check_fetch_buf: -EINVAL)', () => {
    const m = manual();
    expect(m.res(m.cmd(UBLK_IO_PREP_IO_CMDS, { flags: 0 }, [m.el(0)]))).toBe(EINVAL);
  });

  it('a failure reverts the elements already prepared (ublk_batch_revert_prep_cmd)', () => {
    const m = manual();
    expect(m.res(m.cmd(UBLK_IO_PREP_IO_CMDS, { flags: m.bflags }, [m.el(2)]))).toBe(0);
    // tags 0 and 1 prepare, tag 2 is already ACTIVE (__ublk_fetch: -EINVAL): 0 and 1 are undone
    expect(m.res(m.cmd(UBLK_IO_PREP_IO_CMDS, { flags: m.bflags }, [m.el(0), m.el(1), m.el(2)]))).toBe(EINVAL);
    expect(m.ub.queues[0]!.nr_io_ready).toBe(1);
    expect(m.ub.queues[0]!.ios[0]!.flags).toBe(0);
    // a tag beyond queue_depth (__ublk_walk_cmd_buf: -EINVAL), also after a good element
    expect(m.res(m.cmd(UBLK_IO_PREP_IO_CMDS, { flags: m.bflags }, [m.el(0), { ...m.el(0), tag: 4 }]))).toBe(EINVAL);
    expect(m.ub.queues[0]!.nr_io_ready).toBe(1);
  });

  it('-EFAULT when the element array is not there, chunk by chunk (UBLK_CMD_BATCH_TMP_BUF_SZ)', () => {
    const m = manual([], 64);
    expect(m.res(m.cmd(UBLK_IO_PREP_IO_CMDS, { flags: m.bflags, nr_elem: 1 }, null))).toBe(EFAULT);
    // 40 elements of 16 bytes: the first 480-byte chunk (30 elements) is there, the second is short
    const arr = ublk_batch_encode(
      m.bflags,
      Array.from({ length: 40 }, (_, t) => ({ tag: t, buf_index: 0, result: 0, buf_addr: m.mm.alloc(4096) })),
    );
    expect(UBLK_CMD_BATCH_TMP_BUF_SZ).toBe(480);
    expect(m.res(m.cmd(UBLK_IO_PREP_IO_CMDS, { flags: m.bflags, nr_elem: 40 }, arr.subarray(0, 500)))).toBe(EFAULT);
    expect(m.ub.queues[0]!.nr_io_ready).toBe(0); // the 30 prepared ones were reverted
  });

  it('-EBUSY once the device is ready (__ublk_fetch)', () => {
    const m = manual();
    m.prepAll();
    expect(m.res(m.cmd(UBLK_IO_PREP_IO_CMDS, { flags: m.bflags }, [m.el(0)]))).toBe(EBUSY);
  });
});

describe('FETCH_IO_CMDS (ublk_validate_batch_fetch_cmd, ublk_batch_attach, __ublk_batch_dispatch)', () => {
  it('validation: q_id, MULTISHOT, 2-byte elements, no flags; io_uring_cmd_prep() pairs MULTISHOT with IOSQE_BUFFER_SELECT', () => {
    const m = manual();
    m.prepAll();
    expect(m.res(m.cmd(UBLK_IO_FETCH_IO_CMDS, { q_id: 1, elem_bytes: 2 }, null, { mshot: true }))).toBe(EINVAL);
    expect(m.res(m.cmd(UBLK_IO_FETCH_IO_CMDS, { elem_bytes: 4 }, null, { mshot: true }))).toBe(EINVAL);
    expect(
      m.res(m.cmd(UBLK_IO_FETCH_IO_CMDS, { elem_bytes: 2, flags: UBLK_BATCH_F_HAS_BUF_ADDR }, null, { mshot: true })),
    ).toBe(EINVAL);
    expect(m.res(m.cmd(UBLK_IO_FETCH_IO_CMDS, { elem_bytes: 2 }, null, { mshot: false, bsel: true }))).toBe(EINVAL);
    expect(m.res(m.cmd(UBLK_IO_FETCH_IO_CMDS, { elem_bytes: 2 }, null, { mshot: false, bsel: false }))).toBe(EINVAL);
    const sqe = { ...m.ring.get_sqe()!, uring_cmd_flags: 0 };
    expect(
      ublk_validate_batch_fetch_cmd(m.ub, { q_id: 0, flags: 0, nr_elem: 0, elem_bytes: 2 }, { sqe } as never),
    ).toBe(EINVAL);
  });

  it('delivers the tags of several requests into one provided buffer, in one multishot CQE', () => {
    const m = manual();
    m.prepAll();
    m.k.drv.ublk_ctrl_start_dev(m.ub, 1);
    expect(m.fetch()).toEqual([]); // armed, nothing to deliver yet
    const c = m.submit([REQ_OP_WRITE, REQ_OP_WRITE, REQ_OP_READ]);
    expect(c).toHaveLength(1);
    expect(c[0]!.res).toBe(6);
    expect(c[0]!.flags & IORING_CQE_F_MORE).toBeTruthy();
    expect(c[0]!.flags & IORING_CQE_F_BUFFER).toBeTruthy();
    const tags = m.tagsOf(c[0]!).sort();
    expect(tags).toEqual([0, 1, 2]);
    // copy mode: the WRITE data is already in the server buffers (ublk_start_io before the CQE)
    const q = m.ub.queues[0]!;
    for (const t of tags) expect(ublk_batch_tag_state(q, t)).toBe('fetched');
    expect(ublk_batch_queue(q).fetch_cqes).toBe(1);
  });

  it('-ENOBUFS ends the fetch command when the group has no buffer; the tags wait for the next one', () => {
    const m = manual([], 4, 0);
    m.prepAll();
    m.k.drv.ublk_ctrl_start_dev(m.ub, 1);
    m.fetch();
    const c = m.submit([REQ_OP_READ]);
    expect(c).toHaveLength(1);
    expect(c[0]!.res).toBe(ENOBUFS);
    expect(c[0]!.flags & IORING_CQE_F_MORE).toBe(0);
    expect(ublk_batch_queue(m.ub.queues[0]!).nr_evts).toBe(1);
    m.ring.register_pbuf_ring(0, [new Uint8Array(8)]);
    const again = m.fetch();
    expect(again).toHaveLength(1);
    expect(again[0]!.res).toBe(2);
  });

  it('-ENODEV on a canceling queue (ublk_batch_attach), and ABORT for armed fetches at STOP_DEV (ublk_batch_cancel_queue)', () => {
    const m = manual();
    m.prepAll();
    m.k.drv.ublk_ctrl_start_dev(m.ub, 1);
    m.fetch(51);
    m.fetch(52);
    m.k.drv.ublk_ctrl_stop_dev(m.ub);
    const c = m.reap();
    expect(c.map((x) => [x.user_data, x.res])).toEqual([
      [51, UBLK_IO_RES_ABORT],
      [52, UBLK_IO_RES_ABORT],
    ]);
    expect(m.res(m.fetch(53))).toBe(ENODEV);
  });
});

describe('COMMIT_IO_CMDS (ublk_handle_batch_commit_cmd, ublk_batch_commit_io)', () => {
  it('commits many tags in one command: the bytes handled, every request ends, each READ gets its data', () => {
    const m = manual();
    m.prepAll();
    m.k.drv.ublk_ctrl_start_dev(m.ub, 1);
    m.fetch();
    const tags = m.tagsOf(m.submit([REQ_OP_READ, REQ_OP_READ, REQ_OP_READ])[0]!);
    for (const t of tags) m.mm.bytesOf(m.mm.lookup(m.bufVa[t]!)!, 4096)!.fill(0x40 + t);
    const ops = m.ring.stats.ops;
    const c = m.cmd(
      UBLK_IO_COMMIT_IO_CMDS,
      { flags: m.bflags },
      tags.map((t) => m.el(t, 4096)),
    );
    expect(m.res(c)).toBe(3 * 16);
    expect(m.ring.stats.ops - ops).toBe(1);
    expect(m.ended()).toEqual([0, 0, 0]);
    expect(ublk_batch_tag_state(m.ub.queues[0]!, tags[0]!)).toBe('committed');
    expect(ublk_batch_queue(m.ub.queues[0]!).commit_cmds).toBe(1);
  });

  it('-EBUSY for a tag the server does not own; after a good element the answer is the bytes handled', () => {
    const m = manual();
    m.prepAll();
    m.k.drv.ublk_ctrl_start_dev(m.ub, 1);
    m.fetch();
    const [t] = m.tagsOf(m.submit([REQ_OP_WRITE])[0]!);
    const idle = (t! + 1) % 4;
    expect(m.res(m.cmd(UBLK_IO_COMMIT_IO_CMDS, { flags: m.bflags }, [m.el(idle, 4096)]))).toBe(EBUSY);
    expect(m.res(m.cmd(UBLK_IO_COMMIT_IO_CMDS, { flags: m.bflags }, [m.el(t!, 4096), m.el(idle, 4096)]))).toBe(16);
    expect(m.ended()).toEqual([0]);
  });

  it('copy mode: an element without a buffer address is -EINVAL (ublk_batch_commit_io_check)', () => {
    const m = manual();
    m.prepAll();
    m.k.drv.ublk_ctrl_start_dev(m.ub, 1);
    m.fetch();
    const [t] = m.tagsOf(m.submit([REQ_OP_READ])[0]!);
    expect(m.res(m.cmd(UBLK_IO_COMMIT_IO_CMDS, { flags: m.bflags }, [{ ...m.el(t!, 4096), buf_addr: 0 }]))).toBe(
      EINVAL,
    );
  });
});

describe('the other I/O commands on a BATCH_IO device (ublk_handle_non_batch_cmd)', () => {
  it('UNREGISTER_IO_BUF first; then q_id and tag; FETCH_REQ and COMMIT_AND_FETCH_REQ are -EOPNOTSUPP', () => {
    const m = manual();
    const io = (op: number, q_id: number, tag: number) => {
      Object.assign(m.ring.get_sqe()!, {
        opcode: IORING_OP_URING_CMD,
        flags: IOSQE_FIXED_FILE,
        fd: 0,
        cmd_op: op,
        cmd: { q_id, tag, result: 0, addr: 1 },
        user_data: 3,
      });
      m.ring.submit(m.ctx);
      return m.reap()[0]!.res;
    };
    expect(io(UBLK_IO_UNREGISTER_IO_BUF, 9, 9)).toBe(EINVAL); // no zero copy: ublk_unregister_io_buf()
    expect(io(UBLK_IO_FETCH_REQ, 9, 0)).toBe(EINVAL);
    expect(io(UBLK_IO_FETCH_REQ, 0, 9)).toBe(EINVAL);
    expect(io(UBLK_IO_FETCH_REQ, 0, 0)).toBe(EOPNOTSUPP);
    expect(io(UBLK_IO_COMMIT_AND_FETCH_REQ, 0, 0)).toBe(EOPNOTSUPP);
    expect(io(UBLK_IO_REGISTER_IO_BUF, 0, 0)).toBe(EINVAL); // ublk_register_io_buf(): no zero copy
  });

  it('zero copy: REGISTER/UNREGISTER_IO_BUF of a fetched request (ublk_register_io_buf, off any daemon)', () => {
    const m = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    m.prepAll();
    m.k.drv.ublk_ctrl_start_dev(m.ub, 1);
    m.fetch();
    const [t] = m.tagsOf(m.submit([REQ_OP_WRITE])[0]!);
    const io = (op: number) => {
      Object.assign(m.ring.get_sqe()!, {
        opcode: IORING_OP_URING_CMD,
        flags: IOSQE_FIXED_FILE,
        fd: 0,
        cmd_op: op,
        cmd: { q_id: 0, tag: t, result: 0, addr: 2 },
        user_data: 3,
      });
      m.ring.submit(m.ctx);
      return m.reap()[0]!.res;
    };
    expect(io(UBLK_IO_REGISTER_IO_BUF)).toBe(0);
    expect(m.ring.registered_bvecs()).toBe(1);
    expect(m.res(m.cmd(UBLK_IO_COMMIT_IO_CMDS, {}, [m.el(t!, 4096)]))).toBe(8);
    expect(m.ended()).toEqual([]); // the registered buffer still holds the request
    expect(io(UBLK_IO_UNREGISTER_IO_BUF)).toBe(0);
    expect(m.ended()).toEqual([0]);
  });

  it('AUTO_BUF_REG: the fetch registers each request at its element buf_index, the commit unregisters it', () => {
    const m = manual(['UBLK_F_AUTO_BUF_REG']);
    expect(
      m.res(
        m.cmd(
          UBLK_IO_PREP_IO_CMDS,
          {},
          [0, 1, 2, 3].map((t) => ({ tag: t, buf_index: 3 - t, result: 0 })),
        ),
      ),
    ).toBe(0);
    m.k.drv.ublk_ctrl_start_dev(m.ub, 1);
    m.fetch();
    const [t] = m.tagsOf(m.submit([REQ_OP_WRITE])[0]!);
    expect(m.ring.registered_bvecs()).toBe(1);
    expect(m.ring.bufs[3 - t!]).toBeTruthy();
    expect(m.res(m.cmd(UBLK_IO_COMMIT_IO_CMDS, {}, [{ tag: t!, buf_index: 3 - t!, result: 4096 }]))).toBe(8);
    expect(m.ring.registered_bvecs()).toBe(0);
    expect(m.ended()).toEqual([0]);
  });
});

describe('the batch data path end to end', () => {
  it('fio verify on loop: 0 mismatches; one COMMIT_IO_CMDS carries many results', () => {
    const k = createUblk();
    const dev = k.add_dev({ nr_hw_queues: 2, queue_depth: 16, dev_size: '8M', target: 'loop', data_path: 'batch' });
    dev.start_dev();
    const w = k.fio({ dev, rw: 'randwrite', bs: 4096, iodepth: 16, numjobs: 2, ios: 200, verify: true });
    expect(w.errors).toBe(0);
    expect(w.verify!.mismatches).toBe(0);
    const r = k.fio({ dev, rw: 'randread', bs: 4096, iodepth: 16, numjobs: 1, ios: 200, verify: true });
    expect(r.verify!.mismatches).toBe(0);
    expect(r.verify!.checked).toBe(200);
    expect(r.copied_bytes).toBe(200 * 4096); // still the driver's copy path
    // backing READ per I/O plus a share of one batch command: fewer ops than copy mode's 2
    expect(r.uring_ops_per_io).toBeLessThan(1.5);
    expect(r.uring_ops_per_io).toBeGreaterThan(1);
    dev.stop_dev();
    expect(dev.invariants()).toEqual([]);
  });

  it('a 2023 proposal does not combine with BATCH_IO', () => {
    const k = createUblk();
    expect(() => k.add_dev({ data_path: 'fused', flags: ['BATCH_IO'] })).toThrow(/BATCH_IO/);
  });
});

describe("dev.snapshot() names each tag's batch state (the tag board)", () => {
  it('prepared after start, committed after I/O, null without BATCH_IO', () => {
    const k = createUblk();
    const dev = k.add_dev({ queue_depth: 8, dev_size: '4M', target: 'loop', data_path: 'batch' });
    dev.start_dev();
    expect(dev.snapshot().queues[0]!.tags.map((t) => t.batch)).toEqual(Array(8).fill('prepared'));
    k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 8, ios: 64 });
    expect(dev.snapshot().queues[0]!.tags.every((t) => t.batch === 'committed')).toBe(true);
    const plain = k.add_dev({ queue_depth: 4, dev_size: '4M', target: 'loop' });
    plain.start_dev();
    expect(plain.snapshot().queues[0]!.tags.map((t) => t.batch)).toEqual(Array(4).fill(null));
  });
});

describe('QUIESCE_DEV on a BATCH_IO device (ublk_wait_for_idle_io: no wait with BATCH_IO)', () => {
  it('cancels the armed fetch commands at once, even with every tag owned by the server', () => {
    const k = createUblk();
    const d = k.add_dev({
      nr_hw_queues: 1,
      queue_depth: 4,
      dev_size: '1M',
      flags: ['UBLK_F_BATCH_IO', 'UBLK_F_USER_RECOVERY', 'UBLK_F_QUIESCE'],
    });
    d.ub.mm = new UserMem();
    d.ub.ch_open(1);
    const ring = new IoUring(16, 0, k.costs, k.clock);
    ring.task = { wake: () => {} };
    ring.register_files([d.ub.chdev]);
    ring.register_pbuf_ring(0, [new Uint8Array(8), new Uint8Array(8)]);
    const ctx: Ctx = { cpu: new Cpu(9, 'srv'), t: 0 };
    const flags = UBLK_BATCH_F_HAS_BUF_ADDR;
    const elems = [0, 1, 2, 3].map((tag) => ({ tag, buf_index: 0, result: 0, buf_addr: d.ub.mm!.alloc(4096) }));
    Object.assign(ring.get_sqe()!, {
      opcode: IORING_OP_URING_CMD,
      flags: IOSQE_FIXED_FILE,
      fd: 0,
      cmd_op: UBLK_IO_PREP_IO_CMDS,
      cmd: { q_id: 0, flags, nr_elem: 4, elem_bytes: 16 },
      addr: ublk_batch_encode(flags, elems),
      user_data: 1,
    });
    Object.assign(ring.get_sqe()!, {
      opcode: IORING_OP_URING_CMD,
      flags: IOSQE_FIXED_FILE | IOSQE_BUFFER_SELECT,
      fd: 0,
      cmd_op: UBLK_IO_FETCH_IO_CMDS,
      cmd: { q_id: 0, flags: 0, nr_elem: 0, elem_bytes: 2 },
      uring_cmd_flags: IORING_URING_CMD_MULTISHOT,
      buf_index: 0,
      user_data: 2,
    });
    ring.submit(ctx);
    expect(ring.pop_cqe()).toMatchObject({ user_data: 1, res: 0 });
    k.drv.ublk_ctrl_start_dev(d.ub, 1);
    const app = new Cpu(8, 'app');
    d.ub.tagset.submit_bios(
      0,
      [0, 1, 2, 3].map((i) => ({
        id: i,
        op: REQ_OP_READ,
        sector: i * 8,
        nr_sectors: 8,
        data: new Uint8Array(4096),
        cpu: app,
        end_io: () => {},
      })),
      { cpu: app, t: k.clock.now },
    );
    k.clock.run();
    ring.run_task_work(ctx);
    // an 8-byte provided buffer carries the 4 tags: one CQE
    expect(ring.pop_cqe()).toMatchObject({ user_data: 2, res: 8 });
    let slept = 0;
    k.drv.ublk_ctrl_quiesce_dev(d.ub, 10, () => (slept++, true));
    expect(slept).toBe(0);
    expect(ring.pop_cqe()).toMatchObject({ user_data: 2, res: UBLK_IO_RES_ABORT });
  });
});
