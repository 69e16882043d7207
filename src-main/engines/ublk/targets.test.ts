import { describe, it, expect } from 'vitest';
import { createUblk } from './index';
import type { DataPath } from './index';
import { errnoOf } from './test-util';

describe('the null target as kublk and ublksrv run it', () => {
  // tools/testing/selftests/ublk/null.c, ublk_null_queue_io() (Linux 6.18): -z queues REGISTER_IO_BUF
  // (CQE_SKIP_SUCCESS, hardlinked) -> NOP(FIXED_BUFFER | INJECT_RESULT) -> UNREGISTER_IO_BUF; --auto_zc only the
  // NOP on the auto-registered buffer; the copy path completes at once. Plus the COMMIT_AND_FETCH of each I/O.
  const kublk: [DataPath, number][] = [
    ['copy', 1],
    ['user_copy', 1],
    ['zero_copy', 4],
    ['auto_buf_reg', 2],
  ];
  for (const [path, ops] of kublk) {
    it(`kublk null, ${path}: ${ops} io_uring ops per I/O, every buffer unregistered`, () => {
      const k = createUblk();
      const dev = k.add_dev({ nr_hw_queues: 1, queue_depth: 16, dev_size: '8M', target: 'null', data_path: path });
      dev.start_dev();
      const r = k.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 8, ios: 200 });
      expect(r.errors).toBe(0);
      expect(r.uring_ops_per_io).toBe(ops);
      expect(dev.snapshot().queues[0]!.ring!.registered_bvecs).toBe(0);
      dev.stop_dev();
      expect(dev.invariants()).toEqual([]);
    });
  }

  it('ublksrv null (targets/ublk.null.cpp) completes at once even under zero copy: 1 op per I/O', () => {
    const k = createUblk();
    const dev = k.add_dev({
      nr_hw_queues: 1,
      queue_depth: 16,
      dev_size: '8M',
      target: 'null',
      data_path: 'zero_copy',
      server: 'ublksrv',
    });
    dev.start_dev();
    expect(k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 8, ios: 200 }).uring_ops_per_io).toBe(1);
  });

  it('registering on null costs the server: AUTO_BUF_REG beats explicit zero copy, ublksrv null does not care', () => {
    const run = (path: DataPath, server: 'kublk' | 'ublksrv'): number => {
      const k = createUblk();
      const dev = k.add_dev({
        nr_hw_queues: 1,
        queue_depth: 64,
        dev_size: '64M',
        target: 'null',
        data_path: path,
        server,
      });
      dev.start_dev();
      return k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 64, ios: 2000 }).iops;
    };
    expect(run('auto_buf_reg', 'kublk') / run('zero_copy', 'kublk')).toBeGreaterThan(1.3);
    expect(run('auto_buf_reg', 'ublksrv') / run('zero_copy', 'ublksrv')).toBeLessThan(1.05);
  });

  it('an unknown server is EINVAL', () => {
    const k = createUblk();
    expect(errnoOf(() => k.add_dev({ server: 'spdk' as 'kublk' }))).toBe('EINVAL');
  });
});

describe('bios above max_sectors are split (bio_split_to_limits)', () => {
  it('a 1 MiB read or write on a 512 KiB max_io_buf_bytes device is two requests and moves every byte', () => {
    for (const path of ['copy', 'zero_copy'] as DataPath[]) {
      const k = createUblk();
      const dev = k.add_dev({
        nr_hw_queues: 1,
        queue_depth: 8,
        dev_size: '16M',
        target: 'loop',
        data_path: path,
        max_io_buf_bytes: '512K',
      });
      dev.start_dev();
      const data = new Uint8Array(1 << 20);
      for (let i = 0; i < data.length; i += 512) data[i] = (i >> 9) & 0xff;
      expect(dev.pwrite(data, 1 << 20)).toBe(1 << 20);
      const back = dev.pread(1 << 20, 1 << 20);
      expect(back.findIndex((b, i) => b !== data[i])).toBe(-1);
      const st = dev.stats();
      expect(st.completed).toBe(4);
      expect(st.copied_bytes).toBe(path === 'copy' ? 2 * (1 << 20) : 0);
    }
  });
});
