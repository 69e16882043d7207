// Lab 09, reference solution: a RAID-0 stripe target on four data paths, among them the eBPF offload.
const SEED = 9;
const PATHS = ['copy', 'zero_copy', 'auto_buf_reg', 'ebpf'];
const SIZES = [4096, 65536, 262144, 1048576];
const DEPTHS = [1, 32];

/** One point: a fresh machine, a stripe device (4 backing files, 64K chunks) on `path`, one fio run. */
function point(path, bs, qd) {
  const k = boot({ memory: '64M', seed: SEED });
  const dev = k.ublk.add_dev({
    dev_size: '256M', queue_depth: 64, max_io_buf_bytes: '1M',
    target: 'stripe', nr_files: 4, chunk: '64K', data_path: path,
  });
  dev.start_dev();
  const r = k.ublk.fio({ dev, rw: 'randread', bs, iodepth: qd, ios: qd === 1 ? 64 : 256 });
  const busy = r.cpu.app.reduce((a, b) => a + b, 0) + r.cpu.server.reduce((a, b) => a + b, 0);
  return {
    path, qd, bs,
    iops: Math.round(r.iops),
    p50: r.lat.p50,
    server_cpu: r.cpu.server.reduce((a, b) => a + b, 0),
    cpu_us_per_io: ((busy / 100) * (r.runtime_ns / 1000)) / r.ios,
    uring_ops_per_io: r.uring_ops_per_io,
  };
}

const rows = [];
for (const qd of DEPTHS) for (const bs of SIZES) for (const path of PATHS) rows.push(point(path, bs, qd));

const kib = (b) => `${b / 1024}K`;
lab.table(rows.map((r) => ({ ...r, bs: kib(r.bs), p50: r.p50.toFixed(1), cpu_us_per_io: r.cpu_us_per_io.toFixed(2) })));
for (const qd of DEPTHS) {
  lab.chart(`IOPS, iodepth ${qd}`, Object.fromEntries(PATHS.map((p) => [p, rows.filter((r) => r.qd === qd && r.path === p).map((r) => [r.bs / 1024, r.iops])])), { xlabel: 'block size (KiB)', ylabel: 'IOPS' });
}
lab.chart('CPU per I/O, iodepth 32', Object.fromEntries(PATHS.map((p) => [p, rows.filter((r) => r.qd === 32 && r.path === p).map((r) => [r.bs / 1024, r.cpu_us_per_io])])), { xlabel: 'block size (KiB)', ylabel: 'CPU µs per I/O (application + server)' });

// How much does the offload add over the best merged path (AUTO_BUF_REG), and from which size is it within 10 %?
const get = (path, bs, qd) => rows.find((r) => r.path === path && r.bs === bs && r.qd === qd);
const offload_gain = {};
const converge = {};
for (const qd of DEPTHS) {
  converge[qd] = null;
  for (const bs of SIZES) {
    const g = get('ebpf', bs, qd).iops / get('auto_buf_reg', bs, qd).iops;
    offload_gain[`${qd}/${bs}`] = g;
    if (converge[qd] === null && g < 1.1) converge[qd] = bs;
  }
}
lab.chart('offload gain over AUTO_BUF_REG', Object.fromEntries(DEPTHS.map((qd) => [`iodepth ${qd}`, SIZES.map((bs) => [bs / 1024, offload_gain[`${qd}/${bs}`]])])), { xlabel: 'block size (KiB)', ylabel: 'IOPS ratio' });
const latency_gain_4k = get('copy', 4096, 1).p50 / get('ebpf', 4096, 1).p50;
print('the offload is within 10 % of AUTO_BUF_REG from', JSON.stringify(converge), '(iodepth: block size)');
print(`at 4K and iodepth 1 the offload cuts the median latency of copy x${latency_gain_4k.toFixed(2)}`);
lab.result({ rows, offload_gain, converge, latency_gain_4k });
