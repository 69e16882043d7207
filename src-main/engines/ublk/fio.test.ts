import { describe, it, expect } from 'vitest';
import { Prng } from '../common/prng';
import { createUblk } from './index';
import { fillPattern, LAT_SAMPLES_MAX, parseDuration, recordLatency, type FioPhaseStats } from './fio';

describe('fio workload', () => {
  it('is deterministic for a seed', () => {
    const once = (): [number, number] => {
      const k = createUblk({ prng: new Prng(3) });
      const dev = k.add_dev({ nr_hw_queues: 2, queue_depth: 32, dev_size: '64M', target: 'loop' });
      dev.start_dev();
      const r = k.fio({ dev, rw: 'randrw', bs: '4k', iodepth: 16, numjobs: 2, ios: 400 });
      return [r.iops, r.lat.p99];
    };
    expect(once()).toEqual(once());
  });

  it('at QD1 latency is the sum of the serial hops; IOPS = 1 / latency', () => {
    const k = createUblk({ costs: { t_wakeup: 0 } });
    const dev = k.add_dev({ queue_depth: 4, dev_size: '4M', target: 'null' });
    dev.start_dev();
    const r = k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 1, ios: 50 });
    const c = k.costs;
    // app: io_submit + per-I/O submit + queue_rq + task_work_add; server: enter + task_work + dispatch + CQE
    // + commit (enter + sqe + ublk cmd + copy 4 KiB); app: getevents + complete.
    const copy = 4096 / c.B_copy + c.t_pin_page + 20;
    // (O_DIRECT pins the one page of the buffer at submission; the commit ends the request.)
    const expected =
      c.t_app_io +
      c.t_pin_page +
      c.t_app_syscall +
      c.t_queue_rq +
      c.t_tw_add +
      c.t_enter +
      c.t_tw +
      c.t_dispatch +
      c.t_srv_cqe +
      c.t_enter +
      c.t_sqe_cqe +
      c.t_ublk_cmd +
      copy +
      c.t_rq_end +
      c.t_app_syscall +
      c.t_app_complete;
    // fio measures from the end of the submission cost of the I/O to its reaping
    const measured = r.lat.p50 * 1000;
    expect(measured).toBeGreaterThan(expected - c.t_app_io - c.t_pin_page - 1);
    expect(measured).toBeLessThan(expected + 1);
    // one I/O at a time: the cycle is the same chain (first submission amortised over 50 I/Os)
    expect((r.iops * expected) / 1e9).toBeGreaterThan(0.97);
    expect((r.iops * expected) / 1e9).toBeLessThan(1.0001);
  });

  it('O_DIRECT pins each page of the buffer at submission: the application pays t_pin_page per 4 KiB page', () => {
    // ublksrv's null target under zero copy moves no data: the cycle at QD1 differs only by the application's pins
    const cycle = (t_pin_page: number, bs: string): number => {
      const k = createUblk({ costs: { t_wakeup: 0, t_pin_page } });
      const dev = k.add_dev({
        queue_depth: 4,
        dev_size: '4M',
        target: 'null',
        data_path: 'zero_copy',
        server: 'ublksrv',
        max_io_buf_bytes: '1M',
      });
      dev.start_dev();
      return 1e9 / k.fio({ dev, rw: 'randread', bs, iodepth: 1, ios: 200 }).iops;
    };
    expect(cycle(1000, '64k') - cycle(0, '64k')).toBeCloseTo(16 * 1000, -1);
    expect(cycle(1000, '4k') - cycle(0, '4k')).toBeCloseTo(1000, -1);
  });

  it('a pending signal ends a long fio with EINTR (asked every 4096 events); without one fio runs to its end', () => {
    let checks = 0;
    const k = createUblk({ signal_pending: () => ++checks > 3 });
    const dev = k.add_dev({ queue_depth: 4, dev_size: '4M', target: 'null' });
    dev.start_dev();
    expect(() => k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 4, runtime: '100000s' })).toThrow(
      expect.objectContaining({
        errno: 'EINTR',
        message: expect.stringMatching(/^fio: interrupted by a signal after \d+ I\/Os and [\d.]+ ms of virtual time$/),
      }),
    );
    expect(checks).toBe(4);
    const quiet = createUblk();
    const d2 = quiet.add_dev({ queue_depth: 4, dev_size: '4M', target: 'null' });
    d2.start_dev();
    expect(quiet.fio({ dev: d2, rw: 'randread', bs: '4k', iodepth: 4, ios: 64 }).ios).toBe(64);
  });

  it('keeps at most LAT_SAMPLES_MAX latencies: past it an evenly spaced sample, every 2^k-th completion', () => {
    const st = { lat_ns: new Float64Array(1024), nlat: 0, lat_stride: 1, lat_seen: 0 } as FioPhaseStats;
    for (let i = 0; i < 10_000; i++) recordLatency(st, i, 1024);
    expect(st.lat_ns.length).toBe(1024);
    expect(st.lat_stride).toBe(16);
    expect(st.nlat).toBe(Math.ceil(10_000 / 16));
    expect([...st.lat_ns.subarray(0, st.nlat)].every((v, i) => v === i * 16)).toBe(true);
    // Below the cap every completion is kept, as before.
    const small = { lat_ns: new Float64Array(1024), nlat: 0, lat_stride: 1, lat_seen: 0 } as FioPhaseStats;
    for (let i = 0; i < 3000; i++) recordLatency(small, i);
    expect([small.nlat, small.lat_stride]).toEqual([3000, 1]);
    expect(LAT_SAMPLES_MAX).toBe(1 << 22);
  });

  it('runtime limits virtual time; the text output looks like fio', () => {
    const k = createUblk();
    const dev = k.add_dev({ nr_hw_queues: 2, dev_size: '64M', target: 'loop' });
    dev.start_dev();
    const r = k.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 32, numjobs: 2, runtime: '2ms' });
    expect(r.runtime_ns).toBeGreaterThan(2e6 * 0.9);
    expect(r.runtime_ns).toBeLessThan(2e6 * 1.2);
    expect(r.text).toMatch(/write: IOPS=[\d.]+k, BW=\d+MiB\/s/);
    expect(r.text).toMatch(/50\.00th=\[[\d.]+\]/);
    expect(r.text).toMatch(/99\.90th=\[[\d.]+\]/);
    expect(r.text).toMatch(/Run status group 0 \(all jobs\):\n {2}WRITE: bw=\d+MiB\/s/);
    expect(r.cpu.app.length).toBe(2);
    expect(r.cpu.server.length).toBe(2);
  });

  it('samples per-I/O events in pipeline order', () => {
    const k = createUblk();
    const dev = k.add_dev({ dev_size: '4M', target: 'loop' });
    dev.start_dev();
    const r = k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 4, ios: 64, trace_every: 16 });
    const ids = new Set(r.trace.map((e) => e.id));
    expect([...ids].sort((a, b) => a - b)).toEqual([0, 16, 32, 48]);
    const one = r.trace.filter((e) => e.id === 16).map((e) => e.kind);
    expect(one).toEqual(['submit', 'queue_rq', 'task_work', 'server_cqe', 'backend', 'commit', 'complete', 'reap']);
    const ts = r.trace.filter((e) => e.id === 16).map((e) => e.t);
    for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeGreaterThanOrEqual(ts[i - 1]!);
  });

  it('verify patterns differ by block and generation', () => {
    const a = new Uint8Array(512);
    const b = new Uint8Array(512);
    fillPattern(a, 1, 1);
    fillPattern(b, 1, 2);
    expect(a).not.toEqual(b);
    fillPattern(b, 1, 1);
    expect(a).toEqual(b);
    expect(parseDuration('10ms')).toBe(1e7);
    expect(parseDuration('3us')).toBe(3000);
  });
});

describe('fio latency percentiles', () => {
  it('picks nearest-rank percentiles (µs) of latencies in ns', async () => {
    const { percentiles } = await import('./stats');
    const a = new Float64Array(1000);
    for (let i = 0; i < 1000; i++) a[i] = (((i * 7919) % 1000) + 1) * 1000; // 1..1000 µs, shuffled
    const p = percentiles(a);
    expect([p.p50, p.p99, p.p999, p.mean, p.max, p.min]).toEqual([500, 990, 999, 500.5, 1000, 1]);
    expect(p.table[0]).toEqual([1, 10]);
    expect(p.table[p.table.length - 1]).toEqual([99.99, 1000]);
    expect(p.stdev).toBeCloseTo(Math.sqrt((1000 * 1000 - 1) / 12), 6);
    expect(percentiles(new Float64Array([5000])).p999).toBe(5);
    // percentiles, min and max in whole nanoseconds, as fio's samples are: no 8.52420000000298 µs
    const f = percentiles(new Float64Array([1000.4, 8524.20000000298]));
    expect([f.p50, f.p99, f.min, f.max]).toEqual([1, 8.524, 1, 8.524]);
  });
});

describe('traces of the eBPF path', () => {
  it('show no userspace hop: queue_rq, backend, complete', async () => {
    const { createUblk: mk } = await import('./index');
    const k = mk();
    const dev = k.add_dev({ dev_size: '4M', target: 'loop', data_path: 'ebpf' });
    dev.start_dev();
    const r = k.fio({ dev, rw: 'randread', bs: '4k', iodepth: 2, ios: 8, trace_every: 4 });
    expect(r.trace.filter((e) => e.id === 4).map((e) => e.kind)).toEqual([
      'submit',
      'queue_rq',
      'backend',
      'complete',
      'reap',
    ]);
  });
});
