// Lab 09: offloading a stripe target to eBPF.
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
  return {
    path, qd, bs,
    iops: Math.round(r.iops),
    p50: r.lat.p50,
    server_cpu: r.cpu.server.reduce((a, b) => a + b, 0),
    // TODO: cpu_us_per_io, the CPU time (application + server, every CPU) spent per I/O, in µs.
    cpu_us_per_io: 0,
    uring_ops_per_io: r.uring_ops_per_io,
  };
}

const rows = [];
// TODO: every data path of PATHS at both depths of DEPTHS, not only copy and ebpf at iodepth 32.
for (const bs of SIZES) for (const path of ['copy', 'ebpf']) rows.push(point(path, bs, 32));
lab.table(rows);

// TODO: offload_gain['qd/bs'] = ebpf IOPS / auto_buf_reg IOPS, converge[qd] = the smallest block size where it is
// below 1.1 (null if none), latency_gain_4k = p50 of copy / p50 of ebpf at 4K and iodepth 1. Chart what you find.
const offload_gain = {};
const converge = {};
const latency_gain_4k = 0;
lab.result({ rows, offload_gain, converge, latency_gain_4k });
