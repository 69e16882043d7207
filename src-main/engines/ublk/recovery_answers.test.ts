/**
 * The server-crash and user-recovery path answered as drivers/block/ublk_drv.c of Linux 6.18 (rpi-6.18.y,
 * raspberrypi/linux 0121c84adb6a) does: ublk_ch_open(), ublk_ch_release_work_fn(), ublk_ctrl_start_recovery(),
 * ublk_ctrl_end_recovery(), ublk_validate_user_pid(), ublk_ctrl_get_dev_info(), ublk_prep_req() and the block
 * layer's errno_to_blk_status()/blk_status_to_errno() (block/blk-core.c). Each test names the function it follows.
 */
import { describe, it, expect } from 'vitest';
import { REQ_OP_READ } from './blk_mq';
import { createUblk } from './index';
import type { UblkDev } from './index';
import type { UblkServer } from './server';
import { errnoOf } from './test-util';

/** A new server process that FETCHes every tag (what end_user_recovery() starts), without END_USER_RECOVERY. */
function fetchingServer(dev: UblkDev): UblkServer {
  const srv = (dev as unknown as { newServer(): UblkServer }).newServer();
  srv.start();
  dev.machine.clock.run(Infinity, () => dev.ub.ready);
  return srv;
}

describe('a committed error reaches the reader as errno_to_blk_status() + blk_status_to_errno() leave it (6.18)', () => {
  it('errnos with a blk_status_t of their own survive; any other becomes -EIO', () => {
    const cases: [number, string][] = [
      [-28, 'ENOSPC'],
      [-95, 'EOPNOTSUPP'],
      [-110, 'ETIMEDOUT'],
      [-12, 'ENOMEM'],
      [-11, 'EAGAIN'],
      [-121, 'EREMOTEIO'],
      [-16, 'EBUSY'],
      [-19, 'ENODEV'],
      [-22, 'EINVAL'],
      [-61, 'ENODATA'],
      [-84, 'EILSEQ'],
      [-67, 'ENOLINK'],
      [-52, 'EBADE'],
      [-62, 'ETIME'],
      [-75, 'EOVERFLOW'],
      [-109, 'ETOOMANYREFS'],
      [-1, 'EIO'],
      [-2, 'EIO'],
      [-13, 'EIO'],
      [-14, 'EIO'],
      [-5, 'EIO'],
    ];
    for (const [res, name] of cases) {
      const k = createUblk();
      const dev = k.add_dev({ queue_depth: 2, dev_size: '1M', target: { read: () => res, write: (io) => io.len } });
      dev.start_dev();
      expect([res, errnoOf(() => dev.pread(4096, 0))]).toEqual([res, name]);
    }
  });

  it('__ublk_complete_rq(): a READ that returns 0 bytes ends with -EIO', () => {
    const k = createUblk();
    const dev = k.add_dev({ queue_depth: 2, dev_size: '1M', target: { read: () => 0, write: (io) => io.len } });
    dev.start_dev();
    expect(errnoOf(() => dev.pread(4096, 0))).toBe('EIO');
  });
});

describe('ublk_ch_open() and ublk_validate_user_pid() (6.18)', () => {
  it('START_DEV names the server that opened /dev/ublkcN: pid <= 0 or another pid is -EINVAL', () => {
    const k = createUblk();
    const dev = k.add_dev({ queue_depth: 2, dev_size: '1M', target: 'null' });
    expect(() => dev.start_dev({ ublksrv_pid: 0 })).toThrow(/START_DEV: bad ublksrv pid/);
    expect(() => dev.start_dev({ ublksrv_pid: 1 })).toThrow(/START_DEV: pid 1 is not the ublk server/);
    expect(dev.info().state_name).toBe('UBLK_S_DEV_DEAD');
    dev.start_dev();
    expect(dev.info().ublksrv_pid).toBe(dev.server!.tgid);
  });

  it('a second server cannot open /dev/ublkcN while the first holds it (-EBUSY)', () => {
    const k = createUblk();
    const dev = k.add_dev({ queue_depth: 2, dev_size: '1M', target: 'null', flags: ['UBLK_F_USER_RECOVERY'] });
    dev.start_dev();
    expect(() => dev.end_user_recovery()).toThrow(/another ublk server \(pid \d+\) holds it open/);
    expect(dev.info().state_name).toBe('UBLK_S_DEV_LIVE');
  });
});

describe('ublk_ctrl_get_dev_info() (6.18): the recorded pid is looked up', () => {
  it("a crashed server's pid is reported as -1; the recovered server's pid after END_USER_RECOVERY", () => {
    const k = createUblk();
    const dev = k.add_dev({ queue_depth: 2, dev_size: '1M', target: 'loop', flags: ['UBLK_F_USER_RECOVERY'] });
    dev.start_dev();
    const first = dev.server!.tgid;
    expect(dev.get_dev_info2().ublksrv_pid).toBe(first);
    dev.kill_server();
    expect(dev.info().ublksrv_pid).toBe(-1);
    expect(dev.ub.dev_info.ublksrv_pid).toBe(first); // the driver keeps it; only the answer is -1
    dev.recover();
    expect(dev.info().ublksrv_pid).toBe(dev.server!.tgid);
    expect(dev.server!.tgid).not.toBe(first);
  });
});

describe('UBLK_U_CMD_START_USER_RECOVERY (ublk_ctrl_start_recovery, 6.18)', () => {
  it('-EINVAL without USER_RECOVERY, -EBUSY while the server holds /dev/ublkcN, then 0 once it is gone', () => {
    const k = createUblk();
    const plain = k.add_dev({ queue_depth: 2, dev_size: '1M', target: 'null' });
    plain.start_dev();
    expect(errnoOf(() => plain.start_user_recovery())).toBe('EINVAL');
    const dev = k.add_dev({ queue_depth: 2, dev_size: '1M', target: 'null', flags: ['UBLK_F_USER_RECOVERY'] });
    dev.start_dev();
    expect(() => dev.start_user_recovery()).toThrow(/still holds \/dev\/ublkc1 open/);
    dev.kill_server();
    dev.start_user_recovery();
    expect(dev.snapshot()).toMatchObject({ state: 'UBLK_S_DEV_QUIESCED', recovering: true });
    dev.end_user_recovery();
    expect(dev.snapshot()).toMatchObject({ state: 'UBLK_S_DEV_LIVE', recovering: false });
  });

  it('-EBUSY on a device that is not QUIESCED or FAIL_IO (stopped: DEAD)', () => {
    const k = createUblk();
    const dev = k.add_dev({ queue_depth: 2, dev_size: '1M', target: 'null', flags: ['UBLK_F_USER_RECOVERY'] });
    dev.start_dev();
    dev.stop_dev();
    expect(() => dev.start_user_recovery()).toThrow(/the device is UBLK_S_DEV_DEAD, not QUIESCED or FAIL_IO/);
  });
});

describe('UBLK_U_CMD_END_USER_RECOVERY (ublk_ctrl_end_recovery, 6.18)', () => {
  it('needs no START_USER_RECOVERY first; a wrong pid is -EINVAL and the device stays QUIESCED', () => {
    const k = createUblk();
    const dev = k.add_dev({ queue_depth: 2, dev_size: '1M', target: 'loop', flags: ['UBLK_F_USER_RECOVERY'] });
    dev.start_dev();
    dev.pwrite(new Uint8Array(4096).fill(7), 0);
    dev.kill_server();
    expect(() => dev.end_user_recovery({ ublksrv_pid: 1 })).toThrow(/END_USER_RECOVERY: pid 1 is not the ublk server/);
    expect(dev.info().state_name).toBe('UBLK_S_DEV_QUIESCED');
    dev.end_user_recovery();
    expect(dev.info().state_name).toBe('UBLK_S_DEV_LIVE');
    expect(dev.pread(4096, 0)[0]).toBe(7);
  });
});

describe('END_USER_RECOVERY kicks the requeue list (ublk_ctrl_end_recovery -> blk_mq_kick_requeue_list, 6.18)', () => {
  it('a read that waited while QUIESCED reaches the new server at once, not at the next 3 ms requeue tick', () => {
    const k = createUblk();
    const dev = k.add_dev({ queue_depth: 4, dev_size: '1M', target: 'loop', flags: ['UBLK_F_USER_RECOVERY'] });
    dev.start_dev();
    dev.kill_server();
    let status: number | null = null;
    const cpu = k.appCpu(0);
    dev.ub.tagset.submit_bios(
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
    k.clock.run(k.clock.now + 4.5e6); // requeued at 0 and 3 ms; the next tick would be at 6 ms
    dev.recover();
    k.clock.run(k.clock.now + 0.5e6);
    expect(status).toBe(0);
  });
});

describe('USER_RECOVERY_FAIL_IO: what happens to I/O (ublk_ch_release_work_fn, ublk_prep_req, 6.18)', () => {
  it('I/O the dead server owned fails with -EIO (no reissue); new I/O fails with -EREMOTEIO (BLK_STS_TARGET)', () => {
    const k = createUblk();
    let hang = true;
    const dev = k.add_dev({
      queue_depth: 4,
      dev_size: '1M',
      flags: ['UBLK_F_USER_RECOVERY', 'UBLK_F_USER_RECOVERY_FAIL_IO'],
      target: { read: (io) => (hang ? undefined : io.len), write: (io) => io.len },
    });
    dev.start_dev();
    let status: number | null = null;
    const cpu = k.appCpu(0);
    dev.ub.tagset.submit_bios(
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
    k.clock.run(k.clock.now + 1e6);
    expect(status).toBeNull();
    dev.kill_server();
    hang = false;
    k.clock.run(k.clock.now + 1e6);
    expect(status).toBe(-5);
    expect(dev.info().state_name).toBe('UBLK_S_DEV_FAIL_IO');
    expect(errnoOf(() => dev.pread(4096, 0))).toBe('EREMOTEIO');
    dev.recover();
    expect(dev.pread(4096, 0).length).toBe(4096);
    expect(dev.invariants()).toEqual([]);
  });

  it('a new server that dies after fetching every tag (which cleared fail_io) leaves FAIL_IO again, not LIVE I/O', () => {
    const k = createUblk();
    const dev = k.add_dev({
      queue_depth: 2,
      dev_size: '1M',
      target: 'null',
      flags: ['UBLK_F_USER_RECOVERY', 'UBLK_F_USER_RECOVERY_FAIL_IO'],
    });
    dev.start_dev();
    dev.kill_server();
    dev.start_user_recovery();
    const srv = fetchingServer(dev);
    expect(dev.ub.queues[0]!.fail_io).toBe(false); // ublk_mark_io_ready() -> ublk_reset_io_flags()
    srv.kill();
    expect(dev.info().state_name).toBe('UBLK_S_DEV_FAIL_IO');
    expect(dev.ub.queues[0]!.fail_io).toBe(true);
    expect(errnoOf(() => dev.pread(4096, 0))).toBe('EREMOTEIO');
    dev.end_user_recovery();
    expect(dev.pread(4096, 0).length).toBe(4096);
  });
});

describe('force_abort (ublk_stop_dev_unlocked, ublk_force_abort_dev, ublk_queue_reinit, 6.18)', () => {
  it('a USER_RECOVERY device stopped and started again fails every I/O with -EIO: nothing clears force_abort', () => {
    const k = createUblk();
    const dev = k.add_dev({ queue_depth: 4, dev_size: '1M', target: 'loop', flags: ['UBLK_F_USER_RECOVERY'] });
    dev.start_dev();
    dev.stop_dev();
    dev.start_dev();
    expect(dev.info().state_name).toBe('UBLK_S_DEV_LIVE');
    expect(errnoOf(() => dev.pread(4096, 0))).toBe('EIO');
  });

  it('without USER_RECOVERY (or with FAIL_IO) force_abort is not looked at: the restarted device serves I/O', () => {
    for (const flags of [[], ['UBLK_F_USER_RECOVERY', 'UBLK_F_USER_RECOVERY_FAIL_IO']]) {
      const k = createUblk();
      const dev = k.add_dev({ queue_depth: 4, dev_size: '1M', target: 'loop', flags });
      dev.start_dev();
      dev.kill_server();
      if (flags.length) dev.stop_dev();
      dev.start_dev();
      expect(dev.pread(4096, 0).length).toBe(4096);
    }
  });
});
