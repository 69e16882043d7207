import { describe, it, expect } from 'vitest';
import { createUblk } from './index';
import type { DataPath } from './index';

const PATHS: DataPath[] = [
  'copy',
  'need_get_data',
  'user_copy',
  'zero_copy',
  'auto_buf_reg',
  'fused',
  'ebpf',
  'splice',
  'remap',
  'batch',
];
const COPYING = new Set<DataPath>(['copy', 'need_get_data', 'user_copy', 'batch']);

describe('every data path moves real bytes correctly', () => {
  for (const target of ['loop', 'stripe', 'mirror'] as const) {
    for (const path of PATHS) {
      it(`${path} on ${target}: verify has 0 mismatches; copies only where the kernel copies`, () => {
        const k = createUblk();
        const dev = k.add_dev({
          nr_hw_queues: 2,
          queue_depth: 16,
          dev_size: '8M',
          target,
          data_path: path,
          chunk: '16K',
        });
        dev.start_dev();
        const bs = target === 'stripe' ? 32768 : 4096; // stripe: every I/O spans 2 chunks -> 2 backend ops
        const w = k.fio({ dev, rw: 'randwrite', bs, iodepth: 8, numjobs: 2, ios: 120, verify: true });
        expect(w.errors).toBe(0);
        expect(w.verify!.checked).toBeGreaterThan(100);
        expect(w.verify!.mismatches).toBe(0);
        const r = k.fio({ dev, rw: 'randread', bs, iodepth: 8, numjobs: 1, ios: 100, verify: true });
        expect(r.errors).toBe(0);
        expect(r.verify!.mismatches).toBe(0);
        expect(r.verify!.checked).toBe(100);
        // randread: NEED_GET_DATA only concerns WRITE, so it copies like copy mode
        expect(r.copied_bytes).toBe(COPYING.has(path) ? 100 * bs : 0);
        expect(w.copied_bytes).toBe(COPYING.has(path) ? w.ios * bs : 0);
        dev.stop_dev();
        expect(dev.invariants()).toEqual([]);
      });
    }
  }
});

describe("io_uring ops per I/O follow each path's SQE sequence (loop, 4 KiB reads)", () => {
  // FETCH is not counted per I/O: COMMIT_AND_FETCH re-arms the slot. Hand-counted from brief §2:
  const expected: Record<string, number> = {
    copy: 2, // backing READ + COMMIT
    user_copy: 3, // backing READ -> WRITE to ublkc (linked) + COMMIT
    zero_copy: 4, // REGISTER_IO_BUF -> READ_FIXED -> UNREGISTER_IO_BUF + COMMIT
    auto_buf_reg: 2, // READ_FIXED + COMMIT
    fused: 3, // FUSED_CMD (primary + secondary) + COMMIT
    splice: 2, // SPLICE + COMMIT
    ebpf: 0, // the BPF program issues the backing I/O from queue_rq; no userspace round trip
  };
  for (const [path, ops] of Object.entries(expected)) {
    it(`${path}: ${ops} ops per I/O`, () => {
      const k = createUblk();
      const dev = k.add_dev({ queue_depth: 16, dev_size: '4M', target: 'loop', data_path: path as DataPath });
      dev.start_dev();
      const r = k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 8, ios: 200 });
      expect(r.uring_ops_per_io).toBeCloseTo(ops, 5);
    });
  }

  it('NEED_GET_DATA costs one more uring_cmd round trip per WRITE', () => {
    const k = createUblk();
    const dev = k.add_dev({ queue_depth: 16, dev_size: '4M', target: 'loop', data_path: 'need_get_data' });
    dev.start_dev();
    const r = k.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 8, ios: 200 });
    expect(r.uring_ops_per_io).toBeCloseTo(3, 5);
    expect(dev.stats().need_get_data).toBe(200);
  });

  it('zero copy on a mirror serialises the linked legs: slower than AUTO_BUF_REG, which fans out', () => {
    const run = (path: DataPath): number => {
      const k = createUblk({ costs: { t_backing_latency: 20000 } });
      const dev = k.add_dev({ queue_depth: 4, dev_size: '4M', target: 'mirror', nr_files: 3, data_path: path });
      dev.start_dev();
      return k.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 1, ios: 50 }).lat.p50;
    };
    const zc = run('zero_copy');
    const auto = run('auto_buf_reg');
    // 3 legs of 20 µs each in series vs in parallel: at least 40 µs apart
    expect(zc - auto).toBeGreaterThan(40);
  });
});

describe('proposal specifics', () => {
  it('splice: READ without SPLICE_F_READ_TO_READ fails with EINVAL (spliced pages cannot be written); WRITE works', () => {
    const k = createUblk();
    const dev = k.add_dev({
      queue_depth: 8,
      dev_size: '4M',
      target: 'loop',
      data_path: 'splice',
      splice_read_to_read: false,
    });
    dev.start_dev();
    const w = k.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 4, ios: 20 });
    expect(w.errors).toBe(0);
    const r = k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 4, ios: 20 });
    expect(r.errors).toBe(20);
    // the server commits -EINVAL; errno_to_blk_status() (6.18) has BLK_STS_INVAL for it, so the reader gets -EINVAL
    expect(r.error_messages[0]).toMatch(/errno \(-22\)/);
  });

  it('remap pays a TLB shootdown per I/O and lets the server see the data', () => {
    const k = createUblk();
    const seen: number[] = [];
    const dev = k.add_dev({
      nr_hw_queues: 2,
      queue_depth: 8,
      dev_size: '4M',
      data_path: 'remap',
      target: {
        write: (io) => {
          seen.push(io.data ? io.data[0]! : -1);
          return io.len;
        },
      },
    });
    dev.start_dev();
    dev.pwrite(new Uint8Array(4096).fill(42), 8192);
    expect(seen).toEqual([42]);
    expect(dev.stats().tlb_shootdowns).toBe(1);
  });

  it('a script target sees no data on zero-copy paths', () => {
    const k = createUblk();
    const seen: (Uint8Array | null)[] = [];
    const dev = k.add_dev({
      queue_depth: 8,
      dev_size: '4M',
      data_path: 'auto_buf_reg',
      target: {
        write: (io) => {
          seen.push(io.data);
          return io.len;
        },
      },
    });
    dev.start_dev();
    dev.pwrite(new Uint8Array(4096).fill(1), 0);
    expect(seen).toEqual([null]);
  });

  it('eBPF: the built-in (stand-in) program handles requests in queue_rq; the server CPU stays idle', () => {
    const k = createUblk();
    const dev = k.add_dev({ queue_depth: 16, dev_size: '4M', target: 'loop', data_path: 'ebpf' });
    dev.start_dev();
    const r = k.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 8, ios: 100, verify: true });
    expect(r.verify!.mismatches).toBe(0);
    expect(dev.stats().bpf_handled).toBe(r.ios + r.verify!.checked);
    expect(r.cpu.server[0]).toBe(0);
  });

  it("a failed REGISTER_IO_BUF: kublk's hardlink still issues the I/O, ublksrv's soft link cancels it", () => {
    const backingReads = (server: 'kublk' | 'ublksrv'): { reads: number; errors: number } => {
      const k = createUblk();
      const dev = k.add_dev({ queue_depth: 4, dev_size: '4M', target: 'loop', data_path: 'zero_copy', server });
      dev.start_dev();
      // occupy every slot of the sparse table: the server's REGISTER_IO_BUF at index = tag fails
      const ring = dev.server!.threads[0]!.ring;
      for (let i = 0; i < 4; i++) ring.register_bvec(i, new Uint8Array(4096), () => {});
      const r = k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 1, ios: 1 });
      return { reads: dev.target.files[0]!.stats.reads, errors: r.errors };
    };
    // file_backed.c: IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_HARDLINK on the register; ublk.loop.cpp: IOSQE_IO_LINK
    expect(backingReads('kublk')).toEqual({ reads: 1, errors: 1 });
    expect(backingReads('ublksrv')).toEqual({ reads: 0, errors: 1 });
  });

  it('AUTO_BUF_REG with the fallback flag: a taken slot gives UBLK_IO_F_NEED_REG_BUF and the server registers itself', () => {
    const k = createUblk();
    const dev = k.add_dev({
      queue_depth: 4,
      dev_size: '4M',
      target: 'loop',
      data_path: 'auto_buf_reg',
      auto_buf_reg_fallback: true,
      flags: ['UBLK_F_SUPPORT_ZERO_COPY'],
    });
    dev.start_dev();
    // occupy every slot of the sparse table so the driver's registration fails
    const ring = dev.server!.threads[0]!.ring;
    for (let i = 0; i < 4; i++) ring.register_bvec(i, new Uint8Array(4096), () => {});
    const wbuf = new Uint8Array(4096).fill(9);
    const occupied = [0, 1, 2, 3].map((i) => ring.bufs[i]);
    // free one slot for the manual REGISTER_IO_BUF of the fallback path to use... the tag's own slot
    const r = k.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 1, ios: 1 });
    expect(r.errors).toBe(1); // the server's manual register at index = tag also finds the slot busy
    expect(dev.stats().auto_buf_reg_fallback).toBe(1);
    for (let i = 0; i < 4; i++) if (ring.bufs[i] === occupied[i]) ring.unregister_bvec(i);
    dev.pwrite(wbuf, 0);
    expect([...dev.pread(4096, 0).subarray(0, 4)]).toEqual([9, 9, 9, 9]);
  });
});

describe('a script-written target', () => {
  for (const path of ['copy', 'need_get_data', 'user_copy', 'remap'] as DataPath[]) {
    it(`a RAM disk written in the script passes verify on ${path} (the server sees the data there)`, () => {
      const k = createUblk();
      const store = new Map<number, Uint8Array>();
      const dev = k.add_dev({
        nr_hw_queues: 2,
        queue_depth: 8,
        dev_size: '1M',
        data_path: path,
        target: {
          write(io) {
            for (let o = 0; o < io.len; o += 512) store.set(io.offset + o, io.data!.slice(o, o + 512));
            return io.len;
          },
          read(io) {
            for (let o = 0; o < io.len; o += 512) io.data!.set(store.get(io.offset + o) ?? new Uint8Array(512), o);
            return io.len;
          },
        },
      });
      dev.start_dev();
      const r = k.fio({ dev, rw: 'randrw', bs: '4k', iodepth: 4, numjobs: 2, ios: 60, verify: true });
      expect(r.errors).toBe(0);
      expect(r.verify!.mismatches).toBe(0);
      expect(r.verify!.checked).toBeGreaterThan(30);
      dev.stop_dev();
      expect(dev.invariants()).toEqual([]);
    });
  }
});
