/**
 * The control commands the model lacked (issue 19 item 5), against drivers/block/ublk_drv.c of Linux 6.18
 * (rpi-6.18.y, raspberrypi/linux 0121c84adb6a): GET_FEATURES, GET_DEV_INFO2, DEL_DEV_ASYNC, QUIESCE_DEV and
 * TRY_STOP_DEV (after 6.18), with their state rules. Each test names the driver function it follows.
 */
import { describe, it, expect } from 'vitest';
import { REQ_OP_READ } from './blk_mq';
import { createUblk } from './index';
import { errnoOf } from './test-util';
import { UBLK_F, UBLK_F_ALL } from './ublk_cmd';

describe('UBLK_U_CMD_GET_FEATURES (ublk_ctrl_get_features, 6.18)', () => {
  it('answers UBLK_F_ALL: bits 0-14, plus BATCH_IO and SHMEM_ZC (after 6.18, modelled from mainline), no other later flag', () => {
    const k = createUblk();
    const f = k.get_features();
    expect(f.features).toBe(UBLK_F_ALL | UBLK_F.UBLK_F_BATCH_IO | UBLK_F.UBLK_F_SHMEM_ZC);
    expect(f.features).toBe(0x8ffff);
    expect(f.feature_names).toHaveLength(17);
    expect(f.feature_names).toContain('UBLK_F_BUF_REG_OFF_DAEMON');
    expect(f.feature_names).toContain('UBLK_F_BATCH_IO');
    expect(f.feature_names).toContain('UBLK_F_SHMEM_ZC');
    expect(f.feature_names).not.toContain('UBLK_F_INTEGRITY');
    // a driver without the later features installed answers 6.18's mask
    k.drv.batch_ops = null;
    k.drv.shmem_ops = null;
    expect(k.get_features().features).toBe(0x7fff);
  });
});

describe('UBLK_U_CMD_GET_DEV_INFO2 (ublk_ctrl_get_dev_info, 6.18)', () => {
  it('answers what GET_DEV_INFO answers, and -ENODEV once the device is deleted', () => {
    const k = createUblk();
    const d = k.add_dev({ dev_size: '1M' });
    expect(d.get_dev_info2()).toEqual(d.info());
    d.start_dev();
    expect(d.get_dev_info2().state_name).toBe('UBLK_S_DEV_LIVE');
    d.del_dev();
    expect(errnoOf(() => d.get_dev_info2())).toBe('ENODEV');
  });
});

describe('UBLK_U_CMD_DEL_DEV_ASYNC (ublk_ctrl_del_dev(wait=false), 6.18)', () => {
  it('removes a live device; the id can be added again; a second delete finds no device (-ENODEV)', () => {
    const k = createUblk();
    const d = k.add_dev({ dev_id: 3, dev_size: '1M' });
    d.start_dev();
    d.del_dev_async();
    expect(errnoOf(() => d.info())).toBe('ENODEV');
    expect(errnoOf(() => d.del_dev_async())).toBe('ENODEV');
    expect(k.add_dev({ dev_id: 3 }).info().dev_id).toBe(3);
  });
});

describe('UBLK_U_CMD_TRY_STOP_DEV', () => {
  it('is after 6.18: the 6.18 ublk_ctrl_uring_cmd() answers -EOPNOTSUPP (its switch has no case for 0x17)', () => {
    const k = createUblk();
    const d = k.add_dev({ dev_size: '1M' });
    d.start_dev();
    expect(errnoOf(() => d.try_stop_dev())).toBe('EOPNOTSUPP');
    expect(d.info().state_name).toBe('UBLK_S_DEV_LIVE');
  });
});

describe('UBLK_U_CMD_QUIESCE_DEV (ublk_ctrl_quiesce_dev, 6.18)', () => {
  const RQ = ['UBLK_F_USER_RECOVERY', 'UBLK_F_QUIESCE'];

  it('-EOPNOTSUPP without UBLK_F_QUIESCE; UBLK_F_QUIESCE needs USER_RECOVERY at ADD_DEV (-EINVAL)', () => {
    const k = createUblk();
    const d = k.add_dev({ dev_size: '1M', flags: ['UBLK_F_USER_RECOVERY'] });
    d.start_dev();
    expect(errnoOf(() => d.quiesce_dev())).toBe('EOPNOTSUPP');
    expect(errnoOf(() => k.add_dev({ flags: ['UBLK_F_QUIESCE'] }))).toBe('EINVAL');
  });

  it('-ENODEV without a disk (not started, or stopped)', () => {
    const k = createUblk();
    const d = k.add_dev({ dev_size: '1M', flags: RQ });
    expect(errnoOf(() => d.quiesce_dev())).toBe('ENODEV');
    d.start_dev();
    d.stop_dev();
    expect(errnoOf(() => d.quiesce_dev())).toBe('ENODEV');
  });

  it('LIVE -> QUIESCED: idle FETCHes get ABORT, the server leaves; I/O waits until recovery, then completes', () => {
    const k = createUblk();
    const d = k.add_dev({ nr_hw_queues: 2, queue_depth: 8, dev_size: '1M', target: 'loop', flags: RQ });
    d.start_dev();
    d.pwrite(new Uint8Array(4096).fill(0x3c), 4096);
    d.quiesce_dev(1000);
    expect(d.info().state_name).toBe('UBLK_S_DEV_QUIESCED');
    expect(d.server!.exited).toBe(true);
    expect(d.ub.queues.every((q) => q.canceling)).toBe(true);
    // already not LIVE: 0 without doing anything
    d.quiesce_dev();
    expect(d.info().state_name).toBe('UBLK_S_DEV_QUIESCED');
    const buf = new Uint8Array(4096);
    let status: number | null = null;
    const cpu = k.appCpu(0);
    d.ub.tagset.submit_bios(
      0,
      [
        {
          id: 1,
          op: REQ_OP_READ,
          sector: 8,
          nr_sectors: 8,
          data: buf,
          cpu,
          end_io: (st) => {
            status = st;
          },
        },
      ],
      { cpu, t: k.clock.now },
    );
    k.clock.run(k.clock.now + 10e6);
    expect(status).toBeNull(); // requeued while QUIESCED
    d.recover();
    expect(d.info().state_name).toBe('UBLK_S_DEV_LIVE');
    k.clock.run(k.clock.now + 10e6);
    expect(status).toBe(0);
    expect(buf.every((b) => b === 0x3c)).toBe(true);
    d.stop_dev();
    expect(d.invariants()).toEqual([]);
  });

  it('requests the server holds finish before it leaves (kublk waits for its target I/O)', () => {
    const k = createUblk();
    const d = k.add_dev({ queue_depth: 4, dev_size: '1M', target: 'loop', flags: RQ });
    d.start_dev();
    const ends: number[] = [];
    const cpu = k.appCpu(0);
    d.ub.tagset.submit_bios(
      0,
      [0, 1].map((i) => ({
        id: i,
        op: REQ_OP_READ,
        sector: i * 8,
        nr_sectors: 8,
        data: new Uint8Array(4096),
        cpu,
        end_io: (st: number) => ends.push(st),
      })),
      { cpu, t: k.clock.now },
    );
    // let the server take both requests, but not finish them
    k.clock.run(Infinity, () => d.server!.threads[0]!.busyTags === 2);
    expect(ends).toEqual([]);
    d.quiesce_dev(100);
    k.clock.run(k.clock.now + 1e6); // the completions the last commits posted
    expect(ends).toEqual([0, 0]);
    expect(d.server!.exited).toBe(true);
    expect(d.info().state_name).toBe('UBLK_S_DEV_QUIESCED');
    d.recover();
    expect(d.pread(4096, 0).length).toBe(4096);
  });

  it('with USER_RECOVERY_FAIL_IO the device ends FAIL_IO: new I/O fails at once', () => {
    const k = createUblk();
    const d = k.add_dev({
      dev_size: '1M',
      flags: ['UBLK_F_USER_RECOVERY', 'UBLK_F_USER_RECOVERY_FAIL_IO', 'UBLK_F_QUIESCE'],
    });
    d.start_dev();
    d.quiesce_dev();
    expect(d.info().state_name).toBe('UBLK_S_DEV_FAIL_IO');
    // ublk_prep_req() (6.18): fail_io is BLK_STS_TARGET, which blk_status_to_errno() makes -EREMOTEIO
    expect(errnoOf(() => d.pread(4096, 0))).toBe('EREMOTEIO');
    d.recover();
    expect(d.pread(4096, 0).length).toBe(4096);
  });

  it('bad timeout_ms: -EINVAL before anything changes', () => {
    const k = createUblk();
    const d = k.add_dev({ dev_size: '1M', flags: RQ });
    d.start_dev();
    expect(errnoOf(() => d.quiesce_dev(-1))).toBe('EINVAL');
    expect(errnoOf(() => d.quiesce_dev(1.5))).toBe('EINVAL');
    expect(d.info().state_name).toBe('UBLK_S_DEV_LIVE');
    expect(UBLK_F.UBLK_F_QUIESCE & d.info().flags).toBeTruthy();
  });
});

describe('UBLK_U_CMD_END_USER_RECOVERY (ublk_ctrl_end_recovery, 6.18)', () => {
  it('checks the pid (-EINVAL), then UBLK_F_USER_RECOVERY (-EINVAL), then the state (-EBUSY)', () => {
    const k = createUblk();
    const plain = k.add_dev({ dev_size: '1M' });
    plain.start_dev();
    const pid = plain.server!.tgid;
    // ublk_validate_user_pid(): not the process that opened /dev/ublkcN
    expect(() => k.drv.ublk_ctrl_end_recovery(plain.ub, pid + 1)).toThrow(
      /END_USER_RECOVERY: pid \d+ is not the ublk server/,
    );
    // ublk_nosrv_should_stop_dev(): no UBLK_F_USER_RECOVERY
    expect(() => k.drv.ublk_ctrl_end_recovery(plain.ub, pid)).toThrow(/no UBLK_F_USER_RECOVERY/);
    const rec = k.add_dev({ dev_size: '1M', flags: ['UBLK_F_USER_RECOVERY'] });
    rec.start_dev();
    expect(errnoOf(() => k.drv.ublk_ctrl_end_recovery(rec.ub, rec.server!.tgid))).toBe('EBUSY'); // LIVE is not recoverable
  });
});
