/**
 * The driver's exact answers, command by command and errno by errno, against drivers/block/ublk_drv.c of
 * Linux 6.18 (rpi-6.18.y, raspberrypi/linux 0121c84adb6a). Each test names the driver function it follows.
 */
import { describe, it, expect } from 'vitest';
import { REQ_OP_READ, REQ_OP_WRITE } from './blk_mq';
import { Cpu } from './cpu';
import type { Ctx } from './cpu';
import { IORING_OP_URING_CMD, IOSQE_FIXED_FILE, IoUring } from './io_uring';
import type { Cqe } from './io_uring';
import { createUblk } from './index';
import { errnoOf } from './test-util';
import {
  UBLK_F,
  UBLK_IO_COMMIT_AND_FETCH_REQ,
  UBLK_IO_FETCH_REQ,
  UBLK_IO_NEED_GET_DATA,
  UBLK_IO_REGISTER_IO_BUF,
  UBLK_IO_AFTER_6_18,
  UBLK_IO_UNREGISTER_IO_BUF,
} from './ublk_cmd';
import {
  UBLK_MIN_SEGMENT_SIZE,
  UBLK_PARAM_TYPE_BASIC,
  UBLK_PARAM_TYPE_DEVT,
  UBLK_PARAM_TYPE_DISCARD,
  UBLK_PARAM_TYPE_DMA_ALIGN,
  UBLK_PARAM_TYPE_SEGMENT,
  UBLK_PARAM_TYPE_ZONED,
} from './ublk_drv';
import type { UblkParams, UblksrvIoCmd } from './ublk_drv';
import { UserMem } from './user_mem';

/** A device served by hand: the daemon's ring (task `srv`) and a second task's ring (`other`). */
function manual(flags: string[] = [], depth = 2) {
  const k = createUblk();
  const d = k.add_dev({ nr_hw_queues: 1, queue_depth: depth, dev_size: '1M', flags });
  const ub = d.ub;
  const mm = new UserMem();
  ub.mm = mm;
  ub.ch_open(1); // ublk_ch_open(): the hand-driven server is process 1
  const mkRing = (name: string) => {
    const ring = new IoUring(16, 0, k.costs, k.clock);
    const task = { name, exiting: false };
    k.drv.markPrivileged(task);
    ring.task = Object.assign({ wake: () => {} }, { ublkTask: task });
    ring.register_files([ub.chdev]);
    ring.register_buffers_sparse(4);
    const ctx: Ctx = { cpu: new Cpu(name === 'srv' ? 9 : 10, name), t: 0 };
    const cmd = (op: number, c: UblksrvIoCmd): number => {
      Object.assign(ring.get_sqe()!, {
        opcode: IORING_OP_URING_CMD,
        flags: IOSQE_FIXED_FILE,
        fd: 0,
        cmd_op: op,
        cmd: c,
        user_data: 7,
      });
      ring.submit(ctx);
      const out: Cqe[] = [];
      let c2;
      while ((c2 = ring.pop_cqe())) out.push(c2);
      return out.length ? out[0]!.res : NaN; // NaN: the command stays pending (-EIOCBQUEUED)
    };
    return { ring, ctx, cmd };
  };
  const srv = mkRing('srv');
  const other = mkRing('other');
  const ends: number[] = [];
  const cpu = new Cpu(8, 'app');
  /** One bio through blk-mq to the daemon: returns the tag the FETCH completed with. */
  const submit = (op: number): number => {
    ub.tagset.submit_bios(
      0,
      [{ id: 0, op, sector: 0, nr_sectors: 8, data: new Uint8Array(4096).fill(5), cpu, end_io: (st) => ends.push(st) }],
      { cpu, t: k.clock.now },
    );
    k.clock.run();
    srv.ring.run_task_work(srv.ctx);
    const c = srv.ring.pop_cqe()!;
    return c.user_data - 100; // the FETCH's user_data names its tag
  };
  /** FETCH every tag from the daemon (user_data 100 + tag), then START_DEV. */
  const fetchAll = (addr: (tag: number) => number = () => 0): void => {
    for (let tag = 0; tag < depth; tag++) {
      Object.assign(srv.ring.get_sqe()!, {
        opcode: IORING_OP_URING_CMD,
        flags: IOSQE_FIXED_FILE,
        fd: 0,
        cmd_op: UBLK_IO_FETCH_REQ,
        cmd: { q_id: 0, tag, result: 0, addr: addr(tag) },
        user_data: 100 + tag,
      });
      srv.ring.submit(srv.ctx);
    }
    k.drv.ublk_ctrl_start_dev(ub, 1);
  };
  return { k, d, ub, mm, srv, other, ends, submit, fetchAll };
}

describe('UBLK_IO_UNREGISTER_IO_BUF is answered before any q_id, tag, task or state check', () => {
  // ublk_ch_uring_cmd_local() (6.18): _IOC_NR == UBLK_IO_UNREGISTER_IO_BUF returns ublk_unregister_io_buf() first
  it('0 for a bogus q_id and tag: only the buffer index (addr) matters', () => {
    const { k, srv, ends, submit, fetchAll } = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    fetchAll();
    const tag = submit(REQ_OP_WRITE);
    expect(srv.cmd(UBLK_IO_REGISTER_IO_BUF, { q_id: 0, tag, result: 0, addr: 2 })).toBe(0);
    expect(srv.cmd(UBLK_IO_UNREGISTER_IO_BUF, { q_id: 4000, tag: 60000, result: 0, addr: 2 })).toBe(0);
    expect(srv.ring.registered_bvecs()).toBe(0);
    expect(srv.cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag, result: 4096, addr: 0 })).toBeNaN();
    k.clock.run();
    expect(ends).toEqual([0]);
  });

  it('0 after COMMIT_AND_FETCH (the slot is ACTIVE again); the release then ends the request', () => {
    const { k, srv, ends, submit, fetchAll } = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    fetchAll();
    const tag = submit(REQ_OP_READ);
    expect(srv.cmd(UBLK_IO_REGISTER_IO_BUF, { q_id: 0, tag, result: 0, addr: 1 })).toBe(0);
    expect(srv.cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag, result: 4096, addr: 0 })).toBeNaN();
    k.clock.run();
    expect(ends).toEqual([]); // the registered buffer still holds the request
    expect(srv.cmd(UBLK_IO_UNREGISTER_IO_BUF, { q_id: 0, tag, result: 0, addr: 1 })).toBe(0);
    k.clock.run();
    expect(ends).toEqual([0]);
  });

  it("-EINVAL without UBLK_F_SUPPORT_ZERO_COPY (ublk_unregister_io_buf), and io_uring's -EINVAL for an empty slot", () => {
    const copy = manual();
    expect(copy.srv.cmd(UBLK_IO_UNREGISTER_IO_BUF, { q_id: 0, tag: 0, result: 0, addr: 0 })).toBe(-22);
    const zc = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    expect(zc.srv.cmd(UBLK_IO_UNREGISTER_IO_BUF, { q_id: 9, tag: 9, result: 0, addr: 3 })).toBe(-22);
  });
});

describe('UBLK_IO_REGISTER_IO_BUF', () => {
  // ublk_ch_uring_cmd_local() (6.18): io->task != current and REGISTER_IO_BUF -> ublk_register_io_buf()
  it("from another task is allowed (0): the request ends after the commit and that ring's unregister", () => {
    const { k, srv, other, ends, submit, fetchAll } = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    fetchAll();
    const tag = submit(REQ_OP_WRITE);
    expect(other.cmd(UBLK_IO_REGISTER_IO_BUF, { q_id: 0, tag, result: 0, addr: 0 })).toBe(0);
    expect(other.ring.bufs[0]!.data[0]).toBe(5); // the bio's pages, in the other task's table
    expect(srv.cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag, result: 4096, addr: 0 })).toBeNaN();
    k.clock.run();
    expect(ends).toEqual([]);
    expect(other.cmd(UBLK_IO_UNREGISTER_IO_BUF, { q_id: 0, tag, result: 0, addr: 0 })).toBe(0);
    k.clock.run();
    expect(ends).toEqual([0]);
  });

  // ublk_register_io_buf() (6.18): !ublk_dev_support_zero_copy -> -EINVAL; __ublk_check_and_get_req() NULL -> -EINVAL
  it('-EINVAL without zero copy, and -EINVAL for a tag with no started request', () => {
    const copy = manual();
    copy.fetchAll(() => copy.mm.alloc(4096));
    const tag = copy.submit(REQ_OP_WRITE);
    expect(copy.other.cmd(UBLK_IO_REGISTER_IO_BUF, { q_id: 0, tag, result: 0, addr: 0 })).toBe(-22);
    expect(copy.srv.cmd(UBLK_IO_REGISTER_IO_BUF, { q_id: 0, tag, result: 0, addr: 0 })).toBe(-22); // ublk_daemon_register_io_buf
    const zc = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    zc.fetchAll();
    expect(zc.other.cmd(UBLK_IO_REGISTER_IO_BUF, { q_id: 0, tag: 1, result: 0, addr: 0 })).toBe(-22);
  });

  // io_buffer_register_bvec(): an occupied slot is io_uring's -EBUSY, and the reference taken is dropped again
  it('an occupied buffer slot is -EBUSY and does not keep the request', () => {
    const { k, srv, ends, submit, fetchAll } = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    fetchAll();
    const tag = submit(REQ_OP_WRITE);
    expect(srv.cmd(UBLK_IO_REGISTER_IO_BUF, { q_id: 0, tag, result: 0, addr: 1 })).toBe(0);
    expect(srv.cmd(UBLK_IO_REGISTER_IO_BUF, { q_id: 0, tag, result: 0, addr: 1 })).toBe(-16);
    expect(srv.cmd(UBLK_IO_UNREGISTER_IO_BUF, { q_id: 0, tag, result: 0, addr: 1 })).toBe(0);
    expect(srv.cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag, result: 4096, addr: 0 })).toBeNaN();
    k.clock.run();
    expect(ends).toEqual([0]);
  });
});

describe('UBLK_IO_FETCH_REQ (ublk_check_fetch_buf, ublk_fetch)', () => {
  it('q_id or tag out of range: -EINVAL (ublk_ch_uring_cmd_local)', () => {
    const { srv, mm } = manual();
    const va = mm.alloc(4096);
    expect(srv.cmd(UBLK_IO_FETCH_REQ, { q_id: 1, tag: 0, result: 0, addr: va })).toBe(-22);
    expect(srv.cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 2, result: 0, addr: va })).toBe(-22);
  });

  it('ublk_check_fetch_buf (6.18): copy mode needs addr unless NEED_GET_DATA; zero copy refuses one', () => {
    const copy = manual();
    expect(copy.srv.cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 0, result: 0, addr: 0 })).toBe(-22);
    const ngd = manual(['UBLK_F_NEED_GET_DATA']);
    expect(ngd.srv.cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 0, result: 0, addr: 0 })).toBeNaN();
    const zc = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    expect(zc.srv.cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 0, result: 0, addr: 0x1000 })).toBe(-22);
  });

  it('ublk_fetch (6.18): a second FETCH on an ACTIVE tag before the device is ready is -EINVAL, not -EBUSY', () => {
    const { srv, other } = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    expect(srv.cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 0, result: 0, addr: 0 })).toBeNaN();
    expect(srv.cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 0, result: 0, addr: 0 })).toBe(-22);
    expect(other.cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 0, result: 0, addr: 0 })).toBe(-22); // FETCH runs on any task
  });

  it('ublk_fetch (6.18): once every tag of the device is fetched, FETCH is -EBUSY', () => {
    const { srv, ub, fetchAll } = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    fetchAll();
    expect(ub.ready).toBe(true);
    expect(srv.cmd(UBLK_IO_FETCH_REQ, { q_id: 0, tag: 0, result: 0, addr: 0 })).toBe(-16);
  });
});

describe('the daemon checks of ublk_ch_uring_cmd_local (6.18)', () => {
  it("a command other than FETCH/REGISTER from a task that is not the I/O's daemon: -EINVAL", () => {
    const { other, submit, fetchAll } = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    fetchAll();
    const tag = submit(REQ_OP_WRITE);
    expect(other.cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag, result: 4096, addr: 0 })).toBe(-22);
  });

  it('a tag not owned by the server (its FETCH is pending): -EBUSY', () => {
    const { srv, fetchAll } = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    fetchAll();
    expect(srv.cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag: 0, result: 0, addr: 0 })).toBe(-16);
    expect(srv.cmd(UBLK_IO_REGISTER_IO_BUF, { q_id: 0, tag: 0, result: 0, addr: 0 })).toBe(-16); // the daemon's own REGISTER too
  });

  it('NEED_GET_DATA when the driver did not ask for it, and COMMIT when it did: -EINVAL', () => {
    const { srv, mm, submit, fetchAll } = manual(['UBLK_F_NEED_GET_DATA']);
    fetchAll(() => 0);
    const rtag = submit(REQ_OP_READ);
    expect(srv.cmd(UBLK_IO_NEED_GET_DATA, { q_id: 0, tag: rtag, result: 0, addr: mm.alloc(4096) })).toBe(-22);
    const wtag = submit(REQ_OP_WRITE); // UBLK_IO_RES_NEED_GET_DATA was the FETCH's answer
    expect(srv.cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag: wtag, result: 4096, addr: mm.alloc(4096) })).toBe(-22);
    expect(srv.cmd(UBLK_IO_NEED_GET_DATA, { q_id: 0, tag: wtag, result: 0, addr: mm.alloc(4096) })).toBe(0);
  });

  it('ublk_check_commit_and_fetch (6.18): a READ committed without a buffer in copy mode, or with one in zero copy: -EINVAL', () => {
    const copy = manual();
    copy.fetchAll(() => copy.mm.alloc(4096));
    const t1 = copy.submit(REQ_OP_READ);
    expect(copy.srv.cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag: t1, result: 4096, addr: 0 })).toBe(-22);
    const zc = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    zc.fetchAll();
    const t2 = zc.submit(REQ_OP_READ);
    expect(zc.srv.cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag: t2, result: 4096, addr: 0x1000 })).toBe(-22);
  });

  it("an unknown opcode on an owned tag: -EINVAL (the switch's default)", () => {
    const { srv, submit, fetchAll } = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    fetchAll();
    const tag = submit(REQ_OP_WRITE);
    expect(srv.cmd(0x2f, { q_id: 0, tag, result: 0, addr: 0 })).toBe(-22);
  });
});

describe('UBLK_IO_NEED_GET_DATA (ublk_ch_uring_cmd_local + ublk_get_data, 6.18)', () => {
  it('a buffer the driver cannot map: the command stays pending on an ACTIVE slot, the requeued WRITE comes back to it', () => {
    const { k, srv, mm, ends, submit, fetchAll, ub } = manual(['UBLK_F_NEED_GET_DATA'], 1);
    fetchAll(() => 0);
    const tag = submit(REQ_OP_WRITE); // the FETCH answered UBLK_IO_RES_NEED_GET_DATA
    // an address with no mapping: ublk_map_io() copies nothing, ublk_start_io() requeues after 3 ms
    const pending = srv.cmd(UBLK_IO_NEED_GET_DATA, { q_id: 0, tag, result: 0, addr: 0x7f0000000000 });
    expect(pending).toBeNaN(); // -EIOCBQUEUED
    expect(ub.queues[0]!.ios[tag]!.flags & 0x3).toBe(0x1); // UBLK_IO_FLAG_ACTIVE, not OWNED_BY_SRV
    k.clock.run(k.clock.now + 4e6);
    srv.ring.run_task_work(srv.ctx);
    const again = srv.ring.pop_cqe()!;
    expect([again.user_data, again.res]).toEqual([7, 1]); // the NEED_GET_DATA SQE completes with NEED_GET_DATA
    const va = mm.alloc(4096);
    expect(srv.cmd(UBLK_IO_NEED_GET_DATA, { q_id: 0, tag, result: 0, addr: va })).toBe(0);
    expect(mm.resolve(va, 4096)![0]).toBe(5); // the WRITE's data is in the new buffer
    expect(srv.cmd(UBLK_IO_COMMIT_AND_FETCH_REQ, { q_id: 0, tag, result: 4096, addr: va })).toBeNaN();
    k.clock.run();
    expect(ends).toEqual([0]);
  });
});

describe('UBLK_U_CMD_TRY_STOP_DEV on an unprivileged device (ublk_ctrl_uring_cmd_permission, 6.18)', () => {
  it('-EINVAL: the permission check has no case for the opcode and answers before the command switch', () => {
    const k = createUblk();
    const d = k.add_dev({ dev_size: '1M', privileged: false, flags: ['UBLK_F_UNPRIVILEGED_DEV'] });
    expect(errnoOf(() => d.try_stop_dev())).toBe('EINVAL');
    const p = k.add_dev({ dev_size: '1M' });
    expect(errnoOf(() => p.try_stop_dev())).toBe('EOPNOTSUPP');
  });
});

describe('UBLK_U_CMD_STOP_DEV of a QUIESCED device (ublk_stop_dev_unlocked + ublk_force_abort_dev, 6.18)', () => {
  it('the requests waiting for a server are failed with -EIO (force_abort), then the disk goes away', () => {
    const k = createUblk();
    const d = k.add_dev({ queue_depth: 4, dev_size: '1M', target: 'loop', flags: ['UBLK_F_USER_RECOVERY'] });
    d.start_dev();
    d.kill_server();
    let status: number | null = null;
    const cpu = k.appCpu(0);
    d.ub.tagset.submit_bios(
      0,
      [
        {
          id: 1,
          op: REQ_OP_READ,
          sector: 0,
          nr_sectors: 8,
          data: new Uint8Array(4096),
          cpu,
          end_io: (st) => {
            status = st;
          },
        },
      ],
      { cpu, t: k.clock.now },
    );
    k.clock.run(k.clock.now + 10e6);
    expect(status).toBeNull(); // requeued every 3 ms while QUIESCED
    d.stop_dev();
    expect(status).toBe(-5);
    expect(d.info().state_name).toBe('UBLK_S_DEV_DEAD');
    expect(d.invariants()).toEqual([]);
  });
});

describe('UBLK_U_CMD_ADD_DEV flags (ublk_ctrl_add_dev, 6.18)', () => {
  it('always ORs in CMD_IOCTL_ENCODE, URING_CMD_COMP_IN_TASK, PER_IO_DAEMON and BUF_REG_OFF_DAEMON', () => {
    const k = createUblk();
    const f = k.add_dev({}).info().flags;
    for (const b of [
      UBLK_F.UBLK_F_CMD_IOCTL_ENCODE,
      UBLK_F.UBLK_F_URING_CMD_COMP_IN_TASK,
      UBLK_F.UBLK_F_PER_IO_DAEMON,
      UBLK_F.UBLK_F_BUF_REG_OFF_DAEMON,
    ]) {
      expect(f & b).toBe(b);
    }
    // bits past UBLK_F_ALL (15-19 are after 6.18) are cleared, but BATCH_IO and SHMEM_ZC, which the model takes from mainline
    expect(
      k.add_dev({ flags: ['UBLK_F_INTEGRITY', 'UBLK_F_SAFE_STOP_DEV', 'UBLK_F_NO_AUTO_PART_SCAN'] }).info().flags &
        0xf8000,
    ).toBe(0);
    expect(k.add_dev({ flags: ['UBLK_F_SHMEM_ZC', 'UBLK_F_SAFE_STOP_DEV'] }).info().flags & 0xf8000).toBe(
      UBLK_F.UBLK_F_SHMEM_ZC,
    );
  });
});

describe('UBLK_U_CMD_SET_PARAMS (ublk_ctrl_set_params + ublk_validate_params, 6.18)', () => {
  function dev(config_blk_dev_zoned = true) {
    const k = createUblk({ config_blk_dev_zoned });
    const d = k.add_dev({ dev_size: '1M', max_io_buf_bytes: '512K' });
    const basic = { ...d.ub.params.basic! };
    const set = (p: Partial<UblkParams> & { types: number }): string =>
      errnoOf(() => k.drv.ublk_ctrl_set_params(d.ub, { basic, ...p } as UblkParams));
    return { k, d, basic, set };
  }
  const B = UBLK_PARAM_TYPE_BASIC;

  it('no types: -EINVAL, checked before the started-device -EACCES', () => {
    const { d, set } = dev();
    expect(set({ types: 0 })).toBe('EINVAL');
    d.start_dev();
    expect(set({ types: 0 })).toBe('EINVAL');
    expect(set({ types: B })).toBe('EACCES');
  });

  it('basic: required; logical_bs_shift 9..PAGE_SHIFT and <= physical; max_sectors within max_io_buf_bytes and >= PAGE_SECTORS', () => {
    const { basic, set } = dev();
    expect(
      set({
        types: UBLK_PARAM_TYPE_DISCARD,
        discard: {
          discard_alignment: 0,
          discard_granularity: 4096,
          max_discard_sectors: 0,
          max_write_zeroes_sectors: 0,
          max_discard_segments: 1,
        },
      }),
    ).toBe('EINVAL');
    expect(set({ types: B, basic: { ...basic, logical_bs_shift: 8 } })).toBe('EINVAL');
    expect(set({ types: B, basic: { ...basic, logical_bs_shift: 13, physical_bs_shift: 13 } })).toBe('EINVAL');
    expect(set({ types: B, basic: { ...basic, logical_bs_shift: 12, physical_bs_shift: 9 } })).toBe('EINVAL');
    expect(set({ types: B, basic: { ...basic, max_sectors: 1025 } })).toBe('EINVAL');
    expect(set({ types: B, basic: { ...basic, max_sectors: 7 } })).toBe('EINVAL');
    expect(set({ types: B, basic: { ...basic, max_sectors: 8 } })).toBe('none');
  });

  it('discard: max_discard_sectors needs max_discard_segments == 1; discard_granularity must be set', () => {
    const { set } = dev();
    const disc = {
      discard_alignment: 0,
      discard_granularity: 4096,
      max_discard_sectors: 2048,
      max_write_zeroes_sectors: 0,
      max_discard_segments: 2,
    };
    expect(set({ types: B | UBLK_PARAM_TYPE_DISCARD, discard: disc })).toBe('EINVAL');
    expect(
      set({
        types: B | UBLK_PARAM_TYPE_DISCARD,
        discard: { ...disc, max_discard_segments: 1, discard_granularity: 0 },
      }),
    ).toBe('EINVAL');
    expect(
      set({
        types: B | UBLK_PARAM_TYPE_DISCARD,
        discard: { ...disc, max_discard_sectors: 0, max_discard_segments: 0 },
      }),
    ).toBe('none');
    expect(set({ types: B | UBLK_PARAM_TYPE_DISCARD, discard: { ...disc, max_discard_segments: 1 } })).toBe('none');
  });

  it('devt is read-only: -EINVAL', () => {
    expect(dev().set({ types: B | UBLK_PARAM_TYPE_DEVT })).toBe('EINVAL');
  });

  it('zoned parameters: -EOPNOTSUPP (CONFIG_BLK_DEV_ZONED=n), returned before DMA_ALIGN and SEGMENT are looked at', () => {
    const { set } = dev(false);
    const zoned = { max_open_zones: 0, max_active_zones: 0, max_zone_append_sectors: 8 };
    expect(set({ types: B | UBLK_PARAM_TYPE_ZONED, zoned })).toBe('EOPNOTSUPP');
    expect(set({ types: B | UBLK_PARAM_TYPE_ZONED | UBLK_PARAM_TYPE_DMA_ALIGN, zoned, dma: { alignment: 4096 } })).toBe(
      'EOPNOTSUPP',
    );
  });

  it('zoned parameters with CONFIG_BLK_DEV_ZONED=y on a device without UBLK_F_ZONED: -EINVAL (ublk_dev_param_zoned_validate)', () => {
    const { set } = dev();
    const zoned = { max_open_zones: 0, max_active_zones: 0, max_zone_append_sectors: 8 };
    expect(set({ types: B | UBLK_PARAM_TYPE_ZONED, zoned })).toBe('EINVAL');
  });

  it('dma alignment: below PAGE_SIZE and alignment + 1 a power of two', () => {
    const { set } = dev();
    expect(set({ types: B | UBLK_PARAM_TYPE_DMA_ALIGN, dma: { alignment: 4096 } })).toBe('EINVAL');
    expect(set({ types: B | UBLK_PARAM_TYPE_DMA_ALIGN, dma: { alignment: 4095 } })).toBe('none');
    expect(set({ types: B | UBLK_PARAM_TYPE_DMA_ALIGN, dma: { alignment: 5 } })).toBe('EINVAL');
    expect(set({ types: B | UBLK_PARAM_TYPE_DMA_ALIGN, dma: { alignment: 511 } })).toBe('none');
    expect(set({ types: B | UBLK_PARAM_TYPE_DMA_ALIGN, dma: { alignment: 0 } })).toBe('none');
  });

  it('segment: seg_boundary_mask + 1 a power of two and >= UBLK_MIN_SEGMENT_SIZE; max_segment_size >= it', () => {
    const { set } = dev();
    const seg = { seg_boundary_mask: UBLK_MIN_SEGMENT_SIZE - 1, max_segment_size: 65536, max_segments: 128 };
    expect(set({ types: B | UBLK_PARAM_TYPE_SEGMENT, seg })).toBe('none');
    expect(set({ types: B | UBLK_PARAM_TYPE_SEGMENT, seg: { ...seg, seg_boundary_mask: 4094 } })).toBe('EINVAL');
    expect(set({ types: B | UBLK_PARAM_TYPE_SEGMENT, seg: { ...seg, seg_boundary_mask: 2047 } })).toBe('EINVAL');
    expect(set({ types: B | UBLK_PARAM_TYPE_SEGMENT, seg: { ...seg, max_segment_size: 2048 } })).toBe('EINVAL');
  });

  it('accepted parameters come back from GET_PARAMS; a rejected SET_PARAMS clears the types', () => {
    const { d, set } = dev();
    const seg = { seg_boundary_mask: 0xffff, max_segment_size: 65536, max_segments: 16 };
    expect(
      set({ types: B | UBLK_PARAM_TYPE_SEGMENT | UBLK_PARAM_TYPE_DMA_ALIGN | 0x80, seg, dma: { alignment: 511 } }),
    ).toBe('none');
    const got = d.get_params();
    expect(got.types).toBe(B | UBLK_PARAM_TYPE_SEGMENT | UBLK_PARAM_TYPE_DMA_ALIGN | UBLK_PARAM_TYPE_DEVT); // 0x80 masked off
    expect(got.seg).toEqual(seg);
    expect(got.dma).toEqual({ alignment: 511 });
    expect(set({ types: B | UBLK_PARAM_TYPE_DEVT })).toBe('EINVAL');
    expect(d.get_params().types).toBe(UBLK_PARAM_TYPE_DEVT);
    expect(errnoOf(() => d.start_dev())).toBe('EINVAL'); // ublk_ctrl_start_dev(): no basic parameters
  });
});

describe('UBLK_U_CMD_QUIESCE_DEV -EBUSY (ublk_ctrl_quiesce_dev + ublk_wait_for_idle_io, 6.18)', () => {
  it('no queue with an idle I/O within timeout_ms (every request requeued, not started): -EBUSY, the queues stay canceling', () => {
    const { k, ub, srv, fetchAll } = manual(['UBLK_F_USER_RECOVERY', 'UBLK_F_QUIESCE']);
    fetchAll(() => 0x7f0000000000); // a server buffer address that was never mapped: ublk_map_io() pins nothing
    const cpu = new Cpu(8, 'app');
    const ends: number[] = [];
    ub.tagset.submit_bios(
      0,
      [0, 1].map((i) => ({
        id: i,
        op: REQ_OP_WRITE,
        sector: i * 8,
        nr_sectors: 8,
        data: new Uint8Array(4096),
        cpu,
        end_io: (st: number) => ends.push(st),
      })),
      { cpu, t: 0 },
    );
    const sleep = (ms: number): boolean => {
      k.clock.run(k.clock.now + ms * 1e6);
      srv.ring.run_task_work(srv.ctx);
      return true;
    };
    sleep(1);
    expect(ub.tagset.rqs[0]!.every((rq) => rq.inUse && !rq.started)).toBe(true); // both back on the requeue list
    const t0 = k.clock.now;
    expect(errnoOf(() => k.drv.ublk_ctrl_quiesce_dev(ub, 30, sleep))).toBe('EBUSY');
    expect(k.clock.now - t0).toBe(30e6); // polled every UBLK_REQUEUE_DELAY_MS until the timeout
    expect(ub.queues[0]!.canceling).toBe(true);
    expect(ub.dev_info.state).toBe(1); // still LIVE
    expect(ends).toEqual([]);
  });
});

describe('commands after 6.18 on the 6.18 driver', () => {
  // ublk_ch_uring_cmd_local() (6.18): no case for the batch opcodes, so the switch's default: -EINVAL
  it('UBLK_U_IO_PREP/COMMIT/FETCH_IO_CMDS: -EINVAL', () => {
    const { srv, submit, fetchAll } = manual(['UBLK_F_SUPPORT_ZERO_COPY']);
    fetchAll();
    const tag = submit(REQ_OP_WRITE);
    for (const op of UBLK_IO_AFTER_6_18) expect(srv.cmd(op, { q_id: 0, tag, result: 0, addr: 0 })).toBe(-22);
  });

  // ublk_ctrl_uring_cmd() (6.18): device lookup first (-ENODEV), then the switch's default: -EOPNOTSUPP
  it('TRY_STOP_DEV: -EOPNOTSUPP on a device, -ENODEV once it is deleted', () => {
    const k = createUblk();
    const d = k.add_dev({ dev_size: '1M' });
    expect(errnoOf(() => k.drv.ublk_ctrl_try_stop_dev(d.ub))).toBe('EOPNOTSUPP');
    d.del_dev();
    expect(errnoOf(() => k.drv.ublk_ctrl_try_stop_dev(d.ub))).toBe('ENODEV');
  });
});
