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

describe("kublk's fault_inject target (selftests/ublk/fault_inject.c)", () => {
  it('--delay_us: at iodepth 1 each I/O takes the delay; deeper, other CQEs end the count-1 timeout early', () => {
    const k = createUblk();
    const dev = k.add_dev({ nr_hw_queues: 1, queue_depth: 8, dev_size: '16M', target: 'fault_inject', delay_us: 100 });
    dev.start_dev();
    const qd1 = k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 1, ios: 20 });
    expect(qd1.errors).toBe(0);
    expect(qd1.lat.min).toBeGreaterThanOrEqual(100);
    expect(qd1.lat.max).toBeLessThan(150);
    // io_uring_prep_timeout(sqe, &ts, 1, 0): the timeout also completes (res 0) once one other CQE is posted
    const qd8 = k.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 8, ios: 200 });
    expect(qd8.errors).toBe(0);
    expect(qd8.lat.p50).toBeLessThan(100);
    dev.stop_dev();
    expect(dev.invariants()).toEqual([]);
  });

  it('refuses --auto_zc_fallback and a bad delay_us (EINVAL)', () => {
    const k = createUblk();
    expect(
      errnoOf(() => k.add_dev({ target: 'fault_inject', data_path: 'auto_buf_reg', auto_buf_reg_fallback: true })),
    ).toBe('EINVAL');
    expect(errnoOf(() => k.add_dev({ target: 'fault_inject', delay_us: -1 }))).toBe('EINVAL');
    expect(errnoOf(() => k.add_dev({ target: 'fault_inject', delay_us: 1.5 }))).toBe('EINVAL');
  });

  // test_generic_17.sh: kill the daemon (QUIESCED), recover with --die_during_fetch 1 (the recovering server is
  // SIGKILLed with tag 0 fetched, exit 137), then DEL_DEV must still complete.
  it('teardown after an incomplete recovery: recover dies mid-fetch, the device stays QUIESCED, del_dev works', () => {
    const k = createUblk();
    const dev = k.add_dev({
      nr_hw_queues: 2,
      queue_depth: 8,
      dev_size: '16M',
      target: 'fault_inject',
      flags: ['UBLK_F_USER_RECOVERY'],
    });
    dev.start_dev();
    dev.kill_server();
    expect(dev.info().state_name).toBe('UBLK_S_DEV_QUIESCED');
    expect(errnoOf(() => dev.recover({ die_during_fetch: true }))).toBe('EINTR');
    expect(dev.info().state_name).toBe('UBLK_S_DEV_QUIESCED');
    // a later recovery without the fault completes and serves I/O
    dev.recover();
    expect(dev.info().state_name).toBe('UBLK_S_DEV_LIVE');
    expect(k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 4, ios: 50 }).errors).toBe(0);
    dev.kill_server();
    expect(errnoOf(() => dev.recover({ die_during_fetch: true }))).toBe('EINTR');
    dev.del_dev();
    expect(dev.invariants()).toEqual([]);
  });

  it('--die_during_fetch at START_DEV: the server dies with tag 0 fetched, START_DEV is interrupted', () => {
    const k = createUblk();
    const dev = k.add_dev({
      nr_hw_queues: 1,
      queue_depth: 4,
      dev_size: '16M',
      target: 'fault_inject',
      die_during_fetch: true,
    });
    expect(errnoOf(() => dev.start_dev())).toBe('EINTR');
    expect(dev.info().state_name).toBe('UBLK_S_DEV_DEAD');
    dev.del_dev();
    expect(errnoOf(() => createUblk().add_dev({ target: 'null' }).recover({ die_during_fetch: true }))).not.toBe(
      'none',
    );
  });

  // selftests/ublk/stripe.c, stripe_queue_tgt_rw_io(): one READV/WRITEV (READV_FIXED/WRITEV_FIXED under zero copy)
  // per backing file, the file's chunks of the request as iovecs; zero copy wraps them in REGISTER/UNREGISTER.
  it('stripe issues one vectored op per backing file, as kublk does, and moves every byte', () => {
    const opsPerIo = (path: DataPath, rw: string): number => {
      const k = createUblk();
      const dev = k.add_dev({
        nr_hw_queues: 1,
        queue_depth: 8,
        dev_size: '8M',
        target: 'stripe',
        nr_files: 2,
        chunk: '16K',
        data_path: path,
      });
      dev.start_dev();
      // 128 KiB at 128 KiB alignment: 8 chunks, 4 in each file
      const r = k.fio({ dev, rw, bs: '128k', iodepth: 4, ios: 40, verify: true });
      expect(r.errors).toBe(0);
      expect(r.verify!.mismatches).toBe(0);
      return r.uring_ops_per_io;
    };
    expect(opsPerIo('copy', 'randwrite')).toBeCloseTo(2 + 1, 5); // 2 WRITEV + COMMIT
    expect(opsPerIo('copy', 'randread')).toBeCloseTo(2 + 1, 5);
    expect(opsPerIo('auto_buf_reg', 'randread')).toBeCloseTo(2 + 1, 5); // 2 READV_FIXED + COMMIT
    expect(opsPerIo('zero_copy', 'randread')).toBeCloseTo(1 + 2 + 1 + 1, 5); // REGISTER, 2 READV_FIXED, UNREGISTER, COMMIT
    // paths kublk's stripe does not have keep one op per contiguous piece (user copy: a READ and a ublkc write each)
    expect(opsPerIo('user_copy', 'randread')).toBeCloseTo(8 * 2 + 1, 5);
    expect(
      errnoOf(() => createUblk().add_dev({ target: 'stripe', data_path: 'auto_buf_reg', auto_buf_reg_fallback: true })),
    ).toBe('EINVAL');
  });
});
