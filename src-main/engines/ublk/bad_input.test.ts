import { describe, it, expect } from 'vitest';
import { createUblk } from './index';
import { errnoOf } from './test-util';
import type { DataPath } from './index';

describe('bad input gives the kernel errno and leaves the simulation consistent', () => {
  it('bs not a multiple of 512 and iodepth beyond IORING_MAX_ENTRIES are EINVAL', () => {
    const k = createUblk();
    const dev = k.add_dev({ dev_size: '4M', target: 'loop' });
    dev.start_dev();
    expect(errnoOf(() => k.fio({ dev, bs: 1000 }))).toBe('EINVAL');
    expect(errnoOf(() => k.fio({ dev, bs: '4k', iodepth: 40000 }))).toBe('EINVAL');
    expect(errnoOf(() => k.fio({ dev, rw: 'scramble' }))).toBe('EINVAL');
    expect(errnoOf(() => dev.pread(100, 0))).toBe('EINVAL');
    expect(errnoOf(() => k.add_dev({ dev_size: 1000 }))).toBe('EINVAL');
    expect(errnoOf(() => k.add_dev({ data_path: 'teleport' as DataPath }))).toBe('EINVAL');
  });

  it('an iodepth beyond queue_depth waits for tags: nothing is lost', () => {
    const k = createUblk();
    const dev = k.add_dev({ queue_depth: 4, dev_size: '4M', target: 'loop' });
    dev.start_dev();
    const r = k.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 64, ios: 300, verify: true });
    expect(r.errors).toBe(0);
    expect(r.verify!.mismatches).toBe(0);
    expect(dev.ub.tagset.stats.tag_waits).toBeGreaterThan(0);
    expect(dev.invariants()).toEqual([]);
  });

  it('I/O beyond the device size is EIO (bio_check_eod)', () => {
    const k = createUblk();
    const dev = k.add_dev({ dev_size: '1M', target: 'loop' });
    dev.start_dev();
    expect(errnoOf(() => dev.pread(4096, 1024 * 1024))).toBe('EIO');
    expect(errnoOf(() => dev.pwrite(new Uint8Array(8192), 1024 * 1024 - 4096))).toBe('EIO');
    const r = k.fio({ dev, rw: 'write', bs: '64k', iodepth: 4, size: '2M', ios: 32 });
    expect(r.errors).toBe(16);
    expect(r.ios).toBe(16);
    expect(r.error_messages[0]).toMatch(/EIO/);
    expect(dev.ub.tagset.stats.eod_errors).toBeGreaterThanOrEqual(16);
    expect(dev.invariants()).toEqual([]);
  });

  it('a script target that throws fails its I/O with EIO; the device keeps working', () => {
    const k = createUblk();
    let n = 0;
    const dev = k.add_dev({
      queue_depth: 8,
      dev_size: '1M',
      target: {
        read: () => {
          if (n++ % 2 === 0) throw new Error('boom');
          return 4096;
        },
      },
    });
    dev.start_dev();
    const r = k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 1, ios: 10 });
    expect(r.errors).toBe(5);
    expect(r.ios).toBe(5);
    expect(r.error_messages.join('\n')).toMatch(/threw.*boom/);
    dev.stop_dev();
    expect(dev.invariants()).toEqual([]);
  });

  for (const path of ['copy', 'auto_buf_reg', 'user_copy'] as DataPath[]) {
    it(`a script target that never completes (${path}): hung I/O reported, STOP_DEV kills the server, no lost tag or buffer`, () => {
      const k = createUblk();
      const dev = k.add_dev({
        queue_depth: 8,
        dev_size: '1M',
        data_path: path,
        target: { read: () => undefined, write: (io) => io.len },
      });
      dev.start_dev();
      const r = k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 4, ios: 4, timeout: '10ms' });
      expect(r.errors).toBe(4);
      expect(r.error_messages.join('\n')).toMatch(/never completed/);
      expect(dev.ub.tagset.inflight[0]).toBe(4);
      if (path === 'auto_buf_reg') expect(dev.server!.registeredBuffers()).toBe(4);
      dev.stop_dev();
      expect(dev.server!.exited).toBe(true);
      expect(dev.ub.tagset.inflight[0]).toBe(0);
      expect(dev.server!.registeredBuffers()).toBe(0);
      expect(dev.invariants()).toEqual([]);
    });
  }

  it('a failing backing file: EIO to the application, the zero-copy buffer is still unregistered (hard link)', () => {
    const k = createUblk();
    const dev = k.add_dev({ queue_depth: 8, dev_size: '1M', target: 'loop', data_path: 'zero_copy' });
    dev.start_dev();
    dev.target.files[0]!.fail_with = -5;
    const r = k.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 4, ios: 12 });
    expect(r.errors).toBe(12);
    expect(dev.server!.registeredBuffers()).toBe(0);
    dev.target.files[0]!.fail_with = 0;
    expect(k.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 4, ios: 12 }).errors).toBe(0);
    dev.stop_dev();
    expect(dev.invariants()).toEqual([]);
  });

  it('unknown cost parameters are EINVAL; overrides apply', () => {
    expect(errnoOf(() => createUblk({ costs: { t_warp: 1 } as never }))).toBe('EINVAL');
    expect(errnoOf(() => createUblk({ costs: { t_enter: -1 } }))).toBe('EINVAL');
    expect(createUblk({ costs: { t_enter: 1234 } }).costs.t_enter).toBe(1234);
    expect(createUblk({ costs: 'this_machine' }).costs.t_wakeup).toBe(8900);
  });
});

describe('logical block size and the UI snapshot', () => {
  it('a 4 KiB logical block size makes 512-byte I/O EINVAL', () => {
    const k = createUblk();
    const dev = k.add_dev({ dev_size: '1M', target: 'loop', logical_block_size: 4096 });
    dev.start_dev();
    expect(errnoOf(() => k.fio({ dev, bs: 512 }))).toBe('EINVAL');
    expect(errnoOf(() => dev.pread(512, 0))).toBe('EINVAL');
    expect(dev.pread(4096, 4096).length).toBe(4096);
    expect(errnoOf(() => k.add_dev({ logical_block_size: 8192 }))).toBe('EINVAL'); // > PAGE_SIZE: SET_PARAMS refuses
  });

  it('snapshot shows every tag ACTIVE (a FETCH pending) on an idle started device, and a stuck one OWNED_BY_SRV', () => {
    const k = createUblk();
    const dev = k.add_dev({ nr_hw_queues: 2, queue_depth: 4, dev_size: '1M', target: { read: () => undefined } });
    dev.start_dev();
    const s0 = dev.snapshot();
    expect(s0.state).toBe('UBLK_S_DEV_LIVE');
    expect(s0.queues.map((q) => q.tags.map((t) => t.flags.join('|')))).toEqual([
      ['ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE'],
      ['ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE'],
    ]);
    k.fio({ dev, rw: 'read', bs: '4k', iodepth: 1, ios: 1, timeout: '1ms' });
    const stuck = dev.snapshot().queues[0]!.tags.filter((t) => t.request);
    expect(stuck.length).toBe(1);
    expect(stuck[0]!.flags).toEqual(['OWNED_BY_SRV']);
    expect(stuck[0]!.request).toEqual({ op: 'read', sector: 0, nr_sectors: 8 });
  });
});

describe('cost overrides at run time', () => {
  it('set_costs changes the model for later runs', () => {
    const k = createUblk();
    const dev = k.add_dev({ dev_size: '1M', target: 'null' });
    dev.start_dev();
    const a = k.fio({ dev, rw: 'randread', iodepth: 1, ios: 50 }).lat.p50;
    k.set_costs({ t_wakeup: 11000 });
    const b = k.fio({ dev, rw: 'randread', iodepth: 1, ios: 50 }).lat.p50;
    expect(b - a).toBeCloseTo(20, 6); // two sleeping threads per I/O wake 10 µs later each
    expect(errnoOf(() => k.set_costs({ nope: 1 } as never))).toBe('EINVAL');
  });
});
