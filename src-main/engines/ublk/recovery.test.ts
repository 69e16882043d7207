import { describe, it, expect } from 'vitest';
import { REQ_OP_READ } from './blk_mq';
import { createUblk } from './index';
import { errnoOf } from './test-util';

describe('server crash and user recovery', () => {
  it('without USER_RECOVERY a crashed server stops the device (DEAD, ENODEV)', () => {
    const k = createUblk();
    const dev = k.add_dev({ queue_depth: 8, dev_size: '1M', target: 'loop' });
    dev.start_dev();
    dev.kill_server();
    expect(dev.info().state_name).toBe('UBLK_S_DEV_DEAD');
    expect(errnoOf(() => dev.pread(4096, 0))).toBe('ENODEV');
    expect(errnoOf(() => dev.recover())).toBe('EINVAL');
  });

  it('USER_RECOVERY: I/O waits (requeued every 3 ms) while QUIESCED and completes on the new server', () => {
    const k = createUblk();
    const dev = k.add_dev({
      nr_hw_queues: 2,
      queue_depth: 8,
      dev_size: '1M',
      target: 'loop',
      flags: ['UBLK_F_USER_RECOVERY'],
    });
    dev.start_dev();
    dev.pwrite(new Uint8Array(4096).fill(0x5a), 8192);
    expect(errnoOf(() => dev.recover())).toBe('EBUSY'); // the server is alive
    dev.kill_server();
    expect(dev.info().state_name).toBe('UBLK_S_DEV_QUIESCED');
    const buf = new Uint8Array(4096);
    let status: number | null = null;
    const cpu = k.appCpu(0);
    dev.ub.tagset.submit_bios(
      0,
      [
        {
          id: 1,
          op: REQ_OP_READ,
          sector: 16,
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
    expect(status).toBeNull();
    expect(dev.ub.tagset.stats.requeues).toBe(4); // at queue_rq (t=0), then at 3, 6 and 9 ms
    dev.recover();
    expect(dev.info().state_name).toBe('UBLK_S_DEV_LIVE');
    k.clock.run(k.clock.now + 10e6);
    expect(status).toBe(0);
    expect(buf.every((b) => b === 0x5a)).toBe(true);
    const r = k.fio({ dev, rw: 'randrw', bs: '4k', iodepth: 8, numjobs: 2, ios: 100, verify: true });
    expect(r.verify!.mismatches).toBe(0);
    dev.stop_dev();
    expect(dev.invariants()).toEqual([]);
  });

  it('USER_RECOVERY_FAIL_IO: new I/O fails at once while the server is gone', () => {
    const k = createUblk();
    const dev = k.add_dev({
      queue_depth: 8,
      dev_size: '1M',
      target: 'loop',
      flags: ['UBLK_F_USER_RECOVERY', 'UBLK_F_USER_RECOVERY_FAIL_IO'],
    });
    dev.start_dev();
    dev.kill_server();
    expect(dev.info().state_name).toBe('UBLK_S_DEV_FAIL_IO');
    // ublk_prep_req() (6.18): fail_io is BLK_STS_TARGET, which blk_status_to_errno() makes -EREMOTEIO
    expect(errnoOf(() => dev.pread(4096, 0))).toBe('EREMOTEIO');
    dev.recover();
    expect(dev.pread(4096, 0).length).toBe(4096);
  });

  it('I/O the dead server owned fails with EIO, or is reissued to the new server with REISSUE', () => {
    for (const reissue of [false, true]) {
      const k = createUblk();
      let hang = true;
      const dev = k.add_dev({
        queue_depth: 4,
        dev_size: '1M',
        flags: reissue ? ['UBLK_F_USER_RECOVERY', 'UBLK_F_USER_RECOVERY_REISSUE'] : ['UBLK_F_USER_RECOVERY'],
        target: { read: (io) => (hang ? undefined : io.len) },
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
      if (!reissue) {
        expect(status).toBe(-5);
      } else {
        expect(status).toBeNull();
        dev.recover();
        k.clock.run(k.clock.now + 10e6);
        expect(status).toBe(0);
      }
      expect(dev.invariants()).toEqual([]);
    }
  });

  it('STOP_DEV then START_DEV again with a new server: the data is still there', () => {
    const k = createUblk();
    const dev = k.add_dev({
      nr_hw_queues: 2,
      queue_depth: 8,
      dev_size: '1M',
      target: 'loop',
      data_path: 'auto_buf_reg',
    });
    dev.start_dev();
    dev.pwrite(new Uint8Array(4096).fill(0x33), 4096);
    dev.stop_dev();
    expect(errnoOf(() => dev.pread(4096, 4096))).toBe('ENODEV');
    dev.start_dev();
    expect(dev.info().state_name).toBe('UBLK_S_DEV_LIVE');
    expect(dev.pread(4096, 4096)[0]).toBe(0x33);
    const r = k.fio({ dev, rw: 'randrw', bs: '4k', iodepth: 8, numjobs: 2, ios: 50, verify: true });
    expect(r.verify!.mismatches).toBe(0);
    dev.stop_dev();
    expect(dev.invariants()).toEqual([]);
  });

  it('snapshot() says when a user recovery is under way (START sent, END not yet), for the tag board', () => {
    const k = createUblk();
    const dev = k.add_dev({
      nr_hw_queues: 2,
      queue_depth: 4,
      dev_size: '8M',
      target: 'fault_inject',
      flags: ['UBLK_F_USER_RECOVERY'],
    });
    dev.start_dev();
    expect(dev.snapshot()).toMatchObject({ state: 'UBLK_S_DEV_LIVE', recovering: false });
    dev.kill_server();
    expect(dev.snapshot()).toMatchObject({ state: 'UBLK_S_DEV_QUIESCED', recovering: false });
    expect(() => dev.recover({ die_during_fetch: true })).toThrow(/SIGKILL/);
    expect(dev.snapshot()).toMatchObject({ state: 'UBLK_S_DEV_QUIESCED', recovering: true });
    dev.recover();
    expect(dev.snapshot()).toMatchObject({ state: 'UBLK_S_DEV_LIVE', recovering: false });
  });
});
