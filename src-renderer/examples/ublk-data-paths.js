// IOPS and p99 latency against block size for three ublk data paths: the copy, user copy and zero copy.
const paths = ['copy', 'user_copy', 'zero_copy'];
const sizes = [4, 16, 64, 256];
const iops = [];
const lat = [];
const rows = [];
for (const data_path of paths) {
  const k = boot();
  const dev = k.ublk.add_dev({ target: 'loop', nr_hw_queues: 1, queue_depth: 64, dev_size: '1G', data_path });
  dev.start_dev();
  const pi = [];
  const pl = [];
  for (const kb of sizes) {
    const r = k.ublk.fio({ dev, rw: 'randread', bs: kb + 'k', iodepth: 32, ios: 2000 });
    pi.push([kb, Math.round(r.iops)]);
    pl.push([kb, r.lat.p99]);
    rows.push({ data_path, bs_kb: kb, iops: Math.round(r.iops), p99_us: Math.round(r.lat.p99 * 10) / 10, copied_bytes: r.copied_bytes });
  }
  iops.push({ label: data_path, points: pi });
  lat.push({ label: data_path, points: pl });
  dev.del_dev();
}
lab.chart('IOPS against block size', iops, { xlabel: 'block size (KiB)', ylabel: 'IOPS' });
lab.chart('p99 latency against block size', lat, { xlabel: 'block size (KiB)', ylabel: 'µs' });
lab.table(rows, 'fio randread, iodepth 32');
