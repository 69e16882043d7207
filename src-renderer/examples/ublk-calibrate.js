// The ublk cost model calibrated to this machine's io_uring, against the published defaults (a loop target, 4k randread).
function run(costs) {
  const k = boot(costs ? { ublk: { costs } } : {});
  const dev = k.ublk.add_dev({ target: 'loop', nr_hw_queues: 1, queue_depth: 64, dev_size: '256M' });
  dev.start_dev();
  return [1, 32].map((iodepth) => {
    const r = k.ublk.fio({ dev, rw: 'randread', bs: '4k', iodepth, ios: 5000 });
    return { model: k.ublk.cost_source, iodepth, iops: Math.round(r.iops), p50_us: Math.round(r.lat.p50 * 10) / 10, p99_us: Math.round(r.lat.p99 * 10) / 10 };
  });
}

// What this machine's io_uring costs (throws EOPNOTSUPP, saying why, where it cannot be measured).
try {
  const p = boot().ublk.uring_probe();
  print(`io_uring NOP: ${p.nop_ns.toFixed(0)} ns alone, ${p.nop_batched_ns.toFixed(0)} ns per op ${p.batch} to an io_uring_enter`);
  print(`4 KiB tmpfs read: ${p.read_4k_ns.toFixed(0)} ns alone, ${p.read_4k_batched_ns.toFixed(0)} ns batched (pread ${p.pread_4k_ns.toFixed(0)} ns)`);
  print('the model from it:', p.calibration);
} catch (e) {
  print(e.message);
}

const rows = [...run(), ...run('host')];   // 'host' falls back to the defaults (with one line why) where there is no probe
lab.table(rows);
lab.chart('4k randread IOPS by cost model', Object.fromEntries(['default', 'host'].map((m) => [m, rows.filter((r) => r.model === m).map((r) => [r.iodepth, r.iops])])), { xlabel: 'iodepth', ylabel: 'IOPS' });
lab.result(rows);
